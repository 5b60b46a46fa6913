//! Building one merged customer's rows from its linked source records and their orders.
//!
//! [`materialize_customer`] is the single place where a customer's rows are (re)written from
//! its source records: the customer's name, its account, contact points, addresses, orders,
//! per-field provenance and search document. Anything that must survive re-materialization
//! (a rep's local corrections, a supervisor's pinned values) is applied here, in this one
//! function, so there is exactly one answer to "what does this customer look like".
//!
//! Row ids stay stable: contact points are keyed by source record and value, addresses by
//! source record and the system's address ID, orders by system and order ID. Order snapshots
//! (bill-to, ship-to) are written when the order is first seen and never rewritten.

use std::collections::{HashMap, HashSet};

use anyhow::Context as _;
use concord_core::merge::{self, MergeField, MergeSource, MergedValue, Pin, SurvivorshipSettings};
use concord_core::source::{SourceAddress, SourceOrder};
use rusqlite::{params, Connection, OptionalExtension as _};

use super::records::Member;
use crate::search::{index, keys};
use crate::table::account::{self, Account, CustomerType};
use crate::table::contact_point::{ContactPoint, Medium};

/// What materializing a customer found that a supervisor should see.
#[derive(Debug, Default)]
pub struct Materialized {
    /// Fields where the owning system and another system disagree.
    pub disagreements: Vec<MergedValue>,
    /// Orders that could not be attached (an unknown channel), by system order ID.
    pub orders_skipped: Vec<String>,
}

/// (Re)writes every row of customer `customer_id` from `members`, its linked source records.
/// The customer row is created with that id when it does not exist yet. Runs inside the
/// caller's transaction.
///
/// Local corrections: a correction of an address or contact point is applied on top of the
/// source values here, before the rows are written, so a sync never undoes it.
// TODO(corrections): apply pending local corrections to addresses and contact points once the
// corrections table exists; until then the systems' values are written as received.
pub fn materialize_customer(
    conn: &Connection,
    customer_id: i64,
    members: &[&Member],
    survivorship: &SurvivorshipSettings,
    default_region: &str,
    now: &str,
) -> anyhow::Result<Materialized> {
    let pins = pins(conn, customer_id)?;
    let sources: Vec<MergeSource<'_>> = members
        .iter()
        .map(|m| MergeSource {
            source_record_id: m.id,
            customer: &m.customer,
            fetched_at: &m.fetched_at,
        })
        .collect();
    let merged = merge::merge(&sources, survivorship, &pins);

    write_customer(conn, customer_id, &merged, now)?;
    write_account(conn, customer_id, &merged)?;
    write_contact_points(conn, customer_id, members, default_region)?;
    write_addresses(conn, customer_id, members, default_region)?;
    let orders_skipped = write_orders(conn, customer_id, members)?;
    write_provenance(conn, customer_id, &merged)?;
    // Corrections the systems have not confirmed yet, and addresses kept as typed, win over
    // the systems' copies until then.
    crate::table::correction::overlay_corrections(conn, customer_id, now)
        .context("putting back the corrections not yet confirmed")?;
    index::refresh_customer(conn, customer_id).context("indexing the customer")?;

    Ok(Materialized {
        disagreements: merged.disagreements().cloned().collect(),
        orders_skipped,
    })
}

fn pins(conn: &Connection, customer_id: i64) -> anyhow::Result<Vec<Pin>> {
    let mut stmt =
        conn.prepare_cached("SELECT field, value FROM pinned_value WHERE customer_id = ?1")?;
    let rows = stmt.query_map([customer_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut pins = Vec::new();
    for row in rows {
        let (field, value) = row?;
        // A pin for a field this build no longer knows is ignored rather than fatal.
        if let Some(field) = MergeField::parse(&field) {
            pins.push(Pin { field, value });
        }
    }
    Ok(pins)
}

fn write_customer(
    conn: &Connection,
    customer_id: i64,
    merged: &merge::Merged,
    now: &str,
) -> anyhow::Result<()> {
    let name = merged.name.clone().unwrap_or_default();
    let display = match merged.value(MergeField::Name) {
        Some(_) => name.display(),
        // A customer with no name anywhere is still shown, by its company if it has one.
        None => merged.value(MergeField::Company).unwrap_or("").to_string(),
    };
    conn.execute(
        "INSERT INTO customer (id, display_name, title, given_name, family_name, suffix,
             created_at, updated_at, resolved)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)
         ON CONFLICT (id) DO UPDATE SET
             display_name = excluded.display_name, title = excluded.title,
             given_name = excluded.given_name, family_name = excluded.family_name,
             suffix = excluded.suffix, updated_at = excluded.updated_at
         WHERE display_name IS NOT excluded.display_name OR title IS NOT excluded.title
             OR given_name IS NOT excluded.given_name
             OR family_name IS NOT excluded.family_name OR suffix IS NOT excluded.suffix",
        params![
            customer_id,
            display,
            name.title,
            name.given,
            name.family,
            name.suffix,
            now
        ],
    )
    .context("writing the customer")?;
    Ok(())
}

