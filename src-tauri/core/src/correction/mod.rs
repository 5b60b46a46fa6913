//! Corrections: a rep's change to a customer, the fields each system is allowed to receive,
//! and the plan that decides, field by field, whether a push writes, was already applied, or
//! collides with someone else's change.
//!
//! Every value is carried as a [`FieldMap`]: field name to text, with absence meaning "empty".
//! The same field names are used for what the rep saw (the base), what the rep wants (ours)
//! and what a system holds now (theirs), so one pure function ([`plan`]) decides every push
//! without a network. This module does no I/O and never decides on its own to overwrite a
//! value that differs from the base.

mod address;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use address::{propose_address, AddressFields, AddressProposal, ADDRESS_FIELDS};

/// Field name to value. A missing key and an empty value mean the same: nothing there.
pub type FieldMap = BTreeMap<String, String>;

/// The two systems Concord pushes to, by their cache names.
pub const TRYTON: &str = "tryton";
pub const VENDURE: &str = "vendure";

/// What kind of change a correction makes. The names are stored in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    EditAddress,
    AddAddress,
    RemoveAddress,
    SetDefaultAddress,
    EditContact,
    EditAccount,
}

impl CorrectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionKind::EditAddress => "edit_address",
            CorrectionKind::AddAddress => "add_address",
            CorrectionKind::RemoveAddress => "remove_address",
            CorrectionKind::SetDefaultAddress => "set_default_address",
            CorrectionKind::EditContact => "edit_contact",
            CorrectionKind::EditAccount => "edit_account",
        }
    }

    pub fn parse(text: &str) -> Option<CorrectionKind> {
        [
            CorrectionKind::EditAddress,
            CorrectionKind::AddAddress,
            CorrectionKind::RemoveAddress,
            CorrectionKind::SetDefaultAddress,
            CorrectionKind::EditContact,
            CorrectionKind::EditAccount,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// The account fields a rep may correct, as field names of a [`FieldMap`].
pub mod account_field {
    pub const CUSTOMER_TYPE: &str = "customer_type";
    pub const PRICE_LEVEL: &str = "price_level";
    /// `true` or `false`.
    pub const TAX_EXEMPT: &str = "tax_exempt";
    pub const TAX_CERTIFICATE_NUMBER: &str = "tax_certificate_number";
    /// ISO date.
    pub const TAX_CERTIFICATE_EXPIRY: &str = "tax_certificate_expiry";
}

/// Which systems may receive each field. A field missing here goes to every system that has
/// the record (addresses, emails, phones).
///
/// By default the ERP owns the account type and the price level: the web store never receives
/// them, so its own value can never be pushed over the ERP's. Tax exemption is carried by both
/// (a party category in Tryton, a customer group in Vendure), since checkout needs it too.
/// Certificate number and expiry have no field in either system's standard modules and stay
/// in Concord; an address's company only exists in the web store.
// TODO(erp): push the tax certificate number and expiry to Tryton as a party identifier once
// the mapping for it is agreed; until then they are kept in Concord only (the preview lists
// them among the changes in Concord and under no system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub fields: BTreeMap<String, Vec<String>>,
}

impl Default for Ownership {
    fn default() -> Self {
        let only = |systems: &[&str]| systems.iter().map(|s| (*s).to_owned()).collect();
        let fields = [
            (account_field::CUSTOMER_TYPE, only(&[TRYTON])),
            (account_field::PRICE_LEVEL, only(&[TRYTON])),
            (account_field::TAX_EXEMPT, only(&[TRYTON, VENDURE])),
            (account_field::TAX_CERTIFICATE_NUMBER, only(&[])),
            (account_field::TAX_CERTIFICATE_EXPIRY, only(&[])),
            // Tryton's party addresses have no company field.
            ("company", only(&[VENDURE])),
        ]
        .into_iter()
        .map(|(field, systems)| (field.to_owned(), systems))
        .collect();
        Ownership { fields }
    }
}

impl Ownership {
    /// Whether `system` may receive `field`.
    pub fn accepts(&self, system: &str, field: &str) -> bool {
        match self.fields.get(field) {
            Some(systems) => systems.iter().any(|s| s == system),
            None => true,
        }
    }

    /// The part of `values` that `system` may receive.
    pub fn filter(&self, system: &str, values: &FieldMap) -> FieldMap {
        values
            .iter()
            .filter(|(field, _)| self.accepts(system, field))
            .map(|(f, v)| (f.clone(), v.clone()))
            .collect()
    }
}

/// One field that a correction changes: from what, to what. `None` is "empty".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A value as compared: trimmed, with empty read as absent.
fn value<'a>(map: &'a FieldMap, field: &str) -> Option<&'a str> {
    map.get(field).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The fields of `ours` that differ from `base`, in field-name order.
pub fn diff(base: &FieldMap, ours: &FieldMap) -> Vec<FieldChange> {
    ours.keys()
        .filter(|field| value(base, field) != value(ours, field))
        .map(|field| FieldChange {
            field: field.clone(),
            from: value(base, field).map(str::to_owned),
            to: value(ours, field).map(str::to_owned),
        })
        .collect()
}

/// One field that changed in a system since the base: the three values a supervisor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collision {
    pub field: String,
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

/// What to do with one outbox entry, given what the system holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushPlan {
    /// The system already holds every value of ours: nothing to send (a retry after a write
    /// that went through, or someone made the same change).
    AlreadyApplied,
    /// Write these fields; the others already hold our values.
    Write(FieldMap),
    /// Someone changed a field we change since the base, to something else than ours.
    /// Nothing may be written.
    Conflict(Vec<Collision>),
}

/// Decides a push field by field: a field holding our value is done; one still holding the
/// base is written; one holding a third value is a collision, and one collision stops the
/// whole entry so no part of it overwrites anything.
pub fn plan(base: &FieldMap, ours: &FieldMap, theirs: &FieldMap) -> PushPlan {
    let mut write = FieldMap::new();
    let mut collisions = Vec::new();
    for field in ours.keys() {
        let (b, o, t) = (value(base, field), value(ours, field), value(theirs, field));
        if t == o {
            continue;
        }
        if t == b {
            write.insert(field.clone(), o.unwrap_or_default().to_owned());
        } else {
            collisions.push(Collision {
                field: field.clone(),
                base: b.map(str::to_owned),
                ours: o.map(str::to_owned),
                theirs: t.map(str::to_owned),
            });
        }
    }
    if !collisions.is_empty() {
        PushPlan::Conflict(collisions)
    } else if write.is_empty() {
        PushPlan::AlreadyApplied
    } else {
        PushPlan::Write(write)
    }
}

/// The fields of a new correction that collide with what the cache holds now: the rep saw
/// `base`, but someone (another rep's correction) changed the field to a third value since.
pub fn local_collisions(base: &FieldMap, ours: &FieldMap, current: &FieldMap) -> Vec<Collision> {
    match plan(base, ours, current) {
        PushPlan::Conflict(collisions) => collisions,
        PushPlan::AlreadyApplied | PushPlan::Write(_) => Vec::new(),
    }
}

/// The correction that undoes `ours` over `base`: the fields it changed, set back.
pub fn revert(base: &FieldMap, ours: &FieldMap) -> (FieldMap, FieldMap) {
    let changed: Vec<&String> = ours
        .keys()
        .filter(|field| value(base, field) != value(ours, field))
        .collect();
    let pick = |map: &FieldMap| -> FieldMap {
        changed
            .iter()
            .map(|f| ((*f).clone(), value(map, f).unwrap_or_default().to_owned()))
            .collect()
    };
    (pick(ours), pick(base))
}

#[cfg(test)]
mod tests;
