//! A cache holding one customer linked to a Tryton party and a Vendure customer, for the
//! correction tests; the systems' IDs are given, so the same cache can point at real records.

#![allow(dead_code)]

use concord_core::source::{SourceAccount, SourceAddress, SourceCustomer};
use concord_service::config::{Config, UserConfig};
use concord_service::{Paths, Role, Service};
use concord_store::table::{account, address, customer, link, order, source_record};
use rusqlite::Connection;

/// The ids a test needs of the cache it works on.
pub struct Setup {
    pub customer: i64,
    /// The address both systems hold (Tryton 11, Vendure 21).
    pub shared_address: i64,
    /// The web store's row of the shared address (21).
    pub shared_twin: i64,
    /// An address only Vendure holds (22).
    pub other_address: i64,
    pub order: i64,
}

fn source_address(id: &str, line1: &str, city: &str, postcode: &str) -> SourceAddress {
    SourceAddress {
        system_id: id.into(),
        version: Some(format!("v-{id}")),
        kind: "shipping".into(),
        line1: Some(line1.into()),
        city: Some(city.into()),
        region: Some("IL".into()),
        postcode: Some(postcode.into()),
        country: Some("US".into()),
        ..SourceAddress::default()
    }
}

/// Writes the customer, its two source records (with the systems' IDs given) and their links,
/// its addresses and one order into the cache file of `paths`.
pub fn populate(paths: &Paths, tryton: (&str, &str), vendure: (&str, &str, &str)) -> Setup {
    std::fs::create_dir_all(&paths.data_dir).unwrap();
    let conn = concord_store::open(&paths.data_dir.join(concord_service::CACHE_FILE_NAME)).unwrap();
    let at = "2026-01-01T00:00:00Z";
    let customer = customer::insert(&conn, &customer::Customer::named("Ada Lovelace", at)).unwrap();
    account::upsert(
        &conn,
        &account::Account {
            customer_id: customer,
            price_level: Some("standard".into()),
            ..account::Account::default()
        },
    )
    .unwrap();
    let (party, party_address) = tryton;
    let (shopper, shared, other) = vendure;
    let records = [
        SourceCustomer {
            system: "tryton".into(),
            system_id: party.into(),
            version: Some("party-v1".into()),
            registered: true,
            full_name: Some("Ada Lovelace".into()),
            account: SourceAccount {
                customer_type: Some("retail".into()),
                price_level: Some("standard".into()),
                tax_exempt: Some(false),
                ..SourceAccount::default()
            },
            addresses: vec![source_address(
                party_address,
                "12 Main St",
                "Springfield",
                "62701",
            )],
            ..SourceCustomer::default()
        },
        SourceCustomer {
            system: "vendure".into(),
            system_id: shopper.into(),
            registered: true,
            given_name: Some("Ada".into()),
            family_name: Some("Lovelace".into()),
            account: SourceAccount {
                price_level: Some("gold".into()),
                tax_exempt: Some(false),
                ..SourceAccount::default()
            },
            addresses: vec![
                // The web store's copy names a recipient the ERP's copy (and so the address
                // row) lacks: a correction must not clear it.
                SourceAddress {
                    recipient: Some("Ada Lovelace".into()),
                    ..source_address(shared, "12 Main St", "Springfield", "62701")
                },
                source_address(other, "9 Side Rd", "Peoria", "61602"),
            ],
            ..SourceCustomer::default()
        },
    ];
    let mut record_ids = Vec::new();
    for r in &records {
        let id = source_record::upsert(
            &conn,
            &source_record::SourceRecord {
                id: 0,
                system: r.system.clone(),
                system_id: r.system_id.clone(),
                version: r.version.clone(),
                raw_payload: "{}".into(),
                normalized: serde_json::to_value(r).unwrap(),
                fetched_at: at.into(),
            },
        )
        .unwrap();
        link::insert(&conn, &link::Link::new(id, customer, "test", at)).unwrap();
        record_ids.push(id);
    }
    let row =
        |conn: &Connection, record: i64, system_id: &str, line1: &str, city: &str, pc: &str| {
            let id = address::insert(
                conn,
                &address::Address {
                    customer_id: customer,
                    source_record_id: Some(record),
                    kind: "shipping".into(),
                    line1: line1.into(),
                    city: Some(city.into()),
                    region: Some("IL".into()),
                    postcode: Some(pc.into()),
                    country: "US".into(),
                    validation_status: "not_checked".into(),
                    updated_at: at.into(),
                    ..address::Address::default()
                },
            )
            .unwrap();
            conn.execute(
                "UPDATE address SET system_address_id = ?2 WHERE id = ?1",
                rusqlite::params![id, system_id],
            )
            .unwrap();
            id
        };
    let shared_address = row(
        &conn,
        record_ids[0],
        party_address,
        "12 Main St",
        "Springfield",
        "62701",
    );
    // The web store's copy of the same address, shown as a row of its own.
    let shared_twin = row(
        &conn,
        record_ids[1],
        shared,
        "12 Main St",
        "Springfield",
        "62701",
    );
    let other_address = row(&conn, record_ids[1], other, "9 Side Rd", "Peoria", "61602");
    let order = order::insert(
        &conn,
        &order::Order {
            id: 0,
            customer_id: customer,
            system: "vendure".into(),
            system_order_id: "o1".into(),
            number: "WEB-1".into(),
            channel: order::Channel::Web,
            status: "shipped".into(),
            placed_at: at.into(),
            currency: "USD".into(),
            subtotal_minor: 1000,
            tax_minor: 0,
            shipping_minor: 0,
            total_minor: 1000,
            lines: serde_json::json!([]),
            bill_to: None,
            ship_to: Some(serde_json::json!({ "line1": "12 Main St", "city": "Springfield" })),
        },
    )
    .unwrap();
    Setup {
        customer,
        shared_address,
        shared_twin,
        other_address,
        order,
    }
}

/// A service for a user of `role` on a fresh data folder.
pub fn service_as(dir: &std::path::Path, name: &str, role: Role) -> Service {
    let paths = Paths::in_data_dir(dir);
    Config {
        user: UserConfig {
            name: name.into(),
            role,
        },
        ..Config::default()
    }
    .save(&paths.config_file())
    .unwrap();
    Service::open(paths).unwrap()
}
