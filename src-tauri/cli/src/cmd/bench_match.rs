//! `concord bench match`: matching quality and speed on the FEBRL benchmark data (FEBRL4
//! linkage with and without `soc_sec_id`, FEBRL3 deduplication), scored against the truth in
//! the record IDs, and optionally a scale run on synthetic records.
//!
//! Prints one line per run and, on its last line, the same figures as one JSON object.
//! Timings cover matching only (blocking, estimation, scoring, clustering), not reading files.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _};
use concord_core::matching::{Decision, Linker, MatchResult};
use serde::Serialize;

use super::match_cmd::{self, pair_rows};
use crate::{febrl, synthetic};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder holding dataset3.csv, dataset4a.csv and dataset4b.csv
    /// (default: ../shared/data/febrl next to the repository).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,

    /// Also match this many synthetic records (half per system) and report time and peak
    /// memory.
    #[arg(long, value_name = "RECORDS")]
    scale: Option<usize>,

    /// Run only the scale run.
    #[arg(long, requires = "scale")]
    scale_only: bool,
}

/// Quality and speed of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub records: usize,
    pub true_pairs: usize,
    pub predicted_pairs: usize,
    pub review_pairs: usize,
    pub candidate_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub seconds: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = match (&args.data, args.scale_only) {
        (_, true) => None,
        (Some(dir), false) => Some(dir.clone()),
        (None, false) => Some(find_febrl()?),
    };
    let mut out = std::io::stdout().lock();
    let mut report = serde_json::Map::new();
    writeln!(
        out,
        "{:<28} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "run", "records", "truth", "predicted", "precision", "recall", "f1", "seconds"
    )?;

    if let Some(dir) = dir {
        for (name, score) in febrl_runs(&dir)? {
            print_row(&mut out, name, &score)?;
            report.insert(name.to_string(), serde_json::to_value(score)?);
        }
    }

    if let Some(total) = args.scale {
        let (score, peak) = scale_run(total)?;
        let name = "synthetic";
        print_row(&mut out, name, &score)?;
        writeln!(out, "{:<28} peak memory (VmHWM) {} MiB", "", peak / 1024)?;
        let mut value = serde_json::to_value(score)?;
        value["peak_memory_kib"] = serde_json::json!(peak);
        report.insert(name.to_string(), value);
    }

    writeln!(out, "{}", serde_json::Value::Object(report))?;
    Ok(())
}

/// The three FEBRL runs, in order: linkage with and without `soc_sec_id`, deduplication.
pub fn febrl_runs(dir: &Path) -> anyhow::Result<Vec<(&'static str, Score)>> {
    let mut runs = Vec::new();
    for (name, ignore) in [
        ("febrl4_with_soc_sec_id", vec![]),
        ("febrl4_without_soc_sec_id", vec!["soc_sec_id".to_string()]),
    ] {
        let left = febrl::read(&dir.join("dataset4a.csv"), match_cmd::LEFT, &ignore)?;
        let right = febrl::read(&dir.join("dataset4b.csv"), match_cmd::RIGHT, &ignore)?;
        let truth = febrl::true_links(&left, &right);
        let records = left.len() + right.len();

        let started = Instant::now();
        let (linker, result) = match_cmd::link(left, right)?;
        let seconds = started.elapsed().as_secs_f64();

        let predicted = links(&linker, &result, false);
        runs.push((name, score(records, &truth, &predicted, &result, seconds)));
    }

    let records = febrl::read(&dir.join("dataset3.csv"), match_cmd::DEDUPE, &[])?;
    let truth = febrl::true_duplicates(&records);
    let count = records.len();
    let started = Instant::now();
    let (linker, result) = match_cmd::dedupe(records)?;
    let seconds = started.elapsed().as_secs_f64();
    let predicted = links(&linker, &result, true);
    runs.push((
        "febrl3_dedupe",
        score(count, &truth, &predicted, &result, seconds),
    ));
    Ok(runs)
}

fn links(linker: &Linker, result: &MatchResult, unordered: bool) -> BTreeSet<(String, String)> {
    pair_rows(linker, result)
        .filter(|row| row.3 == Decision::Link)
        .map(|(l, r, _, _)| {
            if unordered {
                febrl::ordered(l, r)
            } else {
                (l.into(), r.into())
            }
        })
        .collect()
}

