//! The address form a rep fills in, laid out the way the address's country writes it: which
//! fields there are, in which order and on which line, what each is called there, and which
//! ones the postal operator requires.
//!
//! The layout comes from the same libaddressinput metadata the standardizer uses
//! (`concord_core::address::metadata`), so the form never asks for a field the standardizer
//! would then drop, nor leaves out one it requires. This module only describes a form; it
//! never reads the cache and never validates what was typed (the standardizer does that).

use concord_core::address::metadata::{self, Country, Region};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, ServiceError};
use crate::Service;

/// A country's address form.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddressForm {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub country_name: String,
    /// The form's rows, top to bottom, each with its fields left to right, as the country
    /// prints an address in Latin script.
    pub rows: Vec<Vec<FormField>>,
    /// The states, provinces or counties to choose from; empty when the region is free text
    /// or the country has none.
    pub regions: Vec<RegionChoice>,
    /// A whole postcode must match this (a JavaScript-compatible pattern, case-insensitive);
    /// absent when the country has no postcode format.
    pub postcode_pattern: Option<String>,
}

/// One input of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FormField {
    pub field: AddressField,
    /// What the country calls it, e.g. "ZIP code", "Postcode", "Province".
    pub label: String,
    pub required: bool,
    /// The country's post expects it in capitals (the standardizer will capitalize it).
    pub uppercase: bool,
}

/// The pieces of an address, named as the cache's address row names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AddressField {
    Recipient,
    Company,
    Line1,
    Line2,
    City,
    Region,
    Postcode,
}

/// A region a rep can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RegionChoice {
    /// What is stored and sent to the systems.
    pub value: String,
    /// What the rep reads in the list.
    pub label: String,
}

/// A country a rep can choose in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CountryChoice {
    pub code: String,
    pub name: String,
}

impl Service {
    /// The address form of the country with this ISO 3166-1 alpha-2 code (any case).
    pub fn address_form(&self, country: &str) -> Result<AddressForm> {
        form_for(country)
    }

    /// Every country an address can be entered for, by name.
    pub fn address_countries(&self) -> Vec<CountryChoice> {
        countries()
    }
}

/// See [`Service::address_form`]; free of any installation, so the CLI and tests use it too.
pub fn form_for(country: &str) -> Result<AddressForm> {
    let code = country.trim().to_ascii_uppercase();
    let data = metadata::country(&code).ok_or_else(|| {
        ServiceError::invalid_input(format!(
            "{code:?} is not a country Concord has an address layout for; use a two-letter \
             code such as US, GB or DE"
        ))
    })?;

    Ok(AddressForm {
        country: data.code.clone(),
        country_name: title_case(&data.name),
        rows: rows(data),
        regions: data.regions.iter().map(region_choice).collect(),
        postcode_pattern: data.postcode.as_ref().map(|re| js_pattern(re.as_str())),
    })
}

/// See [`Service::address_countries`]: sorted by name.
pub fn countries() -> Vec<CountryChoice> {
    let mut all: Vec<CountryChoice> = metadata::countries()
        .map(|c| CountryChoice {
            code: c.code.clone(),
            name: title_case(&c.name),
        })
        .collect();
    all.sort_by(|a, b| (&a.name, &a.code).cmp(&(&b.name, &b.code)));
    all
}

/// Reads the country's format line by line. Reps type in Latin script, so the Latin format
/// (`lfmt`) wins where the country has one: China's local format starts with the postcode
/// and ends with the name, its Latin one reads like any western address.
fn rows(country: &Country) -> Vec<Vec<FormField>> {
    let format = country.lfmt.as_deref().unwrap_or(&country.fmt);
    let mut rows = Vec::new();

    for line in format.split("%n") {
        let mut row = Vec::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            // Anything but a `%X` token is punctuation printed between fields ("〒", ", ").
            if c != '%' {
                continue;
            }
            let Some(token) = chars.next() else { break };
            match token {
                // The street address is two inputs, as the cache stores it; both on one row
                // would squeeze them, so the second goes on a row of its own.
                'A' => {
                    row.push(field(country, AddressField::Line1, 'A'));
                    rows.push(std::mem::take(&mut row));
                    let mut line2 = field(country, AddressField::Line2, 'A');
                    line2.required = false;
                    row.push(line2);
                }
                other => {
                    if let Some(kind) = field_of(other) {
                        row.push(field(country, kind, other));
                    }
                }
            }
        }
        if !row.is_empty() {
            rows.push(row);
        }
    }
    rows
}

