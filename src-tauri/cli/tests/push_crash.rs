//! `concord push` killed with SIGKILL at random moments, again and again, then run to the end:
//! every correction ends confirmed in both systems, each applied exactly once. The sandbox runs
//! in this test's process, so it can count the writes that arrive with each idempotency key.
//!
//! `CONCORD_CRASH_RUNS` (default 50) sets how many kills, `CONCORD_CRASH_SEED` (default 1)
//! where they fall; a failure prints both.

#![cfg(unix)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use concord_core::matching::SplitMix64;
use concord_core::source::{SourceAddress, SourceCustomer};
use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_store::table::{address, customer, link, source_record};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use serde_json::{json, Value};

const CONCORD: &str = env!("CARGO_BIN_EXE_concord");

fn concord(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(CONCORD);
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("CONCORD_SECRETS", "file")
        .env_remove("CONCORD_LOG");
    command
}

fn run_ok(data_dir: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = concord(data_dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("concord starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "concord {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One customer in both systems and in the cache, with the address to correct.
struct Person {
    customer_id: i64,
    address_id: i64,
}

async fn tryton_call(client: &TrytonClient, method: &str, params: Vec<Value>) -> Value {
    client
        .call(method, params, None)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// Creates `n` people in the sandbox's two systems and links each into the cache of
/// `data_dir` the way a pull and matching would have.
async fn people(sandbox: &Sandbox, data_dir: &Path, n: usize) -> Vec<Person> {
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    let tryton = TrytonClient::new(TrytonSettings::new(
        &t.url,
        &t.database,
        &t.login,
        &t.password,
    ))
    .unwrap();
    let vendure =
        VendureClient::new(VendureSettings::new(&v.url, &v.username, &v.password)).unwrap();
    let search = |model: &str, code: &str| {
        (
            format!("model.{model}.search"),
            vec![
                json!([["code", "=", code]]),
                json!(0),
                json!(1),
                Value::Null,
            ],
        )
    };
    let (m, p) = search("country.country", "US");
    let us = tryton_call(&tryton, &m, p).await[0].as_i64().unwrap();
    let (m, p) = search("country.subdivision", "US-IL");
    let il = tryton_call(&tryton, &m, p).await[0].as_i64().unwrap();

    let conn = concord_store::open(&data_dir.join(concord_service::CACHE_FILE_NAME)).unwrap();
    let at = "2026-01-01T00:00:00Z";
    let mut people = Vec::new();
    for i in 0..n {
        let party = tryton_call(
            &tryton,
            "model.party.party.create",
            vec![json!([{
                "name": format!("Crash {i}"),
                "code": format!("CR{i}"),
                "addresses": [["create", [{"street": "12 Main St", "city": "Springfield",
                    "postal_code": "62701", "country": us, "subdivision": il}]]],
            }])],
        )
        .await[0]
            .as_i64()
            .unwrap();
        let party_address = tryton
            .party_addresses(party)
            .await
            .unwrap()
            .first()
            .map(|(id, _)| *id)
            .unwrap();
        let created = vendure
            .query(
                "createCustomer",
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                    ... on Customer { id } ... on ErrorResult { errorCode message } } }",
                json!({"input": {"firstName": "Crash", "lastName": format!("{i}"),
                    "emailAddress": format!("crash{i}@example.com")}}),
            )
            .await
            .unwrap();
        let shopper = created["createCustomer"]["id"].as_str().unwrap().to_owned();
        let added = vendure
            .query(
                "createCustomerAddress",
                "mutation($id: ID!, $input: CreateAddressInput!) {
                    createCustomerAddress(customerId: $id, input: $input) { id } }",
                json!({"id": shopper, "input": {"streetLine1": "12 Main St",
                    "city": "Springfield", "province": "IL", "postalCode": "62701",
                    "countryCode": "US"}}),
            )
            .await
            .unwrap();
        let shopper_address = added["createCustomerAddress"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let customer_id =
            customer::insert(&conn, &customer::Customer::named(&format!("Crash {i}"), at)).unwrap();
        let the_address = |id: &str| SourceAddress {
            system_id: id.to_owned(),
            line1: Some("12 Main St".into()),
            city: Some("Springfield".into()),
            region: Some("IL".into()),
            postcode: Some("62701".into()),
            country: Some("US".into()),
            ..SourceAddress::default()
        };
        let mut record_ids = Vec::new();
        for (system, system_id, address_id) in [
            ("tryton", party.to_string(), party_address.to_string()),
            ("vendure", shopper.clone(), shopper_address.clone()),
        ] {
            let normalized = SourceCustomer {
                system: system.into(),
                system_id: system_id.clone(),
                registered: true,
                addresses: vec![the_address(&address_id)],
                ..SourceCustomer::default()
            };
            let id = source_record::upsert(
                &conn,
                &source_record::SourceRecord {
                    id: 0,
                    system: system.into(),
                    system_id,
                    version: None,
                    raw_payload: "{}".into(),
                    normalized: serde_json::to_value(&normalized).unwrap(),
                    fetched_at: at.into(),
                },
            )
            .unwrap();
            link::insert(&conn, &link::Link::new(id, customer_id, "test", at)).unwrap();
            record_ids.push(id);
        }
        let address_id = address::insert(
            &conn,
            &address::Address {
                customer_id,
                source_record_id: Some(record_ids[0]),
                kind: "billing".into(),
                line1: "12 Main St".into(),
                city: Some("Springfield".into()),
                region: Some("IL".into()),
                postcode: Some("62701".into()),
                country: "US".into(),
                validation_status: "not_checked".into(),
                updated_at: at.into(),
                ..address::Address::default()
            },
        )
        .unwrap();
        people.push(Person {
            customer_id,
            address_id,
        });
    }
    people
}

#[test]
fn a_push_killed_at_random_moments_confirms_every_correction_exactly_once() {
    let runs = env_number("CONCORD_CRASH_RUNS", 50);
    let seed = env_number("CONCORD_CRASH_SEED", 1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            customers: 0,
            seed: 3,
            // A little latency spreads each push over enough time to be killed inside it.
            faults: FaultSpec::parse("latency=10ms").unwrap(),
        }))
        .expect("the sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    run_ok(
        data,
        &[
            "connect",
            "--kind",
            "tryton",
            "--url",
            &t.url,
            "--database",
            &t.database,
            "--login",
            &t.login,
            "--password-stdin",
        ],
        &format!("{}\n", t.password),
    );
    run_ok(
        data,
        &[
            "connect",
            "--kind",
            "vendure",
            "--url",
            &v.url,
            "--login",
            &v.username,
            "--password-stdin",
        ],
        &format!("{}\n", v.password),
    );
    let people = runtime.block_on(people(&sandbox, data, 40));
    for (i, person) in people.iter().enumerate() {
        run_ok(
            data,
            &[
                "edit",
                "address",
                &person.customer_id.to_string(),
                "--address-id",
                &person.address_id.to_string(),
                "--line1",
                &format!("{} market street", 100 + i),
                "--city",
                "san francisco",
                "--region",
                "CA",
                "--postcode",
                "94105",
                "--country",
                "US",
            ],
            "",
        );
    }

    let mut rng = SplitMix64::new(seed);
    for _ in 0..runs {
        let mut child = concord(data, &["push"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("concord push starts");
        std::thread::sleep(Duration::from_millis(5 + rng.next_u64() % 200));
        // Child::kill sends SIGKILL: no destructor, no rollback, no goodbye.
        let _ = child.kill();
        let _ = child.wait();
    }
    let before_last: Vec<Value> =
        serde_json::from_str(&run_ok(data, &["outbox", "--json", "--limit", "1000"], "")).unwrap();
    let settled_by_killed_runs = before_last
        .iter()
        .filter(|e| e["state"] == "confirmed")
        .count();
    let finished = run_ok(data, &["push"], "");
    let outbox: Vec<Value> =
        serde_json::from_str(&run_ok(data, &["outbox", "--json", "--limit", "1000"], "")).unwrap();

    assert!(finished.contains("Confirmed"), "{finished}");
    assert!(
        settled_by_killed_runs > 0,
        "the kills must fall inside pushes that do work, or this test proves nothing"
    );
    eprintln!(
        "{settled_by_killed_runs} of {} entries confirmed by runs that were killed",
        before_last.len()
    );
    assert_eq!(
        outbox.len(),
        2 * people.len(),
        "one entry per correction and system"
    );
    for entry in &outbox {
        let key = format!(
            "{}:{}",
            entry["correctionId"].as_str().unwrap(),
            entry["system"].as_str().unwrap()
        );
        assert_eq!(
            entry["state"], "confirmed",
            "{key} (runs {runs}, seed {seed}): {entry}"
        );
        assert_eq!(
            sandbox.writes_by_key(&key),
            1,
            "{key} applied exactly once despite {runs} kills (seed {seed})"
        );
    }
    runtime.block_on(sandbox.shutdown());
}
