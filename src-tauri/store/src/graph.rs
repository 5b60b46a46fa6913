//! Writing one merged customer with everything that belongs to it: source records and their
//! links, account, emails, phones, addresses and orders. Used by fixtures, the benchmark
//! generator and (later) the sync engine's first load.
//!
//! Contact values are normalized on the way in (phones in the region of the customer's first
//! address, or the cache's default region); values that cannot be normalized are stored as
//! received with their problem. This module never commits: the caller owns the transaction.

use anyhow::Context as _;
use rusqlite::Connection;

use crate::search::index;
use crate::table::account::{self, Account};
use crate::table::address::{self, Address};
use crate::table::contact_point::{self, ContactPoint};
use crate::table::customer::{self, Customer};
use crate::table::link::{self, Link};
use crate::table::order::{self, Order};
use crate::table::source_record::{self, SourceRecord};

/// A merged customer and everything that belongs to it, before it has row ids.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerGraph {
    pub customer: Customer,
    pub account: Account,
    /// Each source record with the rule that linked it.
    pub source_records: Vec<(SourceRecord, String)>,
    /// (kind, as written)
    pub emails: Vec<(String, String)>,
    /// (kind, as written)
    pub phones: Vec<(String, String)>,
    pub addresses: Vec<Address>,
    pub orders: Vec<Order>,
}

/// Whether the search index is brought up to date as each customer is written, or left for
/// one [`index::rebuild`] after a bulk load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    Now,
    Later,
}

/// Writes `g` and returns the new customer's id.
pub fn insert(
    conn: &Connection,
    g: &CustomerGraph,
    default_region: &str,
    indexing: Indexing,
) -> anyhow::Result<i64> {
    let customer_id = customer::insert(conn, &g.customer).context("writing the customer")?;

    for (record, rule) in &g.source_records {
        let record_id = source_record::upsert(conn, record).context("writing a source record")?;
        link::insert(
            conn,
            &Link::new(record_id, customer_id, rule, &record.fetched_at),
        )
        .context("linking a source record")?;
    }

    account::upsert(
        conn,
        &Account {
            customer_id,
            ..g.account.clone()
        },
    )
    .context("writing the account")?;

    for (kind, written) in &g.emails {
        contact_point::insert(conn, &ContactPoint::email(customer_id, kind, written))
            .context("writing an email")?;
    }
    let region = g
        .addresses
        .first()
        .map(|a| a.country.as_str())
        .unwrap_or(default_region);
    for (kind, written) in &g.phones {
        contact_point::insert(
            conn,
            &ContactPoint::phone(customer_id, kind, written, region),
        )
        .context("writing a phone")?;
    }

    for a in &g.addresses {
        address::insert(
            conn,
            &Address {
                customer_id,
                ..a.clone()
            },
        )
        .context("writing an address")?;
    }
    for o in &g.orders {
        order::insert(
            conn,
            &Order {
                customer_id,
                ..o.clone()
            },
        )
        .context("writing an order")?;
    }

    if indexing == Indexing::Now {
        index::refresh_customer(conn, customer_id)?;
    }
    Ok(customer_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::address::Address;

    fn graph_in(country: &str, phone: &str) -> CustomerGraph {
        let record = SourceRecord {
            id: 0,
            system: "tryton".into(),
            system_id: "party-1".into(),
            version: None,
            raw_payload: "{}".into(),
            normalized: serde_json::json!({}),
            fetched_at: "t0".into(),
        };
        CustomerGraph {
            customer: Customer::named("Ann Lee", "t0"),
            account: Account::default(),
            source_records: vec![(record, "first load".into())],
            emails: vec![("home".into(), "ann@shop.example".into())],
            phones: vec![("home".into(), phone.into())],
            addresses: vec![Address {
                kind: "home".into(),
                line1: "10 Downing Street".into(),
                postcode: Some("SW1A 2AA".into()),
                country: country.into(),
                validation_status: "not_checked".into(),
                updated_at: "t0".into(),
                ..Address::default()
            }],
            orders: vec![],
        }
    }

    #[test]
    fn a_graph_is_written_whole_and_linked() {
        let conn = crate::open_in_memory().unwrap();

        let id = insert(&conn, &graph_in("GB", "020 7946 0018"), "US", Indexing::Now).unwrap();

        assert!(
            account::get(&conn, id).unwrap().is_some(),
            "the account is written"
        );
        assert_eq!(
            link::for_customer(&conn, id).unwrap().len(),
            1,
            "the record is linked"
        );
        assert_eq!(
            contact_point::for_customer(&conn, id).unwrap().len(),
            2,
            "email, phone"
        );
        assert_eq!(
            address::for_customer(&conn, id).unwrap().len(),
            1,
            "the address"
        );
        let indexed: i64 = conn
            .query_row(
                "SELECT count(*) FROM search_document WHERE customer_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            indexed, 1,
            "Indexing::Now makes the customer findable at once"
        );
    }

    #[test]
    fn phones_are_read_in_the_country_of_the_first_address() {
        let conn = crate::open_in_memory().unwrap();

        let id = insert(
            &conn,
            &graph_in("GB", "020 7946 0018"),
            "US",
            Indexing::Later,
        )
        .unwrap();

        let phone = contact_point::for_customer(&conn, id)
            .unwrap()
            .into_iter()
            .find(|c| c.e164.is_some())
            .expect("a GB number read in GB parses");
        assert_eq!(
            phone.e164.as_deref(),
            Some("+442079460018"),
            "not read as a US number"
        );
    }
}
