//! What standardizing an address produces: its components, the lines to print, every change
//! made on the way, and a verdict a rep can act on.
//!
//! These types are shared by every country's rules and by the validators; they hold data
//! only and never decide anything themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome of standardizing one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standardized {
    /// ISO 3166-1 alpha-2 code of the country whose rules were applied, when one was known.
    pub country: Option<String>,
    pub components: Components,
    /// The address block as it should be printed, one line each. Attention and building-name
    /// lines are not part of it: they are kept in `components`.
    pub lines: Vec<String>,
    /// Every change made to what was typed, in the order it was made.
    pub changes: Vec<Change>,
    pub verdict: Verdict,
}

/// Whether the standardized address can be used as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The address follows the country's conventions; `lines` can be used.
    Standardized,
    /// `lines` hold the best reading, but a person must look at it before it is used.
    NeedsReview { reason: String },
    /// The input is not a deliverable address; `lines` hold what was typed, untouched.
    Rejected { reason: String },
}

impl Verdict {
    pub fn is_standardized(&self) -> bool {
        matches!(self, Verdict::Standardized)
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Standardized => None,
            Verdict::NeedsReview { reason } | Verdict::Rejected { reason } => Some(reason),
        }
    }
}

/// The parts of an address. Which fields are filled depends on the country and on the kind of
/// delivery (street, PO Box, rural route, military); a field is `None` when it was not present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Components {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Puerto Rico urbanization (URB), printed above the delivery line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urbanization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predirectional: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postdirectional: Option<String>,
    /// Secondary units in the order written, such as `STE 110` or `REAR`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub secondary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_mailbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_box: Option<String>,
    /// `RR 2` or `HC 4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// `PSC 802`, `UNIT 2050`, `CMR 450` or a ship's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub military_unit: Option<String>,
    /// The box number that goes with a route or a military unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box_number: Option<String>,
    /// Street lines as written, for countries whose street lines are not parsed further.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub street_lines: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependent_locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State, province, emirate or area, as the country's postal operator writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sorting_code: Option<String>,
}

/// One change made while standardizing, such as "Street suffix STREET -> ST".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub from: String,
    /// Empty when the change removed or moved something rather than rewrote it.
    pub to: String,
}

impl Change {
    pub fn new(kind: ChangeKind, from: impl Into<String>, to: impl Into<String>) -> Self {
        Change {
            kind,
            from: from.into(),
            to: to.into(),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.to.is_empty() {
            write!(f, "{}: {}", self.kind.label(), self.from)
        } else {
            write!(f, "{} {} -> {}", self.kind.label(), self.from, self.to)
        }
    }
}

/// What kind of rule made a change; the UI may group or highlight changes by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Case,
    Punctuation,
    StreetSuffix,
    Directional,
    OrdinalStreetName,
    UnitDesignator,
    PoBox,
    RuralRoute,
    HighwayContractRoute,
    AttentionMovedOut,
    BuildingMovedOut,
    State,
    City,
    ZipCode,
    Postcode,
    PlaceholderPostcodeDropped,
    Region,
    CountryAdded,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Case => "Case",
            ChangeKind::Punctuation => "Punctuation removed",
            ChangeKind::StreetSuffix => "Street suffix",
            ChangeKind::Directional => "Directional",
            ChangeKind::OrdinalStreetName => "Ordinal street name",
            ChangeKind::UnitDesignator => "Unit designator",
            ChangeKind::PoBox => "PO Box",
            ChangeKind::RuralRoute => "Rural route",
            ChangeKind::HighwayContractRoute => "Highway contract route",
            ChangeKind::AttentionMovedOut => "Attention line moved out of the delivery line",
            ChangeKind::BuildingMovedOut => "Building name moved out of the delivery line",
            ChangeKind::State => "State",
            ChangeKind::City => "City",
            ChangeKind::ZipCode => "ZIP code",
            ChangeKind::Postcode => "Postcode",
            ChangeKind::PlaceholderPostcodeDropped => "Placeholder postcode dropped",
            ChangeKind::Region => "State or province",
            ChangeKind::CountryAdded => "Country line",
        }
    }
}

/// The verdict from what the rules found, the same for every country. A rejected address
/// keeps its lines as typed and reports no change, since nothing was applied to it.
pub(super) fn conclude(
    typed: &str,
    rejected: Option<String>,
    review: &[String],
    lines: &mut Vec<String>,
    changes: &mut Vec<Change>,
) -> Verdict {
    if let Some(reason) = rejected {
        *lines = typed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        changes.clear();
        return Verdict::Rejected { reason };
    }

    if review.is_empty() {
        Verdict::Standardized
    } else {
        Verdict::NeedsReview {
            reason: review.join("; "),
        }
    }
}
