//! The Fellegi-Sunter model: for each field and comparison level, the probability of that level
//! among true matches (m) and among non-matches (u), and the prior share of matches among
//! candidate pairs. Estimated from the data with expectation-maximization, starting from and
//! pulled towards sensible priors so a small or lopsided data set cannot produce absurd weights.
//!
//! Pure arithmetic over comparison patterns: this module never sees a record.

use serde::{Deserialize, Serialize};

use super::compare::{levels_of, Level, Levels};
use super::record::Field;

/// m and u per field and level, and the prior probability that a candidate pair matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub m: [[f64; Level::COUNT]; Field::COUNT],
    pub u: [[f64; Level::COUNT]; Field::COUNT],
    /// Probability that a candidate pair is a match before looking at any field.
    pub prior: f64,
}

/// How estimation went, for the benchmark and for operators.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmReport {
    pub iterations: usize,
    pub converged: bool,
    pub pairs: u64,
}

impl Default for Model {
    /// Priors: what a careful person would guess before seeing data. Agreement is likely among
    /// matches (typing errors aside); among non-matches it is as likely as sharing a common
    /// value. These also serve, unchanged, when there is too little data to estimate from.
    fn default() -> Self {
        let mut m = [[0.0; Level::COUNT]; Field::COUNT];
        let mut u = [[0.0; Level::COUNT]; Field::COUNT];
        for field in Field::ALL {
            let (mp, up) = prior_levels(field);
            for (i, level) in levels_of(field).iter().enumerate() {
                m[field.index()][level.index()] = mp[i];
                u[field.index()][level.index()] = up[i];
            }
        }
        Model { m, u, prior: 0.05 }
    }
}

/// (m, u) for each level of `levels_of(field)`, in that order.
fn prior_levels(field: Field) -> (&'static [f64], &'static [f64]) {
    match field {
        Field::GivenName => (
            &[0.86, 0.02, 0.05, 0.02, 0.02, 0.03],
            &[0.005, 0.001, 0.004, 0.01, 0.03, 0.95],
        ),
        Field::Surname => (
            &[0.86, 0.06, 0.03, 0.02, 0.03],
            &[0.003, 0.004, 0.01, 0.03, 0.953],
        ),
        Field::BirthDate => (
            &[0.90, 0.03, 0.04, 0.01, 0.02],
            &[0.0001, 0.0001, 0.0005, 0.01, 0.9893],
        ),
        Field::Phone => (&[0.90, 0.03, 0.07], &[0.0001, 0.0005, 0.9994]),
        Field::Email => (&[0.90, 0.03, 0.07], &[0.0001, 0.0002, 0.9997]),
        Field::Postcode => (&[0.90, 0.05, 0.05], &[0.002, 0.02, 0.978]),
        Field::TaxId => (&[0.92, 0.05, 0.03], &[0.00001, 0.0001, 0.99989]),
        Field::StreetNumber => (&[0.90, 0.10], &[0.02, 0.98]),
        Field::Region => (&[0.95, 0.05], &[0.2, 0.8]),
        Field::Street | Field::AddressLine2 | Field::Locality | Field::Company => {
            (&[0.85, 0.06, 0.03, 0.06], &[0.002, 0.003, 0.02, 0.975])
        }
    }
}

impl Model {
    /// Evidence in bits for one field at one level: log2(m / u). Missing values weigh nothing.
    pub fn bits(&self, field: Field, level: Level) -> f64 {
        if level == Level::Missing {
            return 0.0;
        }
        let (m, u) = (
            self.m[field.index()][level.index()],
            self.u[field.index()][level.index()],
        );
        (m.max(1e-9) / u.max(1e-9)).log2()
    }

    pub fn prior_bits(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }
}

/// Options for `estimate`.
#[derive(Debug, Clone, Copy)]
pub struct EmOptions {
    pub max_iterations: usize,
    pub tolerance: f64,
    /// Pseudo-pairs of prior evidence per field: how hard the priors pull on the estimate.
    pub prior_strength: f64,
    /// Keep u as given (for example estimated from random pairs) and estimate m and the prior.
    pub fix_u: bool,
    /// Keep m as given too and estimate only the prior.
    pub fix_m: bool,
    /// The largest share of pairs that can be matches, when the caller knows one (records
    /// of two systems link at most one-to-one). Without it, EM can settle on a wrong split,
    /// such as "lives in the same place", that calls far more pairs matches than can exist.
    pub max_prior: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iterations: 200,
            tolerance: 1e-6,
            prior_strength: 20.0,
            fix_u: true,
            fix_m: false,
            max_prior: 1.0,
        }
    }
}