fn write_account(
    conn: &Connection,
    customer_id: i64,
    merged: &merge::Merged,
) -> anyhow::Result<()> {
    let text = |f: MergeField| merged.value(f).map(str::to_string);
    let customer_type = match merged.value(MergeField::CustomerType) {
        Some("wholesale") => CustomerType::Wholesale,
        Some("tax_exempt") => CustomerType::TaxExempt,
        _ if merged.value(MergeField::TaxExempt) == Some("true") => CustomerType::TaxExempt,
        _ => CustomerType::Retail,
    };
    account::upsert(
        conn,
        &Account {
            customer_id,
            customer_type,
            tax_certificate_number: text(MergeField::TaxCertificateNumber),
            tax_certificate_expiry: text(MergeField::TaxCertificateExpiry),
            price_level: text(MergeField::PriceLevel),
            pricing_model: None,
            credit_terms: text(MergeField::CreditTerms),
            company: text(MergeField::Company),
            job_title: text(MergeField::JobTitle),
            sex: text(MergeField::Sex),
            birth_date: text(MergeField::BirthDate),
        },
    )
    .context("writing the account")?;
    Ok(())
}

/// One wanted contact point, keyed by its record, medium and value as received.
fn contact_key(record: i64, medium: Medium, value: &str) -> (i64, &'static str, String) {
    let medium = match medium {
        Medium::Email => "email",
        Medium::Phone => "phone",
    };
    (record, medium, value.trim().to_string())
}

fn write_contact_points(
    conn: &Connection,
    customer_id: i64,
    members: &[&Member],
    default_region: &str,
) -> anyhow::Result<()> {
    let mut existing: HashMap<(i64, &'static str, String), i64> = HashMap::new();
    for m in members {
        let mut stmt = conn.prepare_cached(
            "SELECT id, medium, value_as_received FROM contact_point WHERE source_record_id = ?1",
        )?;
        let rows = stmt.query_map([m.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, medium, value) = row?;
            let medium = if medium == "email" {
                Medium::Email
            } else {
                Medium::Phone
            };
            existing.insert(contact_key(m.id, medium, &value), id);
        }
    }

    let mut kept = HashSet::new();
    for m in members {
        let region = m.phone_region(default_region);
        let emails = m.customer.emails.iter().map(|e| {
            (
                ContactPoint::email(customer_id, &kind_or_other(&e.kind), e.value.trim()),
                e,
            )
        });
        let phones = m.customer.phones.iter().map(|p| {
            (
                ContactPoint::phone(customer_id, &kind_or_other(&p.kind), p.value.trim(), region),
                p,
            )
        });
        for (point, _) in emails.chain(phones) {
            if point.value_as_received.is_empty() {
                continue;
            }
            let key = contact_key(m.id, point.medium, &point.value_as_received);
            if !kept.insert(key.clone()) {
                continue;
            }
            match existing.get(&key) {
                Some(&id) => {
                    conn.prepare_cached(
                        "UPDATE contact_point SET customer_id = ?2, kind = ?3, email = ?4,
                             e164 = ?5, extension = ?6, national_number = ?7, problem = ?8
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        id,
                        customer_id,
                        point.kind,
                        point.email,
                        point.e164,
                        point.extension,
                        point.national_number,
                        point.problem
                    ])
                    .context("updating a contact point")?;
                }
                None => {
                    // First seen now, on this record: the time the record says it changed.
                    conn.prepare_cached(
                        "INSERT INTO contact_point (customer_id, source_record_id, medium, kind,
                             value_as_received, email, e164, extension, national_number,
                             problem, seen_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )?
                    .execute(params![
                        customer_id,
                        m.id,
                        key.1,
                        point.kind,
                        point.value_as_received,
                        point.email,
                        point.e164,
                        point.extension,
                        point.national_number,
                        point.problem,
                        m.changed_at()
                    ])
                    .context("adding a contact point")?;
                }
            }
        }
    }
    for (key, id) in existing {
        if !kept.contains(&key) {
            conn.execute("DELETE FROM contact_point WHERE id = ?1", [id])
                .context("removing a contact point the system no longer holds")?;
        }
    }
    Ok(())
}

