//! `concord match`: link two record files, or find duplicates within one, and write the
//! pairs that link or need review with their probability.
//!
//! The pairs file is written to a temporary name and renamed into place, so an interrupted run
//! never leaves a half-written file where a previous complete one was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use concord_core::matching::{Decision, Ledger, Linker, MatchConfig, MatchRecord, MatchResult};

use crate::febrl;

use super::Context;

/// The system names given to the two sides of a linkage and to a deduplicated file.
pub const LEFT: &str = "left";
pub const RIGHT: &str = "right";
pub const DEDUPE: &str = "records";

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["left", "dedupe"])))]
pub struct Args {
    /// The first file of a linkage.
    #[arg(long, requires = "right", value_name = "FILE")]
    left: Option<PathBuf>,

    /// The second file of a linkage.
    #[arg(long, requires = "left", value_name = "FILE")]
    right: Option<PathBuf>,

    /// Find records of one person within this one file instead.
    #[arg(long, conflicts_with_all = ["left", "right"], value_name = "FILE")]
    dedupe: Option<PathBuf>,

    /// The layout of the input files.
    #[arg(long, value_enum, default_value = "febrl")]
    format: Format,

    /// Where to write the pairs (CSV: left_id, right_id, probability, decision).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,

    /// Leave a column out of the comparison; may be given several times.
    #[arg(long, value_name = "COLUMN")]
    ignore: Vec<String>,

    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The FEBRL benchmark layout (rec_id, given_name, surname, ..., soc_sec_id).
    Febrl,
}

pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<()> {
    let Format::Febrl = args.format;
    let started = std::time::Instant::now();
    let (linker, result) = match (&args.left, &args.right, &args.dedupe) {
        (Some(left), Some(right), None) => {
            let left = febrl::read(left, LEFT, &args.ignore)?;
            let right = febrl::read(right, RIGHT, &args.ignore)?;
            link(left, right)?
        }
        (None, None, Some(file)) => dedupe(febrl::read(file, DEDUPE, &args.ignore)?)?,
        _ => bail!("give either --left and --right, or --dedupe"),
    };
    write_pairs(&args.out, &linker, &result)?;
    let seconds = started.elapsed().as_secs_f64();

    let summary = serde_json::json!({
        "records": result.stats.records,
        "candidate_pairs": result.stats.blocking.candidate_pairs,
        "links": result.stats.links,
        "reviews": result.stats.reviews,
        "customers": result.stats.customers,
        "seconds": seconds,
        "out": args.out.display().to_string(),
    });
    let text = if args.json {
        summary.to_string()
    } else {
        format!(
            "{} records, {} candidate pairs: {} links, {} for review, {} customers ({:.2} s)\n\
             pairs written to {}",
            result.stats.records,
            result.stats.blocking.candidate_pairs,
            result.stats.links,
            result.stats.reviews,
            result.stats.customers,
            seconds,
            args.out.display()
        )
    };
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// Link two sets of records, at most one record of each side per customer.
pub fn link(
    left: Vec<MatchRecord>,
    right: Vec<MatchRecord>,
) -> anyhow::Result<(Linker, MatchResult)> {
    let mut records = left;
    records.extend(right);
    Ok(Linker::build(MatchConfig::default(), records, &Ledger::default())?)
}

/// Find the records of one person within one set.
pub fn dedupe(records: Vec<MatchRecord>) -> anyhow::Result<(Linker, MatchResult)> {
    let config = MatchConfig { dedupe_systems: vec![DEDUPE.to_string()], ..Default::default() };
    Ok(Linker::build(config, records, &Ledger::default())?)
}

/// Pairs that link or need review, as (left ID, right ID, probability, decision); in a
/// linkage the left ID is always the left file's.
pub fn pair_rows<'a>(
    linker: &'a Linker,
    result: &'a MatchResult,
) -> impl Iterator<Item = (&'a str, &'a str, f64, Decision)> + 'a {
    result.pairs.iter().filter(|p| p.decision != Decision::NoLink).map(|p| {
        let (a, b) = (linker.key(p.left), linker.key(p.right));
        let (l, r) = if a.system == RIGHT && b.system == LEFT { (b, a) } else { (a, b) };
        (l.id.as_str(), r.id.as_str(), p.probability(), p.decision)
    })
}

fn write_pairs(out: &Path, linker: &Linker, result: &MatchResult) -> anyhow::Result<()> {
    let tmp = out.with_extension("csv.partial");
    let mut writer = csv::Writer::from_path(&tmp)
        .with_context(|| format!("cannot write the pairs file {}", tmp.display()))?;
    writer.write_record(["left_id", "right_id", "probability", "decision"])?;
    for (left, right, probability, decision) in pair_rows(linker, result) {
        writer.write_record([left, right, &format!("{probability:.6}"), decision.name()])?;
    }
    writer.flush().context("cannot finish writing the pairs file")?;
    drop(writer);
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move the pairs file into place at {}", out.display()))?;
    Ok(())
}
