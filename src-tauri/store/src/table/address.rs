//! `address`: every address a customer has, with its kind, default flags, standardized form
//! and validation outcome. Orders keep their own snapshots; nothing here rewrites an order.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::json_column_opt;
use crate::search::keys;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Address {
    /// Ignored on insert.
    pub id: i64,
    pub customer_id: i64,
    pub source_record_id: Option<i64>,
    /// billing, shipping, home, work, other.
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
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub standardized: Option<serde_json::Value>,
    /// not_checked, verified, corrected, needs_unit, not_found, kept_as_entered.
    pub validation_status: String,
    pub validation_evidence: Option<serde_json::Value>,
    pub updated_at: String,
}

const COLUMNS: &str = "id, customer_id, source_record_id, kind, is_default_billing, \
    is_default_shipping, recipient, company, line1, line2, city, region, postcode, country, \
    standardized, validation_status, validation_evidence, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Address> {
    Ok(Address {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        source_record_id: r.get(2)?,
        kind: r.get(3)?,
        is_default_billing: r.get(4)?,
        is_default_shipping: r.get(5)?,
        recipient: r.get(6)?,
        company: r.get(7)?,
        line1: r.get(8)?,
        line2: r.get(9)?,
        city: r.get(10)?,
        region: r.get(11)?,
        postcode: r.get(12)?,
        country: r.get(13)?,
        standardized: json_column_opt(r, 14)?,
        validation_status: r.get(15)?,
        validation_evidence: json_column_opt(r, 16)?,
        updated_at: r.get(17)?,
    })
}

/// Inserts an address; its lookup keys (postcode, house number) are derived here so they can
/// never disagree with the address.
pub fn insert(conn: &Connection, a: &Address) -> rusqlite::Result<i64> {
    let postcode_key = a
        .postcode
        .as_deref()
        .and_then(|p| keys::postcode_key(p, &a.country));
    let house_number = keys::house_number(&a.line1);
    conn.prepare_cached(
        "INSERT INTO address (customer_id, source_record_id, kind, is_default_billing,
             is_default_shipping, recipient, company, line1, line2, city, region, postcode,
             country, standardized, validation_status, validation_evidence, updated_at,
             postcode_key, house_number)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)",
    )?
    .execute(params![
        a.customer_id,
        a.source_record_id,
        a.kind,
        a.is_default_billing,
        a.is_default_shipping,
        a.recipient,
        a.company,
        a.line1,
        a.line2,
        a.city,
        a.region,
        a.postcode,
        a.country,
        a.standardized.as_ref().map(|v| v.to_string()),
        a.validation_status,
        a.validation_evidence.as_ref().map(|v| v.to_string()),
        a.updated_at,
        postcode_key,
        house_number
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Address>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM address WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// A customer's addresses: defaults first, then the most recently updated, so a customer with
/// no default still shows its latest address on top.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<Address>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM address WHERE customer_id = ?1
         ORDER BY (is_default_billing + is_default_shipping) DESC, updated_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    fn sample(customer_id: i64, line1: &str, updated_at: &str) -> Address {
        Address {
            customer_id,
            kind: "shipping".into(),
            line1: line1.into(),
            city: Some("San Francisco".into()),
            region: Some("CA".into()),
            postcode: Some("94107-1234".into()),
            country: "US".into(),
            validation_status: "not_checked".into(),
            standardized: Some(serde_json::json!({ "line1": line1.to_uppercase() })),
            updated_at: updated_at.into(),
            ..Address::default()
        }
    }

    #[test]
    fn insert_then_get_round_trips_every_field() {
        let (conn, customer) = cache_with_customer();
        let address = sample(customer, "500 Howard St", "t0");

        let id = insert(&conn, &address).unwrap();

        assert_eq!(
            get(&conn, id).unwrap(),
            Some(Address { id, ..address }),
            "round trip"
        );
    }

    #[test]
    fn lookup_keys_are_derived_from_the_address() {
        let (conn, customer) = cache_with_customer();

        let id = insert(&conn, &sample(customer, "500 Howard St", "t0")).unwrap();

        let (key, house): (String, String) = conn
            .query_row(
                "SELECT postcode_key, house_number FROM address WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(key, "94107", "a US ZIP+4 is found by its five-digit ZIP");
        assert_eq!(house, "500", "the house number narrows a postcode lookup");
    }

    #[test]
    fn without_a_default_the_most_recent_address_comes_first() {
        let (conn, customer) = cache_with_customer();
        insert(&conn, &sample(customer, "1 Old Rd", "2024-01-01T00:00:00Z")).unwrap();
        insert(&conn, &sample(customer, "2 New Rd", "2025-01-01T00:00:00Z")).unwrap();

        let listed = for_customer(&conn, customer).unwrap();

        assert_eq!(listed[0].line1, "2 New Rd", "no default: most recent first");
        assert_eq!(listed.len(), 2, "every address is shown");
    }

    #[test]
    fn a_default_address_comes_before_a_newer_one() {
        let (conn, customer) = cache_with_customer();
        let mut default = sample(customer, "1 Home Rd", "2024-01-01T00:00:00Z");
        default.is_default_shipping = true;
        insert(&conn, &default).unwrap();
        insert(&conn, &sample(customer, "2 New Rd", "2025-01-01T00:00:00Z")).unwrap();

        let listed = for_customer(&conn, customer).unwrap();

        assert_eq!(
            listed[0].line1, "1 Home Rd",
            "the default is what the rep needs first"
        );
    }
}
