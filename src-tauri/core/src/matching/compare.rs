//! Field comparators: each turns the two values of one field into a comparison level
//! (exact, nickname, one edit, phonetic, different...). Levels are what the model weighs; the
//! comparators decide nothing about a match themselves.
//!
//! A missing value on either side is always `Level::Missing`, which carries no evidence.

use serde::{Deserialize, Serialize};

use super::nickname::are_nicknames;
use super::record::{Field, Prepared};
use super::similarity::{edit_distance_within, jaro_winkler};

/// How two values of one field compare, from strongest agreement to disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Level {
    Missing = 0,
    Exact,
    /// Given names that are forms of one another (Bill, William).
    Nickname,
    /// Day and month swapped, or two neighbouring digits swapped.
    Transposed,
    /// One character wrong, missing or extra.
    OneEdit,
    /// Jaro-Winkler at least 0.92.
    Close,
    /// Same NYSIIS code.
    Phonetic,
    /// Jaro-Winkler at least 0.80.
    Similar,
    /// Birth dates in the same year, nothing closer.
    YearOnly,
    Different,
}

impl Level {
    pub const COUNT: usize = 10;
    pub const ALL: [Level; Level::COUNT] = [
        Level::Missing,
        Level::Exact,
        Level::Nickname,
        Level::Transposed,
        Level::OneEdit,
        Level::Close,
        Level::Phonetic,
        Level::Similar,
        Level::YearOnly,
        Level::Different,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Missing => "missing",
            Level::Exact => "exact",
            Level::Nickname => "nickname",
            Level::Transposed => "transposed",
            Level::OneEdit => "one edit",
            Level::Close => "close",
            Level::Phonetic => "sounds alike",
            Level::Similar => "similar",
            Level::YearOnly => "same year",
            Level::Different => "different",
        }
    }
}

/// The levels a field can take besides `Missing`; the model estimates one m and u for each.
pub fn levels_of(field: Field) -> &'static [Level] {
    use Level::*;
    match field {
        Field::GivenName => &[Exact, Nickname, Close, Phonetic, Similar, Different],
        Field::Surname => &[Exact, Close, Phonetic, Similar, Different],
        Field::BirthDate => &[Exact, Transposed, OneEdit, YearOnly, Different],
        Field::Phone | Field::Postcode | Field::TaxId => &[Exact, OneEdit, Different],
        Field::Email => &[Exact, OneEdit, Different],
        Field::StreetNumber | Field::Region => &[Exact, Different],
        Field::Street | Field::AddressLine2 | Field::Locality | Field::Company => {
            &[Exact, Close, Similar, Different]
        }
    }
}

/// Comparison levels of every field for one pair of records.
pub type Levels = [Level; Field::COUNT];

pub(crate) fn compare(a: &Prepared, b: &Prepared) -> Levels {
    let mut out = [Level::Missing; Field::COUNT];
    for field in Field::ALL {
        out[field.index()] = compare_field(field, a, b);
    }
    out
}

pub(crate) fn compare_field(field: Field, a: &Prepared, b: &Prepared) -> Level {
    match field {
        Field::Phone => compare_any(&a.phones, &b.phones, |x, y| {
            if edit_distance_within(x, y, 1).is_some() {
                Level::OneEdit
            } else {
                Level::Different
            }
        }),
        Field::Email => compare_any(&a.emails, &b.emails, compare_email),
        Field::BirthDate => match (a.birth, b.birth) {
            (Some(x), Some(y)) => compare_dates(&x, &y),
            _ => Level::Missing,
        },
        _ => {
            let (Some(x), Some(y)) = (a.value(field), b.value(field)) else {
                return Level::Missing;
            };
            if x == y {
                return Level::Exact;
            }
            match field {
                Field::GivenName => compare_name(x, y, &a.given_nysiis, &b.given_nysiis, true),
                Field::Surname => compare_name(x, y, &a.surname_nysiis, &b.surname_nysiis, false),
                Field::Street => {
                    if a.street_compact == b.street_compact {
                        Level::Exact
                    } else {
                        by_similarity(jaro_winkler(&a.street_compact, &b.street_compact))
                    }
                }
                Field::AddressLine2 | Field::Locality | Field::Company => {
                    by_similarity(jaro_winkler(x, y))
                }
                Field::Postcode | Field::TaxId => {
                    if edit_distance_within(x, y, 1).is_some() {
                        Level::OneEdit
                    } else {
                        Level::Different
                    }
                }
                _ => Level::Different,
            }
        }
    }
}

fn by_similarity(jw: f64) -> Level {
    if jw >= 0.92 {
        Level::Close
    } else if jw >= 0.80 {
        Level::Similar
    } else {
        Level::Different
    }
}

/// The best level over every pair of values (a person may have several phones or emails).
fn compare_any(a: &[Box<str>], b: &[Box<str>], differ: impl Fn(&str, &str) -> Level) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    let mut best = Level::Different;
    for x in a {
        for y in b {
            let level = if x == y { Level::Exact } else { differ(x, y) };
            best = best.min(level);
        }
    }
    best
}