fn score(
    records: usize,
    truth: &BTreeSet<(String, String)>,
    predicted: &BTreeSet<(String, String)>,
    result: &MatchResult,
    seconds: f64,
) -> Score {
    let hits = predicted.intersection(truth).count() as f64;
    let precision = if predicted.is_empty() {
        0.0
    } else {
        hits / predicted.len() as f64
    };
    let recall = if truth.is_empty() {
        0.0
    } else {
        hits / truth.len() as f64
    };
    let f1 = if hits == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Score {
        records,
        true_pairs: truth.len(),
        predicted_pairs: predicted.len(),
        review_pairs: result.stats.reviews,
        candidate_pairs: result.stats.blocking.candidate_pairs,
        precision,
        recall,
        f1,
        seconds,
    }
}

fn scale_run(total: usize) -> anyhow::Result<(Score, u64)> {
    if total < 2 {
        bail!("--scale needs at least 2 records");
    }
    let (records, truth) = synthetic::generate(total, 2026);
    let truth: BTreeSet<(String, String)> = truth.into_iter().collect();

    let started = Instant::now();
    let left: Vec<_> = records
        .iter()
        .filter(|r| r.key.system == "left")
        .cloned()
        .collect();
    let right: Vec<_> = records
        .into_iter()
        .filter(|r| r.key.system == "right")
        .collect();
    let (linker, result) = match_cmd::link(left, right)?;
    let seconds = started.elapsed().as_secs_f64();

    let predicted = links(&linker, &result, false);
    let peak = peak_memory_kib().unwrap_or(0);
    Ok((score(total, &truth, &predicted, &result, seconds), peak))
}

/// The process's peak resident memory (VmHWM), where the system reports it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn print_row(out: &mut impl std::io::Write, name: &str, s: &Score) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<28} {:>8} {:>8} {:>9} {:>9.4} {:>9.4} {:>8.4} {:>8.3}",
        name, s.records, s.true_pairs, s.predicted_pairs, s.precision, s.recall, s.f1, s.seconds
    )?;
    Ok(())
}

/// The FEBRL folder: `../shared/data/febrl` beside the repository holding the current folder
/// or this program.
pub fn find_febrl() -> anyhow::Result<PathBuf> {
    let mut starts = vec![std::env::current_dir().context("cannot read the current folder")?];
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for start in &starts {
        for dir in start.ancestors() {
            let candidate = dir.join("../shared/data/febrl");
            if candidate.join("dataset4a.csv").is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!("cannot find ../shared/data/febrl next to the repository; give it with --data DIR")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn febrl_matching_meets_the_quality_targets() {
        let dir = find_febrl().expect("the shared FEBRL data sits beside the repository");

        let runs = febrl_runs(&dir).expect("the FEBRL files read and match");

        let targets = [
            ("febrl4_with_soc_sec_id", 0.999),
            ("febrl4_without_soc_sec_id", 0.995),
            ("febrl3_dedupe", 0.995),
        ];
        assert_eq!(runs.len(), targets.len(), "one result per benchmark run");
        for ((name, score), (expected_name, target)) in runs.iter().zip(targets) {
            assert_eq!(*name, expected_name, "runs come in a fixed order");
            assert!(
                score.f1 >= target,
                "{name}: F1 {:.4} (precision {:.4}, recall {:.4}) is below the target {target}",
                score.f1,
                score.precision,
                score.recall
            );
        }
    }

    #[test]
    fn scores_count_hits_against_the_truth() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        let truth: BTreeSet<_> = [pair("a", "1"), pair("b", "2")].into_iter().collect();
        let predicted: BTreeSet<_> = [pair("a", "1"), pair("c", "3")].into_iter().collect();

        let s = score(4, &truth, &predicted, &MatchResult::default(), 0.0);

        assert_eq!(s.precision, 0.5, "one of two predicted pairs is true");
        assert_eq!(s.recall, 0.5, "one of two true pairs was found");
        assert_eq!(s.f1, 0.5, "F1 is their harmonic mean");
    }
}
