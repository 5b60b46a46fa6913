//! Reading source records for resolving: which ones take part, and what the matcher compares.

use std::collections::BTreeSet;

use anyhow::Context as _;
use concord_core::email::normalize_email;
use concord_core::matching::{MatchRecord, SourceKey};
use concord_core::phone::parse_phone;
use concord_core::source::SourceCustomer;
use rusqlite::Connection;

/// A source record that takes part in resolving.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub customer: SourceCustomer,
    pub fetched_at: String,
}

impl Member {
    pub fn key(&self) -> SourceKey {
        SourceKey::new(&self.customer.system, &self.customer.system_id)
    }

    /// When the record last changed, as survivorship and "seen at" read it.
    pub fn changed_at(&self) -> &str {
        self.customer
            .changed_at
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or(&self.fetched_at)
    }

    /// The country this record's phones without a country code are read in: that of its
    /// first address with one, else the cache's.
    pub fn phone_region<'a>(&'a self, default_region: &'a str) -> &'a str {
        self.customer
            .addresses
            .iter()
            .filter_map(|a| a.country.as_deref())
            .find(|c| !c.trim().is_empty())
            .unwrap_or(default_region)
    }
}

/// Every source record written by a pull, and the ids of records whose normalized form could
/// not be read as a customer.
///
/// A record takes part when its normalized form is a [`SourceCustomer`] naming the same
/// system and ID as the row. Rows written before the pull sync existed (fixtures, the
/// benchmark generator) carry another shape; they and their customers are left as they are.
pub fn load(conn: &Connection) -> anyhow::Result<(Vec<Member>, Vec<i64>)> {
    let mut stmt = conn.prepare(
        "SELECT id, system, system_id, normalized, fetched_at FROM source_record ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut members = Vec::new();
    let mut unreadable = Vec::new();
    for row in rows {
        let (id, system, system_id, normalized, fetched_at) =
            row.context("reading source records")?;
        match serde_json::from_str::<SourceCustomer>(&normalized) {
            Ok(customer) if customer.system == system && customer.system_id == system_id => members
                .push(Member {
                    id,
                    customer,
                    fetched_at,
                }),
            Ok(_) => {}
            Err(_) => unreadable.push(id),
        }
    }
    Ok((members, unreadable))
}

/// What the matcher compares for one record. Phones are read into E.164 (in the region of
/// the record's first address), emails into their normal form; values that cannot be read are
/// left out of matching (they are still shown on the account). Cross-references and emails
/// are sorted so the same record always gives the same input.
pub fn match_record(m: &Member, default_region: &str) -> MatchRecord {
    let c = &m.customer;
    let name = concord_core::merge::person_name(c);
    let region = m.phone_region(default_region);

    // An address's own phone counts as well: guests often give one only there.
    let phones: BTreeSet<String> = c
        .phones
        .iter()
        .map(|p| p.value.as_str())
        .chain(c.addresses.iter().filter_map(|a| a.phone.as_deref()))
        .filter_map(|p| parse_phone(p, region).ok())
        .map(|p| p.e164)
        .collect();
    let emails: BTreeSet<String> = c
        .emails
        .iter()
        .filter_map(|e| normalize_email(&e.value).ok())
        .map(|e| e.address)
        .collect();
    let address = c
        .addresses
        .iter()
        .find(|a| a.default_billing)
        .or_else(|| c.addresses.first());
    let (street_number, street) = match address.and_then(|a| a.line1.as_deref()) {
        Some(line) => split_street(line),
        None => (None, None),
    };
    let mut cross_refs: Vec<SourceKey> = c
        .cross_refs
        .iter()
        .filter(|r| !r.system.is_empty() && !r.system_id.is_empty())
        .map(|r| SourceKey::new(&r.system, &r.system_id))
        .collect();
    cross_refs.sort();
    cross_refs.dedup();

    MatchRecord {
        key: m.key(),
        given_name: name
            .as_ref()
            .map(|n| n.given.clone())
            .filter(|s| !s.is_empty()),
        surname: name
            .as_ref()
            .map(|n| n.family.clone())
            .filter(|s| !s.is_empty()),
        birth_date: c.birth_date.clone(),
        phones: phones.into_iter().collect(),
        emails: emails.into_iter().collect(),
        street_number,
        street,
        address_line2: address.and_then(|a| a.line2.clone()),
        locality: address.and_then(|a| a.city.clone()),
        postcode: address.and_then(|a| a.postcode.clone()),
        region: address.and_then(|a| a.region.clone()),
        company: c.company.clone(),
        tax_id: c.account.tax_certificate_number.clone(),
        cross_refs,
    }
}

/// `12 High Street` into its number and street; a line without a leading number is all
/// street.
fn split_street(line: &str) -> (Option<String>, Option<String>) {
    let line = line.trim();
    match line.split_once(char::is_whitespace) {
        Some((first, rest)) if first.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            (Some(first.to_string()), Some(rest.trim().to_string()))
        }
        _ => (None, Some(line.to_string()).filter(|s| !s.is_empty())),
    }
}

/// A short, stable digest of the fields the matcher compares for a record: a "not the same
/// person" decision is put to a supervisor again when either record's digest changes.
pub fn fingerprint(r: &MatchRecord) -> String {
    let compared = MatchRecord {
        key: SourceKey::default(),
        cross_refs: Vec::new(),
        ..r.clone()
    };
    let text = serde_json::to_string(&compared).unwrap_or_default();
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
