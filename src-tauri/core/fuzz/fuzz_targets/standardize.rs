//! Feeds arbitrary bytes to the address standardizer: it must never panic, and what it
//! standardizes must come out the same when standardized again.

#![no_main]

use concord_core::address::{standardize, Verdict};
use libfuzzer_sys::fuzz_target;

const COUNTRIES: &[Option<&str>] = &[
    None,
    Some("US"),
    Some("CA"),
    Some("GB"),
    Some("DE"),
    Some("BR"),
    Some("CN"),
    Some("AE"),
    Some("SE"),
    Some("JP"),
    Some("MX"),
    Some("IN"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let country = COUNTRIES[usize::from(selector) % COUNTRIES.len()];

    let first = standardize(text, country);

    if first.verdict == Verdict::Standardized {
        let second = standardize(&first.lines.join("\n"), first.country.as_deref());
        assert_eq!(second.lines, first.lines, "not idempotent for {text:?} in {country:?}");
        assert_eq!(second.verdict, Verdict::Standardized, "verdict changed for {text:?}");
    }
});