fn kind_or_other(kind: &str) -> String {
    let kind = kind.trim();
    if kind.is_empty() {
        "other".into()
    } else {
        kind.to_lowercase()
    }
}

/// The address's key within its record: the system's ID, or its position when the system
/// gives none (a guest address carried on the customer).
fn address_key(a: &SourceAddress, position: usize) -> String {
    if a.system_id.trim().is_empty() {
        format!("#{position}")
    } else {
        a.system_id.trim().to_string()
    }
}

/// An address row's text as stored, to tell whether a system changed it.
struct StoredText {
    line1: String,
    line2: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postcode: Option<String>,
    country: String,
}

fn write_addresses(
    conn: &Connection,
    customer_id: i64,
    members: &[&Member],
    default_region: &str,
) -> anyhow::Result<()> {
    for m in members {
        let mut wanted = HashSet::new();
        for (position, a) in m.customer.addresses.iter().enumerate() {
            let key = address_key(a, position);
            wanted.insert(key.clone());
            let country = a
                .country
                .as_deref()
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| default_region.to_string());
            let line1 = a.line1.as_deref().unwrap_or("").trim().to_string();
            let postcode_key = a
                .postcode
                .as_deref()
                .and_then(|p| keys::postcode_key(p, &country));
            let house_number = keys::house_number(&line1);
            let updated_at = a.changed_at.as_deref().unwrap_or(m.changed_at());
            let existing: Option<(i64, StoredText)> = conn
                .prepare_cached(
                    "SELECT id, line1, line2, city, region, postcode, country FROM address
                     WHERE source_record_id = ?1 AND system_address_id = ?2",
                )?
                .query_row(params![m.id, key], |r| {
                    Ok((
                        r.get(0)?,
                        StoredText {
                            line1: r.get(1)?,
                            line2: r.get(2)?,
                            city: r.get(3)?,
                            region: r.get(4)?,
                            postcode: r.get(5)?,
                            country: r.get(6)?,
                        },
                    ))
                })
                .optional()?;
            let kind = kind_or_other(&a.kind);
            match existing {
                Some((id, stored)) => {
                    let same_text = stored.line1 == line1
                        && stored.line2 == a.line2
                        && stored.city == a.city
                        && stored.region == a.region
                        && stored.postcode == a.postcode
                        && stored.country == country;
                    // A standardization and verdict belong to the text they were made for.
                    conn.prepare_cached(
                        "UPDATE address SET customer_id = ?2, kind = ?3, is_default_billing = ?4,
                             is_default_shipping = ?5, recipient = ?6, company = ?7, line1 = ?8,
                             line2 = ?9, city = ?10, region = ?11, postcode = ?12, country = ?13,
                             postcode_key = ?14, house_number = ?15,
                             updated_at = CASE WHEN ?16 THEN updated_at ELSE ?17 END,
                             standardized = CASE WHEN ?16 THEN standardized END,
                             validation_evidence = CASE WHEN ?16 THEN validation_evidence END,
                             validation_status = CASE WHEN ?16 THEN validation_status
                                 ELSE 'not_checked' END
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        id,
                        customer_id,
                        kind,
                        a.default_billing,
                        a.default_shipping,
                        a.recipient,
                        a.company,
                        line1,
                        a.line2,
                        a.city,
                        a.region,
                        a.postcode,
                        country,
                        postcode_key,
                        house_number,
                        same_text,
                        updated_at
                    ])
                    .context("updating an address")?;
                }
                None => {
                    conn.prepare_cached(
                        "INSERT INTO address (customer_id, source_record_id, system_address_id,
                             kind, is_default_billing, is_default_shipping, recipient, company,
                             line1, line2, city, region, postcode, country, validation_status,
                             updated_at, postcode_key, house_number)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                             'not_checked', ?15, ?16, ?17)",
                    )?
                    .execute(params![
                        customer_id,
                        m.id,
                        key,
                        kind,
                        a.default_billing,
                        a.default_shipping,
                        a.recipient,
                        a.company,
                        line1,
                        a.line2,
                        a.city,
                        a.region,
                        a.postcode,
                        country,
                        updated_at,
                        postcode_key,
                        house_number
                    ])
                    .context("adding an address")?;
                }
            }
        }
        let mut stmt = conn.prepare_cached(
            "SELECT id, system_address_id FROM address
             WHERE source_record_id = ?1 AND system_address_id IS NOT NULL",
        )?;
        let gone: Vec<i64> = stmt
            .query_map([m.id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .filter_map(|r| r.ok())
            .filter(|(_, key)| !wanted.contains(key))
            .map(|(id, _)| id)
            .collect();
        for id in gone {
            conn.execute("DELETE FROM address WHERE id = ?1", [id])
                .context("removing an address the system no longer holds")?;
        }
    }
    Ok(())
}

