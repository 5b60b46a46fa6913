//! Postal addresses, standardized: what a rep typed becomes the address block the country's
//! postal operator expects, with every change listed and a verdict (standardized, needs review,
//! rejected) that says whether it can be used.
//!
//! The country is settled first (given by the caller, or named at the end of the address), and
//! each country gets its own rules: USPS Publication 28 for the US postal system, and the
//! per-country conventions of Google's libaddressinput metadata (CC BY 4.0, see
//! `core/data/NOTICE`) elsewhere. US rules are never applied to an address of another country.
//!
//! This module is pure: no I/O, no clock. It never loses what was typed: a rejected or
//! unreadable address comes back with its lines as typed and the reason.

pub mod cases;
mod input;
mod intl;
pub mod metadata;
mod model;
mod postcode;
mod us;
mod validator;

pub use model::{Change, ChangeKind, Components, Standardized, Verdict};
pub use validator::{
    AddressRequest, AddressValidator, Checker, OfflineValidator, RepDecision, Validation,
    ValidationStatus, ValidatorError,
};

use input::{RawInput, Segment};

/// Standardizes one address. `text` is one line with commas, several lines, or
/// `key=value; key=value` fields; `country` is an ISO 3166-1 alpha-2 code when known.
pub fn standardize(text: &str, country: Option<&str>) -> Standardized {
    let given = country
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    let raw = match input::read(text) {
        Ok(raw) => raw,
        Err(error) => return kept_as_typed(text, given, Verdict::Rejected { reason: error.0 }),
    };

    let (code, raw, named) = match route(raw, given.clone()) {
        Ok(routed) => routed,
        Err(verdict) => return kept_as_typed(text, given, verdict),
    };
    if us::US_POSTAL_COUNTRIES.contains(&code.as_str()) {
        return us::standardize(&raw, &code, text);
    }
    match metadata::country(&code) {
        Some(country) => intl::standardize(country, &raw, text, named),
        None => kept_as_typed(
            text,
            Some(code.clone()),
            Verdict::NeedsReview {
                reason: format!("'{code}' is not a country code Concord knows; kept as typed"),
            },
        ),
    }
}

/// Settles the country: the caller's, else the one the address names at its end, else the US
/// when the address ends like a US last line. Returns the code, the input without the country
/// name, and whether the input named its country.
fn route(raw: RawInput, given: Option<String>) -> Result<(String, RawInput, bool), Verdict> {
    let (named, raw) = match raw {
        RawInput::Fields(mut fields) => {
            let named = fields.country.take().map(|c| {
                input::country_by_name(&c)
                    .map(str::to_string)
                    .unwrap_or(c.trim().to_uppercase())
            });
            (named, RawInput::Fields(fields))
        }
        RawInput::Segments(segments) => match input::split_trailing_country(&segments) {
            Some((code, rest)) => {
                let names_a_region = given
                    .as_deref()
                    .is_some_and(|g| g != code && last_piece_is_region(&segments, g));
                if names_a_region {
                    (None, RawInput::Segments(segments))
                } else {
                    (Some(code.to_string()), RawInput::Segments(rest))
                }
            }
            None => (None, RawInput::Segments(segments)),
        },
    };
    match (given, named) {
        (Some(given), Some(named)) if given != named => Err(Verdict::Rejected {
            reason: format!("the address names the country {named}, but it was entered as {given}"),
        }),
        (Some(given), named) => Ok((given, raw, named.is_some())),
        (None, Some(named)) => Ok((named, raw, true)),
        (None, None) => {
            let trial = us::standardize(&raw, "US", "");
            let us_last_line =
                trial.components.region.is_some() && trial.components.postcode.is_some();
            if us_last_line {
                Ok(("US".to_string(), raw, false))
            } else {
                Err(Verdict::NeedsReview {
                    reason: "no country given and none named in the address; kept as typed"
                        .to_string(),
                })
            }
        }
    }
}

/// "Atlanta, Georgia" names a US state, not the country Georgia.
fn last_piece_is_region(segments: &[Segment], country: &str) -> bool {
    let Some(country) = metadata::country(country) else {
        return false;
    };
    let Some(last) = segments.last() else {
        return false;
    };
    let words: Vec<&str> = last.text.split(' ').collect();
    (1..=words.len().min(4)).any(|take| {
        let tail = words[words.len() - take..].join(" ").to_lowercase();
        country
            .regions
            .iter()
            .any(|r| r.spellings().any(|s| s.to_lowercase() == tail))
    })
}

fn kept_as_typed(text: &str, country: Option<String>, verdict: Verdict) -> Standardized {
    Standardized {
        country,
        components: Components::default(),
        lines: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        changes: Vec::new(),
        verdict,
    }
}

#[cfg(test)]
mod tests;