/// Expectation-maximization over distinct comparison patterns and their counts, starting
/// from `start` and pulled towards `start` by `prior_strength` pseudo-pairs per field.
pub fn estimate(
    start: &Model,
    patterns: &[(Levels, u64)],
    options: EmOptions,
) -> (Model, EmReport) {
    let pairs: u64 = patterns.iter().map(|(_, c)| c).sum();
    let mut model = start.clone();
    let mut report = EmReport {
        iterations: 0,
        converged: false,
        pairs,
    };
    if pairs == 0 {
        return (model, report);
    }

    let alpha = options.prior_strength;
    for iteration in 1..=options.max_iterations {
        // E-step: probability that each pattern is a match under the current model.
        let mut m_acc = [[0.0; Level::COUNT]; Field::COUNT];
        let mut u_acc = [[0.0; Level::COUNT]; Field::COUNT];
        let mut matched = 0.0;
        for (levels, count) in patterns {
            let mut bits = model.prior_bits();
            for field in Field::ALL {
                bits += model.bits(field, levels[field.index()]);
            }
            let p = probability_from_bits(bits);
            let count = *count as f64;
            matched += p * count;
            for field in Field::ALL {
                let level = levels[field.index()];
                m_acc[field.index()][level.index()] += p * count;
                u_acc[field.index()][level.index()] += (1.0 - p) * count;
            }
        }

        // M-step, with the priors as pseudo-counts.
        let mut change: f64 = 0.0;
        let ceiling = options.max_prior.clamp(1e-9, 1.0 - 1e-9);
        let next_prior = (matched / pairs as f64).clamp(1e-9, ceiling);
        change = change.max((next_prior - model.prior).abs());
        model.prior = next_prior;
        for field in Field::ALL {
            let f = field.index();
            let levels = levels_of(field);
            let m_total: f64 = levels.iter().map(|l| m_acc[f][l.index()]).sum::<f64>() + alpha;
            let u_total: f64 = levels.iter().map(|l| u_acc[f][l.index()]).sum::<f64>() + alpha;
            for level in levels {
                let l = level.index();
                if !options.fix_m {
                    let m = (m_acc[f][l] + alpha * start.m[f][l]) / m_total;
                    change = change.max((m - model.m[f][l]).abs());
                    model.m[f][l] = m;
                }
                if !options.fix_u {
                    let u = (u_acc[f][l] + alpha * start.u[f][l]) / u_total;
                    change = change.max((u - model.u[f][l]).abs());
                    model.u[f][l] = u;
                }
            }
        }

        report.iterations = iteration;
        if change < options.tolerance {
            report.converged = true;
            break;
        }
    }
    (model, report)
}

/// Estimate u from comparisons of random pairs, which are almost all non-matches, blended with
/// the prior u by `prior_strength` pseudo-pairs.
pub fn u_from_random_pairs(start: &Model, samples: &[Levels], prior_strength: f64) -> Model {
    let mut model = start.clone();
    for field in Field::ALL {
        let f = field.index();
        let levels = levels_of(field);
        let mut counts = [0.0; Level::COUNT];
        for sample in samples {
            counts[sample[f].index()] += 1.0;
        }
        let total: f64 = levels.iter().map(|l| counts[l.index()]).sum::<f64>() + prior_strength;
        for level in levels {
            let l = level.index();
            model.u[f][l] = (counts[l] + prior_strength * start.u[f][l]) / total;
        }
    }
    model
}

