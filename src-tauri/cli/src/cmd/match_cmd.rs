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
    let started = std::time::Instant::now();
    let result = execute(&args)?;
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

/// Read, match and write the pairs; the pairs file appears only when all of it is written.
fn execute(args: &Args) -> anyhow::Result<MatchResult> {
    let Format::Febrl = args.format;
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
    Ok(result)
}

/// Link two sets of records, at most one record of each side per customer.
pub fn link(
    left: Vec<MatchRecord>,
    right: Vec<MatchRecord>,
) -> anyhow::Result<(Linker, MatchResult)> {
    let mut records = left;
    records.extend(right);
    Ok(Linker::build(config(), records, &Ledger::default())?)
}

/// Find the records of one person within one set.
pub fn dedupe(records: Vec<MatchRecord>) -> anyhow::Result<(Linker, MatchResult)> {
    let config = MatchConfig {
        dedupe_systems: vec![DEDUPE.to_string()],
        ..config()
    };
    Ok(Linker::build(config, records, &Ledger::default())?)
}

/// The engine's defaults, on every core of this machine.
fn config() -> MatchConfig {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    MatchConfig {
        threads,
        ..MatchConfig::default()
    }
}

/// Pairs that link or need review, as (left ID, right ID, probability, decision); in a
/// linkage the left ID is always the left file's.
pub fn pair_rows<'a>(
    linker: &'a Linker,
    result: &'a MatchResult,
) -> impl Iterator<Item = (&'a str, &'a str, f64, Decision)> + 'a {
    result
        .pairs
        .iter()
        .filter(|p| p.decision != Decision::NoLink)
        .map(|p| {
            let (a, b) = (linker.key(p.left), linker.key(p.right));
            let (l, r) = if a.system == RIGHT && b.system == LEFT {
                (b, a)
            } else {
                (a, b)
            };
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
    writer
        .flush()
        .context("cannot finish writing the pairs file")?;
    drop(writer);
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move the pairs file into place at {}", out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "rec_id, given_name, surname, street_number, address_1, address_2, \
suburb, postcode, state, date_of_birth, soc_sec_id\n\
rec-1-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, \
5304218\n\
rec-1-dup-0, michaela, nuemann, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, \
5304218\n\
rec-2-org, courtney, painter, 12, pinkerton circuit, bega flats, richlands, 4560, vic, \
19161214, 4066625\n";

    fn args(dir: &Path, input: &Path) -> Args {
        Args {
            left: None,
            right: None,
            dedupe: Some(input.to_path_buf()),
            format: Format::Febrl,
            out: dir.join("pairs.csv"),
            ignore: Vec::new(),
            json: true,
        }
    }

    #[test]
    fn dedupe_writes_the_linked_pair_with_its_probability_and_decision() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("records.csv");
        std::fs::write(&input, FILE).unwrap();

        let result = execute(&args(dir.path(), &input)).unwrap();

        let written = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(result.stats.links, 1, "the two records of person 1 link");
        assert_eq!(
            lines[0], "left_id,right_id,probability,decision",
            "the documented header"
        );
        assert_eq!(
            lines.len(),
            2,
            "one pair: the two records of person 1, got {lines:?}"
        );
        assert!(
            lines[1].contains("rec-1-org") && lines[1].contains("rec-1-dup-0"),
            "that pair"
        );
        assert!(
            lines[1].ends_with(",link"),
            "decided as a link: {}",
            lines[1]
        );
    }

    #[derive(Debug, clap::Parser)]
    struct Line {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn a_linkage_needs_both_files_and_excludes_dedupe() {
        use clap::Parser as _;
        let parse = |line: &[&str]| Line::try_parse_from(line.iter().copied());

        let left_only = parse(&["match", "--left", "a.csv", "--out", "p.csv"]);
        let both_modes = parse(&[
            "match", "--left", "a", "--right", "b", "--dedupe", "c", "--out", "p",
        ]);
        let ignored = parse(&[
            "match",
            "--dedupe",
            "c",
            "--out",
            "p",
            "--ignore",
            "state",
            "--ignore",
            "soc_sec_id",
        ]);

        assert!(
            left_only.is_err(),
            "a linkage without its second file is refused"
        );
        assert!(
            both_modes.is_err(),
            "linking and deduplicating at once is refused"
        );
        let ignored = ignored.expect("--ignore may be repeated");
        assert_eq!(
            ignored.args.ignore,
            ["state", "soc_sec_id"],
            "every ignored column is kept"
        );
    }

    #[test]
    fn a_bad_input_file_leaves_the_previous_pairs_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("records.csv");
        std::fs::write(&input, "no ids here\n x\n").unwrap();
        std::fs::write(dir.path().join("pairs.csv"), "earlier results").unwrap();

        let err = execute(&args(dir.path(), &input)).unwrap_err();

        assert!(
            format!("{err:#}").contains("rec_id"),
            "the message says what is missing"
        );
        let kept = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
        assert_eq!(
            kept, "earlier results",
            "nothing is lost because of a bad input"
        );
    }
}
