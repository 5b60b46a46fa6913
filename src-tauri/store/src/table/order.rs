//! `customer_order`: orders from every channel, with the bill-to and ship-to as they were on
//! the order. A snapshot is written once with the order and never follows later corrections
//! of the customer's addresses.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{json_column, json_column_opt};
use crate::search::keys;

/// Where an order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Phone,
    Mail,
    Store,
    Marketplace,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Mail => "mail",
            Channel::Store => "store",
            Channel::Marketplace => "marketplace",
        }
    }

    fn parse(s: &str) -> Option<Channel> {
        [
            Channel::Web,
            Channel::Phone,
            Channel::Mail,
            Channel::Store,
            Channel::Marketplace,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// Ignored on insert.
    pub id: i64,
    pub customer_id: i64,
    pub system: String,
    pub system_order_id: String,
    /// The number as the system shows it (`#1001`, `SO0042`, `WEB-000123`).
    pub number: String,
    pub channel: Channel,
    pub status: String,
    pub placed_at: String,
    /// ISO 4217.
    pub currency: String,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub lines: serde_json::Value,
    pub bill_to: Option<serde_json::Value>,
    pub ship_to: Option<serde_json::Value>,
}

const COLUMNS: &str = "id, customer_id, system, system_order_id, number, channel, status, \
    placed_at, currency, subtotal_minor, tax_minor, shipping_minor, total_minor, lines, bill_to, \
    ship_to";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Order> {
    let channel: String = r.get(5)?;
    let channel = Channel::parse(&channel).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            5,
            rusqlite::types::Type::Text,
            format!("unknown channel {channel:?}").into(),
        )
    })?;
    Ok(Order {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        system: r.get(2)?,
        system_order_id: r.get(3)?,
        number: r.get(4)?,
        channel,
        status: r.get(6)?,
        placed_at: r.get(7)?,
        currency: r.get(8)?,
        subtotal_minor: r.get(9)?,
        tax_minor: r.get(10)?,
        shipping_minor: r.get(11)?,
        total_minor: r.get(12)?,
        lines: json_column(r, 13)?,
        bill_to: json_column_opt(r, 14)?,
        ship_to: json_column_opt(r, 15)?,
    })
}

/// Inserts an order; its lookup key is derived from the number here.
pub fn insert(conn: &Connection, o: &Order) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO customer_order (customer_id, system, system_order_id, number, number_key,
             channel, status, placed_at, currency, subtotal_minor, tax_minor, shipping_minor,
             total_minor, lines, bill_to, ship_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        o.customer_id,
        o.system,
        o.system_order_id,
        o.number,
        keys::order_number_key(&o.number),
        o.channel.as_str(),
        o.status,
        o.placed_at,
        o.currency,
        o.subtotal_minor,
        o.tax_minor,
        o.shipping_minor,
        o.total_minor,
        o.lines.to_string(),
        o.bill_to.as_ref().map(|v| v.to_string()),
        o.ship_to.as_ref().map(|v| v.to_string())
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Order>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM customer_order WHERE id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

/// A customer's orders, newest first.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<Order>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM customer_order WHERE customer_id = ?1
         ORDER BY placed_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    pub(crate) fn sample(customer_id: i64, number: &str, placed_at: &str) -> Order {
        Order {
            id: 0,
            customer_id,
            system: "vendure".into(),
            system_order_id: number.into(),
            number: number.into(),
            channel: Channel::Web,
            status: "shipped".into(),
            placed_at: placed_at.into(),
            currency: "USD".into(),
            subtotal_minor: 1000,
            tax_minor: 80,
            shipping_minor: 500,
            total_minor: 1580,
            lines: serde_json::json!([{ "sku": "MUG-1", "quantity": 2, "unit_minor": 500 }]),
            bill_to: None,
            ship_to: Some(serde_json::json!({ "line1": "500 Howard St", "postcode": "94107" })),
        }
    }

    #[test]
    fn insert_then_get_round_trips_every_field() {
        let (conn, customer) = cache_with_customer();
        let order = sample(customer, "#1001", "2026-01-01T00:00:00Z");

        let id = insert(&conn, &order).unwrap();

        assert_eq!(
            get(&conn, id).unwrap(),
            Some(Order { id, ..order }),
            "round trip"
        );
    }

    #[test]
    fn orders_of_a_customer_come_newest_first() {
        let (conn, customer) = cache_with_customer();
        insert(&conn, &sample(customer, "#1", "2025-01-01T00:00:00Z")).unwrap();
        insert(&conn, &sample(customer, "#2", "2026-01-01T00:00:00Z")).unwrap();

        let numbers: Vec<String> = for_customer(&conn, customer)
            .unwrap()
            .into_iter()
            .map(|o| o.number)
            .collect();

        assert_eq!(
            numbers,
            vec!["#2", "#1"],
            "the latest order is what a caller asks about"
        );
    }

    #[test]
    fn the_same_system_order_twice_is_refused() {
        let (conn, customer) = cache_with_customer();
        insert(&conn, &sample(customer, "#1", "t0")).unwrap();

        let again = insert(&conn, &sample(customer, "#1", "t0"));

        assert!(again.is_err(), "one system order is one row, never two");
    }
}
