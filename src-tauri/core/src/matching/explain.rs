//! Scoring a pair, and the explanation that is the score: the prior, each field's level and its
//! contribution in bits, the total and the probability. There is exactly one scoring function,
//! `score_levels`; the probability is always derived from the explanation's own sum, so what a
//! supervisor reads is, by construction, what the decision used.

use serde::{Deserialize, Serialize};

use super::compare::{compare, Level, Levels};
use super::model::{probability_from_bits, Model};
use super::record::{Field, Prepared};

/// Term-frequency adjustments are bounded so that one rare (or misspelt) value cannot outweigh
/// every other field on its own.
const MAX_FREQUENCY_ADJUSTMENT_BITS: f64 = 4.0;

/// One field's part in a pair's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub field: Field,
    pub level: Level,
    /// Evidence in bits: positive for a match, negative against, zero when missing.
    pub bits: f64,
    /// Whether the weight was adjusted for how common the shared value is.
    pub frequency_adjusted: bool,
}

/// Why a pair scored as it did. Cheap to copy; the values it refers to are the records' own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub prior_bits: f64,
    pub contributions: [Contribution; Field::COUNT],
}

impl Explanation {
    /// The prior plus every field's contribution, summed in field order.
    pub fn total_bits(&self) -> f64 {
        self.contributions
            .iter()
            .fold(self.prior_bits, |acc, c| acc + c.bits)
    }

    /// The match probability: a function of `total_bits` and nothing else.
    pub fn probability(&self) -> f64 {
        probability_from_bits(self.total_bits())
    }

    pub fn levels(&self) -> Levels {
        let mut levels = [Level::Missing; Field::COUNT];
        for (i, c) in self.contributions.iter().enumerate() {
            levels[i] = c.level;
        }
        levels
    }

    pub fn contribution(&self, field: Field) -> &Contribution {
        &self.contributions[field.index()]
    }
}

/// Score a pair: compare every field, then weigh the levels.
pub(crate) fn score(model: &Model, population: u32, a: &Prepared, b: &Prepared) -> Explanation {
    score_levels(model, population, &compare(a, b), a, b)
}

/// The one place where a pair's evidence is weighed.
///
/// For fields with term frequencies, exact agreement on a value held by a share `f` of all
/// records weighs log2(m / f) instead of log2(m / u): sharing "smith" says less than sharing
/// "neumann".
pub(crate) fn score_levels(
    model: &Model,
    population: u32,
    levels: &Levels,
    a: &Prepared,
    b: &Prepared,
) -> Explanation {
    let mut contributions = [Contribution {
        field: Field::GivenName,
        level: Level::Missing,
        bits: 0.0,
        frequency_adjusted: false,
    }; Field::COUNT];
    for field in Field::ALL {
        let i = field.index();
        let level = levels[i];
        let mut bits = model.bits(field, level);
        let mut frequency_adjusted = false;
        if level == Level::Exact && field.has_term_frequency() && population > 0 {
            let count = a.frequency[i].max(b.frequency[i]).max(1);
            let share = f64::from(count) / f64::from(population);
            let u = model.u[i][Level::Exact.index()].max(1e-9);
            let adjustment = (u / share).log2().clamp(
                -MAX_FREQUENCY_ADJUSTMENT_BITS,
                MAX_FREQUENCY_ADJUSTMENT_BITS,
            );
            bits += adjustment;
            frequency_adjusted = true;
        }
        contributions[i] = Contribution {
            field,
            level,
            bits,
            frequency_adjusted,
        };
    }
    Explanation {
        prior_bits: model.prior_bits(),
        contributions,
    }
}
