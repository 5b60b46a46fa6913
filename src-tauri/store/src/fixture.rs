//! A small cache with known customers, for tests of the store and of the service layer.
//!
//! Each customer exists to make one lookup rule checkable: the two emails of the exact-email
//! rule, the three ways of writing one phone line, decorated order numbers, accented names,
//! postcodes with house numbers. Tests find customers by the names listed in [`Fixture`],
//! never by hard-coded ids.

use rusqlite::Connection;

use crate::graph::{self, CustomerGraph, Indexing};
use crate::table::account::{Account, CustomerType};
use crate::table::address::Address;
use crate::table::customer::Customer;
use crate::table::order::{Channel, Order};
use crate::table::source_record::SourceRecord;

/// The ids of the fixture's customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixture {
    /// `mail@shop.example`; web store and ERP records; orders `#1001` and `SO0042`.
    pub mail_shop: i64,
    /// `mail.shop@other.example`: shares every word with `mail@shop.example`.
    pub mail_dot_shop: i64,
    /// Phone stored as `(415) 555-1212`.
    pub phone_parens: i64,
    /// Phone stored as `415.555.1212`.
    pub phone_dots: i64,
    /// Phone stored as `+1 415-555-1212 x12`.
    pub phone_extension: i64,
    /// José García, company Café Müller GmbH, Berlin; order `WEB-000123`.
    pub jose_garcia: i64,
    /// Katherine Johnson, 10 Downing Street, SW1A 2AA, London; phone `020 7946 0018`.
    pub katherine_johnson: i64,
    /// Mary O'Brien-Smith, 500 Howard St, San Francisco 94107-1234.
    pub mary_obrien: i64,
}

const AT: &str = "2026-01-01T00:00:00Z";

fn record(system: &str, system_id: &str, payload: serde_json::Value) -> (SourceRecord, String) {
    let rec = SourceRecord {
        id: 0,
        system: system.into(),
        system_id: system_id.into(),
        version: Some("1".into()),
        raw_payload: payload.to_string(),
        normalized: payload,
        fetched_at: AT.into(),
    };
    (rec, "fixture".into())
}

fn address(kind: &str, line1: &str, city: &str, postcode: &str, country: &str) -> Address {
    Address {
        kind: kind.into(),
        line1: line1.into(),
        city: Some(city.into()),
        postcode: Some(postcode.into()),
        country: country.into(),
        validation_status: "not_checked".into(),
        updated_at: AT.into(),
        ..Address::default()
    }
}

fn order(system: &str, number: &str, channel: Channel, ship_to: &Address) -> Order {
    Order {
        id: 0,
        customer_id: 0,
        system: system.into(),
        system_order_id: number.into(),
        number: number.into(),
        channel,
        status: "shipped".into(),
        placed_at: AT.into(),
        currency: "USD".into(),
        subtotal_minor: 2500,
        tax_minor: 200,
        shipping_minor: 500,
        total_minor: 3200,
        lines: serde_json::json!([{ "sku": "TEA-1", "quantity": 1, "unit_minor": 2500 }]),
        bill_to: Some(serde_json::json!({ "line1": ship_to.line1 })),
        ship_to: Some(serde_json::json!({ "line1": ship_to.line1, "postcode": ship_to.postcode })),
    }
}

fn person(name: &str) -> CustomerGraph {
    CustomerGraph {
        customer: Customer::named(name, AT),
        account: Account::default(),
        source_records: Vec::new(),
        emails: Vec::new(),
        phones: Vec::new(),
        addresses: Vec::new(),
        orders: Vec::new(),
    }
}

/// Writes the fixture's customers into `conn` (indexed) and returns their ids.
pub fn populate(conn: &Connection) -> anyhow::Result<Fixture> {
    let insert = |g: CustomerGraph| graph::insert(conn, &g, "US", Indexing::Now);

    let mut g = person("Morgan Shopper");
    g.emails.push(("home".into(), "Mail@Shop.Example".into()));
    let home = address("shipping", "1 Market St", "San Francisco", "94105", "US");
    g.orders
        .push(order("vendure", "#1001", Channel::Web, &home));
    g.orders
        .push(order("tryton", "SO0042", Channel::Phone, &home));
    g.addresses.push(home);
    g.source_records
        .push(record("vendure", "7", serde_json::json!({ "id": "7" })));
    g.source_records
        .push(record("tryton", "party-7", serde_json::json!({ "id": 7 })));
    g.account.customer_type = CustomerType::Wholesale;
    g.account.price_level = Some("B".into());
    let mail_shop = insert(g)?;

    let mut g = person("Riley Other");
    g.emails
        .push(("home".into(), "mail.shop@other.example".into()));
    let mail_dot_shop = insert(g)?;

    let mut ids = Vec::new();
    for (name, written) in [
        ("Pat Parens", "(415) 555-1212"),
        ("Dot Dotson", "415.555.1212"),
        ("Ext Extenson", "+1 415-555-1212 x12"),
    ] {
        let mut g = person(name);
        g.phones.push(("work".into(), written.into()));
        ids.push(insert(g)?);
    }

    let mut g = person("José García");
    g.account.company = Some("Café Müller GmbH".into());
    let berlin = address("billing", "Hauptstraße 5", "Berlin", "10115", "DE");
    g.orders
        .push(order("vendure", "WEB-000123", Channel::Web, &berlin));
    g.addresses.push(berlin);
    let jose_garcia = insert(g)?;

    let mut g = person("Katherine Johnson");
    g.addresses.push(address(
        "home",
        "10 Downing Street",
        "London",
        "SW1A 2AA",
        "GB",
    ));
    g.phones.push(("home".into(), "020 7946 0018".into()));
    let katherine_johnson = insert(g)?;

    let mut g = person("MARY O'BRIEN-SMITH");
    g.addresses.push(address(
        "home",
        "500 Howard St",
        "San Francisco",
        "94107-1234",
        "US",
    ));
    g.account.customer_type = CustomerType::TaxExempt;
    let mary_obrien = insert(g)?;

    Ok(Fixture {
        mail_shop,
        mail_dot_shop,
        phone_parens: ids[0],
        phone_dots: ids[1],
        phone_extension: ids[2],
        jose_garcia,
        katherine_johnson,
        mary_obrien,
    })
}

/// An in-memory cache holding the fixture.
pub fn open() -> anyhow::Result<(Connection, Fixture)> {
    let conn = crate::open_in_memory()?;
    let fixture = populate(&conn)?;
    Ok((conn, fixture))
}
