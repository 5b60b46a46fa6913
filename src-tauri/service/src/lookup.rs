//! Looking up a caller and showing their merged account: the rep's first second on a call.
//!
//! `lookup` reads one search-box text in every way it can be meant (phone, email, order
//! number, postcode, name, company) and returns the customers it may mean, best first, each
//! saying which field matched. `show` returns one merged account with everything behind it.
//! Both only read the cache, through its read connection, so they answer while a sync
//! writes. Nothing typed can make `lookup` fail; personal data is logged at debug only.

use anyhow::Context as _;
use concord_store::search::{self, MatchQuality as StoreQuality, MatchedField as StoreField};
use concord_store::table::{
    account, address, cache_setting, contact_point, customer, order, source_record,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, ServiceError};
use crate::Service;

/// The most results one lookup returns.
pub const MAX_LIMIT: u32 = 100;

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LookupResults {
    /// Best first: exact phone, email and order-number matches lead.
    pub hits: Vec<LookupHit>,
}

/// One customer a lookup found, under its best match.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LookupHit {
    #[ts(type = "number")]
    pub customer_id: i64,
    pub display_name: String,
    pub company: Option<String>,
    pub matched_field: MatchedField,
    pub quality: MatchQuality,
    /// The stored value that matched, as the rep should see it.
    pub matched_value: String,
}

/// Which field of the customer matched what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum MatchedField {
    Phone,
    Email,
    OrderNumber,
    Postcode,
    Name,
    Company,
    Address,
}

/// How closely it matched; the UI marks prefix and typo matches as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum MatchQuality {
    Exact,
    Prefix,
    Typo,
}

impl From<StoreField> for MatchedField {
    fn from(f: StoreField) -> Self {
        match f {
            StoreField::Phone => MatchedField::Phone,
            StoreField::Email => MatchedField::Email,
            StoreField::OrderNumber => MatchedField::OrderNumber,
            StoreField::Postcode => MatchedField::Postcode,
            StoreField::Name => MatchedField::Name,
            StoreField::Company => MatchedField::Company,
            StoreField::Address => MatchedField::Address,
        }
    }
}

impl From<StoreQuality> for MatchQuality {
    fn from(q: StoreQuality) -> Self {
        match q {
            StoreQuality::Exact => MatchQuality::Exact,
            StoreQuality::Prefix => MatchQuality::Prefix,
            StoreQuality::Typo => MatchQuality::Typo,
        }
    }
}

/// One merged account, with everything behind it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CustomerView {
    #[ts(type = "number")]
    pub customer_id: i64,
    pub display_name: String,
    pub title: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub suffix: Option<String>,
    pub account: Option<AccountView>,
    pub contacts: Vec<ContactView>,
    /// Defaults first, then the most recently changed.
    pub addresses: Vec<AddressView>,
    /// Newest first, from every channel.
    pub orders: Vec<OrderView>,
    /// Each system's copy of this customer, with that system's ID.
    pub source_records: Vec<SourceRecordView>,
    /// For each merged field: where the shown value came from, by which rule, and what the
    /// other systems say. Empty for customers not built by resolving.
    pub provenance: Vec<FieldProvenanceView>,
}

/// Where one field's shown value came from, and the differing values of other systems.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldProvenanceView {
    /// `name`, `company`, `customer_type`, `price_level`, ...
    pub field: String,
    pub value: String,
    /// The system it came from (`concord` for a value a supervisor typed).
    pub system: String,
    pub system_id: Option<String>,
    pub changed_at: Option<String>,
    /// `owner`, `most_recent`, `most_complete` or `supervisor_choice`.
    pub rule: String,
    /// The system that owns the field shows one value and another system holds a different
    /// one: a review item asks a supervisor.
    pub disagreement: bool,
    pub others: Vec<OtherValueView>,
}

