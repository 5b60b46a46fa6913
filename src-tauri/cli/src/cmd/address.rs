//! `concord address`: standardize one address, or check the standardizer against a cases file.
//!
//! `standardize` prints the address block (or the rejection and its reason) and the changes
//! made; `check FILE.tsv` runs a file shaped like the shared address cases and prints every
//! case that differs, then `N passed, N failed`. Neither touches the cache or the network.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args as ClapArgs, Subcommand};
use concord_core::address::{cases, standardize, Standardized, Verdict};

use super::Context;

#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Standardize one address: one line with commas, or lines separated by newlines (a
    /// literal `\n` counts as one), or `key=value; key=value` fields.
    Standardize {
        /// ISO 3166-1 alpha-2 country code; without it the country named at the end of the
        /// address is used, or the US when the address ends with a US state and ZIP code.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Print the full result (components, lines, changes, verdict) as JSON.
        #[arg(long)]
        json: bool,
        /// The address.
        address: String,
    },
    /// Run a cases file (columns id, country, input, expected) and report what differs.
    Check {
        /// Tab-separated cases file, like shared/data/addresses/cases.tsv.
        file: PathBuf,
    },
}

pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<()> {
    // TODO(service): standardizing is pure domain code and needs no installation, so this
    // calls the core crate directly; it should move behind a service operation once the
    // service layer offers address corrections, so the desktop and the CLI share one path.
    match args.action {
        Action::Standardize {
            country,
            json,
            address,
        } => {
            let text = address.replace("\\n", "\n");
            let result = standardize(&text, country.as_deref());
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", describe(&result));
            }
            Ok(())
        }
        Action::Check { file } => {
            let tsv = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the cases file {}", file.display()))?;
            let report = check(&tsv)
                .with_context(|| format!("cannot read the cases in {}", file.display()))?;
            print!("{}", report.text);
            if report.failed > 0 {
                anyhow::bail!("{} of {} cases failed", report.failed, report.total);
            }
            Ok(())
        }
    }
}

/// The result as a person reads it: the block or the rejection, then the changes.
fn describe(result: &Standardized) -> String {
    let mut out = String::new();
    match &result.verdict {
        Verdict::Rejected { reason } => {
            let _ = writeln!(out, "Rejected: {reason}");
        }
        verdict => {
            for line in &result.lines {
                let _ = writeln!(out, "{line}");
            }
            if let Verdict::NeedsReview { reason } = verdict {
                let _ = writeln!(out, "\nNeeds review: {reason}");
            }
        }
    }
    if !result.changes.is_empty() {
        let _ = writeln!(out, "\nChanges:");
        for change in &result.changes {
            let _ = writeln!(out, "  - {change}");
        }
    }
    out
}

struct Report {
    text: String,
    total: usize,
    failed: usize,
}

fn check(tsv: &str) -> anyhow::Result<Report> {
    let all = cases::parse(tsv).map_err(anyhow::Error::msg)?;

    let outcomes: Vec<_> = all.iter().map(cases::run).collect();

    let mut text = String::new();
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    for outcome in outcomes.iter().filter(|o| !o.passed) {
        let _ = writeln!(
            text,
            "{} ({})",
            outcome.case.id,
            outcome.case.input.replace('\n', "\\n")
        );
        let _ = writeln!(text, "  expected: {}", outcome.case.expected.display());
        let _ = writeln!(
            text,
            "  got:      {}",
            cases::display_actual(&outcome.actual)
        );
    }
    let _ = writeln!(
        text,
        "{} passed, {} failed",
        outcomes.len() - failed,
        failed
    );
    Ok(Report {
        text,
        total: outcomes.len(),
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id\tcountry\tinput\texpected\tnotes\n";

    #[test]
    fn check_lists_each_differing_case_and_ends_with_the_counts() {
        let tsv = format!(
            "{HEADER}OK\tUS\t1 Main Street, Springfield IL 62704\t1 MAIN ST\\nSPRINGFIELD IL \
             62704\t\nBAD\tUS\t2 Main Street, Springfield IL 62704\t2 MAIN STREET\\nX\t\n"
        );

        let report = check(&tsv).unwrap();

        assert_eq!(
            report.failed, 1,
            "only the case with a wrong expectation fails"
        );
        assert!(
            report.text.contains("BAD ("),
            "the failing case is named: {}",
            report.text
        );
        assert!(
            !report.text.contains("OK ("),
            "passing cases are not listed"
        );
        assert_eq!(
            report.text.lines().last(),
            Some("1 passed, 1 failed"),
            "last line counts"
        );
    }

    #[test]
    fn a_cases_file_without_the_expected_column_is_refused_with_its_name() {
        let tsv = "id\tcountry\tinput\n1\tUS\tx\n";

        let error = check(tsv)
            .err()
            .expect("a malformed file is an error")
            .to_string();

        assert!(
            error.contains("expected"),
            "the message names the missing column: {error}"
        );
    }

    #[test]
    fn a_rejection_is_printed_with_its_reason_and_nothing_else() {
        let result = standardize("Maple Ave & Birch St, Smalltown, KS 67000", Some("US"));

        let text = describe(&result);

        assert_eq!(
            text, "Rejected: intersection is not a deliverable address\n",
            "reason only"
        );
    }

    #[test]
    fn a_standardized_address_is_printed_with_its_changes() {
        let result = standardize("123 Bramblewood Street, Springfield, IL 62704", Some("US"));

        let text = describe(&result);

        assert!(
            text.starts_with("123 BRAMBLEWOOD ST\nSPRINGFIELD IL 62704\n"),
            "the block comes first: {text}"
        );
        assert!(
            text.contains("  - Street suffix STREET -> ST\n"),
            "then the changes: {text}"
        );
    }
}
