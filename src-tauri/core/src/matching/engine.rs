//! The matching engine: deterministic links from cross-references, blocking, comparison,
//! estimation, scoring, the three outcomes, and clustering into customers with stable IDs.
//!
//! A `Linker` holds the records it has seen, so new and changed records are matched against
//! them incrementally without renumbering existing customers. It never performs I/O and never
//! reads the clock: records, the previous ID ledger and the configuration are passed in.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::blocking::{pack, unpack, BlockIndex, BlockingRule, BlockingStats};
use super::compare::{compare, levels_of, Level, Levels};
use super::explain::{score, score_levels, Explanation};
use super::fast::{in_parallel, FastMap, FastSet};
use super::model::{estimate, u_from_random_pairs, EmOptions, EmReport, Model};
use super::record::{prepare, Field, MatchRecord, Prepared, SourceKey};
use super::rng::SplitMix64;

/// Blocks in which m is estimated, each with its own fields left out of the estimate.
const TRAINING_RULES: [(Field, Field); 2] = [
    (Field::GivenName, Field::Surname),
    (Field::BirthDate, Field::Postcode),
];

/// Enough pairs for EM to estimate every level well; more only costs time.
const MAX_TRAINING_PAIRS: usize = 2_000_000;

fn sorted(counts: FastMap<Levels, u64>) -> Vec<(Levels, u64)> {
    let mut patterns: Vec<(Levels, u64)> = counts.into_iter().collect();
    patterns.sort_unstable_by_key(|p| p.0);
    patterns
}

/// Index of a record inside a `Linker`, in the order records were given.
pub type RecordIx = u32;

/// A merged customer's ID. Stable: kept by the customer across runs as long as any of its
/// records stays in it, and never given to another customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub u64);

/// The outcome for a pair of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Link,
    Review,
    NoLink,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Link => "link",
            Decision::Review => "review",
            Decision::NoLink => "no_link",
        }
    }
}

/// Why a pair got its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// One system stores the other system's ID for this record.
    CrossReference,
    /// The probability against the two thresholds.
    Score,
    /// Only the email agrees: never enough for an automatic link.
    EmailOnly,
    /// An email or tax ID agrees exactly; a person should look even though the rest differs.
    SharedIdentifier,
    /// Linking would put two records of one system into one customer.
    OneRecordPerSystem,
    /// Linking would join a record to one it strongly disagrees with, through a third.
    StrongNonMatchInCluster,
    /// Linking would exceed the largest customer the engine builds automatically.
    ClusterTooLarge,
    /// The two records were kept apart by a decision.
    KeptApart,
    /// Not compared as a candidate, but linked through other records of the same customer.
    SameCustomer,
}

/// A scored pair with its outcome: what review items and the merged account are built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairOutcome {
    pub left: RecordIx,
    pub right: RecordIx,
    pub explanation: Explanation,
    pub decision: Decision,
    pub reason: Reason,
}

impl PairOutcome {
    pub fn probability(&self) -> f64 {
        self.explanation.probability()
    }
}

/// One line of an explanation as a supervisor reads it: the field, both values as compared,
/// the level and its weight. The weight is copied from the explanation, never recomputed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvidence {
    pub field: Field,
    pub level: Level,
    pub left: Option<String>,
    pub right: Option<String>,
    pub bits: f64,
    pub frequency_adjusted: bool,
}

/// Settings of the engine. The defaults are tuned on the FEBRL benchmark data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchConfig {
    /// At or above this probability a pair links automatically.
    pub link_probability: f64,
    /// At or above this (and below the link threshold) a pair becomes a review item.
    pub review_probability: f64,
    /// Two records whose probability is below this never end up in one customer.
    pub veto_probability: f64,
    /// Systems that may hold several records of one customer (deduplication within them).
    pub dedupe_systems: Vec<String>,
    pub rules: Vec<BlockingRule>,
    /// Blocks with more records than this are skipped (see `BlockingStats`).
    pub max_block_records: usize,
    /// The largest customer built automatically; beyond it links become review items.
    pub max_cluster_records: usize,
    /// Estimate m, u and the prior from the data when there are enough candidate pairs.
    pub estimate: bool,
    pub min_pairs_to_estimate: usize,
    pub random_pairs: usize,
    pub seed: u64,
    /// Keep every scored pair, not only links and review items.
    pub keep_non_links: bool,
    /// Threads to compare pairs on; the caller knows the machine, the engine does not ask.
    pub threads: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            link_probability: 0.9,
            review_probability: 0.3,
            veto_probability: 1e-4,
            dedupe_systems: Vec::new(),
            rules: BlockingRule::DEFAULT.to_vec(),
            max_block_records: 50,
            max_cluster_records: 32,
            estimate: true,
            min_pairs_to_estimate: 500,
            random_pairs: 50_000,
            seed: 0x00c0_4c04_d000,
            keep_non_links: false,
            threads: 1,
        }
    }
}

