//! `correction` and `pushed_write`: the rep's changes as made, the local rows they change, and
//! what Concord wrote to each system.
//!
//! Applying a correction locally and recording it are separate functions so the caller can put
//! them, and the outbox entries, in one transaction. Nothing here rewrites an order: order
//! snapshots live in `customer_order` and are never touched by a correction.

use concord_core::correction::{AddressFields, FieldMap};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{json_column, json_column_opt};
use crate::search::keys;

/// The `validation_status` of an address the rep kept as typed; later syncs keep it too.
pub const KEPT_AS_ENTERED: &str = "kept_as_entered";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    pub id: String,
    pub customer_id: Option<i64>,
    /// A [`concord_core::correction::CorrectionKind`] name.
    pub kind: String,
    pub subject: serde_json::Value,
    pub base: FieldMap,
    pub ours: FieldMap,
    pub typed: Option<serde_json::Value>,
    pub keep_as_entered: Option<String>,
    pub reverts: Option<String>,
    /// active, held.
    pub state: String,
    pub actor: String,
    pub role: String,
    pub created_at: String,
}

const COLUMNS: &str = "id, customer_id, kind, subject, base, ours, typed, keep_as_entered, \
    reverts, state, actor, role, created_at";

fn field_map(row: &Row<'_>, idx: usize) -> rusqlite::Result<FieldMap> {
    serde_json::from_value(json_column(row, idx)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Correction> {
    Ok(Correction {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        kind: r.get(2)?,
        subject: json_column(r, 3)?,
        base: field_map(r, 4)?,
        ours: field_map(r, 5)?,
        typed: json_column_opt(r, 6)?,
        keep_as_entered: r.get(7)?,
        reverts: r.get(8)?,
        state: r.get(9)?,
        actor: r.get(10)?,
        role: r.get(11)?,
        created_at: r.get(12)?,
    })
}

fn json(map: &FieldMap) -> String {
    serde_json::to_string(map).expect("a map of strings always serializes")
}

pub fn insert(conn: &Connection, c: &Correction) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO correction ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        params![
            c.id,
            c.customer_id,
            c.kind,
            c.subject.to_string(),
            json(&c.base),
            json(&c.ours),
            c.typed.as_ref().map(|t| t.to_string()),
            c.keep_as_entered,
            c.reverts,
            c.state,
            c.actor,
            c.role,
            c.created_at
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Correction>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM correction WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// A customer's corrections, oldest first: the account's history of changes.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<Correction>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM correction WHERE customer_id = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

/// Corrections of a customer that some target system has not confirmed yet (queued or sent):
/// the overlay a re-materialization must put back over the systems' values.
pub fn unconfirmed_for_customer(
    conn: &Connection,
    customer_id: i64,
) -> rusqlite::Result<Vec<Correction>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT {cols} FROM correction c
         WHERE c.customer_id = ?1 AND c.state = 'active' AND EXISTS (
             SELECT 1 FROM outbox o WHERE o.correction_id = c.id
                 AND o.state IN ('pending', 'in_flight'))
         ORDER BY c.created_at, c.rowid"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

/// The address fields of an address row, as a correction compares them.
pub fn address_fields(
    conn: &Connection,
    address_id: i64,
) -> rusqlite::Result<Option<AddressFields>> {
    conn.query_row(
        "SELECT recipient, company, line1, line2, city, region, postcode, country
         FROM address WHERE id = ?1",
        [address_id],
        |r| {
            Ok(AddressFields {
                recipient: r.get(0)?,
                company: r.get(1)?,
                line1: r.get(2)?,
                line2: r.get(3)?,
                city: r.get(4)?,
                region: r.get(5)?,
                postcode: r.get(6)?,
                country: r.get(7)?,
            })
        },
    )
    .optional()
}

/// Writes new values into an address row, keeping its lookup keys in step. `validation` is
/// the new `validation_status` with its evidence (the standardizer's proposal, the rep's
/// reason). Returns false when the address does not exist.
pub fn update_address(
    conn: &Connection,
    address_id: i64,
    a: &AddressFields,
    validation: (&str, &serde_json::Value),
    at: &str,
) -> rusqlite::Result<bool> {
    let postcode_key = a
        .postcode
        .as_deref()
        .and_then(|p| keys::postcode_key(p, &a.country));
    let house_number = keys::house_number(&a.line1);
    let changed = conn.execute(
        "UPDATE address SET recipient = ?2, company = ?3, line1 = ?4, line2 = ?5, city = ?6,
             region = ?7, postcode = ?8, country = ?9, validation_status = ?10,
             validation_evidence = ?11, postcode_key = ?12, house_number = ?13, updated_at = ?14
         WHERE id = ?1",
        params![
            address_id,
            a.recipient,
            a.company,
            a.line1,
            a.line2,
            a.city,
            a.region,
            a.postcode,
            a.country,
            validation.0,
            validation.1.to_string(),
            postcode_key,
            house_number,
            at
        ],
    )?;
    Ok(changed == 1)
}

/// Removes an address row. Orders keep their own snapshots, so none is affected.
pub fn delete_address(conn: &Connection, address_id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM address WHERE id = ?1", [address_id])? == 1)
}

/// Makes `address_id` the customer's default billing and/or shipping address, clearing the
/// flag on the customer's other addresses.
pub fn set_default_address(
    conn: &Connection,
    customer_id: i64,
    address_id: i64,
    billing: bool,
    shipping: bool,
    at: &str,
) -> rusqlite::Result<bool> {
    if billing {
        conn.execute(
            "UPDATE address SET is_default_billing = (id = ?2), updated_at = ?3
             WHERE customer_id = ?1",
            params![customer_id, address_id, at],
        )?;
    }
    if shipping {
        conn.execute(
            "UPDATE address SET is_default_shipping = (id = ?2), updated_at = ?3
             WHERE customer_id = ?1",
            params![customer_id, address_id, at],
        )?;
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM address WHERE id = ?1 AND customer_id = ?2)",
        params![address_id, customer_id],
        |r| r.get(0),
    )?;
    Ok(exists)
}

/// Records what was written to a system for a correction, and the version the record had
/// afterwards.
pub fn record_pushed_write(
    conn: &Connection,
    system: &str,
    record_key: &str,
    correction_id: &str,
    fields: &FieldMap,
    version: Option<&str>,
    at: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO pushed_write (system, record_key, correction_id, fields, version, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![system, record_key, correction_id, json(fields), version, at],
    )?;
    Ok(conn.last_insert_rowid())
}

// TODO(sync): the pull stores an echo like any other change and resolve re-materializes it
// (harmless: the values are ours, and an echo never triggers a push), but a disagreement
// review item raised while one system has confirmed a correction and the other has not yet
// is not suppressed; resolve should ask `own_echo` before raising one.
/// Whether a record pulled from `system` is Concord's own latest write coming back: its
/// version is the one recorded after that write, or every field Concord last wrote holds the
/// value written. The pull and the materialization call this so an echo raises neither a
/// disagreement nor a second push. Returns the correction that wrote it.
pub fn own_echo(
    conn: &Connection,
    system: &str,
    record_key: &str,
    version: Option<&str>,
    values: &FieldMap,
) -> rusqlite::Result<Option<String>> {
    let last = conn
        .query_row(
            "SELECT correction_id, fields, version FROM pushed_write
             WHERE system = ?1 AND record_key = ?2 ORDER BY id DESC LIMIT 1",
            params![system, record_key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    field_map(r, 1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((correction_id, written, written_version)) = last else {
        return Ok(None);
    };
    let same_version = version.is_some() && written_version.as_deref() == version;
    let same_values = written
        .iter()
        .all(|(field, value)| values.get(field).map(|v| v.trim()).unwrap_or("") == value.trim());
    Ok((same_version || same_values).then_some(correction_id))
}

/// Applies a correction to the cache's rows: the local half of making it, and what the
/// overlay re-applies after a re-materialization. Unknown kinds and rows that no longer exist
/// change nothing (the correction stays recorded).
pub fn apply_local(conn: &Connection, c: &Correction, at: &str) -> rusqlite::Result<()> {
    let Some(customer_id) = c.customer_id else {
        return Ok(());
    };
    let address_id = c
        .subject
        .get("address_id")
        .and_then(serde_json::Value::as_i64);
    // The same address as another linked system holds it, shown as a row of its own.
    let twins: Vec<i64> = c
        .subject
        .get("twins")
        .and_then(serde_json::Value::as_array)
        .map(|ids| ids.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    match c.kind.as_str() {
        "edit_address" => {
            for id in address_id.into_iter().chain(twins) {
                let Some(now) = address_fields(conn, id)? else {
                    continue;
                };
                let mut fields = now.to_map();
                fields.extend(c.ours.clone());
                update_address(
                    conn,
                    id,
                    &AddressFields::from_map(&fields),
                    validation(c),
                    at,
                )?;
            }
        }
        "add_address" => {
            let exists = match address_id {
                Some(id) => address_fields(conn, id)?.is_some(),
                None => false,
            };
            if !exists {
                insert_address(conn, customer_id, c, at)?;
            }
        }
        "remove_address" => {
            for id in address_id.into_iter().chain(twins) {
                delete_address(conn, id)?;
            }
        }
        "set_default_address" => {
            if let Some(id) = address_id {
                let on = |f: &str| c.ours.get(f).map(String::as_str) == Some("true");
                set_default_address(
                    conn,
                    customer_id,
                    id,
                    on("default_billing"),
                    on("default_shipping"),
                    at,
                )?;
            }
        }
        "edit_contact" => {
            for (medium, value) in &c.ours {
                set_contact(conn, customer_id, medium, c.base.get(medium), value)?;
            }
        }
        "edit_account" => apply_account(conn, customer_id, &c.ours)?,
        _ => {}
    }
    Ok(())
}

/// The validation status and evidence an address takes from a correction.
fn validation(c: &Correction) -> (&'static str, &serde_json::Value) {
    static NONE: serde_json::Value = serde_json::Value::Null;
    let status = if c.keep_as_entered.is_some() {
        KEPT_AS_ENTERED
    } else {
        "not_checked"
    };
    (status, c.typed.as_ref().unwrap_or(&NONE))
}

/// Adds the address of an `add_address` correction and returns its row id.
pub fn insert_address(
    conn: &Connection,
    customer_id: i64,
    c: &Correction,
    at: &str,
) -> rusqlite::Result<i64> {
    let a = AddressFields::from_map(&c.ours);
    let (status, evidence) = validation(c);
    let row = crate::table::address::Address {
        id: 0,
        customer_id,
        source_record_id: None,
        kind: "other".into(),
        is_default_billing: false,
        is_default_shipping: false,
        recipient: a.recipient,
        company: a.company,
        line1: a.line1,
        line2: a.line2,
        city: a.city,
        region: a.region,
        postcode: a.postcode,
        country: a.country,
        standardized: None,
        validation_status: status.into(),
        validation_evidence: (!evidence.is_null()).then(|| evidence.clone()),
        updated_at: at.into(),
    };
    crate::table::address::insert(conn, &row)
}

/// Sets a customer's email or phone: the contact holding the base value is rewritten, or a
/// new one is added when there is none.
fn set_contact(
    conn: &Connection,
    customer_id: i64,
    medium: &str,
    base: Option<&String>,
    value: &str,
) -> rusqlite::Result<()> {
    use crate::table::contact_point::{self, ContactPoint};
    let region = crate::table::cache_setting::default_region(conn)?;
    let existing = contact_point::for_customer(conn, customer_id)?;
    let same_medium = |p: &&ContactPoint| {
        matches!(
            (medium, p.medium),
            ("email", contact_point::Medium::Email) | ("phone", contact_point::Medium::Phone)
        )
    };
    let replaced = existing
        .iter()
        .filter(same_medium)
        .find(|p| base.is_some_and(|b| p.value_as_received.trim() == b.trim()))
        .or_else(|| existing.iter().find(same_medium));
    let kind = replaced.map_or("other".to_owned(), |p| p.kind.clone());
    if let Some(old) = replaced {
        contact_point::delete(conn, old.id)?;
    }
    let mut point = match medium {
        "email" => ContactPoint::email(customer_id, &kind, value),
        _ => ContactPoint::phone(customer_id, &kind, value, &region),
    };
    point.source_record_id = replaced.and_then(|p| p.source_record_id);
    contact_point::insert(conn, &point)?;
    Ok(())
}

/// Writes account fields. Tax exemption is one of the cache's customer types, so marking an
/// account exempt makes it `tax_exempt` and lifting the exemption makes it the type given
/// (retail when none is).
fn apply_account(conn: &Connection, customer_id: i64, ours: &FieldMap) -> rusqlite::Result<()> {
    use crate::table::account::{self, Account, CustomerType};
    let mut a = account::get(conn, customer_id)?.unwrap_or(Account {
        customer_id,
        ..Account::default()
    });
    let text = |f: &str| {
        ours.get(f)
            .map(|v| v.trim().to_owned())
            .map(|v| (!v.is_empty()).then_some(v))
    };
    let kind = |v: &str| match v {
        "wholesale" => CustomerType::Wholesale,
        "tax_exempt" => CustomerType::TaxExempt,
        _ => CustomerType::Retail,
    };
    if let Some(t) = text("customer_type") {
        a.customer_type = kind(t.as_deref().unwrap_or("retail"));
    }
    match ours.get("tax_exempt").map(String::as_str) {
        Some("true") => a.customer_type = CustomerType::TaxExempt,
        Some("false") if a.customer_type == CustomerType::TaxExempt => {
            a.customer_type = kind(
                text("customer_type")
                    .flatten()
                    .as_deref()
                    .unwrap_or("retail"),
            );
        }
        _ => {}
    }
    if let Some(v) = text("price_level") {
        a.price_level = v;
    }
    if let Some(v) = text("tax_certificate_number") {
        a.tax_certificate_number = v;
    }
    if let Some(v) = text("tax_certificate_expiry") {
        a.tax_certificate_expiry = v;
    }
    account::upsert(conn, &a)
}

/// Puts a customer's corrections back over what a re-materialization rebuilt from the
/// systems' copies: every correction some system has not confirmed yet, and every address the
/// rep kept as entered, which a system may send back reformatted. Called by the resolve step
/// after it materializes a customer, in the same transaction.
pub fn overlay_corrections(conn: &Connection, customer_id: i64, at: &str) -> rusqlite::Result<()> {
    for c in unconfirmed_for_customer(conn, customer_id)? {
        apply_local(conn, &c, at)?;
    }
    let mut kept: std::collections::BTreeMap<i64, Correction> = Default::default();
    for c in for_customer(conn, customer_id)? {
        let Some(id) = c
            .subject
            .get("address_id")
            .and_then(serde_json::Value::as_i64)
        else {
            continue;
        };
        if c.kind == "edit_address" && c.state == "active" {
            if c.keep_as_entered.is_some() {
                kept.insert(id, c);
            } else {
                kept.remove(&id);
            }
        }
    }
    for (id, c) in kept {
        let Some(now) = address_fields(conn, id)? else {
            continue;
        };
        let now = now.to_map();
        let reformatted = c
            .ours
            .iter()
            .all(|(f, v)| fold(now.get(f).map(String::as_str).unwrap_or("")) == fold(v));
        let literal = c
            .ours
            .iter()
            .all(|(f, v)| now.get(f).map(|n| n.trim()) == Some(v.trim()));
        if reformatted && !literal {
            apply_local(conn, &c, at)?;
        }
    }
    drop_added_rows_now_pulled(conn, customer_id)?;
    Ok(())
}

/// An address added in Concord has a row of its own (no source record) until the systems'
/// copies come back in a pull, keyed by their own address IDs. From then on the pulled row is
/// the address: the local row is removed, or the address would show twice. Rows are the same
/// address when street line, postcode and country agree, ignoring case, spacing and
/// punctuation (a system may reformat what it stores).
fn drop_added_rows_now_pulled(conn: &Connection, customer_id: i64) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, source_record_id IS NULL, line1, coalesce(postcode, ''), country
         FROM address WHERE customer_id = ?1",
    )?;
    let rows = stmt
        .query_map([customer_id], |r| {
            let key = (
                fold(&r.get::<_, String>(2)?),
                fold(&r.get::<_, String>(3)?),
                fold(&r.get::<_, String>(4)?),
            );
            Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?, key))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let pulled: std::collections::HashSet<_> = rows
        .iter()
        .filter(|(_, local, _)| !local)
        .map(|(_, _, key)| key)
        .collect();
    for (id, local, key) in &rows {
        if *local && pulled.contains(key) {
            conn.execute("DELETE FROM address WHERE id = ?1", [id])?;
        }
    }
    Ok(())
}

/// An address value with case, punctuation and spacing left out: what a system's reformatting
/// changes without changing the address.
fn fold(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::address::{self, Address};
    use crate::table::test_support::cache_with_customer;

    fn fields(line1: &str) -> FieldMap {
        [("line1".to_owned(), line1.to_owned())]
            .into_iter()
            .collect()
    }

    fn correction(customer_id: i64, id: &str) -> Correction {
        Correction {
            id: id.into(),
            customer_id: Some(customer_id),
            kind: "edit_address".into(),
            subject: serde_json::json!({ "address_id": 1 }),
            base: fields("1 Old Rd"),
            ours: fields("2 New Rd"),
            typed: None,
            keep_as_entered: None,
            reverts: None,
            state: "active".into(),
            actor: "dana".into(),
            role: "rep".into(),
            created_at: "t0".into(),
        }
    }

    fn an_address(conn: &Connection, customer_id: i64) -> i64 {
        address::insert(
            conn,
            &Address {
                customer_id,
                kind: "shipping".into(),
                line1: "1 Old Rd".into(),
                postcode: Some("62701".into()),
                country: "US".into(),
                validation_status: "not_checked".into(),
                updated_at: "t0".into(),
                ..Address::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn an_added_address_gives_way_to_its_pulled_copy() {
        let (conn, customer) = cache_with_customer();
        let local = an_address(&conn, customer);
        let other = address::insert(
            &conn,
            &Address {
                customer_id: customer,
                kind: "shipping".into(),
                line1: "9 Side Rd".into(),
                country: "US".into(),
                validation_status: "not_checked".into(),
                updated_at: "t0".into(),
                ..Address::default()
            },
        )
        .unwrap();
        let record = crate::table::source_record::upsert(
            &conn,
            &crate::table::source_record::SourceRecord {
                id: 0,
                system: "vendure".into(),
                system_id: "7".into(),
                version: None,
                raw_payload: "{}".into(),
                normalized: serde_json::json!({}),
                fetched_at: "t1".into(),
            },
        )
        .unwrap();
        let pulled = address::insert(
            &conn,
            &Address {
                customer_id: customer,
                source_record_id: Some(record),
                kind: "shipping".into(),
                line1: "1 OLD RD.".into(),
                postcode: Some("62701".into()),
                country: "US".into(),
                validation_status: "not_checked".into(),
                updated_at: "t1".into(),
                ..Address::default()
            },
        )
        .unwrap();

        overlay_corrections(&conn, customer, "t2").unwrap();

        let ids: Vec<i64> = address::for_customer(&conn, customer)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert!(
            !ids.contains(&local),
            "the local copy of a pulled address goes"
        );
        assert!(ids.contains(&pulled), "the system's copy stays");
        assert!(
            ids.contains(&other),
            "an added address not pulled yet stays"
        );
    }

    #[test]
    fn a_correction_round_trips_with_its_base_and_values() {
        let (conn, customer) = cache_with_customer();

        insert(&conn, &correction(customer, "c1")).unwrap();

        assert_eq!(
            get(&conn, "c1").unwrap(),
            Some(correction(customer, "c1")),
            "what the rep saw and set is kept as made"
        );
        assert_eq!(for_customer(&conn, customer).unwrap().len(), 1);
    }

    #[test]
    fn updating_an_address_keeps_its_lookup_keys_in_step() {
        let (conn, customer) = cache_with_customer();
        let id = an_address(&conn, customer);
        let new = AddressFields {
            line1: "77 Elm St".into(),
            postcode: Some("94107-1234".into()),
            country: "US".into(),
            ..AddressFields::default()
        };

        let updated = update_address(
            &conn,
            id,
            &new,
            ("not_checked", &serde_json::json!({})),
            "t1",
        )
        .unwrap();

        let (key, house): (String, String) = conn
            .query_row(
                "SELECT postcode_key, house_number FROM address WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(updated, "the row exists");
        assert_eq!(
            (key.as_str(), house.as_str()),
            ("94107", "77"),
            "lookup finds it"
        );
        assert_eq!(address_fields(&conn, id).unwrap(), Some(new));
    }

    #[test]
    fn a_default_moves_from_one_address_to_another() {
        let (conn, customer) = cache_with_customer();
        let first = an_address(&conn, customer);
        let second = an_address(&conn, customer);
        set_default_address(&conn, customer, first, true, false, "t1").unwrap();

        set_default_address(&conn, customer, second, true, false, "t2").unwrap();

        let flags: Vec<(i64, bool)> = address::for_customer(&conn, customer)
            .unwrap()
            .iter()
            .map(|a| (a.id, a.is_default_billing))
            .collect();
        assert!(
            flags.contains(&(second, true)) && flags.contains(&(first, false)),
            "{flags:?}"
        );
    }

    #[test]
    fn a_pulled_record_holding_what_concord_wrote_is_an_echo() {
        let (conn, customer) = cache_with_customer();
        insert(&conn, &correction(customer, "c1")).unwrap();
        record_pushed_write(
            &conn,
            "vendure",
            "address:9",
            "c1",
            &fields("2 New Rd"),
            None,
            "t1",
        )
        .unwrap();

        let echo = own_echo(&conn, "vendure", "address:9", None, &fields("2 New Rd")).unwrap();
        let changed = own_echo(&conn, "vendure", "address:9", None, &fields("3 Other")).unwrap();
        let elsewhere = own_echo(&conn, "tryton", "address:9", None, &fields("2 New Rd")).unwrap();

        assert_eq!(echo.as_deref(), Some("c1"), "our own write coming back");
        assert_eq!(changed, None, "a change made in the system is not an echo");
        assert_eq!(elsewhere, None, "only the system written to echoes");
    }

    #[test]
    fn the_version_after_our_write_is_recognized_whatever_the_system_reformatted() {
        let (conn, customer) = cache_with_customer();
        insert(&conn, &correction(customer, "c1")).unwrap();
        record_pushed_write(
            &conn,
            "tryton",
            "address:3",
            "c1",
            &fields("2 New Rd"),
            Some("v9"),
            "t1",
        )
        .unwrap();

        let echo = own_echo(
            &conn,
            "tryton",
            "address:3",
            Some("v9"),
            &fields("2 NEW RD"),
        )
        .unwrap();

        assert_eq!(echo.as_deref(), Some("c1"), "same version, same write");
    }

    #[test]
    fn an_unconfirmed_correction_survives_a_rebuild_and_a_kept_address_its_reformatting() {
        let (conn, customer) = cache_with_customer();
        let id = an_address(&conn, customer);
        let mut kept = correction(customer, "c1");
        kept.subject = serde_json::json!({ "address_id": id });
        kept.ours = fields("1 old rd.");
        kept.keep_as_entered = Some("the customer spells it so".into());
        insert(&conn, &kept).unwrap();
        apply_local(&conn, &kept, "t1").unwrap();
        // A system sends the kept address back in its own format.
        update_address(
            &conn,
            id,
            &AddressFields {
                line1: "1 OLD RD".into(),
                postcode: Some("62701".into()),
                country: "US".into(),
                ..AddressFields::default()
            },
            ("not_checked", &serde_json::json!({})),
            "t2",
        )
        .unwrap();

        overlay_corrections(&conn, customer, "t3").unwrap();

        let now = address::get(&conn, id).unwrap().unwrap();
        assert_eq!(now.line1, "1 old rd.", "what the rep kept stays as typed");
        assert_eq!(now.validation_status, KEPT_AS_ENTERED);
    }

    #[test]
    fn a_real_change_in_a_system_replaces_a_kept_address() {
        let (conn, customer) = cache_with_customer();
        let id = an_address(&conn, customer);
        let mut kept = correction(customer, "c1");
        kept.subject = serde_json::json!({ "address_id": id });
        kept.ours = fields("1 old rd.");
        kept.keep_as_entered = Some("as typed".into());
        insert(&conn, &kept).unwrap();
        let moved = AddressFields {
            line1: "9 Elsewhere".into(),
            country: "US".into(),
            ..AddressFields::default()
        };
        update_address(
            &conn,
            id,
            &moved,
            ("not_checked", &serde_json::json!({})),
            "t2",
        )
        .unwrap();

        overlay_corrections(&conn, customer, "t3").unwrap();

        assert_eq!(
            address::get(&conn, id).unwrap().unwrap().line1,
            "9 Elsewhere",
            "only a reformatting is undone, never someone's later change"
        );
    }
}