/// The form's field for a format token. Neither system has a field for a district below the
/// city (`%D`: Brazil's bairro, Ireland's locality) or a sorting code (`%X`: France's CEDEX),
/// so the form asks for none: reps type them on the second address line, which both systems
/// keep, and the standardizer reads them from there.
fn field_of(token: char) -> Option<AddressField> {
    Some(match token {
        'N' => AddressField::Recipient,
        'O' => AddressField::Company,
        'C' => AddressField::City,
        'S' => AddressField::Region,
        'Z' => AddressField::Postcode,
        _ => return None,
    })
}

fn field(country: &Country, kind: AddressField, token: char) -> FormField {
    FormField {
        field: kind,
        label: label(&country.code, kind).to_string(),
        required: country.requires(token),
        uppercase: country.uppercases(token),
    }
}

/// What a country calls each piece. libaddressinput names these (`state_name_type`,
/// `zip_name_type`, ...) but the extract Concord ships keeps only formats and patterns, so the
/// names of the countries a rep meets most are kept here; every other country gets the
/// general word.
fn label(country: &str, kind: AddressField) -> &'static str {
    match kind {
        AddressField::Recipient => "Name",
        AddressField::Company => "Company",
        AddressField::Line1 => "Street address",
        AddressField::Line2 => match country {
            "BR" | "IE" | "MX" | "IN" | "KR" | "CN" => "Second line, district (optional)",
            _ => "Apartment, suite, unit (optional)",
        },
        AddressField::City => match country {
            "GB" | "IE" => "Town or city",
            "AU" | "NZ" => "Suburb or town",
            _ => "City",
        },
        AddressField::Region => match country {
            "US" | "AU" | "BR" | "MX" | "IN" | "MY" | "NG" | "VE" => "State",
            "CA" | "CN" | "AR" | "ES" | "IT" | "PH" | "ZA" => "Province",
            "IE" => "County",
            "JP" => "Prefecture",
            "AE" => "Emirate",
            "HK" => "Area",
            "KR" => "Province or city",
            _ => "Region",
        },
        AddressField::Postcode => match country {
            "US" | "PR" | "GU" | "VI" | "AS" | "MP" => "ZIP code",
            "GB" | "AU" | "NZ" | "ZA" | "SG" => "Postcode",
            "IN" => "PIN code",
            "IE" => "Eircode",
            _ => "Postal code",
        },
    }
}

/// Picks what to store and show for a region. A Latin name wins (Japan's prefectures are keyed
/// in Japanese); otherwise the key is stored, shown by its full name when that name is
/// readable in Latin script ("CA" shows as "California", Hong Kong's "Kowloon" stays as is
/// rather than showing "九龍").
fn region_choice(region: &Region) -> RegionChoice {
    if let Some(latin) = &region.latin_name {
        return RegionChoice {
            value: latin.clone(),
            label: latin.clone(),
        };
    }
    let label = match &region.name {
        Some(name) if is_latin(name) && name != &region.key => {
            format!("{name} ({})", region.key)
        }
        _ => region.key.clone(),
    };
    RegionChoice {
        value: region.key.clone(),
        label,
    }
}

fn is_latin(text: &str) -> bool {
    // Basic Latin through Latin Extended-B, plus the punctuation between words.
    text.chars().all(|c| (c as u32) < 0x0250)
}

