//! Record linkage: deciding which source records are the same customer, with the evidence.
//!
//! The pipeline, in the Fellegi-Sunter tradition: deterministic links from stored
//! cross-references; blocking by several rules (union of candidate pairs); comparison levels
//! per field; m and u probabilities estimated by EM from the data (u also from random pairs)
//! with priors; term-frequency adjustment for common values; a weight in bits per pair and an
//! explanation of it; three outcomes by two thresholds (link, review, no link); clustering
//! that never chains two people through a third record and keeps one record per system in a
//! customer unless that system is deduplicated; stable customer IDs; incremental matching.
//!
//! This module never does I/O and never reads the clock. It never merges anything in a source
//! system: its output is links between records, which callers may store, show and undo.

mod blocking;
mod compare;
mod engine;
mod explain;
mod fast;
mod model;
mod nickname;
mod phonetic;
mod record;
mod rng;
mod similarity;

pub use blocking::{BlockingRule, BlockingStats};
pub use compare::{levels_of, Level, Levels};
pub use engine::{
    CustomerId, Decision, FieldEvidence, Ledger, Linker, MatchConfig, MatchError, MatchResult,
    MatchStats, PairOutcome, Reason, RecordIx,
};
pub use explain::{Contribution, Explanation};
pub use model::{estimate, probability_from_bits, EmOptions, EmReport, Model};
pub use nickname::are_nicknames;
pub use phonetic::{nysiis, soundex};
pub use record::{Field, MatchRecord, SourceKey};
pub use rng::SplitMix64;
pub use similarity::{edit_distance_within, jaro, jaro_winkler};

#[cfg(test)]
mod tests;