/// A value another system holds for a field.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OtherValueView {
    pub system: String,
    pub system_id: String,
    pub value: String,
    pub changed_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountView {
    /// `retail`, `wholesale` or `tax_exempt`.
    pub customer_type: String,
    pub tax_certificate_number: Option<String>,
    pub tax_certificate_expiry: Option<String>,
    pub price_level: Option<String>,
    pub pricing_model: Option<String>,
    pub credit_terms: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactView {
    #[ts(type = "number")]
    pub id: i64,
    /// `email` or `phone`.
    pub medium: String,
    pub kind: String,
    /// How people should read it: the normalized email, or the phone in national form.
    pub display: String,
    pub value_as_received: String,
    pub e164: Option<String>,
    pub extension: Option<String>,
    /// Why the value could not be normalized, if it could not.
    pub problem: Option<String>,
    /// The system this value came from, when it came from one.
    pub source_system: Option<String>,
    /// When it was first seen on that system's record.
    pub seen_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddressView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: String,
    pub is_default_billing: bool,
    pub is_default_shipping: bool,
    pub recipient: Option<String>,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
    #[ts(type = "unknown")]
    pub standardized: Option<serde_json::Value>,
    pub validation_status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderView {
    #[ts(type = "number")]
    pub id: i64,
    pub system: String,
    /// As that system shows it.
    pub number: String,
    pub channel: String,
    pub status: String,
    pub placed_at: String,
    pub currency: String,
    #[ts(type = "number")]
    pub total_minor: i64,
    #[ts(type = "unknown")]
    pub lines: serde_json::Value,
    /// The addresses as they were on the order, never the customer's current ones.
    #[ts(type = "unknown")]
    pub bill_to: Option<serde_json::Value>,
    #[ts(type = "unknown")]
    pub ship_to: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourceRecordView {
    pub system: String,
    pub system_id: String,
    pub version: Option<String>,
    pub fetched_at: String,
    /// Exactly what the system sent.
    pub raw_payload: String,
    #[ts(type = "unknown")]
    pub normalized: serde_json::Value,
}

impl Service {
    /// The customers `query` may mean, best first, at most `limit` (1 to [`MAX_LIMIT`]).
    #[tracing::instrument(skip_all, err, fields(limit))]
    pub fn lookup(&self, query: &str, limit: u32) -> Result<LookupResults> {
        let limit = limit.clamp(1, MAX_LIMIT) as usize;
        tracing::debug!(query, "lookup");

        let conn = self.cache().read();
        let region = cache_setting::default_region(&conn).context("reading the default region")?;
        let hits = search::lookup(&conn, query, limit, &region).context("looking up")?;

        Ok(LookupResults {
            hits: hits
                .into_iter()
                .map(|h| LookupHit {
                    customer_id: h.customer_id,
                    display_name: h.display_name,
                    company: h.company,
                    matched_field: h.matched_field.into(),
                    quality: h.quality.into(),
                    matched_value: h.matched_value,
                })
                .collect(),
        })
    }

    /// Sets the country in which phone numbers typed or stored without a country code are
    /// read (ISO 3166-1 alpha-2, e.g. `US`, `GB`).
    #[tracing::instrument(skip(self), err)]
    pub fn set_default_region(&self, region: &str) -> Result<()> {
        let region = region.trim().to_ascii_uppercase();
        if !concord_core::phone::is_known_region(&region) {
            return Err(ServiceError::invalid_input(format!(
                "{region:?} is not a country code with a known phone numbering plan; use two \
                 letters such as US or GB"
            )));
        }
        let conn = self.cache().write();
        cache_setting::set(&conn, cache_setting::DEFAULT_REGION, &region)
            .context("saving the default region")?;
        Ok(())
    }

    /// The merged account of customer `customer_id`.
    #[tracing::instrument(skip(self), err)]
    pub fn show(&self, customer_id: i64) -> Result<CustomerView> {
        let conn = self.cache().read();
        let c = customer::get(&conn, customer_id)
            .context("reading the customer")?
            .ok_or_else(|| ServiceError::not_found(format!("no customer {customer_id}")))?;

        let account = account::get(&conn, customer_id).context("reading the account")?;
        let contacts =
            contact_point::for_customer(&conn, customer_id).context("reading contacts")?;
        let addresses = address::for_customer(&conn, customer_id).context("reading addresses")?;
        let orders = order::for_customer(&conn, customer_id).context("reading orders")?;
        let records =
            source_record::for_customer(&conn, customer_id).context("reading source records")?;
        let provenance = concord_store::resolve::provenance::for_customer(&conn, customer_id)
            .context("reading where the values came from")?;
        let origins = contact_origins(&conn, customer_id).context("reading contact origins")?;

        Ok(CustomerView {
            customer_id,
            display_name: c.display_name,
            title: c.title,
            given_name: c.given_name,
            family_name: c.family_name,
            suffix: c.suffix,
            account: account.map(account_view),
            contacts: contacts
                .into_iter()
                .map(|c| {
                    let origin = origins.get(&c.id).cloned().unwrap_or_default();
                    ContactView {
                        source_system: origin.0,
                        seen_at: origin.1,
                        ..contact_view(c)
                    }
                })
                .collect(),
            addresses: addresses.into_iter().map(address_view).collect(),
            orders: orders.into_iter().map(order_view).collect(),
            source_records: records.into_iter().map(source_record_view).collect(),
            provenance: provenance.into_iter().map(provenance_view).collect(),
        })
    }
}

/// A contact point's system and when it was first seen there.
type Origin = (Option<String>, Option<String>);

/// Per contact point of a customer: the system of its source record and when it was first
/// seen there.
fn contact_origins(
    conn: &rusqlite::Connection,
    customer_id: i64,
) -> rusqlite::Result<std::collections::HashMap<i64, Origin>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, r.system, c.seen_at FROM contact_point c
         LEFT JOIN source_record r ON r.id = c.source_record_id
         WHERE c.customer_id = ?1",
    )?;
    let rows = stmt.query_map([customer_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    rows.collect()
}

fn provenance_view(p: concord_store::resolve::provenance::FieldProvenance) -> FieldProvenanceView {
    FieldProvenanceView {
        field: p.field,
        value: p.value,
        system: p.system,
        system_id: p.system_id,
        changed_at: p.changed_at,
        rule: p.rule,
        disagreement: p.disagreement,
        others: p
            .others
            .into_iter()
            .map(|o| OtherValueView {
                system: o.system,
                system_id: o.system_id,
                value: o.value,
                changed_at: o.at,
            })
            .collect(),
    }
}

fn account_view(a: account::Account) -> AccountView {
    AccountView {
        customer_type: a.customer_type.as_str().to_string(),
        tax_certificate_number: a.tax_certificate_number,
        tax_certificate_expiry: a.tax_certificate_expiry,
        price_level: a.price_level,
        pricing_model: a.pricing_model,
        credit_terms: a.credit_terms,
        company: a.company,
        job_title: a.job_title,
        sex: a.sex,
        birth_date: a.birth_date,
    }
}

fn contact_view(c: contact_point::ContactPoint) -> ContactView {
    let medium = match c.medium {
        contact_point::Medium::Email => "email",
        contact_point::Medium::Phone => "phone",
    };
    let display = match (&c.email, &c.e164) {
        (Some(email), _) => email.clone(),
        (None, Some(e164)) => concord_core::phone::parse_phone(e164, "US")
            .map(|p| concord_core::phone::Phone {
                extension: c.extension.clone(),
                ..p
            })
            .map(|p| {
                if p.country_code == 1 {
                    p.national_display()
                } else {
                    p.international_display()
                }
            })
            .unwrap_or_else(|_| e164.clone()),
        (None, None) => c.value_as_received.clone(),
    };
    ContactView {
        id: c.id,
        medium: medium.to_string(),
        kind: c.kind,
        display,
        value_as_received: c.value_as_received,
        e164: c.e164,
        extension: c.extension,
        problem: c.problem,
        source_system: None,
        seen_at: None,
    }
}

fn address_view(a: address::Address) -> AddressView {
    AddressView {
        id: a.id,
        kind: a.kind,
        is_default_billing: a.is_default_billing,
        is_default_shipping: a.is_default_shipping,
        recipient: a.recipient,
        company: a.company,
        line1: a.line1,
        line2: a.line2,
        city: a.city,
        region: a.region,
        postcode: a.postcode,
        country: a.country,
        standardized: a.standardized,
        validation_status: a.validation_status,
    }
}

fn order_view(o: order::Order) -> OrderView {
    OrderView {
        id: o.id,
        system: o.system,
        number: o.number,
        channel: o.channel.as_str().to_string(),
        status: o.status,
        placed_at: o.placed_at,
        currency: o.currency,
        total_minor: o.total_minor,
        lines: o.lines,
        bill_to: o.bill_to,
        ship_to: o.ship_to,
    }
}

fn source_record_view(r: source_record::SourceRecord) -> SourceRecordView {
    SourceRecordView {
        system: r.system,
        system_id: r.system_id,
        version: r.version,
        fetched_at: r.fetched_at,
        raw_payload: r.raw_payload,
        normalized: r.normalized,
    }
}