/// "UNITED STATES" becomes "United States"; short words inside a name stay lower case.
fn title_case(name: &str) -> String {
    name.split(' ')
        .enumerate()
        .map(|(i, word)| {
            let lower = word.to_lowercase();
            if i > 0 && matches!(lower.as_str(), "and" | "of" | "the" | "da" | "du") {
                return lower;
            }
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The metadata's patterns are compiled as `(?i)^(?:...)$` for Rust; the form wants the bare
/// pattern, which uses only syntax JavaScript reads the same way (classes, groups, `?:`).
fn js_pattern(anchored: &str) -> String {
    anchored
        .trim_start_matches("(?i)^(?:")
        .trim_end_matches(")$")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(form: &AddressForm) -> Vec<Vec<AddressField>> {
        form.rows
            .iter()
            .map(|row| row.iter().map(|f| f.field).collect())
            .collect()
    }

    fn get(form: &AddressForm, kind: AddressField) -> &FormField {
        form.rows
            .iter()
            .flatten()
            .find(|f| f.field == kind)
            .unwrap_or_else(|| panic!("{kind:?} is on the {} form", form.country))
    }

    #[test]
    fn a_us_address_ends_with_city_state_and_zip_on_one_line() {
        use AddressField::*;

        let form = form_for("us").unwrap();

        assert_eq!(
            fields(&form),
            vec![
                vec![Recipient],
                vec![Company],
                vec![Line1],
                vec![Line2],
                vec![City, Region, Postcode]
            ],
            "USPS prints CITY ST ZIP on the last line"
        );
        assert_eq!(get(&form, Postcode).label, "ZIP code");
        assert_eq!(get(&form, Region).label, "State");
        assert!(get(&form, Region).required && get(&form, Postcode).required);
        assert!(
            !get(&form, Line2).required,
            "the second line is always optional"
        );
        assert!(form
            .regions
            .iter()
            .any(|r| r.value == "CA" && r.label == "California (CA)"));
    }

    #[test]
    fn a_british_address_has_no_county_and_puts_the_postcode_last() {
        use AddressField::*;

        let form = form_for("GB").unwrap();

        assert_eq!(
            fields(&form).last().unwrap(),
            &vec![Postcode],
            "Royal Mail wants the postcode on its own last line"
        );
        assert!(
            !form.rows.iter().flatten().any(|f| f.field == Region),
            "Royal Mail does not use counties, so the form does not ask for one"
        );
        assert_eq!(get(&form, Postcode).label, "Postcode");
        assert_eq!(get(&form, City).label, "Town or city");
        assert!(get(&form, Postcode).uppercase);
    }

    #[test]
    fn a_german_address_puts_the_postcode_before_the_city() {
        use AddressField::*;

        let form = form_for("DE").unwrap();

        assert_eq!(fields(&form).last().unwrap(), &vec![Postcode, City]);
        assert_eq!(get(&form, Postcode).label, "Postal code");
        assert!(form.regions.is_empty(), "German addresses name no state");
    }

    #[test]
    fn a_country_with_a_latin_format_gets_the_latin_order() {
        use AddressField::*;

        let form = form_for("JP").unwrap();

        assert_eq!(
            fields(&form).first().unwrap(),
            &vec![Recipient],
            "Japan's local format starts with the postcode; typed in Latin script it starts \
             with the name"
        );
        assert_eq!(get(&form, Region).label, "Prefecture");
        assert!(
            form.regions.iter().any(|r| r.value == "Tokyo"),
            "prefectures are offered by their Latin names"
        );
        assert!(!get(&form, Recipient).required);
    }

    #[test]
    fn the_postcode_pattern_is_usable_without_rust_anchors() {
        let form = form_for("US").unwrap();

        let pattern = form.postcode_pattern.unwrap();

        assert_eq!(
            pattern, r"(\d{5})(?:[ \-](\d{4}))?",
            "JavaScript has no inline flags, and the form anchors the pattern itself"
        );
    }

    #[test]
    fn an_unknown_country_is_refused_with_a_way_forward() {
        let err = form_for("XQ").unwrap_err();

        assert_eq!(err.code, crate::ErrorCode::InvalidInput);
        assert!(err.message.contains("two-letter code"), "{}", err.message);
    }

    #[test]
    fn countries_are_listed_by_their_readable_names() {
        let all = countries();

        let us = all.iter().find(|c| c.code == "US").unwrap();

        assert_eq!(us.name, "United States");
        assert!(
            all.windows(2).all(|w| w[0].name <= w[1].name),
            "sorted for a picker"
        );
        assert!(all.len() > 200, "every country with metadata is offered");
    }

    #[test]
    fn the_ui_fixtures_are_the_layouts_the_service_gives() {
        // The UI's component tests and its accessibility check run on a backend in the page,
        // which serves these layouts; if they drifted, those tests would pass on forms the
        // desktop app never shows.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/fixtures/");
        let forms: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_str(
            &std::fs::read_to_string(format!("{path}address-forms.json")).unwrap(),
        )
        .unwrap();
        let listed: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{path}countries.json")).unwrap(),
        )
        .unwrap();

        for (code, fixture) in &forms {
            let form = serde_json::to_value(form_for(code).unwrap()).unwrap();
            assert_eq!(
                &form, fixture,
                "ui/src/lib/fixtures/address-forms.json, {code}"
            );
        }
        assert_eq!(
            serde_json::to_value(countries()).unwrap(),
            listed,
            "ui/src/lib/fixtures/countries.json"
        );
    }
}
