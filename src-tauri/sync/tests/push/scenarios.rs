//! The pusher's scenarios, run against any pair of servers that speak Tryton's JSON-RPC and
//! Vendure's Admin API (the real ones, or the sandbox): each creates its own customer in both
//! systems through their APIs, queues outbox entries the way the service does, pushes, and
//! reads the systems back.

use chrono::Utc;
use concord_core::correction::{FieldMap, TRYTON, VENDURE};
use concord_store::table::{correction, customer, outbox, review_item};
use concord_sync::connector::AccountMapping;
use concord_sync::push::{push_pending, Operation, Payload, PushSettings, Systems};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::common::{self, unique, TrytonTarget, VendureTarget};

fn fields(pairs: &[(&str, &str)]) -> FieldMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn tryton(target: &TrytonTarget, account: AccountMapping) -> TrytonClient {
    let mut settings = TrytonSettings::new(
        &target.url,
        &target.database,
        &target.login,
        &target.password,
    );
    settings.account = account;
    TrytonClient::new(settings).expect("valid settings")
}

fn vendure(target: &VendureTarget, account: AccountMapping) -> VendureClient {
    let mut settings = VendureSettings::new(&target.url, &target.username, &target.password);
    settings.account = account;
    VendureClient::new(settings).expect("valid settings")
}

pub fn systems(t: &TrytonTarget, v: &VendureTarget, account: AccountMapping) -> Systems {
    Systems {
        tryton: Some(tryton(t, account.clone())),
        vendure: Some(vendure(v, account)),
    }
}

async fn tryton_id(client: &TrytonClient, model: &str, field: &str, value: &str) -> i64 {
    let found = client
        .call(
            &format!("model.{model}.search"),
            vec![
                json!([[field, "=", value]]),
                json!(0),
                json!(1),
                Value::Null,
            ],
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("looking up {model} {value}: {e}"));
    found[0]
        .as_i64()
        .unwrap_or_else(|| panic!("{model} {value} exists"))
}

async fn tryton_create(client: &TrytonClient, model: &str, values: Value) -> i64 {
    let ids = client
        .call(
            &format!("model.{model}.create"),
            vec![json!([values])],
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("creating a {model}: {e}"));
    ids[0].as_i64().expect("create answers the new IDs")
}

/// A party with two US addresses; returns the party and its address IDs.
async fn tryton_party(client: &TrytonClient, name: &str) -> (i64, Vec<i64>) {
    let us = tryton_id(client, "country.country", "code", "US").await;
    let il = tryton_id(client, "country.subdivision", "code", "US-IL").await;
    let party = tryton_create(
        client,
        "party.party",
        json!({
            "name": name,
            "code": unique("P"),
            "addresses": [["create", [
                {"street": "12 Main St", "city": "Springfield", "postal_code": "62701",
                 "country": us, "subdivision": il, "invoice": true},
                {"street": "9 Side Rd", "city": "Peoria", "postal_code": "61602",
                 "country": us, "subdivision": il, "delivery": true},
            ]]],
        }),
    )
    .await;
    let addresses = client
        .party_addresses(party)
        .await
        .expect("the party's addresses")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (party, addresses)
}

async fn vendure_mutate(client: &VendureClient, name: &str, query: &str, vars: Value) -> Value {
    let data = client
        .query(name, query, vars)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    data[name].clone()
}

/// A customer with two US addresses; returns the customer and its address IDs.
async fn vendure_customer(client: &VendureClient, name: &str) -> (String, Vec<String>) {
    let created = vendure_mutate(
        client,
        "createCustomer",
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
            ... on Customer { id } ... on ErrorResult { errorCode message } } }",
        json!({"input": {"firstName": name, "lastName": "Push",
            "emailAddress": format!("{}@example.com", name.to_lowercase())}}),
    )
    .await;
    let id = created["id"].as_str().expect("a customer").to_owned();
    for (street, city, postal) in [
        ("12 Main St", "Springfield", "62701"),
        ("9 Side Rd", "Peoria", "61602"),
    ] {
        vendure_mutate(
            client,
            "createCustomerAddress",
            "mutation($id: ID!, $input: CreateAddressInput!) {
                createCustomerAddress(customerId: $id, input: $input) { id } }",
            json!({"id": id, "input": {"streetLine1": street, "city": city, "province": "IL",
                "postalCode": postal, "countryCode": "US"}}),
        )
        .await;
    }
    let addresses = client
        .customer_addresses(&id)
        .await
        .expect("the customer's addresses")
        .expect("the customer exists")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (id, addresses)
}

