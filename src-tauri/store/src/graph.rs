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
