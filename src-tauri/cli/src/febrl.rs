//! Reading record files in the FEBRL layout (the record-linkage benchmark's CSV files) into
//! records the matcher compares, and reading the benchmark's truth from their IDs.
//!
//! FEBRL quirks handled here: every header and value starts with a space, and a missing value
//! is a single space. A file that cannot be read as a whole fails with the file and line;
//! nothing is skipped silently.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context as _};
use concord_core::matching::{MatchRecord, SourceKey};

/// The columns of a FEBRL file that the matcher uses, by header name.
pub const COLUMNS: [&str; 11] = [
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
];

/// Read a FEBRL CSV file; records get `system` as their system and `rec_id` as their ID.
/// Columns named in `ignore` are left out of the records, so they take no part in matching.
pub fn read(path: &Path, system: &str, ignore: &[String]) -> anyhow::Result<Vec<MatchRecord>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the record file {}", path.display()))?;
    parse(file, system, ignore).with_context(|| format!("in {}", path.display()))
}

pub fn parse(
    input: impl std::io::Read,
    system: &str,
    ignore: &[String],
) -> anyhow::Result<Vec<MatchRecord>> {
    for column in ignore {
        if column == "rec_id" {
            bail!("rec_id identifies each record and cannot be ignored");
        }
        if !COLUMNS.contains(&column.as_str()) {
            bail!(
                "--ignore {column}: no such column; the columns are {}",
                COLUMNS.join(", ")
            );
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .context("cannot read the header line")?
        .iter()
        .map(clean)
        .collect();
    let position = |name: &str| headers.iter().position(|h| h == name);
    let Some(id_at) = position("rec_id") else {
        bail!(
            "the header has no rec_id column (found: {})",
            headers.join(", ")
        );
    };
    let column = |name: &str| {
        if ignore.iter().any(|i| i == name) {
            None
        } else {
            position(name)
        }
    };
    let at: Vec<Option<usize>> = COLUMNS.iter().map(|c| column(c)).collect();

    let mut records = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = row.with_context(|| format!("line {line} is not a valid CSV row"))?;
        let get = |i: usize| {
            at[i]
                .and_then(|p| row.get(p))
                .map(clean)
                .filter(|v| !v.is_empty())
        };
        let id = row.get(id_at).map(clean).unwrap_or_default();
        if id.is_empty() {
            bail!("line {line} has no rec_id");
        }
        records.push(MatchRecord {
            key: SourceKey::new(system, id),
            given_name: get(1),
            surname: get(2),
            street_number: get(3),
            street: get(4),
            address_line2: get(5),
            locality: get(6),
            postcode: get(7),
            region: get(8),
            birth_date: get(9),
            tax_id: get(10),
            ..MatchRecord::default()
        });
    }
    Ok(records)
}

fn clean(value: &str) -> String {
    value.trim().to_string()
}

/// The person a FEBRL record stands for: the number in `rec-12-org` or `rec-12-dup-0`.
pub fn person_of(rec_id: &str) -> Option<&str> {
    let rest = rec_id.strip_prefix("rec-")?;
    let end = rest.find('-').unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The true pairs of a linkage: records of `left` and `right` standing for the same person.
pub fn true_links(left: &[MatchRecord], right: &[MatchRecord]) -> BTreeSet<(String, String)> {
    let mut by_person: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for r in right {
        if let Some(p) = person_of(&r.key.id) {
            by_person.entry(p).or_default().push(&r.key.id);
        }
    }
    let mut truth = BTreeSet::new();
    for l in left {
        let Some(p) = person_of(&l.key.id) else {
            continue;
        };
        for r in by_person.get(p).map(Vec::as_slice).unwrap_or(&[]) {
            truth.insert((l.key.id.clone(), (*r).to_string()));
        }
    }
    truth
}

/// The true pairs of a deduplication: every pair of records within one person's group, as
/// (smaller ID, larger ID).
pub fn true_duplicates(records: &[MatchRecord]) -> BTreeSet<(String, String)> {
    let mut by_person: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for r in records {
        if let Some(p) = person_of(&r.key.id) {
            by_person.entry(p).or_default().push(&r.key.id);
        }
    }
    let mut truth = BTreeSet::new();
    for ids in by_person.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                truth.insert(ordered(a, b));
            }
        }
    }
    truth
}

pub fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "rec_id, given_name, surname, street_number, address_1, address_2, \
suburb, postcode, state, date_of_birth, soc_sec_id\r\n\
rec-1070-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, \
19151111, 5304218\r\n\
rec-1070-dup-0, , neumann, 8, stanley street, , winston hills, 4223, nsw, 19151111, 5304218\r\n";

    #[test]
    fn leading_spaces_are_dropped_and_a_lone_space_is_missing() {
        let records = parse(SAMPLE.as_bytes(), "a", &[]).unwrap();

        assert_eq!(records.len(), 2, "both rows are read");
        assert_eq!(
            records[0].given_name.as_deref(),
            Some("michaela"),
            "value without space"
        );
        assert_eq!(records[1].given_name, None, "a single space means no value");
        assert_eq!(records[1].key.id, "rec-1070-dup-0", "the ID is trimmed too");
    }

    #[test]
    fn an_ignored_column_takes_no_part() {
        let records = parse(SAMPLE.as_bytes(), "a", &["soc_sec_id".into()]).unwrap();

        assert!(
            records.iter().all(|r| r.tax_id.is_none()),
            "soc_sec_id must be dropped"
        );
    }

    #[test]
    fn ignoring_an_unknown_column_is_refused_with_the_known_ones() {
        let err = parse(SAMPLE.as_bytes(), "a", &["ssn".into()]).unwrap_err();

        assert!(
            err.to_string().contains("soc_sec_id"),
            "the message lists the real columns"
        );
    }

    #[test]
    fn a_file_without_record_ids_is_refused() {
        let err = parse("name\n ann\n".as_bytes(), "a", &[]).unwrap_err();

        assert!(
            err.to_string().contains("rec_id"),
            "the message names the missing column"
        );
    }

    #[test]
    fn a_ragged_row_is_reported_with_its_line() {
        let input = "rec_id, given_name\n rec-1-org, ann\n rec-2-org\n";

        let err = parse(input.as_bytes(), "a", &[]).unwrap_err();

        assert!(
            format!("{err:#}").contains("line 3"),
            "the bad row's line is named: {err:#}"
        );
    }

    #[test]
    fn duplicates_of_one_person_are_all_true_pairs() {
        let ids = ["rec-1-org", "rec-1-dup-0", "rec-1-dup-1", "rec-2-org"];
        let records: Vec<MatchRecord> = ids
            .iter()
            .map(|id| MatchRecord {
                key: SourceKey::new("x", *id),
                ..MatchRecord::default()
            })
            .collect();

        let truth = true_duplicates(&records);

        assert_eq!(truth.len(), 3, "three records of person 1 make three pairs");
    }
}