/// A cache with one customer and a correction row, as the service writes them.
fn cache(correction_id: &str) -> (Connection, i64) {
    let conn = concord_store::open_in_memory().expect("a cache");
    let customer_id = customer::insert(
        &conn,
        &customer::Customer::named("Push Test", "2026-01-01T00:00:00Z"),
    )
    .unwrap();
    correction::insert(&conn, &correction_row(customer_id, correction_id)).unwrap();
    (conn, customer_id)
}

fn correction_row(customer_id: i64, correction_id: &str) -> correction::Correction {
    correction::Correction {
        id: correction_id.into(),
        customer_id: Some(customer_id),
        kind: "edit_address".into(),
        subject: json!({}),
        base: FieldMap::new(),
        ours: FieldMap::new(),
        typed: None,
        keep_as_entered: None,
        reverts: None,
        state: "active".into(),
        actor: "dana".into(),
        role: "rep".into(),
        created_at: Utc::now().to_rfc3339(),
    }
}

fn enqueue(
    conn: &Connection,
    customer_id: i64,
    correction_id: &str,
    system: &str,
    operation: Operation,
    payload: &Payload,
) -> i64 {
    outbox::enqueue(
        conn,
        &outbox::OutboxEntry {
            id: 0,
            correction_id: correction_id.into(),
            customer_id: Some(customer_id),
            target_system: system.into(),
            operation: operation.as_str().into(),
            payload: serde_json::to_value(payload).unwrap(),
            base_version: None,
            state: "pending".into(),
            attempts: 0,
            last_error: None,
            next_attempt_at: None,
            created_at: Utc::now().to_rfc3339(),
            updated_at: Utc::now().to_rfc3339(),
            idempotency_key: Some(format!("{correction_id}:{system}")),
            sent_at: None,
            confirmed_version: None,
        },
    )
    .unwrap()
}

fn base_address() -> FieldMap {
    fields(&[
        ("line1", "12 Main St"),
        ("city", "Springfield"),
        ("region", "IL"),
        ("postcode", "62701"),
        ("country", "US"),
    ])
}

fn new_address() -> FieldMap {
    fields(&[
        ("line1", "500 HOWARD ST STE 110"),
        ("city", "SAN FRANCISCO"),
        ("region", "CA"),
        ("postcode", "94107"),
        ("country", "US"),
    ])
}

fn state(conn: &Connection, id: i64) -> String {
    outbox::get(conn, id).unwrap().unwrap().state
}