/// Which customer each record belonged to after the previous run, and the next free ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub customers: HashMap<SourceKey, CustomerId>,
    pub next_id: u64,
}

/// Errors that reject the input as a whole; nothing is matched when one occurs.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MatchError {
    #[error("record {system}/{id} appears twice in one batch")]
    DuplicateRecord { system: String, id: String },
}

/// Counts and timings-free facts about a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchStats {
    pub records: usize,
    pub blocking: BlockingStats,
    pub cross_reference_pairs: usize,
    pub em: Option<EmReport>,
    pub links: usize,
    pub reviews: usize,
    pub customers: usize,
    /// Existing customer IDs retired because their customer merged into another: (old, new).
    pub merged_ids: Vec<(CustomerId, CustomerId)>,
}

/// The result of a batch or incremental run: the pairs that matter and the run's facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    pub pairs: Vec<PairOutcome>,
    pub stats: MatchStats,
}

#[derive(Debug, Clone)]
struct Slot {
    id: CustomerId,
    members: Vec<RecordIx>,
}

/// Matched records and their customers.
#[derive(Debug, Clone)]
pub struct Linker {
    config: MatchConfig,
    model: Model,
    keys: Vec<SourceKey>,
    by_key: FastMap<SourceKey, RecordIx>,
    system: Vec<u16>,
    systems: Vec<String>,
    /// Per system: whether it may hold several records of one customer.
    system_dedupes: Vec<bool>,
    prepared: Vec<Prepared>,
    frequencies: Vec<FastMap<Box<str>, u32>>,
    blocks: BlockIndex,
    slot_of: Vec<u32>,
    slots: Vec<Slot>,
    next_id: u64,
    kept_apart: HashSet<(SourceKey, SourceKey)>,
    pending_refs: HashMap<SourceKey, Vec<RecordIx>>,
}

impl Linker {
    /// Match a whole set of records: estimate the model from them, link, cluster, and give
    /// each customer the ID it had in `ledger` where its records had one.
    pub fn build(
        config: MatchConfig,
        records: Vec<MatchRecord>,
        ledger: &Ledger,
    ) -> Result<(Linker, MatchResult), MatchError> {
        Linker::build_keeping_apart(config, records, ledger, &[])
    }

    /// [`Linker::build`] with pairs of records that decisions keep apart: they never share a
    /// customer, so a full rebuild respects "not the same person" as an incremental run does.
    pub fn build_keeping_apart(
        config: MatchConfig,
        records: Vec<MatchRecord>,
        ledger: &Ledger,
        kept_apart: &[(SourceKey, SourceKey)],
    ) -> Result<(Linker, MatchResult), MatchError> {
        let mut linker = Linker::empty(config, Model::default());
        for (a, b) in kept_apart {
            linker.keep_apart(a, b);
        }
        linker.next_id = ledger.next_id;
        linker.ingest(&records, true)?;
        linker.refresh_frequencies(0);

        linker.blocks = BlockIndex::build(&linker.config.rules, &linker.prepared);
        // TODO(matching-memory): every candidate's levels and every link or review outcome are
        // held at once; a million records peak near 3 GB. Scoring block by block and keeping
        // only the outcomes would bound memory by the largest block instead.
        let (candidates, blocking) = {
            let this = &linker;
            this.blocks
                .candidate_pairs(this.config.max_block_records, |a, b| this.may_pair(a, b))
        };
        let cross = linker.cross_reference_pairs(&records);

        // Each candidate is compared once; estimation and scoring share the levels.
        let levels = linker.compare_all(&candidates);
        let em = linker.fit_model(&levels);
        let mut outcomes = linker.score_candidates(&candidates, &levels, &cross);
        linker.cluster(&mut outcomes);
        let merged_ids = linker.assign_ids(ledger);
        let pairs = linker.final_pairs(outcomes, None);

        let stats = linker.stats(pairs.as_slice(), blocking, cross.len(), em, merged_ids);
        Ok((linker, MatchResult { pairs, stats }))
    }

