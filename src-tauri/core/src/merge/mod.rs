//! Survivorship: which value a merged customer shows for each field, and where it came from.
//!
//! A merged customer is built from the source records linked to it. For every field one value
//! survives, chosen by that field's rule: the system that owns the field (the ERP owns the
//! commercial fields by default), the most recent change, or the most complete value; a
//! supervisor's pinned choice overrides the rule. Every surviving value carries its provenance
//! (system, source record, time, rule) and the values the other records hold, so the account
//! view can say where a value came from and what the other system says. When the owner of a
//! field and another system disagree, the result says so; the caller turns that into a review
//! item.
//!
//! Pure: no I/O, no clock. It never changes a source record; it only reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::name::PersonName;
use crate::source::SourceCustomer;

/// The fields of a merged customer that survivorship decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeField {
    /// The person's name as a whole: parts from one record are never mixed with another's.
    Name,
    Company,
    JobTitle,
    Sex,
    BirthDate,
    CustomerType,
    TaxExempt,
    TaxCertificateNumber,
    TaxCertificateExpiry,
    PriceLevel,
    CreditTerms,
}

impl MergeField {
    pub const ALL: [MergeField; 11] = [
        MergeField::Name,
        MergeField::Company,
        MergeField::JobTitle,
        MergeField::Sex,
        MergeField::BirthDate,
        MergeField::CustomerType,
        MergeField::TaxExempt,
        MergeField::TaxCertificateNumber,
        MergeField::TaxCertificateExpiry,
        MergeField::PriceLevel,
        MergeField::CreditTerms,
    ];

    /// The name used in settings, the cache and the UI.
    pub fn name(self) -> &'static str {
        match self {
            MergeField::Name => "name",
            MergeField::Company => "company",
            MergeField::JobTitle => "job_title",
            MergeField::Sex => "sex",
            MergeField::BirthDate => "birth_date",
            MergeField::CustomerType => "customer_type",
            MergeField::TaxExempt => "tax_exempt",
            MergeField::TaxCertificateNumber => "tax_certificate_number",
            MergeField::TaxCertificateExpiry => "tax_certificate_expiry",
            MergeField::PriceLevel => "price_level",
            MergeField::CreditTerms => "credit_terms",
        }
    }

    pub fn parse(name: &str) -> Option<MergeField> {
        MergeField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The value a source record holds for this field, as text; `None` when it does not say.
    fn value_in(self, c: &SourceCustomer) -> Option<String> {
        let a = &c.account;
        let v = match self {
            MergeField::Name => person_name(c).map(|n| n.display()),
            MergeField::Company => c.company.clone(),
            MergeField::JobTitle => c.job_title.clone(),
            MergeField::Sex => c.sex.clone(),
            MergeField::BirthDate => c.birth_date.clone(),
            MergeField::CustomerType => a.customer_type.clone(),
            MergeField::TaxExempt => a.tax_exempt.map(|b| b.to_string()),
            MergeField::TaxCertificateNumber => a.tax_certificate_number.clone(),
            MergeField::TaxCertificateExpiry => a.tax_certificate_expiry.clone(),
            MergeField::PriceLevel => a.price_level.clone(),
            MergeField::CreditTerms => a.credit_terms.clone(),
        };
        v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }
}

/// The name a source record gives, from its parts when it has them, else read from its full
/// name (a Tryton party keeps only one string).
pub fn person_name(c: &SourceCustomer) -> Option<PersonName> {
    let given = c.given_name.as_deref().map(str::trim).unwrap_or("");
    let family = c.family_name.as_deref().map(str::trim).unwrap_or("");
    if !given.is_empty() || !family.is_empty() {
        return Some(PersonName {
            title: c.title.clone().filter(|t| !t.trim().is_empty()),
            given: given.to_string(),
            family: family.to_string(),
            suffix: None,
        });
    }
    let full = c.full_name.as_deref().map(str::trim).unwrap_or("");
    (!full.is_empty()).then(|| PersonName::parse(full))
}

/// How one field's value is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum FieldRule {
    /// The named system's value wins; the others are shown as disagreeing. When the owner
    /// does not hold the field, the most recent value of the others is shown.
    OwnedBy { system: String },
    /// The value of the most recently changed record.
    MostRecent,
    /// The longest value (most characters that are not spaces); the most recent on a tie.
    MostComplete,
}

