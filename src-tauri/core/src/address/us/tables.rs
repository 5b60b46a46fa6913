//! USPS Publication 28 word lists: street suffixes (Appendix C1), secondary unit designators
//! (Appendix C2), directionals and ordinal numbers. The suffix and unit tables are data files
//! next to this module; this code only loads them into maps.

use std::collections::HashMap;
use std::sync::LazyLock;

const SUFFIX_TABLE: &str = include_str!("../data/street_suffixes.tsv");
const UNIT_TABLE: &str = include_str!("../data/unit_designators.tsv");

fn data_lines(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// Every spelling of a street suffix -> its standard abbreviation.
static SUFFIXES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for columns in data_lines(SUFFIX_TABLE) {
        let (standard, spellings) = (columns[0], columns[1]);
        for spelling in spellings.split(' ') {
            map.insert(spelling, standard);
        }
        map.insert(standard, standard);
    }
    map
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnitDesignator {
    pub standard: &'static str,
    /// REAR, BSMT, PH and the like may be written without a unit number.
    pub stands_alone: bool,
}

static UNITS: LazyLock<HashMap<&'static str, UnitDesignator>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for columns in data_lines(UNIT_TABLE) {
        let designator = UnitDesignator {
            standard: columns[0],
            stands_alone: columns[1] == "alone",
        };
        for spelling in columns[2].split(' ') {
            map.insert(spelling, designator);
        }
    }
    map
});

pub(crate) fn suffix(word: &str) -> Option<&'static str> {
    SUFFIXES.get(word).copied()
}

pub(crate) fn unit_designator(word: &str) -> Option<UnitDesignator> {
    UNITS.get(word).copied()
}

const DIRECTIONALS: &[(&str, &str)] = &[
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
    ("N", "N"),
    ("S", "S"),
    ("E", "E"),
    ("W", "W"),
    ("NE", "NE"),
    ("NW", "NW"),
    ("SE", "SE"),
    ("SW", "SW"),
];

/// The standard abbreviation of a one-word directional (`NORTH`, `N`, `NORTHEAST`, `NE`).
pub(crate) fn directional(word: &str) -> Option<&'static str> {
    let word = word.trim_matches('-');
    if let Some((first, second)) = word.split_once('-') {
        return two_word_directional(first, second);
    }
    DIRECTIONALS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, d)| *d)
}

/// `NORTH EAST`, `N E` and `NORTH-EAST` are written NE.
pub(crate) fn two_word_directional(first: &str, second: &str) -> Option<&'static str> {
    let first = directional(first)?;
    let second = directional(second)?;
    match (first, second) {
        ("N", "E") => Some("NE"),
        ("N", "W") => Some("NW"),
        ("S", "E") => Some("SE"),
        ("S", "W") => Some("SW"),
        _ => None,
    }
}

const UNITS_WORDS: &[&str] = &[
    "",
    "FIRST",
    "SECOND",
    "THIRD",
    "FOURTH",
    "FIFTH",
    "SIXTH",
    "SEVENTH",
    "EIGHTH",
    "NINTH",
    "TENTH",
    "ELEVENTH",
    "TWELFTH",
    "THIRTEENTH",
    "FOURTEENTH",
    "FIFTEENTH",
    "SIXTEENTH",
    "SEVENTEENTH",
    "EIGHTEENTH",
    "NINETEENTH",
];
const TENS_ORDINALS: &[&str] = &[
    "",
    "",
    "TWENTIETH",
    "THIRTIETH",
    "FORTIETH",
    "FIFTIETH",
    "SIXTIETH",
    "SEVENTIETH",
    "EIGHTIETH",
    "NINETIETH",
];
const TENS_CARDINALS: &[&str] = &[
    "", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY",
];

/// The value of an ordinal written in words: `FIFTH` is 5, `TWENTY-FIRST` is 21.
pub(crate) fn ordinal_value(word: &str) -> Option<u32> {
    if let Some(i) = UNITS_WORDS.iter().position(|w| !w.is_empty() && *w == word) {
        return Some(i as u32);
    }
    if let Some(i) = TENS_ORDINALS
        .iter()
        .position(|w| !w.is_empty() && *w == word)
    {
        return Some(i as u32 * 10);
    }
    let (tens, unit) = word.split_once('-')?;
    let tens = TENS_CARDINALS
        .iter()
        .position(|w| !w.is_empty() && *w == tens)?;
    let unit = UNITS_WORDS
        .iter()
        .take(10)
        .position(|w| !w.is_empty() && *w == unit)?;
    Some(tens as u32 * 10 + unit as u32)
}

/// `TWENTY` as the first half of `TWENTY FIRST` written as two words.
pub(crate) fn is_tens_cardinal(word: &str) -> bool {
    TENS_CARDINALS.iter().any(|w| !w.is_empty() && *w == word)
}

/// 1 -> 1ST, 2 -> 2ND, 11 -> 11TH, 23 -> 23RD.
pub(crate) fn ordinal_numeral(value: u32) -> String {
    let suffix = match (value % 10, value % 100) {
        (_, 11..=13) => "TH",
        (1, _) => "ST",
        (2, _) => "ND",
        (3, _) => "RD",
        _ => "TH",
    };
    format!("{value}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suffix_spelling_maps_to_its_standard_abbreviation() {
        let pairs = [
            ("STREET", "ST"),
            ("STR", "ST"),
            ("AV", "AVE"),
            ("PLAZA", "PLZ"),
        ];

        let found: Vec<_> = pairs.iter().map(|(w, _)| suffix(w)).collect();

        let expected: Vec<_> = pairs.iter().map(|(_, s)| Some(*s)).collect();
        assert_eq!(
            found, expected,
            "Appendix C1 spellings standardize to one abbreviation"
        );
    }

    #[test]
    fn designators_that_need_no_number_are_marked_so() {
        let alone = [
            "BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR",
        ];

        let wrong: Vec<_> = alone
            .iter()
            .filter(|w| !unit_designator(w).is_some_and(|u| u.stands_alone))
            .collect();

        assert!(
            wrong.is_empty(),
            "Appendix C2 lets these stand alone: {wrong:?}"
        );
        assert!(
            !unit_designator("SUITE").unwrap().stands_alone,
            "a suite needs its number"
        );
    }

    #[test]
    fn ordinals_in_words_become_numerals() {
        let words = [
            "FIFTH",
            "TWELFTH",
            "TWENTY-FIRST",
            "FORTIETH",
            "NINETY-THIRD",
        ];

        let numerals: Vec<_> = words
            .iter()
            .map(|w| ordinal_value(w).map(ordinal_numeral))
            .collect();

        assert_eq!(
            numerals,
            [
                Some("5TH"),
                Some("12TH"),
                Some("21ST"),
                Some("40TH"),
                Some("93RD")
            ]
            .map(|s| s.map(str::to_string)),
            "Pub 28 writes numbered streets as numerals"
        );
    }

    #[test]
    fn two_word_directionals_combine() {
        let combined = two_word_directional("NORTH", "EAST");

        assert_eq!(combined, Some("NE"), "NORTH EAST is the directional NE");
        assert_eq!(
            two_word_directional("NORTH", "SOUTH"),
            None,
            "no such direction"
        );
    }
}
