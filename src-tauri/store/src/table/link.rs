//! `link`: "this source record is this customer". Links are Concord's own and reversible;
//! removing one never deletes the source record or the customer.

use rusqlite::{params, Connection, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub source_record_id: i64,
    pub customer_id: i64,
    /// Why the two were linked (the matching rule, or a supervisor's decision).
    pub rule: String,
    pub linked_at: String,
}

impl Link {
    pub fn new(source_record_id: i64, customer_id: i64, rule: &str, at: &str) -> Link {
        Link {
            source_record_id,
            customer_id,
            rule: rule.into(),
            linked_at: at.into(),
        }
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    Ok(Link {
        source_record_id: r.get(0)?,
        customer_id: r.get(1)?,
        rule: r.get(2)?,
        linked_at: r.get(3)?,
    })
}

/// Links a source record to a customer, moving it if it was linked elsewhere.
pub fn insert(conn: &Connection, link: &Link) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO link (source_record_id, customer_id, rule, linked_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (source_record_id) DO UPDATE SET
             customer_id = excluded.customer_id, rule = excluded.rule,
             linked_at = excluded.linked_at",
    )?
    .execute(params![
        link.source_record_id,
        link.customer_id,
        link.rule,
        link.linked_at
    ])?;
    Ok(())
}

pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<Link>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source_record_id, customer_id, rule, linked_at FROM link
         WHERE customer_id = ?1 ORDER BY source_record_id",
    )?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

/// Removes the link of a source record; returns whether there was one.
pub fn remove(conn: &Connection, source_record_id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM link WHERE source_record_id = ?1",
        [source_record_id],
    )? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::source_record::{self, SourceRecord};
    use crate::table::test_support::cache_with_customer;

    fn record(conn: &Connection, system_id: &str) -> i64 {
        let r = SourceRecord {
            id: 0,
            system: "tryton".into(),
            system_id: system_id.into(),
            version: None,
            raw_payload: "{}".into(),
            normalized: serde_json::json!({}),
            fetched_at: "t0".into(),
        };
        source_record::upsert(conn, &r).unwrap()
    }

    #[test]
    fn a_customer_lists_every_record_linked_to_it() {
        let (conn, customer) = cache_with_customer();
        let a = record(&conn, "a");
        let b = record(&conn, "b");

        insert(&conn, &Link::new(a, customer, "same email and phone", "t0")).unwrap();
        insert(&conn, &Link::new(b, customer, "same email and phone", "t0")).unwrap();

        let linked: Vec<i64> = for_customer(&conn, customer)
            .unwrap()
            .iter()
            .map(|l| l.source_record_id)
            .collect();
        assert_eq!(
            linked,
            vec![a, b],
            "both systems' copies belong to the customer"
        );
    }

    #[test]
    fn removing_a_link_keeps_the_source_record() {
        let (conn, customer) = cache_with_customer();
        let a = record(&conn, "a");
        insert(&conn, &Link::new(a, customer, "rule", "t0")).unwrap();

        let removed = remove(&conn, a).unwrap();

        assert!(removed, "the link existed");
        assert!(
            for_customer(&conn, customer).unwrap().is_empty(),
            "the link is gone"
        );
        assert!(
            source_record::get(&conn, a).unwrap().is_some(),
            "unlinking deletes nothing"
        );
    }

    #[test]
    fn a_link_to_a_missing_customer_is_refused() {
        let (conn, _) = cache_with_customer();
        let a = record(&conn, "a");

        let result = insert(&conn, &Link::new(a, 999, "rule", "t0"));

        assert!(result.is_err(), "foreign keys are on: no link may dangle");
    }
}