pub async fn an_address_correction_is_confirmed_in_both_systems_and_only_that_address_changes(
    t: &TrytonTarget,
    v: &VendureTarget,
) {
    let systems = systems(t, v, AccountMapping::default());
    let (t, v) = (
        systems.tryton.as_ref().unwrap(),
        systems.vendure.as_ref().unwrap(),
    );
    let (party, party_addresses) = tryton_party(t, &unique("Ada")).await;
    let (customer, customer_addresses) = vendure_customer(v, &unique("Ada")).await;
    let id = unique("c-");
    let (mut conn, customer_id) = cache(&id);
    let to_tryton = enqueue(
        &conn,
        customer_id,
        &id,
        TRYTON,
        Operation::UpdateAddress,
        &Payload {
            customer: party.to_string(),
            address: Some(party_addresses[0].to_string()),
            base: base_address(),
            ours: new_address(),
        },
    );
    let to_vendure = enqueue(
        &conn,
        customer_id,
        &id,
        VENDURE,
        Operation::UpdateAddress,
        &Payload {
            customer: customer.clone(),
            address: Some(customer_addresses[0].clone()),
            base: base_address(),
            ours: new_address(),
        },
    );

    let report = push_pending(&mut conn, &systems, &PushSettings::default())
        .await
        .unwrap();

    assert_eq!(report.confirmed, 2, "both systems confirm: {report:?}");
    assert_eq!(state(&conn, to_tryton), "confirmed");
    assert_eq!(state(&conn, to_vendure), "confirmed");
    let tryton_now = t.party_addresses(party).await.unwrap();
    let vendure_now = v.customer_addresses(&customer).await.unwrap().unwrap();
    assert_eq!(tryton_now.len(), 2, "no address added or lost in Tryton");
    assert_eq!(vendure_now.len(), 2, "no address added or lost in Vendure");
    for (system, book) in [
        (
            "Tryton",
            tryton_now
                .iter()
                .map(|(_, f)| f.clone())
                .collect::<Vec<_>>(),
        ),
        (
            "Vendure",
            vendure_now.iter().map(|(_, f)| f.clone()).collect(),
        ),
    ] {
        assert_eq!(
            book[0]["line1"], "500 HOWARD ST STE 110",
            "{system} has the correction"
        );
        assert_eq!(book[0]["region"], "CA", "{system} has the new state");
        assert_eq!(
            book[1]["line1"], "9 Side Rd",
            "{system}'s other address is untouched"
        );
    }
    let written: i64 = conn
        .query_row(
            "SELECT count(*) FROM pushed_write WHERE correction_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        written, 2,
        "each write is recorded so its echo is recognized"
    );
}

pub async fn a_write_that_went_through_before_a_crash_is_confirmed_without_writing_again(
    t: &TrytonTarget,
    v: &VendureTarget,
) {
    let systems = systems(t, v, AccountMapping::default());
    let t = systems.tryton.as_ref().unwrap();
    let (party, addresses) = tryton_party(t, &unique("Bo")).await;
    let id = unique("c-");
    let (mut conn, customer_id) = cache(&id);
    let entry = enqueue(
        &conn,
        customer_id,
        &id,
        TRYTON,
        Operation::UpdateAddress,
        &Payload {
            customer: party.to_string(),
            address: Some(addresses[0].to_string()),
            base: base_address(),
            ours: new_address(),
        },
    );
    // The crash: the entry was marked sent and the write reached Tryton, but the pusher died
    // before recording the confirmation.
    outbox::mark_sent(&conn, entry, "2026-01-01T00:00:00Z").unwrap();
    let before = t.read_address_fields(addresses[0]).await.unwrap().unwrap();
    t.write_address(
        addresses[0],
        &before.timestamp,
        &new_address(),
        "crashed-write",
    )
    .await
    .unwrap();
    let applied = t.read_address_fields(addresses[0]).await.unwrap().unwrap();

    let report = push_pending(&mut conn, &systems, &PushSettings::default())
        .await
        .unwrap();

    let after = t.read_address_fields(addresses[0]).await.unwrap().unwrap();
    assert_eq!(report.confirmed, 1, "{report:?}");
    assert_eq!(
        after.timestamp, applied.timestamp,
        "a second write would have moved Tryton's timestamp: the entry was read back, not resent"
    );
}

