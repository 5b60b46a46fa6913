//! `customer`: a merged customer, the thing a rep looks up. Its name parts come from
//! survivorship over the linked source records; the record itself never merges anything in a
//! source system.

use concord_core::name::PersonName;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    /// Ignored on insert.
    pub id: i64,
    pub display_name: String,
    pub title: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub suffix: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Customer {
    /// A customer whose name parts are read from one full-name field.
    pub fn named(full_name: &str, at: &str) -> Customer {
        let name = PersonName::parse(full_name);
        Customer {
            id: 0,
            display_name: name.display(),
            title: name.title,
            given_name: name.given,
            family_name: name.family,
            suffix: name.suffix,
            created_at: at.to_string(),
            updated_at: at.to_string(),
        }
    }
}

const COLUMNS: &str =
    "id, display_name, title, given_name, family_name, suffix, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        display_name: r.get(1)?,
        title: r.get(2)?,
        given_name: r.get(3)?,
        family_name: r.get(4)?,
        suffix: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn insert(conn: &Connection, c: &Customer) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO customer
             (display_name, title, given_name, family_name, suffix, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        c.display_name,
        c.title,
        c.given_name,
        c.family_name,
        c.suffix,
        c.created_at,
        c.updated_at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Customer>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM customer WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// Replaces the name parts of customer `c.id`; returns whether such a customer exists.
pub fn update_name(conn: &Connection, c: &Customer) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE customer SET display_name = ?2, title = ?3, given_name = ?4, family_name = ?5,
             suffix = ?6, updated_at = ?7
         WHERE id = ?1",
        params![
            c.id,
            c.display_name,
            c.title,
            c.given_name,
            c.family_name,
            c.suffix,
            c.updated_at
        ],
    )?;
    Ok(changed == 1)
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM customer", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    #[test]
    fn insert_then_get_returns_the_same_customer() {
        let conn = cache();
        let customer = Customer::named("Dr. José García Jr.", "2026-01-01T00:00:00Z");

        let id = insert(&conn, &customer).unwrap();

        let stored = get(&conn, id).unwrap().unwrap();
        assert_eq!(
            stored,
            Customer { id, ..customer },
            "every column round-trips"
        );
        assert_eq!(
            stored.display_name, "José García",
            "title and suffix stay out of display"
        );
    }

    #[test]
    fn get_of_an_unknown_id_is_none() {
        let conn = cache();

        assert_eq!(get(&conn, 9).unwrap(), None, "absence is not an error");
    }

    #[test]
    fn update_name_changes_only_the_named_customer() {
        let conn = cache();
        let a = insert(&conn, &Customer::named("Ann Lee", "t0")).unwrap();
        let b = insert(&conn, &Customer::named("Bo Chen", "t0")).unwrap();

        let found = update_name(
            &conn,
            &Customer {
                id: a,
                ..Customer::named("Ann Park", "t1")
            },
        )
        .unwrap();

        assert!(found, "customer a exists");
        assert_eq!(
            get(&conn, a).unwrap().unwrap().family_name,
            "Park",
            "a was renamed"
        );
        assert_eq!(
            get(&conn, b).unwrap().unwrap().family_name,
            "Chen",
            "b is untouched"
        );
    }

    #[test]
    fn count_counts_customers() {
        let conn = cache();
        insert(&conn, &Customer::named("Ann Lee", "t0")).unwrap();

        assert_eq!(count(&conn).unwrap(), 1, "one insert, one customer");
    }
}
