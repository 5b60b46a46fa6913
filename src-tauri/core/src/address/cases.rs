//! Address test cases in the shared TSV shape (`id`, `country`, `input`, `expected`, `notes`):
//! reading them and checking the standardizer against them. The test suite and the
//! `concord address check` command both use this, so they can never disagree on what passing
//! means.
//!
//! An `expected` cell holds the standardized lines separated by a literal `\n`, or
//! `(reject: reason)`; in a reason, `...` stands for any text. The caller reads the file; this
//! module does no I/O.

use super::{standardize, Standardized, Verdict};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub country: Option<String>,
    pub input: String,
    pub expected: Expected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Lines(Vec<String>),
    Rejected { reason: String },
}

/// The result of running one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: Case,
    pub actual: Standardized,
    pub passed: bool,
}

/// Reads a cases file. Fails with the line number when a row is malformed.
pub fn parse(tsv: &str) -> Result<Vec<Case>, String> {
    let mut lines = tsv
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err("the cases file is empty".to_string());
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let column = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| format!("no '{name}' column"))
    };
    let (id, country, input, expected) = (
        column("id")?,
        column("country")?,
        column("input")?,
        column("expected")?,
    );

    let mut cases = Vec::new();
    for (number, line) in lines {
        let cells: Vec<String> = line.split('\t').map(unquote).collect();
        let cell = |i: usize| {
            cells
                .get(i)
                .cloned()
                .ok_or_else(|| format!("line {}: missing column {i}", number + 1))
        };
        let country = cell(country)?;
        cases.push(Case {
            id: cell(id)?,
            country: (!country.trim().is_empty()).then(|| country.trim().to_string()),
            input: cell(input)?.replace("\\n", "\n"),
            expected: parse_expected(&cell(expected)?),
        });
    }
    Ok(cases)
}

fn unquote(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => cell.to_string(),
    }
}

fn parse_expected(cell: &str) -> Expected {
    let rejection = cell
        .strip_prefix("(reject:")
        .and_then(|r| r.strip_suffix(')'));
    match rejection {
        Some(reason) => Expected::Rejected {
            reason: reason.trim().to_string(),
        },
        None => Expected::Lines(cell.split("\\n").map(String::from).collect()),
    }
}

/// Runs one case through the standardizer.
pub fn run(case: &Case) -> Outcome {
    let actual = standardize(&case.input, case.country.as_deref());
    let passed = match (&case.expected, &actual.verdict) {
        (Expected::Lines(lines), Verdict::Standardized) => *lines == actual.lines,
        (Expected::Rejected { reason: pattern }, Verdict::Rejected { reason }) => {
            reason_matches(pattern, reason)
        }
        _ => false,
    };
    Outcome {
        case: case.clone(),
        actual,
        passed,
    }
}

/// Case-insensitive match where `...` in the pattern stands for any text.
fn reason_matches(pattern: &str, reason: &str) -> bool {
    let reason = reason.to_lowercase();
    let parts: Vec<String> = pattern
        .to_lowercase()
        .split("...")
        .map(String::from)
        .collect();
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !reason.starts_with(part.as_str()) {
                return false;
            }
            at = part.len();
            continue;
        }
        match reason[at..].find(part.as_str()) {
            Some(found) => at += found + part.len(),
            None => return false,
        }
    }
    parts.len() > 1 || at == reason.len()
}

impl Expected {
    /// The expected result written the way the cases file writes it.
    pub fn display(&self) -> String {
        match self {
            Expected::Lines(lines) => lines.join("\\n"),
            Expected::Rejected { reason } => format!("(reject: {reason})"),
        }
    }
}

/// The actual result written the way the cases file writes expectations.
pub fn display_actual(actual: &Standardized) -> String {
    match &actual.verdict {
        Verdict::Standardized => actual.lines.join("\\n"),
        Verdict::Rejected { reason } => format!("(reject: {reason})"),
        Verdict::NeedsReview { reason } => {
            format!("{} (needs review: {reason})", actual.lines.join("\\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ellipsis_in_an_expected_reason_stands_for_any_text() {
        let pattern = "postal code M... is Ontario, not Nova Scotia";

        let matched = reason_matches(pattern, "postal code M5V 2T6 is Ontario, not Nova Scotia");
        let other = reason_matches(pattern, "postal code M5V 2T6 is Quebec, not Nova Scotia");

        assert!(matched, "the elided postcode may be anything");
        assert!(!other, "the rest of the reason must match");
    }

    #[test]
    fn a_reason_without_ellipsis_must_match_whole() {
        let exact = reason_matches("intersection", "intersection is not deliverable");

        assert!(!exact, "a prefix is not a match without an ellipsis");
    }

    #[test]
    fn expected_cells_read_lines_and_rejections() {
        let tsv = "id\tcountry\tinput\texpected\tnotes\n\
                   A\tUS\t1 Main St\t1 MAIN ST\\nX IL 62704\tn\n\
                   B\tUS\tx\t(reject: no)\t\"quoted \"\"note\"\"\"\n";

        let cases = parse(tsv).unwrap();

        assert_eq!(
            cases[0].expected,
            Expected::Lines(vec!["1 MAIN ST".into(), "X IL 62704".into()])
        );
        assert_eq!(
            cases[1].expected,
            Expected::Rejected {
                reason: "no".into()
            },
            "reject form"
        );
    }
}
