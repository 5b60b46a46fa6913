//! Phone numbers: parse whatever a system or a rep wrote into E.164 plus an extension, and
//! format them back for people.
//!
//! Parsing is done by `phonenumber`, a port of libphonenumber, so numbering plans are not
//! re-invented here. A number written without a country code is read in the default region
//! the caller passes in (the customer's country, or the cache's default country). This module
//! never guesses a region on its own and never drops the extension.

use std::str::FromStr;

use phonenumber::{country, Mode, PhoneNumber};
use serde::{Deserialize, Serialize};

/// A phone number in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// `+` followed by the country code and the national significant number.
    pub e164: String,
    /// The country calling code, e.g. 1 or 44.
    pub country_code: u16,
    /// The national significant number as digits (no trunk prefix such as a leading 0).
    pub national_number: String,
    /// The extension, digits only, when one was written (`x12`, `ext. 12`).
    pub extension: Option<String>,
    /// Whether the number fits its country's numbering plan. An invalid number is still kept:
    /// it is what the system holds, and a rep may still dial it.
    pub valid: bool,
}

/// Why a text could not be read as a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("unknown default region {0:?}; expected a two-letter country code such as US")]
    UnknownRegion(String),
    #[error("{input:?} is not a phone number: {reason}")]
    NotANumber { input: String, reason: String },
}

/// Reads `input` as a phone number. Numbers without a `+` or an international prefix are read
/// in `default_region` (an ISO 3166-1 alpha-2 code such as `US`).
pub fn parse_phone(input: &str, default_region: &str) -> Result<Phone, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let region = region_id(default_region)?;

    let number = phonenumber::parse(Some(region), trimmed).map_err(|e| PhoneError::NotANumber {
        input: trimmed.to_string(),
        reason: e.to_string(),
    })?;

    Ok(from_parsed(&number))
}

/// Whether `code` names a region whose numbering plan is known (ISO 3166-1 alpha-2).
pub fn is_known_region(code: &str) -> bool {
    region_id(code).is_ok()
}

fn region_id(code: &str) -> Result<country::Id, PhoneError> {
    country::Id::from_str(&code.trim().to_ascii_uppercase())
        .map_err(|_| PhoneError::UnknownRegion(code.to_string()))
}

fn from_parsed(number: &PhoneNumber) -> Phone {
    let e164 = number.format().mode(Mode::E164).to_string();
    let country_code = number.code().value();
    // The E.164 form is "+", then the country code, then the national significant number
    // with any Italian-style leading zeros kept; slicing it avoids re-deriving those rules.
    let national_number = e164[1 + country_code.to_string().len()..].to_string();
    let extension = number
        .extension()
        .map(|e| e.to_string())
        .filter(|e| !e.is_empty());

    Phone {
        e164,
        country_code,
        national_number,
        extension,
        valid: number.is_valid(),
    }
}

impl Phone {
    /// The number as people in its own country write it, e.g. `(415) 555-1212`, with the
    /// extension appended as ` ext. 12`.
    pub fn national_display(&self) -> String {
        self.display(Mode::National)
    }

    /// The number as written for callers abroad, e.g. `+1 415-555-1212`.
    pub fn international_display(&self) -> String {
        self.display(Mode::International)
    }

    fn display(&self, mode: Mode) -> String {
        // Re-parsing our own E.164 cannot fail for a number that came out of `parse_phone`;
        // should it ever, the canonical form is still a correct thing to show.
        let base = match phonenumber::parse(None, &self.e164) {
            Ok(n) => n.format().mode(mode).to_string(),
            Err(_) => self.e164.clone(),
        };
        match &self.extension {
            Some(ext) => format!("{base} ext. {ext}"),
            None => base,
        }
    }
}

/// The digits of `input`, in order, ignoring everything else. Used to match numbers that are
/// still being typed and so cannot be parsed yet.
pub fn digits(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn us_formats_of_one_number_share_one_e164() {
        let inputs = [
            "+1 415 555 1212",
            "(415) 555-1212",
            "415.555.1212",
            "1-415-555-1212",
        ];

        let parsed: Vec<Phone> = inputs
            .iter()
            .map(|i| parse_phone(i, "US").unwrap())
            .collect();

        for (input, phone) in inputs.iter().zip(&parsed) {
            assert_eq!(phone.e164, "+14155551212", "{input} is the same US line");
            assert_eq!(
                phone.national_number, "4155551212",
                "{input}: NSN has no country code"
            );
        }
    }

    #[test]
    fn extension_is_kept_apart_from_the_number() {
        let written = "+1 415-555-1212 x12";

        let phone = parse_phone(written, "US").unwrap();

        assert_eq!(
            phone.e164, "+14155551212",
            "the extension is not part of the line"
        );
        assert_eq!(
            phone.extension.as_deref(),
            Some("12"),
            "the extension must not be lost"
        );
    }

    #[test]
    fn national_number_is_read_in_the_default_region() {
        let written = "020 7946 0018";

        let phone = parse_phone(written, "GB").unwrap();

        assert_eq!(
            phone.e164, "+442079460018",
            "a GB trunk 0 is dropped in E.164"
        );
        assert_eq!(
            phone.country_code, 44,
            "the default region supplies the country code"
        );
    }

    #[test]
    fn explicit_country_code_wins_over_the_default_region() {
        let written = "+49 30 901820";

        let phone = parse_phone(written, "US").unwrap();

        assert_eq!(
            phone.country_code, 49,
            "a written + code is never overridden"
        );
    }

    #[test]
    fn text_that_is_not_a_number_is_reported_not_guessed() {
        let written = "call me maybe";

        let result = parse_phone(written, "US");

        assert!(
            matches!(result, Err(PhoneError::NotANumber { .. })),
            "got {result:?}"
        );
    }

    #[test]
    fn unknown_region_is_reported() {
        let result = parse_phone("415 555 1212", "XX");

        assert_eq!(
            result,
            Err(PhoneError::UnknownRegion("XX".into())),
            "XX is no country"
        );
    }

    #[test]
    fn known_regions_are_two_letter_codes_in_any_case() {
        assert!(is_known_region("gb"), "case does not matter");
        assert!(!is_known_region("ZZ"), "ZZ is no region");
    }

    #[test]
    fn empty_input_is_reported() {
        assert_eq!(
            parse_phone("  ", "US"),
            Err(PhoneError::Empty),
            "blank is not a number"
        );
    }

    #[test]
    fn display_forms_show_the_extension() {
        let phone = parse_phone("415.555.1212 ext 7", "US").unwrap();

        let national = phone.national_display();

        assert_eq!(
            national, "(415) 555-1212 ext. 7",
            "reps read national form with ext"
        );
        assert!(
            phone.international_display().starts_with("+1 415"),
            "international form"
        );
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errors_without_panicking(s in "\\PC{0,40}") {
            let _ = parse_phone(&s, "US");
        }

        #[test]
        fn e164_of_a_parsed_number_parses_to_itself(
            area in 201u32..989, exchange in 200u32..999, line in 0u32..9999
        ) {
            let written = format!("({area}) {exchange}-{line:04}");

            if let Ok(first) = parse_phone(&written, "US") {
                let again = parse_phone(&first.e164, "DE").unwrap();
                prop_assert_eq!(&again.e164, &first.e164, "E.164 must be a fixed point");
            }
        }
    }
}