/// The probability of a match given its total evidence in bits (prior included).
pub fn probability_from_bits(bits: f64) -> f64 {
    1.0 / (1.0 + (-bits).exp2())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::matching::rng::SplitMix64;

    fn draw(rng: &mut SplitMix64, levels: &[Level], probs: &[f64]) -> Level {
        let x = rng.next_f64();
        let mut acc = 0.0;
        for (level, p) in levels.iter().zip(probs) {
            acc += p;
            if x < acc {
                return *level;
            }
        }
        *levels.last().expect("levels")
    }

    #[test]
    fn em_recovers_known_m_and_u_from_a_synthetic_population() {
        let fields = [
            Field::GivenName,
            Field::Surname,
            Field::BirthDate,
            Field::Postcode,
        ];
        let mut truth = Model {
            prior: 0.1,
            ..Model::default()
        };
        for f in fields {
            let levels = levels_of(f);
            let n = levels.len();
            // Matches mostly agree exactly, non-matches mostly differ; every level occurs.
            let mut m = vec![0.2 / (n - 1) as f64; n];
            m[0] = 0.8;
            let mut u = vec![0.1 / (n - 1) as f64; n];
            u[n - 1] = 0.9;
            for (i, level) in levels.iter().enumerate() {
                truth.m[f.index()][level.index()] = m[i];
                truth.u[f.index()][level.index()] = u[i];
            }
        }
        let mut rng = SplitMix64::new(7);
        let mut counts: HashMap<Levels, u64> = HashMap::new();
        for _ in 0..200_000 {
            let is_match = rng.next_f64() < truth.prior;
            let mut levels = [Level::Missing; Field::COUNT];
            for f in fields {
                let table = if is_match { &truth.m } else { &truth.u };
                let probs: Vec<f64> = levels_of(f)
                    .iter()
                    .map(|l| table[f.index()][l.index()])
                    .collect();
                levels[f.index()] = draw(&mut rng, levels_of(f), &probs);
            }
            *counts.entry(levels).or_default() += 1;
        }
        let patterns: Vec<(Levels, u64)> = counts.into_iter().collect();
        let options = EmOptions {
            fix_u: false,
            prior_strength: 1.0,
            ..EmOptions::default()
        };

        let (fitted, report) = estimate(&Model::default(), &patterns, options);

        assert!(
            report.converged,
            "EM must settle on this well-separated population"
        );
        assert!(
            (fitted.prior - 0.1).abs() < 0.01,
            "prior {} should be near 0.1",
            fitted.prior
        );
        for f in fields {
            let exact = Level::Exact.index();
            let (m, u) = (fitted.m[f.index()][exact], fitted.u[f.index()][exact]);
            let (tm, tu) = (truth.m[f.index()][exact], truth.u[f.index()][exact]);
            assert!(
                (m - tm).abs() < 0.02,
                "m({f:?}, exact) = {m}, the population used {tm}"
            );
            assert!(
                (u - tu).abs() < 0.01,
                "u({f:?}, exact) = {u}, the population used {tu}"
            );
        }
    }

    #[test]
    fn the_prior_never_exceeds_the_share_of_pairs_that_can_match() {
        let mut agree = [Level::Missing; Field::COUNT];
        agree[Field::Postcode.index()] = Level::Exact;
        let mut differ = agree;
        differ[Field::Surname.index()] = Level::Different;
        let patterns = vec![(agree, 900), (differ, 100)];
        let options = EmOptions {
            fix_u: false,
            max_prior: 0.05,
            ..EmOptions::default()
        };

        let (fitted, _) = estimate(&Model::default(), &patterns, options);

        assert!(
            fitted.prior <= 0.05,
            "prior {} exceeds the one-to-one bound",
            fitted.prior
        );
    }

    #[test]
    fn without_pairs_estimation_returns_the_priors_unchanged() {
        let start = Model::default();

        let (fitted, report) = estimate(&start, &[], EmOptions::default());

        assert_eq!(
            fitted, start,
            "no data must mean no change, not a division by zero"
        );
        assert_eq!(report.pairs, 0, "the report counts the pairs it saw");
    }

    #[test]
    fn probabilities_follow_the_evidence_in_bits() {
        let even = probability_from_bits(0.0);
        let strong = probability_from_bits(10.0);

        assert_eq!(even, 0.5, "no evidence either way is a coin toss");
        assert!(
            (strong - 1024.0 / 1025.0).abs() < 1e-12,
            "10 bits are odds of 1024 to 1"
        );
    }
}
