//! Postcode spelling: uppercase, and the space or hyphen each postal operator prints, for the
//! countries whose people often type the postcode without it (`1234AB` for `1234 AB`).
//!
//! A postcode is only rewritten when the result matches the country's pattern; this module
//! never invents digits and never drops any.

use super::metadata::Country;

/// Where the separator goes: after `at` characters, or before the last `at` characters.
#[derive(Clone, Copy)]
enum Split {
    AfterFirst(usize),
    BeforeLast(usize),
}

/// Countries with one fixed separator position: (code, length without separator, split, sep).
/// UK-style postcodes have a variable outward code but always a three-character inward code.
const SEPARATORS: &[(&str, Option<usize>, Split, &str)] = &[
    ("GB", None, Split::BeforeLast(3), " "),
    ("GG", None, Split::BeforeLast(3), " "),
    ("JE", None, Split::BeforeLast(3), " "),
    ("IM", None, Split::BeforeLast(3), " "),
    ("CA", Some(6), Split::AfterFirst(3), " "),
    ("NL", Some(6), Split::AfterFirst(4), " "),
    ("SE", Some(5), Split::AfterFirst(3), " "),
    ("CZ", Some(5), Split::AfterFirst(3), " "),
    ("SK", Some(5), Split::AfterFirst(3), " "),
    ("GR", Some(5), Split::AfterFirst(3), " "),
    ("IE", Some(7), Split::AfterFirst(3), " "),
    ("PL", Some(5), Split::AfterFirst(2), "-"),
    ("BR", Some(8), Split::AfterFirst(5), "-"),
    ("JP", Some(7), Split::AfterFirst(3), "-"),
    ("PT", Some(7), Split::AfterFirst(4), "-"),
    ("IR", Some(10), Split::AfterFirst(5), "-"),
];

/// The postcode as the country's postal operator prints it, or `None` when what was typed is
/// not a postcode of that country.
pub(crate) fn format(country: &Country, typed: &str) -> Option<String> {
    let upper = typed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if let Some((_, len, split, sep)) = SEPARATORS.iter().find(|(c, ..)| *c == country.code) {
        let compact: String = upper.chars().filter(|c| c.is_alphanumeric()).collect();
        let at = match split {
            Split::AfterFirst(n) => *n,
            Split::BeforeLast(n) => compact.len().saturating_sub(*n),
        };
        let fits = len.is_none_or(|len| compact.len() == len) && at > 0 && at < compact.len();
        if fits && compact.is_ascii() {
            let formatted = format!("{}{sep}{}", &compact[..at], &compact[at..]);
            if country.postcode_matches(&formatted) {
                return Some(formatted);
            }
        }
    }
    country.postcode_matches(&upper).then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::super::metadata::country;
    use super::*;

    #[test]
    fn postcodes_typed_without_their_separator_get_it_back() {
        let typed = [
            ("GB", "bs78aa"),
            ("CA", "k1a0b1"),
            ("NL", "1234AB"),
            ("BR", "01415000"),
        ];

        let formatted: Vec<_> = typed
            .iter()
            .map(|(c, p)| format(country(c).unwrap(), p))
            .collect();

        assert_eq!(
            formatted,
            [
                Some("BS7 8AA"),
                Some("K1A 0B1"),
                Some("1234 AB"),
                Some("01415-000")
            ]
            .map(|s| s.map(String::from)),
            "each operator prints its separator at a fixed place"
        );
    }

    #[test]
    fn a_postcode_of_another_shape_is_not_a_postcode() {
        let germany = country("DE").unwrap();

        let formatted = format(germany, "1234");

        assert_eq!(formatted, None, "German postcodes have five digits");
    }
}