    /// An engine with no records yet and a given model (for incremental use from a stored
    /// model, or with the priors when there is nothing to estimate from).
    pub fn empty(config: MatchConfig, model: Model) -> Linker {
        Linker {
            config,
            model,
            keys: Vec::new(),
            by_key: FastMap::default(),
            system: Vec::new(),
            systems: Vec::new(),
            system_dedupes: Vec::new(),
            prepared: Vec::new(),
            frequencies: vec![FastMap::default(); Field::COUNT],
            blocks: BlockIndex::default(),
            slot_of: Vec::new(),
            slots: Vec::new(),
            next_id: 0,
            kept_apart: HashSet::new(),
            pending_refs: HashMap::new(),
        }
    }

    /// Match new or changed records against those already held, with the model unchanged.
    /// Existing customers keep their IDs; new records join them or start new customers. A
    /// changed record (same key) leaves its customer first, unless it is alone in it.
    ///
    /// TODO(matching-incremental): the model is not re-estimated here, and the value counts
    /// behind term-frequency weights only grow (a changed record's old values are still
    /// counted); a periodic full `build` with the ledger corrects both.
    pub fn add(&mut self, records: Vec<MatchRecord>) -> Result<MatchResult, MatchError> {
        let mut seen = HashSet::new();
        for r in &records {
            if !seen.insert(&r.key) {
                return Err(duplicate(&r.key));
            }
        }
        let first_new = self.prepared.len() as u32;
        let mut touched: Vec<RecordIx> = Vec::new();
        let mut fresh = Vec::new();
        for record in &records {
            match self.by_key.get(&record.key).copied() {
                Some(ix) => {
                    self.prepared[ix as usize] = prepare(record);
                    self.detach(ix);
                    touched.push(ix);
                }
                None => fresh.push(record.clone()),
            }
        }
        self.ingest(&fresh, false)?;
        touched.extend(first_new..self.prepared.len() as u32);
        self.refresh_frequencies(first_new as usize);
        for &ix in &touched {
            self.refresh_one_frequency(ix as usize);
            let mut keys = Vec::new();
            for rule in &self.config.rules {
                rule.keys(&self.prepared[ix as usize], &mut keys);
            }
            for key in keys {
                self.blocks.insert(key, ix);
            }
        }

        let mut candidates = Vec::new();
        let mut stats = BlockingStats::default();
        for &ix in &touched {
            let mut keys = Vec::new();
            for rule in &self.config.rules {
                rule.keys(&self.prepared[ix as usize], &mut keys);
            }
            stats.keys += keys.len() as u64;
            for key in keys {
                let members: Vec<u32> = self.blocks.members(key).collect();
                if members.len() > self.config.max_block_records {
                    stats.skipped_blocks += 1;
                    stats.skipped_records += members.len() as u64;
                    continue;
                }
                for other in members {
                    if other != ix && self.may_pair(ix, other) {
                        candidates.push(pack(ix, other));
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        stats.candidate_pairs = candidates.len() as u64;

        let cross = self.cross_reference_pairs(&records);
        let levels = self.compare_all(&candidates);
        let mut outcomes = self.score_candidates(&candidates, &levels, &cross);
        self.cluster(&mut outcomes);
        let touched_set: HashSet<RecordIx> = touched.iter().copied().collect();
        let pairs = self.final_pairs(outcomes, Some(&touched_set));
        let stats = self.stats(&pairs, stats, cross.len(), None, Vec::new());
        Ok(MatchResult { pairs, stats })
    }

    /// Remember that two records are not the same person: they will never share a customer.
    pub fn keep_apart(&mut self, a: &SourceKey, b: &SourceKey) {
        let pair = if a <= b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        self.kept_apart.insert(pair);
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn key(&self, ix: RecordIx) -> &SourceKey {
        &self.keys[ix as usize]
    }

    pub fn index_of(&self, key: &SourceKey) -> Option<RecordIx> {
        self.by_key.get(key).copied()
    }

    /// The customer a record belongs to.
    pub fn customer_of(&self, ix: RecordIx) -> CustomerId {
        self.slots[self.slot_of[ix as usize] as usize].id
    }

    /// Every customer with its records.
    pub fn customers(&self) -> impl Iterator<Item = (CustomerId, &[RecordIx])> {
        self.slots
            .iter()
            .filter(|s| !s.members.is_empty())
            .map(|s| (s.id, s.members.as_slice()))
    }

    /// The state to persist so the next run keeps customer IDs.
    pub fn ledger(&self) -> Ledger {
        let customers = (0..self.keys.len())
            .map(|i| (self.keys[i].clone(), self.customer_of(i as RecordIx)))
            .collect();
        Ledger {
            customers,
            next_id: self.next_id,
        }
    }

    /// Score any two held records (for a supervisor comparing records by hand).
    pub fn score(&self, a: RecordIx, b: RecordIx) -> Explanation {
        let (pa, pb) = (&self.prepared[a as usize], &self.prepared[b as usize]);
        score(&self.model, self.population(), pa, pb)
    }

    /// The explanation of a pair with both records' values beside each field's weight.
    pub fn evidence(&self, pair: &PairOutcome) -> Vec<FieldEvidence> {
        pair.explanation
            .contributions
            .iter()
            .map(|c| FieldEvidence {
                field: c.field,
                level: c.level,
                left: self.value(pair.left, c.field).map(str::to_string),
                right: self.value(pair.right, c.field).map(str::to_string),
                bits: c.bits,
                frequency_adjusted: c.frequency_adjusted,
            })
            .collect()
    }

    /// The normalized value of a field as compared, for showing beside its contribution.
    pub fn value(&self, ix: RecordIx, field: Field) -> Option<&str> {
        self.prepared[ix as usize].value(field)
    }

    fn population(&self) -> u32 {
        self.prepared.len() as u32
    }

    fn ingest(&mut self, records: &[MatchRecord], check: bool) -> Result<(), MatchError> {
        for record in records {
            if self.by_key.contains_key(&record.key) {
                if check {
                    return Err(duplicate(&record.key));
                }
                continue;
            }
            let ix = self.keys.len() as RecordIx;
            let system = match self.systems.iter().position(|s| *s == record.key.system) {
                Some(s) => s as u16,
                None => {
                    self.systems.push(record.key.system.clone());
                    let dedupes = self.config.dedupe_systems.contains(&record.key.system);
                    self.system_dedupes.push(dedupes);
                    (self.systems.len() - 1) as u16
                }
            };
            self.by_key.insert(record.key.clone(), ix);
            self.keys.push(record.key.clone());
            self.system.push(system);
            self.prepared.push(prepare(record));
            self.slot_of.push(self.slots.len() as u32);
            let id = CustomerId(self.next_id);
            self.next_id += 1;
            self.slots.push(Slot {
                id,
                members: vec![ix],
            });
        }
        Ok(())
    }

    /// Count values of term-frequency fields for records from `from` on, then refresh every
    /// record's counts when this is a full build (from == 0).
    fn refresh_frequencies(&mut self, from: usize) {
        for p in &self.prepared[from..] {
            for field in Field::ALL.into_iter().filter(|f| f.has_term_frequency()) {
                if let Some(v) = p.value(field) {
                    *self.frequencies[field.index()].entry(v.into()).or_default() += 1;
                }
            }
        }
        if from == 0 {
            for i in 0..self.prepared.len() {
                self.refresh_one_frequency(i);
            }
        }
    }

    fn refresh_one_frequency(&mut self, i: usize) {
        for field in Field::ALL.into_iter().filter(|f| f.has_term_frequency()) {
            let count = self.prepared[i]
                .value(field)
                .and_then(|v| self.frequencies[field.index()].get(v).copied())
                .unwrap_or(0);
            self.prepared[i].frequency[field.index()] = count;
        }
    }

    fn dedupes(&self, system: u16) -> bool {
        self.system_dedupes[system as usize]
    }

    /// Records of one system are compared only where that system may hold duplicates.
    fn may_pair(&self, a: RecordIx, b: RecordIx) -> bool {
        let (sa, sb) = (self.system[a as usize], self.system[b as usize]);
        sa != sb || self.dedupes(sa)
    }

    /// Pairs linked by cross-references among `records` (already ingested) and the records
    /// held; references to records not yet seen are remembered for when they arrive.
    fn cross_reference_pairs(&mut self, records: &[MatchRecord]) -> Vec<u64> {
        let mut pairs = Vec::new();
        for record in records {
            let Some(&a) = self.by_key.get(&record.key) else {
                continue;
            };
            for target in &record.cross_refs {
                match self.by_key.get(target) {
                    Some(&b) if a != b => pairs.push(pack(a, b)),
                    Some(_) => {}
                    None => self.pending_refs.entry(target.clone()).or_default().push(a),
                }
            }
        }
        // A record added now may be the one an earlier record referred to.
        for record in records {
            let Some(&b) = self.by_key.get(&record.key) else {
                continue;
            };
            for &a in self
                .pending_refs
                .get(&record.key)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if a != b {
                    pairs.push(pack(a, b));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Estimate u from random pairs and m and the prior by EM over a sample of candidates.
    fn compare_all(&self, pairs: &[u64]) -> Vec<Levels> {
        in_parallel(self.config.threads, pairs, |part| {
            part.iter().map(|&pair| self.compare_pair(pair)).collect()
        })
    }

    /// Estimate u from random pairs and m, u and the prior by EM over the candidates' levels.
    fn fit_model(&mut self, candidates: &[Levels]) -> Option<EmReport> {
        if !self.config.estimate || candidates.len() < self.config.min_pairs_to_estimate {
            return None;
        }
        let priors = Model::default();
        let n = self.prepared.len() as u64;
        let mut rng = SplitMix64::new(self.config.seed);
        let mut drawn = Vec::with_capacity(self.config.random_pairs);
        let mut attempts = 0;
        while drawn.len() < self.config.random_pairs && attempts < self.config.random_pairs * 4 {
            attempts += 1;
            let (a, b) = (rng.below(n) as u32, rng.below(n) as u32);
            if a != b && self.may_pair(a, b) {
                drawn.push(pack(a, b));
            }
        }
        let samples = self.compare_all(&drawn);
        let mut model = u_from_random_pairs(&priors, &samples, 1_000.0);

        // m is estimated inside blocks of a training rule, with the rule's own fields left
        // out: within "same name" blocks, birth dates and addresses separate matches from
        // namesakes, and u from random pairs describes those namesakes' other fields well.
        // EM over all candidates at once instead finds whatever split the blocking rules
        // imposed ("same locality"), which on a large set is not the match split.
        let mut m_sum = [[0.0; Level::COUNT]; Field::COUNT];
        let mut m_runs = [0usize; Field::COUNT];
        let mut last_report = None;
        for (fa, fb) in TRAINING_RULES {
            let index = BlockIndex::build(&[BlockingRule::Both(fa, fb)], &self.prepared);
            let (pairs, _) =
                index.candidate_pairs(self.config.max_block_records, |a, b| self.may_pair(a, b));
            if pairs.len() < self.config.min_pairs_to_estimate {
                continue;
            }
            let stride = pairs.len().div_ceil(MAX_TRAINING_PAIRS).max(1);
            let sample: Vec<u64> = pairs.iter().step_by(stride).copied().collect();
            let mut counts: FastMap<Levels, u64> = FastMap::default();
            for mut levels in self.compare_all(&sample) {
                levels[fa.index()] = Level::Missing;
                levels[fb.index()] = Level::Missing;
                *counts.entry(levels).or_default() += 1;
            }
            let patterns = sorted(counts);
            let max_prior = (self.most_possible_matches() / sample.len() as f64).min(1.0);
            let options = EmOptions {
                max_prior,
                ..EmOptions::default()
            };
            let (trained, report) = estimate(&model, &patterns, options);
            for field in Field::ALL.into_iter().filter(|f| *f != fa && *f != fb) {
                for level in levels_of(field) {
                    m_sum[field.index()][level.index()] += trained.m[field.index()][level.index()];
                }
                m_runs[field.index()] += 1;
            }
            last_report = Some(report);
        }
        for field in Field::ALL.into_iter().filter(|f| m_runs[f.index()] > 0) {
            for level in levels_of(field) {
                let (f, l) = (field.index(), level.index());
                model.m[f][l] = m_sum[f][l] / m_runs[f] as f64;
            }
        }

        // The prior is the share of matches among all candidates, with m and u now fixed.
        let mut counts: FastMap<Levels, u64> = FastMap::default();
        for levels in candidates {
            *counts.entry(*levels).or_default() += 1;
        }
        let max_prior = self.most_possible_matches() / candidates.len() as f64;
        let options = EmOptions {
            fix_m: true,
            max_prior,
            ..EmOptions::default()
        };
        let (model, report) = estimate(&model, &sorted(counts), options);
        self.model = model;
        Some(EmReport {
            iterations: report.iterations,
            ..last_report.unwrap_or(report)
        })
    }

    /// An upper bound on the number of matching pairs: across two systems at most one per
    /// record of the smaller; within a deduplicated system at most a full largest customer
    /// around every record.
    fn most_possible_matches(&self) -> f64 {
        let mut per_system = vec![0f64; self.systems.len()];
        for &s in &self.system {
            per_system[s as usize] += 1.0;
        }
        let mut bound = 0.0;
        for (s, &n) in per_system.iter().enumerate() {
            for &m in &per_system[s + 1..] {
                bound += n.min(m);
            }
            if self.system_dedupes[s] {
                bound += n * (self.config.max_cluster_records as f64 - 1.0) / 2.0;
            }
        }
        bound
    }

    fn classify(&self, e: &Explanation) -> (Decision, Reason) {
        let p = e.probability();
        let mut decision = if p >= self.config.link_probability {
            Decision::Link
        } else if p >= self.config.review_probability {
            Decision::Review
        } else {
            Decision::NoLink
        };
        let mut reason = Reason::Score;

        let exact = |f: Field| e.contribution(f).level == Level::Exact;
        if decision == Decision::NoLink && (exact(Field::Email) || exact(Field::TaxId)) {
            decision = Decision::Review;
            reason = Reason::SharedIdentifier;
        }
        let email_agrees = matches!(
            e.contribution(Field::Email).level,
            Level::Exact | Level::OneEdit
        );
        let other_agrees = e
            .contributions
            .iter()
            .any(|c| c.field != Field::Email && c.bits > 0.0);
        if decision == Decision::Link && email_agrees && !other_agrees {
            decision = Decision::Review;
            reason = Reason::EmailOnly;
        }
        (decision, reason)
    }

    fn compare_pair(&self, pair: u64) -> Levels {
        let (a, b) = unpack(pair);
        compare(&self.prepared[a as usize], &self.prepared[b as usize])
    }

    fn score_candidates(
        &self,
        candidates: &[u64],
        levels: &[Levels],
        cross: &[u64],
    ) -> Vec<PairOutcome> {
        let both: Vec<(u64, &Levels)> = candidates.iter().copied().zip(levels).collect();
        let population = self.population();
        let mut out = in_parallel(self.config.threads, &both, |part| {
            let mut kept = Vec::new();
            for &(pair, levels) in part {
                let (a, b) = unpack(pair);
                let (pa, pb) = (&self.prepared[a as usize], &self.prepared[b as usize]);
                let explanation = score_levels(&self.model, population, levels, pa, pb);
                let (decision, reason) = self.classify(&explanation);
                if decision != Decision::NoLink || self.config.keep_non_links {
                    kept.push(PairOutcome {
                        left: a,
                        right: b,
                        explanation,
                        decision,
                        reason,
                    });
                }
            }
            kept
        });
        let mut seen: FastMap<u64, usize> = out
            .iter()
            .enumerate()
            .map(|(i, o)| (pack(o.left, o.right), i))
            .collect();
        for &pair in cross {
            let (a, b) = unpack(pair);
            let explanation = self.score(a, b);
            let outcome = PairOutcome {
                left: a,
                right: b,
                explanation,
                decision: Decision::Link,
                reason: Reason::CrossReference,
            };
            match seen.get(&pair) {
                Some(&i) => out[i] = outcome,
                None => {
                    seen.insert(pair, out.len());
                    out.push(outcome);
                }
            }
        }
        out
    }

    /// Join linked pairs into customers, strongest evidence first. A link is refused (and
    /// becomes a review item) when the joined customer would hold two records of a system that
    /// does not deduplicate, would contain a pair whose probability is below the veto, would be
    /// too large, or would join records a decision kept apart. Refusing on any cross pair is
    /// what keeps A~B and B~C from chaining A and C together when A and C disagree.
    fn cluster(&mut self, outcomes: &mut [PairOutcome]) {
        let mut order: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i].decision == Decision::Link)
            .collect();
        order.sort_by(|&x, &y| {
            let (ox, oy) = (&outcomes[x], &outcomes[y]);
            let forced = |o: &PairOutcome| o.reason == Reason::CrossReference;
            forced(oy)
                .cmp(&forced(ox))
                .then(
                    oy.explanation
                        .total_bits()
                        .total_cmp(&ox.explanation.total_bits()),
                )
                .then((ox.left, ox.right).cmp(&(oy.left, oy.right)))
        });
        for i in order {
            let (a, b) = (outcomes[i].left, outcomes[i].right);
            let forced = outcomes[i].reason == Reason::CrossReference;
            if let Err(reason) = self.try_merge(a, b, forced) {
                outcomes[i].decision = Decision::Review;
                outcomes[i].reason = reason;
            }
        }
    }

    fn try_merge(&mut self, a: RecordIx, b: RecordIx, forced: bool) -> Result<(), Reason> {
        let (sa, sb) = (self.slot_of[a as usize], self.slot_of[b as usize]);
        if sa == sb {
            return Ok(());
        }
        let (ma, mb) = (
            &self.slots[sa as usize].members,
            &self.slots[sb as usize].members,
        );
        if ma.len() + mb.len() > self.config.max_cluster_records {
            return Err(Reason::ClusterTooLarge);
        }
        for &x in ma {
            for &y in mb {
                if !self.kept_apart.is_empty()
                    && self
                        .kept_apart
                        .contains(&ordered(&self.keys[x as usize], &self.keys[y as usize]))
                {
                    return Err(Reason::KeptApart);
                }
                if forced {
                    continue;
                }
                let (px, py) = (self.system[x as usize], self.system[y as usize]);
                if px == py && !self.dedupes(px) {
                    return Err(Reason::OneRecordPerSystem);
                }
                if self.score(x, y).probability() < self.config.veto_probability {
                    return Err(Reason::StrongNonMatchInCluster);
                }
            }
        }
        self.merge_slots(sa, sb);
        Ok(())
    }

    /// Merge two customers; the older (smaller) ID survives.
    fn merge_slots(&mut self, sa: u32, sb: u32) {
        let (big, small) =
            if self.slots[sa as usize].members.len() >= self.slots[sb as usize].members.len() {
                (sa, sb)
            } else {
                (sb, sa)
            };
        let moved = std::mem::take(&mut self.slots[small as usize].members);
        for &m in &moved {
            self.slot_of[m as usize] = big;
        }
        self.slots[big as usize].members.extend(moved);
        let id = self.slots[big as usize]
            .id
            .min(self.slots[small as usize].id);
        self.slots[big as usize].id = id;
    }

    /// Take a changed record out of its customer; the customer keeps its ID. A record alone
    /// in its customer stays there, so it keeps its ID too.
    fn detach(&mut self, ix: RecordIx) {
        let slot = self.slot_of[ix as usize] as usize;
        if self.slots[slot].members.len() <= 1 {
            return;
        }
        self.slots[slot].members.retain(|&m| m != ix);
        self.slot_of[ix as usize] = self.slots.len() as u32;
        let id = CustomerId(self.next_id);
        self.next_id += 1;
        self.slots.push(Slot {
            id,
            members: vec![ix],
        });
        // TODO(matching-split): the customer the record left is not re-checked; if that record
        // was the only bridge between the others, they stay together until the next full build.
    }

    /// After a full build, give each customer the previous ID most of its records had; a
    /// previous ID goes to one customer only. Customers with no previous ID get new ones.
    fn assign_ids(&mut self, ledger: &Ledger) -> Vec<(CustomerId, CustomerId)> {
        let mut votes: Vec<(usize, CustomerId, usize)> = Vec::new();
        for (s, slot) in self.slots.iter().enumerate() {
            let mut count: HashMap<CustomerId, usize> = HashMap::new();
            for &m in &slot.members {
                if let Some(&id) = ledger.customers.get(&self.keys[m as usize]) {
                    *count.entry(id).or_default() += 1;
                }
            }
            votes.extend(count.into_iter().map(|(id, n)| (s, id, n)));
        }
        votes.sort_by(|x, y| y.2.cmp(&x.2).then(x.1.cmp(&y.1)).then(x.0.cmp(&y.0)));
        let mut taken_ids = HashSet::new();
        let mut assigned: HashMap<usize, CustomerId> = HashMap::new();
        for &(s, id, _) in &votes {
            if !assigned.contains_key(&s) && taken_ids.insert(id) {
                assigned.insert(s, id);
            }
        }
        let mut next = ledger.next_id.max(
            ledger
                .customers
                .values()
                .map(|c| c.0 + 1)
                .max()
                .unwrap_or(0),
        );
        for (s, slot) in self.slots.iter_mut().enumerate() {
            if slot.members.is_empty() {
                continue;
            }
            slot.id = match assigned.get(&s) {
                Some(&id) => id,
                None => {
                    next += 1;
                    CustomerId(next - 1)
                }
            };
        }
        self.next_id = next;

        // A previous ID that no customer kept was merged into the customer holding its records.
        let mut merged = Vec::new();
        for &(s, id, _) in &votes {
            if !taken_ids.contains(&id) {
                merged.push((id, self.slots[s].id));
            }
        }
        merged.sort();
        merged.dedup_by_key(|m| m.0);
        merged
    }

    /// The outcomes to report: each linked or reviewed pair, with pairs between records that
    /// ended in different customers as review items, and pairs inside a customer that were not
    /// candidates added as links through that customer. `only` limits the added pairs to
    /// those touching the given records (incremental runs).
    fn final_pairs(
        &self,
        mut outcomes: Vec<PairOutcome>,
        only: Option<&HashSet<RecordIx>>,
    ) -> Vec<PairOutcome> {
        let mut seen: FastSet<u64> = FastSet::default();
        for o in &mut outcomes {
            let same = self.slot_of[o.left as usize] == self.slot_of[o.right as usize];
            if o.decision == Decision::Link && !same {
                o.decision = Decision::Review;
            }
            if o.decision != Decision::Link && same {
                o.decision = Decision::Link;
                o.reason = Reason::SameCustomer;
            }
            seen.insert(pack(o.left, o.right));
        }
        for slot in self.slots.iter().filter(|s| s.members.len() > 1) {
            if let Some(only) = only {
                if !slot.members.iter().any(|m| only.contains(m)) {
                    continue;
                }
            }
            for (i, &a) in slot.members.iter().enumerate() {
                for &b in &slot.members[i + 1..] {
                    let touches = only.is_none_or(|o| o.contains(&a) || o.contains(&b));
                    if touches && seen.insert(pack(a, b)) {
                        let (left, right) = if a < b { (a, b) } else { (b, a) };
                        outcomes.push(PairOutcome {
                            left,
                            right,
                            explanation: self.score(left, right),
                            decision: Decision::Link,
                            reason: Reason::SameCustomer,
                        });
                    }
                }
            }
        }
        outcomes.sort_unstable_by_key(|o| (o.left, o.right));
        outcomes
    }

    fn stats(
        &self,
        pairs: &[PairOutcome],
        blocking: BlockingStats,
        cross: usize,
        em: Option<EmReport>,
        merged_ids: Vec<(CustomerId, CustomerId)>,
    ) -> MatchStats {
        MatchStats {
            records: self.keys.len(),
            blocking,
            cross_reference_pairs: cross,
            em,
            links: pairs
                .iter()
                .filter(|p| p.decision == Decision::Link)
                .count(),
            reviews: pairs
                .iter()
                .filter(|p| p.decision == Decision::Review)
                .count(),
            customers: self.slots.iter().filter(|s| !s.members.is_empty()).count(),
            merged_ids,
        }
    }
}

fn ordered(a: &SourceKey, b: &SourceKey) -> (SourceKey, SourceKey) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

fn duplicate(key: &SourceKey) -> MatchError {
    MatchError::DuplicateRecord {
        system: key.system.clone(),
        id: key.id.clone(),
    }
}