/// Which rule chose a shown value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleApplied {
    /// The system that owns the field.
    Owner,
    MostRecent,
    MostComplete,
    /// A supervisor's pinned choice.
    SupervisorChoice,
}

/// Per-field survivorship rules. Carried in the service's settings, so it is serde-friendly:
/// `[survivorship.rules] price_level = { rule = "owned_by", system = "tryton" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurvivorshipSettings {
    /// Rules by field name (see [`MergeField::name`]); fields not named use `fallback`.
    pub rules: BTreeMap<String, FieldRule>,
    pub fallback: FieldRule,
}

/// The ERP is the system of record for how a customer buys.
pub const ERP_SYSTEM: &str = "tryton";

impl Default for SurvivorshipSettings {
    fn default() -> Self {
        let owned = FieldRule::OwnedBy {
            system: ERP_SYSTEM.to_string(),
        };
        let mut rules = BTreeMap::new();
        for field in [
            MergeField::CustomerType,
            MergeField::TaxExempt,
            MergeField::TaxCertificateNumber,
            MergeField::TaxCertificateExpiry,
            MergeField::PriceLevel,
            MergeField::CreditTerms,
        ] {
            rules.insert(field.name().to_string(), owned.clone());
        }
        // A company name is abbreviated in one place and spelled out in another; the longer
        // form is the more useful on a call.
        rules.insert(MergeField::Company.name().into(), FieldRule::MostComplete);
        SurvivorshipSettings {
            rules,
            fallback: FieldRule::MostRecent,
        }
    }
}

impl SurvivorshipSettings {
    pub fn rule(&self, field: MergeField) -> &FieldRule {
        self.rules.get(field.name()).unwrap_or(&self.fallback)
    }

    /// Settings naming a field that does not exist are refused, so a typo in the settings
    /// file never silently leaves a field to the fallback rule.
    pub fn check(&self) -> Result<(), String> {
        for name in self.rules.keys() {
            if MergeField::parse(name).is_none() {
                let known: Vec<&str> = MergeField::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "survivorship names an unknown field {name:?}; known fields: {}",
                    known.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// One linked source record as survivorship reads it.
#[derive(Debug, Clone, Copy)]
pub struct MergeSource<'a> {
    /// The cache's row id of the source record.
    pub source_record_id: i64,
    pub customer: &'a SourceCustomer,
    /// When the cache received this version: used when the system does not date its changes.
    pub fetched_at: &'a str,
}

impl MergeSource<'_> {
    /// When the record last changed: the system's own time when it says, else when fetched.
    pub fn changed_at(&self) -> &str {
        self.customer
            .changed_at
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or(self.fetched_at)
    }
}

/// A supervisor's chosen value for a field of one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub field: MergeField,
    pub value: String,
}

/// Where a shown value came from. `source_record_id` is `None` only for a pinned value no
/// linked record holds (typed by the supervisor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub system: String,
    pub source_record_id: Option<i64>,
    pub system_id: Option<String>,
    /// When that record changed (RFC 3339).
    pub at: Option<String>,
    pub rule: RuleApplied,
}

/// A value another linked record holds for the same field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherValue {
    pub system: String,
    pub source_record_id: i64,
    pub system_id: String,
    pub value: String,
    pub at: String,
}

/// The surviving value of one field, with its provenance and the differing values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedValue {
    pub field: MergeField,
    pub value: String,
    pub provenance: Provenance,
    /// Values of other records that differ from the shown one (equal ones are left out).
    pub others: Vec<OtherValue>,
    /// The field's owner shows one value and another system holds a different one.
    pub disagreement: bool,
}

/// The merged customer's fields. A field no record holds is absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    pub values: BTreeMap<MergeField, MergedValue>,
    /// The name parts of the record whose name survived (or parsed from a pinned name).
    pub name: Option<PersonName>,
}

impl Merged {
    pub fn value(&self, field: MergeField) -> Option<&str> {
        self.values.get(&field).map(|v| v.value.as_str())
    }

    /// The fields on which the owning system and another system disagree.
    pub fn disagreements(&self) -> impl Iterator<Item = &MergedValue> {
        self.values.values().filter(|v| v.disagreement)
    }
}

struct Candidate<'a> {
    source: &'a MergeSource<'a>,
    value: String,
}

