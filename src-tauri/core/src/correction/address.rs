//! An address as a correction carries it, and the standardizer's proposal beside what the rep
//! typed. The rep chooses: the standardized form, or what was typed with a reason.

use serde::{Deserialize, Serialize};

use super::FieldMap;
use crate::address::{standardize, Verdict};

/// An address in the fields both systems have. The country is ISO 3166-1 alpha-2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressFields {
    pub recipient: Option<String>,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
}

/// The field names of an address in a [`FieldMap`].
pub const ADDRESS_FIELDS: [&str; 8] = [
    "recipient",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postcode",
    "country",
];

impl AddressFields {
    /// Every field, empty ones included, so a diff sees a field being cleared.
    pub fn to_map(&self) -> FieldMap {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            ("recipient", opt(&self.recipient)),
            ("company", opt(&self.company)),
            ("line1", self.line1.clone()),
            ("line2", opt(&self.line2)),
            ("city", opt(&self.city)),
            ("region", opt(&self.region)),
            ("postcode", opt(&self.postcode)),
            ("country", self.country.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
    }

    pub fn from_map(map: &FieldMap) -> AddressFields {
        let opt = |k: &str| {
            map.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        AddressFields {
            recipient: opt("recipient"),
            company: opt("company"),
            line1: opt("line1").unwrap_or_default(),
            line2: opt("line2"),
            city: opt("city"),
            region: opt("region"),
            postcode: opt("postcode"),
            country: opt("country").unwrap_or_default().to_uppercase(),
        }
    }

    /// The `key=value; ...` form the standardizer reads field by field. Semicolons inside a
    /// value would split it, so they become commas.
    fn as_standardizer_input(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |key: &str, value: Option<&str>| {
            if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={}", v.replace(';', ",")));
            }
        };
        push("line1", Some(&self.line1));
        push("line2", self.line2.as_deref());
        push("city", self.city.as_deref());
        push("region", self.region.as_deref());
        push("postcode", self.postcode.as_deref());
        parts.join("; ")
    }
}

/// What the standardizer makes of a typed address, shown to the rep beside what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressProposal {
    pub typed: AddressFields,
    /// The standardized form, when the standardizer could read the address.
    pub standardized: Option<AddressFields>,
    pub verdict: Verdict,
    /// Every change the standardizer made, in words.
    pub changes: Vec<String>,
}

impl AddressProposal {
    /// The address to store and push: the standardized form unless the rep keeps what was
    /// typed (or nothing could be standardized).
    pub fn chosen(&self, keep_as_entered: bool) -> &AddressFields {
        match (&self.standardized, keep_as_entered) {
            (Some(standardized), false) => standardized,
            _ => &self.typed,
        }
    }
}

/// Standardizes a typed address. Recipient and company are not part of the postal block and
/// are kept as typed. A rejected address has no standardized form: the rep must fix it or
/// keep it as entered with a reason.
pub fn propose_address(typed: &AddressFields) -> AddressProposal {
    let typed = AddressFields::from_map(&typed.to_map());
    let result = standardize(&typed.as_standardizer_input(), Some(&typed.country));
    let changes = result.changes.iter().map(ToString::to_string).collect();
    let standardized = match &result.verdict {
        Verdict::Rejected { .. } => None,
        Verdict::Standardized | Verdict::NeedsReview { .. } => {
            let c = &result.components;
            let street = street_lines(&result.lines, &c.street_lines, c.city.is_some());
            let mut lines = street.into_iter();
            Some(AddressFields {
                recipient: typed.recipient.clone(),
                company: typed.company.clone(),
                line1: lines.next().unwrap_or_else(|| typed.line1.clone()),
                line2: {
                    let rest: Vec<String> = lines.collect();
                    (!rest.is_empty()).then(|| rest.join(", "))
                },
                city: c.city.clone().or_else(|| typed.city.clone()),
                region: c.region.clone().or_else(|| typed.region.clone()),
                postcode: c.postcode.clone().or_else(|| typed.postcode.clone()),
                country: result.country.clone().unwrap_or(typed.country.clone()),
            })
        }
    };
    AddressProposal {
        typed,
        standardized,
        verdict: result.verdict,
        changes,
    }
}

/// The delivery lines of a standardized block. Countries whose street lines are kept whole
/// name them in the components; US rules print delivery lines first and the city/state/ZIP
/// line last.
fn street_lines(lines: &[String], component_lines: &[String], has_last_line: bool) -> Vec<String> {
    if !component_lines.is_empty() {
        return component_lines.to_vec();
    }
    let end = if has_last_line {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };
    lines[..end].to_vec()
}