const CHANNELS: [&str; 5] = ["web", "phone", "mail", "store", "marketplace"];

/// Attaches every order the customer's source records placed. Returns the orders that could
/// not be attached.
fn write_orders(
    conn: &Connection,
    customer_id: i64,
    members: &[&Member],
) -> anyhow::Result<Vec<String>> {
    let mut skipped = Vec::new();
    for m in members {
        let mut stmt = conn.prepare_cached(
            "SELECT system_id, normalized FROM source_order
             WHERE system = ?1 AND customer_system_id = ?2 ORDER BY id",
        )?;
        let rows: Vec<(String, String)> = stmt
            .query_map(params![m.customer.system, m.customer.system_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (system_order_id, normalized) in rows {
            let order: SourceOrder = match serde_json::from_str(&normalized) {
                Ok(o) => o,
                Err(_) => {
                    skipped.push(system_order_id);
                    continue;
                }
            };
            let channel = order.channel.trim().to_lowercase();
            if !CHANNELS.contains(&channel.as_str()) {
                skipped.push(system_order_id);
                continue;
            }
            let lines = serde_json::to_string(&order.lines)?;
            let bill_to = order
                .bill_to
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?;
            let ship_to = order
                .ship_to
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?;
            // The snapshots are set when the order is first attached and never replaced.
            conn.prepare_cached(
                "INSERT INTO customer_order (customer_id, system, system_order_id, number,
                     number_key, channel, status, placed_at, currency, subtotal_minor, tax_minor,
                     shipping_minor, total_minor, lines, bill_to, ship_to)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                 ON CONFLICT (system, system_order_id) DO UPDATE SET
                     customer_id = excluded.customer_id, number = excluded.number,
                     number_key = excluded.number_key, channel = excluded.channel,
                     status = excluded.status, placed_at = excluded.placed_at,
                     currency = excluded.currency, subtotal_minor = excluded.subtotal_minor,
                     tax_minor = excluded.tax_minor, shipping_minor = excluded.shipping_minor,
                     total_minor = excluded.total_minor, lines = excluded.lines",
            )?
            .execute(params![
                customer_id,
                m.customer.system,
                system_order_id,
                order.number,
                keys::order_number_key(&order.number),
                channel,
                order.status,
                order.placed_at,
                order.currency,
                order.subtotal_minor,
                order.tax_minor,
                order.shipping_minor,
                order.total_minor,
                lines,
                bill_to,
                ship_to
            ])
            .context("attaching an order")?;
        }
    }
    Ok(skipped)
}

fn write_provenance(
    conn: &Connection,
    customer_id: i64,
    merged: &merge::Merged,
) -> anyhow::Result<()> {
    conn.execute(
        "DELETE FROM field_provenance WHERE customer_id = ?1",
        [customer_id],
    )?;
    for v in merged.values.values() {
        let rule = serde_json::to_value(v.provenance.rule)?;
        conn.prepare_cached(
            "INSERT INTO field_provenance (customer_id, field, value, system, source_record_id,
                 system_id, changed_at, rule, others, disagreement)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            customer_id,
            v.field.name(),
            v.value,
            v.provenance.system,
            v.provenance.source_record_id,
            v.provenance.system_id,
            v.provenance.at,
            rule.as_str().unwrap_or_default(),
            serde_json::to_string(&v.others)?,
            v.disagreement
        ])
        .context("writing where a value came from")?;
    }
    Ok(())
}