fn compare_email(x: &str, y: &str) -> Level {
    // A near email is one slip in the local part at the same domain, or in the domain with the
    // same local part; anything else is another mailbox.
    let (Some((xl, xd)), Some((yl, yd))) = (x.rsplit_once('@'), y.rsplit_once('@')) else {
        return Level::Different;
    };
    let near = (xd == yd && edit_distance_within(xl, yl, 1).is_some())
        || (xl == yl && edit_distance_within(xd, yd, 1).is_some());
    if near {
        Level::OneEdit
    } else {
        Level::Different
    }
}

fn compare_name(x: &str, y: &str, code_x: &str, code_y: &str, given: bool) -> Level {
    if given && are_nicknames(x, y) {
        return Level::Nickname;
    }
    let jw = jaro_winkler(x, y);
    if jw >= 0.92 {
        Level::Close
    } else if !code_x.is_empty() && code_x == code_y {
        Level::Phonetic
    } else if jw >= 0.80 {
        Level::Similar
    } else {
        Level::Different
    }
}

/// Birth dates as eight digits `YYYYMMDD`.
pub(crate) fn compare_dates(x: &[u8; 8], y: &[u8; 8]) -> Level {
    if x == y {
        return Level::Exact;
    }
    let same_year = x[..4] == y[..4];
    if same_year && x[4..6] == y[6..8] && x[6..8] == y[4..6] {
        return Level::Transposed;
    }
    let differing: Vec<usize> = (0..8).filter(|&i| x[i] != y[i]).collect();
    if differing.len() == 2 {
        let (i, j) = (differing[0], differing[1]);
        if j == i + 1 && x[i] == y[j] && x[j] == y[i] {
            return Level::Transposed;
        }
    }
    if differing.len() == 1 {
        return Level::OneEdit;
    }
    if same_year {
        Level::YearOnly
    } else {
        Level::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::record::{prepare, MatchRecord};

    fn date(s: &str) -> [u8; 8] {
        s.as_bytes().try_into().expect("eight digits")
    }

    #[test]
    fn swapped_day_and_month_is_a_transposition() {
        let got = compare_dates(&date("19650310"), &date("19651003"));

        assert_eq!(
            got,
            Level::Transposed,
            "10 March written as 3 October is a common slip"
        );
    }

    #[test]
    fn two_neighbouring_digits_swapped_is_a_transposition() {
        let got = compare_dates(&date("19561204"), &date("19651204"));

        assert_eq!(
            got,
            Level::Transposed,
            "1956 typed as 1965 swaps two neighbouring digits"
        );
    }

    #[test]
    fn one_wrong_digit_is_one_edit_and_same_year_is_weaker() {
        let one = compare_dates(&date("19650310"), &date("19650311"));
        let year = compare_dates(&date("19650310"), &date("19651122"));
        let other = compare_dates(&date("19650310"), &date("19720822"));

        assert_eq!(one, Level::OneEdit, "a single mistyped digit");
        assert_eq!(year, Level::YearOnly, "only the year agrees");
        assert_eq!(other, Level::Different, "nothing agrees");
    }

    #[test]
    fn names_compare_by_nickname_spelling_and_sound() {
        let rec = |given: &str, surname: &str| {
            prepare(&MatchRecord {
                given_name: Some(given.into()),
                surname: Some(surname.into()),
                ..MatchRecord::default()
            })
        };
        let (a, b) = (rec("William", "Macdonald"), rec("Bill", "Mcdonald"));
        let (c, d) = (rec("Katherine", "Smyth"), rec("Kathrine", "Smith"));

        let given = compare_field(Field::GivenName, &a, &b);
        let surname = compare_field(Field::Surname, &a, &b);
        let typo = compare_field(Field::GivenName, &c, &d);

        assert_eq!(given, Level::Nickname, "Bill is a form of William");
        assert_eq!(
            surname,
            Level::Close,
            "one letter missing keeps Jaro-Winkler high"
        );
        assert_eq!(
            typo,
            Level::Close,
            "a dropped letter is a typing error, not another name"
        );
    }

    #[test]
    fn emails_one_slip_apart_are_near_and_another_mailbox_is_different() {
        let rec = |email: &str| {
            prepare(&MatchRecord {
                emails: vec![email.into()],
                ..MatchRecord::default()
            })
        };

        let near = compare_field(
            Field::Email,
            &rec("ann@shop.example"),
            &rec("anne@shop.example"),
        );
        let far = compare_field(
            Field::Email,
            &rec("ann@shop.example"),
            &rec("bob@shop.example"),
        );
        let none = compare_field(
            Field::Email,
            &rec("ann@shop.example"),
            &prepare(&MatchRecord::default()),
        );

        assert_eq!(
            near,
            Level::OneEdit,
            "one letter more in the local part at the same domain"
        );
        assert_eq!(far, Level::Different, "a different mailbox");
        assert_eq!(none, Level::Missing, "no email on one side is no evidence");
    }

    #[test]
    fn tax_ids_compare_exact_or_one_edit() {
        let rec = |id: &str| {
            prepare(&MatchRecord {
                tax_id: Some(id.into()),
                ..MatchRecord::default()
            })
        };

        let one = compare_field(Field::TaxId, &rec("5304218"), &rec("5304281"));
        let far = compare_field(Field::TaxId, &rec("5304218"), &rec("1234567"));

        assert_eq!(one, Level::OneEdit, "two swapped digits are one slip");
        assert_eq!(far, Level::Different, "unrelated identifiers");
    }
}
