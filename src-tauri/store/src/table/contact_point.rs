//! `contact_point`: a customer's emails and phones.
//!
//! The value as received is always stored. The normalized columns (email address, E.164,
//! extension, national number) are what lookup uses; when a value cannot be normalized they
//! stay empty and `problem` says why, so a bad value is visible and never silently dropped.

use concord_core::email::normalize_email;
use concord_core::phone::parse_phone;
use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    Email,
    Phone,
}

impl Medium {
    fn as_str(self) -> &'static str {
        match self {
            Medium::Email => "email",
            Medium::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactPoint {
    /// Ignored on insert.
    pub id: i64,
    pub customer_id: i64,
    pub source_record_id: Option<i64>,
    pub medium: Medium,
    /// home, work, mobile, fax, other.
    pub kind: String,
    pub value_as_received: String,
    pub email: Option<String>,
    pub e164: Option<String>,
    pub extension: Option<String>,
    pub national_number: Option<String>,
    pub problem: Option<String>,
}

impl ContactPoint {
    /// An email as a system or a rep wrote it, normalized for lookup.
    pub fn email(customer_id: i64, kind: &str, written: &str) -> ContactPoint {
        let (email, problem) = match normalize_email(written) {
            Ok(e) => (Some(e.address), None),
            Err(e) => (None, Some(e.to_string())),
        };
        ContactPoint {
            email,
            problem,
            ..ContactPoint::blank(customer_id, Medium::Email, kind, written)
        }
    }

    /// A phone as written, read in `region` when it has no country code.
    pub fn phone(customer_id: i64, kind: &str, written: &str, region: &str) -> ContactPoint {
        let mut point = ContactPoint::blank(customer_id, Medium::Phone, kind, written);
        match parse_phone(written, region) {
            Ok(p) => {
                point.e164 = Some(p.e164);
                point.extension = p.extension;
                point.national_number = Some(p.national_number);
                if !p.valid {
                    point.problem = Some("the number does not fit its country's plan".into());
                }
            }
            Err(e) => point.problem = Some(e.to_string()),
        }
        point
    }

    fn blank(customer_id: i64, medium: Medium, kind: &str, written: &str) -> ContactPoint {
        ContactPoint {
            id: 0,
            customer_id,
            source_record_id: None,
            medium,
            kind: kind.to_string(),
            value_as_received: written.to_string(),
            email: None,
            e164: None,
            extension: None,
            national_number: None,
            problem: None,
        }
    }
}

const COLUMNS: &str = "id, customer_id, source_record_id, medium, kind, value_as_received, \
    email, e164, extension, national_number, problem";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ContactPoint> {
    let medium: String = r.get(3)?;
    Ok(ContactPoint {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        source_record_id: r.get(2)?,
        medium: if medium == "email" {
            Medium::Email
        } else {
            Medium::Phone
        },
        kind: r.get(4)?,
        value_as_received: r.get(5)?,
        email: r.get(6)?,
        e164: r.get(7)?,
        extension: r.get(8)?,
        national_number: r.get(9)?,
        problem: r.get(10)?,
    })
}

pub fn insert(conn: &Connection, c: &ContactPoint) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO contact_point (customer_id, source_record_id, medium, kind,
             value_as_received, email, e164, extension, national_number, problem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.customer_id,
        c.source_record_id,
        c.medium.as_str(),
        c.kind,
        c.value_as_received,
        c.email,
        c.e164,
        c.extension,
        c.national_number,
        c.problem
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A customer's contact points, emails first, in the order they were added.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<ContactPoint>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM contact_point WHERE customer_id = ?1 ORDER BY medium, id"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

/// Removes one contact point; returns whether it existed.
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM contact_point WHERE id = ?1", [id])? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    #[test]
    fn an_email_is_stored_as_received_and_normalized() {
        let (conn, customer) = cache_with_customer();
        let point = ContactPoint::email(customer, "home", " Mail@Shop.Example ");

        let id = insert(&conn, &point).unwrap();

        let stored = for_customer(&conn, customer).unwrap();
        assert_eq!(
            stored,
            vec![ContactPoint { id, ..point }],
            "every column round-trips"
        );
        assert_eq!(
            stored[0].email.as_deref(),
            Some("mail@shop.example"),
            "normal form"
        );
        assert_eq!(
            stored[0].value_as_received, " Mail@Shop.Example ",
            "as received, kept"
        );
    }

    #[test]
    fn a_phone_keeps_its_extension_apart() {
        let (_, customer) = cache_with_customer();

        let point = ContactPoint::phone(customer, "work", "+1 415-555-1212 x12", "US");

        assert_eq!(
            point.e164.as_deref(),
            Some("+14155551212"),
            "the line is E.164"
        );
        assert_eq!(
            point.extension.as_deref(),
            Some("12"),
            "the extension is not lost"
        );
        assert_eq!(
            point.national_number.as_deref(),
            Some("4155551212"),
            "NSN for national"
        );
    }

    #[test]
    fn an_unreadable_value_is_kept_with_its_problem() {
        let (conn, customer) = cache_with_customer();
        let point = ContactPoint::email(customer, "home", "not an email");

        insert(&conn, &point).unwrap();

        let stored = &for_customer(&conn, customer).unwrap()[0];
        assert_eq!(stored.email, None, "nothing invalid is offered to lookup");
        assert!(
            stored.problem.is_some(),
            "the rep can see why it is not usable"
        );
        assert_eq!(
            stored.value_as_received, "not an email",
            "bad input loses nothing"
        );
    }

    #[test]
    fn delete_removes_only_that_contact_point() {
        let (conn, customer) = cache_with_customer();
        let a = insert(
            &conn,
            &ContactPoint::email(customer, "home", "a@shop.example"),
        )
        .unwrap();
        insert(
            &conn,
            &ContactPoint::email(customer, "work", "b@shop.example"),
        )
        .unwrap();

        assert!(delete(&conn, a).unwrap(), "it existed");

        let left = for_customer(&conn, customer).unwrap();
        assert_eq!(left.len(), 1, "the other email stays");
        assert_eq!(
            left[0].email.as_deref(),
            Some("b@shop.example"),
            "the right one stays"
        );
    }
}
