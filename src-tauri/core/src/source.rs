//! One system's record of a customer or an order, in the shape every system is read into.
//!
//! Connectors map what Tryton or Vendure send into these types; the cache stores them as the
//! normalized form of a source record; matching and the merged account are built from them.
//! Nothing is interpreted here beyond the mapping: values are kept as the system holds them
//! (normalization of phones, emails and addresses happens when the merged account is built),
//! so a later rule change can be replayed from what is stored.

use serde::{Deserialize, Serialize};

/// A customer as one system holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceCustomer {
    /// `tryton` or `vendure` (the cache's system names).
    pub system: String,
    /// The ID the system gives the record (Tryton party ID, Vendure customer ID).
    pub system_id: String,
    /// The system's own reference shown to people (Tryton party code), when it has one.
    pub reference: Option<String>,
    /// The system's version of the record, sent back with a write (Tryton `_timestamp`,
    /// Vendure `updatedAt`).
    pub version: Option<String>,
    /// When the system last changed the record or anything it owns, RFC 3339 UTC.
    pub changed_at: Option<String>,
    /// A login of its own (Vendure) or an active party (Tryton); false for a guest checkout.
    pub registered: bool,
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The name as one string when the system keeps only that (a Tryton party name).
    pub full_name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub sex: Option<String>,
    /// ISO date.
    pub birth_date: Option<String>,
    pub account: SourceAccount,
    pub emails: Vec<SourceContact>,
    pub phones: Vec<SourceContact>,
    pub addresses: Vec<SourceAddress>,
    /// IDs this system stores for the same customer in other systems.
    pub cross_refs: Vec<CrossRef>,
}

/// Commercial fields, as far as the system keeps them. `None` means the system does not say,
/// which is different from saying "retail" or "not exempt".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceAccount {
    /// `retail`, `wholesale` or `tax_exempt`.
    pub customer_type: Option<String>,
    pub tax_exempt: Option<bool>,
    pub tax_certificate_number: Option<String>,
    /// ISO date.
    pub tax_certificate_expiry: Option<String>,
    pub price_level: Option<String>,
    pub credit_terms: Option<String>,
}

/// An email or phone as the system holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceContact {
    /// The contact's own ID in the system, when it has one (Tryton contact mechanisms).
    pub system_id: Option<String>,
    /// home, work, mobile, fax, other.
    pub kind: String,
    pub value: String,
    /// The system's version of the contact, when it has its own.
    pub version: Option<String>,
}

/// An address in the customer's address book, as the system holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceAddress {
    /// The address's own ID in the system.
    pub system_id: String,
    pub version: Option<String>,
    /// billing, shipping, home, work, other.
    pub kind: String,
    pub default_billing: bool,
    pub default_shipping: bool,
    pub recipient: Option<String>,
    pub company: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2, when the system knows it.
    pub country: Option<String>,
    pub phone: Option<String>,
    /// RFC 3339 UTC, when the system dates addresses.
    pub changed_at: Option<String>,
}

/// Another system's ID for the same customer, stored in this system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CrossRef {
    pub system: String,
    pub system_id: String,
}

/// An order as one system holds it, with its addresses as they were when it was placed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceOrder {
    pub system: String,
    pub system_id: String,
    /// The system ID of the customer record that placed it.
    pub customer_system_id: String,
    /// The number as the system shows it.
    pub number: String,
    /// web, phone, mail, store, marketplace.
    pub channel: String,
    pub status: String,
    /// RFC 3339 UTC (a date alone is taken at midnight UTC).
    pub placed_at: String,
    /// ISO 4217.
    pub currency: String,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub lines: Vec<SourceOrderLine>,
    pub bill_to: Option<SourceAddress>,
    pub ship_to: Option<SourceAddress>,
    pub version: Option<String>,
    pub changed_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceOrderLine {
    pub sku: Option<String>,
    pub description: Option<String>,
    pub quantity: f64,
    pub unit_price_minor: i64,
    pub total_minor: i64,
}