pub async fn a_stale_base_is_a_conflict_with_a_review_item_and_nothing_is_overwritten(
    t: &TrytonTarget,
    v: &VendureTarget,
) {
    let systems = systems(t, v, AccountMapping::default());
    let (t, v) = (
        systems.tryton.as_ref().unwrap(),
        systems.vendure.as_ref().unwrap(),
    );
    let (party, party_addresses) = tryton_party(t, &unique("Cy")).await;
    let (customer, customer_addresses) = vendure_customer(v, &unique("Cy")).await;
    // Someone else moves line 1 in both systems after the rep saw the address.
    let theirs = fields(&[("line1", "77 Elsewhere Ave")]);
    let stamp = t
        .read_address_fields(party_addresses[0])
        .await
        .unwrap()
        .unwrap()
        .timestamp;
    t.write_address(party_addresses[0], &stamp, &theirs, "someone-else-t")
        .await
        .unwrap();
    v.write_address(&customer_addresses[0], &theirs, "someone-else-v")
        .await
        .unwrap();
    let id = unique("c-");
    let (mut conn, customer_id) = cache(&id);
    let to_tryton = enqueue(
        &conn,
        customer_id,
        &id,
        TRYTON,
        Operation::UpdateAddress,
        &Payload {
            customer: party.to_string(),
            address: Some(party_addresses[0].to_string()),
            base: base_address(),
            ours: new_address(),
        },
    );
    let to_vendure = enqueue(
        &conn,
        customer_id,
        &id,
        VENDURE,
        Operation::UpdateAddress,
        &Payload {
            customer: customer.clone(),
            address: Some(customer_addresses[0].clone()),
            base: base_address(),
            ours: new_address(),
        },
    );

    let report = push_pending(&mut conn, &systems, &PushSettings::default())
        .await
        .unwrap();

    assert_eq!(report.conflicts, 2, "{report:?}");
    assert_eq!(state(&conn, to_tryton), "conflict");
    assert_eq!(state(&conn, to_vendure), "conflict");
    let tryton_now = t
        .read_address_fields(party_addresses[0])
        .await
        .unwrap()
        .unwrap();
    let vendure_now = v
        .read_address_fields(&customer, &customer_addresses[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        tryton_now.fields["line1"], "77 Elsewhere Ave",
        "Tryton keeps their change"
    );
    assert_eq!(
        tryton_now.fields["city"], "Springfield",
        "no part of ours was written"
    );
    assert_eq!(
        vendure_now.fields["line1"], "77 Elsewhere Ave",
        "Vendure keeps their change"
    );
    assert_eq!(
        vendure_now.fields["city"], "Springfield",
        "no part of ours was written"
    );
    let items = review_item::open_items(&conn, 10).unwrap();
    assert_eq!(items.len(), 2, "one colliding edit per system");
    let line1 = items[0].evidence["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "line1")
        .cloned()
        .expect("line1 collided");
    assert_eq!(items[0].kind, "colliding_edit");
    assert_eq!(
        (
            line1["base"].as_str(),
            line1["ours"].as_str(),
            line1["theirs"].as_str()
        ),
        (
            Some("12 Main St"),
            Some("500 HOWARD ST STE 110"),
            Some("77 Elsewhere Ave")
        ),
        "the supervisor sees base, ours and theirs"
    );
}

pub async fn tax_exemption_refused_by_one_system_keeps_its_message_and_the_other_confirms(
    t: &TrytonTarget,
    v: &VendureTarget,
) {
    // The web store has no group for this marker: it must refuse, in its own words.
    let marker = unique("tax-exempt-");
    let account = AccountMapping {
        tax_exempt_names: vec![marker.clone()],
        ..AccountMapping::default()
    };
    let systems = systems(t, v, account);
    let (t, v) = (
        systems.tryton.as_ref().unwrap(),
        systems.vendure.as_ref().unwrap(),
    );
    tryton_create(t, "party.category", json!({"name": marker})).await;
    let (party, _) = tryton_party(t, &unique("Di")).await;
    let (customer, _) = vendure_customer(v, &unique("Di")).await;
    let id = unique("c-");
    let (mut conn, customer_id) = cache(&id);
    let payload = |customer: String| Payload {
        customer,
        address: None,
        base: fields(&[("tax_exempt", "false")]),
        ours: fields(&[("tax_exempt", "true")]),
    };
    let to_tryton = enqueue(
        &conn,
        customer_id,
        &id,
        TRYTON,
        Operation::UpdateAccount,
        &payload(party.to_string()),
    );
    let to_vendure = enqueue(
        &conn,
        customer_id,
        &id,
        VENDURE,
        Operation::UpdateAccount,
        &payload(customer),
    );

    let report = push_pending(&mut conn, &systems, &PushSettings::default())
        .await
        .unwrap();

    let tryton_entry = outbox::get(&conn, to_tryton).unwrap().unwrap();
    let vendure_entry = outbox::get(&conn, to_vendure).unwrap().unwrap();
    assert_eq!((report.confirmed, report.failed), (1, 1), "{report:?}");
    assert_eq!(tryton_entry.state, "confirmed", "the ERP took it");
    assert_eq!(vendure_entry.state, "failed", "the web store refused it");
    let message = vendure_entry.last_error.unwrap_or_default();
    assert!(
        message.contains("Vendure") && message.contains(&marker),
        "the rep sees the system's reason: {message}"
    );
    let account = t.read_party_account(party).await.unwrap().unwrap();
    assert_eq!(
        account.fields["tax_exempt"], "true",
        "Tryton reads back exempt"
    );
}

pub async fn an_unreachable_system_leaves_its_entry_queued_and_the_other_confirms(
    t: &TrytonTarget,
    _v: &VendureTarget,
) {
    let systems = Systems {
        tryton: Some(tryton(t, AccountMapping::default())),
        vendure: Some(
            VendureClient::new(VendureSettings::new(common::dead_url(), "u", "p")).unwrap(),
        ),
    };
    let (party, addresses) = tryton_party(systems.tryton.as_ref().unwrap(), &unique("Ed")).await;
    let id = unique("c-");
    let (mut conn, customer_id) = cache(&id);
    let to_tryton = enqueue(
        &conn,
        customer_id,
        &id,
        TRYTON,
        Operation::UpdateAddress,
        &Payload {
            customer: party.to_string(),
            address: Some(addresses[0].to_string()),
            base: base_address(),
            ours: new_address(),
        },
    );
    let to_vendure = enqueue(
        &conn,
        customer_id,
        &id,
        VENDURE,
        Operation::UpdateAddress,
        &Payload {
            customer: "1".into(),
            address: Some("1".into()),
            base: base_address(),
            ours: new_address(),
        },
    );
    let quick = PushSettings {
        retries: 1,
        first_backoff: std::time::Duration::from_millis(10),
        ..PushSettings::default()
    };

    let report = push_pending(&mut conn, &systems, &quick).await.unwrap();

    assert_eq!((report.confirmed, report.waiting), (1, 1), "{report:?}");
    assert_eq!(state(&conn, to_tryton), "confirmed");
    let waiting = outbox::get(&conn, to_vendure).unwrap().unwrap();
    assert_eq!(waiting.state, "pending", "offline: queued, not failed");
    assert!(waiting.next_attempt_at.is_some(), "tried again later");
}

/// Creates `n` customers in both systems and queues one address correction per customer and
/// system; returns the cache and every entry's idempotency key.
#[allow(dead_code)] // Used by the sandbox's fault test only.
pub async fn queue_address_corrections(
    t: &TrytonTarget,
    v: &VendureTarget,
    n: usize,
) -> (Connection, Vec<String>) {
    let systems = systems(t, v, AccountMapping::default());
    let (t, v) = (
        systems.tryton.as_ref().unwrap(),
        systems.vendure.as_ref().unwrap(),
    );
    let conn = concord_store::open_in_memory().expect("a cache");
    let mut keys = Vec::new();
    for _ in 0..n {
        let (party, party_addresses) = tryton_party(t, &unique("Fa")).await;
        let (customer, customer_addresses) = vendure_customer(v, &unique("Fa")).await;
        let id = unique("c-");
        let customer_id = customer::insert(
            &conn,
            &customer::Customer::named("Fault Test", "2026-01-01T00:00:00Z"),
        )
        .unwrap();
        correction::insert(&conn, &correction_row(customer_id, &id)).unwrap();
        enqueue(
            &conn,
            customer_id,
            &id,
            TRYTON,
            Operation::UpdateAddress,
            &Payload {
                customer: party.to_string(),
                address: Some(party_addresses[0].to_string()),
                base: base_address(),
                ours: new_address(),
            },
        );
        enqueue(
            &conn,
            customer_id,
            &id,
            VENDURE,
            Operation::UpdateAddress,
            &Payload {
                customer,
                address: Some(customer_addresses[0].clone()),
                base: base_address(),
                ours: new_address(),
            },
        );
        keys.push(format!("{id}:{TRYTON}"));
        keys.push(format!("{id}:{VENDURE}"));
    }
    (conn, keys)
}
