//! Per-country postal metadata: line format, required and uppercase fields, postcode pattern,
//! and the states or provinces with their postcode prefixes.
//!
//! The data is Google's libaddressinput metadata (CC BY 4.0; see `core/data/NOTICE`), embedded
//! in the binary and parsed once on first use. This module only answers questions about that
//! data; it never reads files or the network.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

const METADATA_JSON: &str = include_str!("../../data/address_metadata.json");

#[derive(Debug, Deserialize)]
struct RawFile {
    countries: HashMap<String, RawCountry>,
}

#[derive(Debug, Deserialize)]
struct RawCountry {
    name: Option<String>,
    fmt: Option<String>,
    lfmt: Option<String>,
    require: Option<String>,
    upper: Option<String>,
    zip: Option<String>,
    #[serde(default)]
    subs: Vec<RawRegion>,
}

#[derive(Debug, Deserialize)]
struct RawRegion {
    key: String,
    name: Option<String>,
    lname: Option<String>,
    iso: Option<String>,
    zip: Option<String>,
    #[serde(default)]
    subs: Vec<RawRegion>,
}

/// One country's postal conventions.
#[derive(Debug)]
pub struct Country {
    pub code: String,
    /// English name in capitals, as printed on the last line of international mail.
    pub name: String,
    /// Line format in the local script, e.g. `%N%n%O%n%A%n%Z %C`.
    pub fmt: String,
    /// Line format for Latin-script addresses, when it differs from `fmt`.
    pub lfmt: Option<String>,
    pub require: String,
    pub upper: String,
    /// The whole postcode must match this (anchored, case-insensitive).
    pub postcode: Option<Regex>,
    pub regions: Vec<Region>,
}

/// A state, province, emirate or area, or (one level down) a city or district.
#[derive(Debug)]
pub struct Region {
    pub key: String,
    pub name: Option<String>,
    pub latin_name: Option<String>,
    pub iso: Option<String>,
    /// Postcodes of this region start with a match of this (anchored at the start).
    pub postcode_prefix: Option<Regex>,
    pub regions: Vec<Region>,
}

impl Region {
    /// The display name a person recognizes: the full local name, else the key.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.key)
    }

    /// Every spelling that names this region: key, local name, Latin name and ISO code.
    /// Spellings without a letter (Korea's ISO codes are numbers) are left out: nobody writes a
    /// province that way, and a house number would read as one.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        [
            Some(self.key.as_str()),
            self.name.as_deref(),
            self.latin_name.as_deref(),
        ]
        .into_iter()
        .chain(std::iter::once(self.iso.as_deref()))
        .flatten()
        .filter(|s| s.chars().any(char::is_alphabetic))
    }

    pub fn accepts_postcode(&self, postcode: &str) -> bool {
        match &self.postcode_prefix {
            Some(prefix) => prefix.is_match(&postcode.to_uppercase()),
            None => true,
        }
    }
}

impl Country {
    pub fn has_field(&self, field: char) -> bool {
        self.fmt.contains(&format!("%{field}"))
    }

    pub fn uppercases(&self, field: char) -> bool {
        self.upper.contains(field)
    }

    pub fn requires(&self, field: char) -> bool {
        self.require.contains(field)
    }

    pub fn postcode_matches(&self, postcode: &str) -> bool {
        match &self.postcode {
            Some(pattern) => pattern.is_match(postcode),
            None => false,
        }
    }

    pub fn region_by_key(&self, key: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.key == key)
    }
}

static COUNTRIES: LazyLock<HashMap<String, Country>> = LazyLock::new(|| {
    // The file is part of the binary and checked by tests; a parse failure is a build defect.
    let raw: RawFile =
        serde_json::from_str(METADATA_JSON).expect("embedded address metadata is valid JSON");
    raw.countries
        .into_iter()
        .filter(|(code, _)| code != "ZZ")
        .map(|(code, c)| {
            let country = Country {
                name: c.name.unwrap_or_else(|| code.clone()),
                fmt: c.fmt.unwrap_or_else(|| "%N%n%O%n%A%n%C".to_string()),
                lfmt: c.lfmt,
                require: c.require.unwrap_or_else(|| "AC".to_string()),
                upper: c.upper.unwrap_or_else(|| "C".to_string()),
                postcode: c.zip.as_deref().and_then(|z| anchored(z, true)),
                regions: c.subs.into_iter().map(region).collect(),
                code: code.clone(),
            };
            (code, country)
        })
        .collect()
});

fn region(raw: RawRegion) -> Region {
    Region {
        key: raw.key,
        name: raw.name,
        latin_name: raw.lname,
        iso: raw.iso,
        postcode_prefix: raw.zip.as_deref().and_then(|z| anchored(z, false)),
        regions: raw.subs.into_iter().map(region).collect(),
    }
}

/// Compiles a metadata pattern anchored at the start, and at the end too when `whole`.
fn anchored(pattern: &str, whole: bool) -> Option<Regex> {
    let end = if whole { "$" } else { "" };
    Regex::new(&format!("(?i)^(?:{pattern}){end}")).ok()
}

/// The conventions of the country with this ISO 3166-1 alpha-2 code (any case).
pub fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES.get(&code.trim().to_uppercase())
}

/// Every country with metadata.
pub fn countries() -> impl Iterator<Item = &'static Country> {
    COUNTRIES.values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_metadata_covers_the_countries_concord_ships_to() {
        let codes = [
            "US", "CA", "GB", "DE", "FR", "BR", "NL", "AU", "MX", "IN", "AE", "HK", "CN",
        ];

        let missing: Vec<_> = codes.iter().filter(|c| country(c).is_none()).collect();

        assert!(
            missing.is_empty(),
            "metadata must cover every country we test: {missing:?}"
        );
    }

    #[test]
    fn every_postcode_pattern_in_the_metadata_compiles() {
        let raw: RawFile = serde_json::from_str(METADATA_JSON).unwrap();

        let broken: Vec<_> = raw
            .countries
            .iter()
            .filter(|(_, c)| {
                c.zip
                    .as_deref()
                    .is_some_and(|z| anchored(z, true).is_none())
            })
            .map(|(code, _)| code.clone())
            .collect();

        assert!(
            broken.is_empty(),
            "a pattern that fails to compile disables checks: {broken:?}"
        );
    }

    #[test]
    fn region_postcode_prefixes_tell_provinces_apart() {
        let canada = country("ca").unwrap();

        let ontario = canada.region_by_key("ON").unwrap();
        let nova_scotia = canada.region_by_key("NS").unwrap();

        assert!(
            ontario.accepts_postcode("M5V 2T6"),
            "M is one of Ontario's prefixes"
        );
        assert!(
            !nova_scotia.accepts_postcode("M5V 2T6"),
            "Nova Scotia postcodes start with B"
        );
    }
}