/// Chooses every field's value for one customer from its linked records.
pub fn merge(sources: &[MergeSource<'_>], settings: &SurvivorshipSettings, pins: &[Pin]) -> Merged {
    let mut merged = Merged::default();
    for field in MergeField::ALL {
        let candidates: Vec<Candidate<'_>> = sources
            .iter()
            .filter_map(|s| {
                field
                    .value_in(s.customer)
                    .map(|value| Candidate { source: s, value })
            })
            .collect();
        let pin = pins.iter().find(|p| p.field == field);
        if let Some(v) = survive(field, &candidates, settings.rule(field), pin) {
            merged.values.insert(field, v);
        }
    }

    merged.name = match merged.values.get(&MergeField::Name) {
        Some(v) if v.provenance.rule == RuleApplied::SupervisorChoice => {
            Some(PersonName::parse(&v.value))
        }
        Some(v) => sources
            .iter()
            .find(|s| Some(s.source_record_id) == v.provenance.source_record_id)
            .and_then(|s| person_name(s.customer)),
        None => None,
    };
    merged
}

/// Later first; on equal times the system name and then the record id decide, so the same
/// records always give the same answer whatever order they are read in.
fn recency_order(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    b.source
        .changed_at()
        .cmp(a.source.changed_at())
        .then_with(|| a.source.customer.system.cmp(&b.source.customer.system))
        .then_with(|| a.source.source_record_id.cmp(&b.source.source_record_id))
}

fn completeness(value: &str) -> usize {
    value.chars().filter(|c| !c.is_whitespace()).count()
}

/// Values that differ only in case or surrounding spaces are the same value.
fn same_value(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn survive(
    field: MergeField,
    candidates: &[Candidate<'_>],
    rule: &FieldRule,
    pin: Option<&Pin>,
) -> Option<MergedValue> {
    let mut by_recency: Vec<&Candidate<'_>> = candidates.iter().collect();
    by_recency.sort_by(|a, b| recency_order(a, b));

    let (chosen_value, chosen, applied, owner): (String, Option<&Candidate<'_>>, _, _) =
        if let Some(pin) = pin {
            let holder = by_recency
                .iter()
                .copied()
                .find(|c| same_value(&c.value, &pin.value));
            (
                pin.value.clone(),
                holder,
                RuleApplied::SupervisorChoice,
                None,
            )
        } else {
            let (c, applied, owner) = match rule {
                FieldRule::OwnedBy { system } => {
                    match by_recency
                        .iter()
                        .copied()
                        .find(|c| c.source.customer.system == *system)
                    {
                        Some(c) => (c, RuleApplied::Owner, Some(system.as_str())),
                        None => (*by_recency.first()?, RuleApplied::MostRecent, None),
                    }
                }
                FieldRule::MostRecent => (*by_recency.first()?, RuleApplied::MostRecent, None),
                FieldRule::MostComplete => {
                    // `by_recency` is sorted, and max_by_key keeps the last maximum: reverse
                    // so the most recent of the longest wins.
                    let c = by_recency
                        .iter()
                        .rev()
                        .copied()
                        .max_by_key(|c| completeness(&c.value))?;
                    (c, RuleApplied::MostComplete, None)
                }
            };
            (c.value.clone(), Some(c), applied, owner)
        };

    let provenance = match chosen {
        Some(c) => Provenance {
            system: c.source.customer.system.clone(),
            source_record_id: Some(c.source.source_record_id),
            system_id: Some(c.source.customer.system_id.clone()),
            at: Some(c.source.changed_at().to_string()),
            rule: applied,
        },
        None => Provenance {
            system: "concord".into(),
            source_record_id: None,
            system_id: None,
            at: None,
            rule: applied,
        },
    };
    let others: Vec<OtherValue> = by_recency
        .iter()
        .filter(|c| !same_value(&c.value, &chosen_value))
        .map(|c| OtherValue {
            system: c.source.customer.system.clone(),
            source_record_id: c.source.source_record_id,
            system_id: c.source.customer.system_id.clone(),
            value: c.value.clone(),
            at: c.source.changed_at().to_string(),
        })
        .collect();
    let disagreement = owner.is_some_and(|owner| others.iter().any(|o| o.system != owner));

    Some(MergedValue {
        field,
        value: chosen_value,
        provenance,
        others,
        disagreement,
    })
}

#[cfg(test)]
mod tests;
