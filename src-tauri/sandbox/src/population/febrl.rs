//! The FEBRL 4 people, embedded so a population never depends on a file next to the binary.

use std::sync::OnceLock;

use chrono::NaiveDate;

const ORIGINALS: &str = include_str!("febrl/dataset4a.csv");
const COPIES: &str = include_str!("febrl/dataset4b.csv");

/// One FEBRL record as given (lower case, fields possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FebrlRecord {
    /// The record number shared by an original and its copy (`rec-1070-org`, `rec-1070-dup-0`).
    pub number: u32,
    pub given_name: String,
    pub surname: String,
    pub street_number: String,
    pub address_1: String,
    pub address_2: String,
    pub suburb: String,
    pub postcode: String,
    pub state: String,
    pub date_of_birth: Option<NaiveDate>,
}

/// An original and its copy with errors, by record number.
pub(crate) struct FebrlPair {
    pub original: FebrlRecord,
    pub copy: FebrlRecord,
}

/// Every pair, in the order of the originals' file.
pub(crate) fn pairs() -> &'static [FebrlPair] {
    static PAIRS: OnceLock<Vec<FebrlPair>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut copies: Vec<FebrlRecord> = parse(COPIES).collect();
        copies.sort_by_key(|r| r.number);
        parse(ORIGINALS)
            .filter_map(|original| {
                let at = copies
                    .binary_search_by_key(&original.number, |r| r.number)
                    .ok()?;
                Some(FebrlPair {
                    copy: copies[at].clone(),
                    original,
                })
            })
            .collect()
    })
}

fn parse(text: &'static str) -> impl Iterator<Item = FebrlRecord> {
    text.lines().skip(1).filter_map(|line| {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() < 10 {
            return None;
        }
        let number = fields[0]
            .strip_prefix("rec-")?
            .split('-')
            .next()?
            .parse()
            .ok()?;
        Some(FebrlRecord {
            number,
            given_name: fields[1].to_owned(),
            surname: fields[2].to_owned(),
            street_number: fields[3].to_owned(),
            address_1: fields[4].to_owned(),
            address_2: fields[5].to_owned(),
            suburb: fields[6].to_owned(),
            postcode: fields[7].to_owned(),
            state: fields[8].to_owned(),
            date_of_birth: NaiveDate::parse_from_str(fields[9], "%Y%m%d").ok(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_original_has_its_copy() {
        let pairs = pairs();

        assert_eq!(
            pairs.len(),
            5000,
            "FEBRL 4 is 5,000 originals each copied once"
        );
        assert!(
            pairs.iter().all(|p| p.original.number == p.copy.number),
            "pairs are joined by record number"
        );
    }
}
