//! Bad input never stops a sync and never loses what a system sent: an odd record is stored
//! as received or set aside with a reason, and a system that fails does not stop the others.

mod pull_support;

use concord_store::table::{set_aside, source_record, sync_status};
use concord_sync::mapping::Mapping;
use concord_sync::pull::{self, PullOptions, Source, SystemPull};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::VendureClient;
use concord_sync::vendure::VendureSettings;
use pull_support::{quick_retries, sandbox, sync};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ten_thousand_character_name_is_stored_as_received() {
    let sandbox = sandbox(0, 1).await;
    let v = sandbox.vendure();
    let web = VendureClient::new(VendureSettings::new(v.url, v.username, v.password)).unwrap();
    let long = "Q".repeat(10_000);
    let created = web
        .query(
            "createCustomer",
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                ... on Customer { id } ... on ErrorResult { errorCode message } } }",
            json!({"input": {"firstName": "Ada", "lastName": long,
                "emailAddress": "long@example.com"}}),
        )
        .await
        .expect("the web store takes the customer");
    let id = created["createCustomer"]["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");

    let report = sync(&cache, &sandbox, 50, false).await;

    assert!(report.complete(), "{:?}", report.streams);
    let conn = concord_store::open_reader(&cache).unwrap();
    let row = source_record::find(&conn, "vendure", &id)
        .unwrap()
        .expect("stored");
    assert_eq!(
        row.normalized["family_name"].as_str().map(str::len),
        Some(10_000),
        "kept whole, not cut"
    );
    assert!(
        row.raw_payload.contains(&long),
        "the payload is kept as the system sent it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_in_an_unknown_country_loses_nothing_and_the_rest_goes_on() {
    let sandbox = sandbox(0, 1).await;
    let t = sandbox.tryton();
    let erp =
        TrytonClient::new(TrytonSettings::new(t.url, t.database, t.login, t.password)).unwrap();
    let create = |values: Value| {
        let erp = &erp;
        async move {
            let ids = erp
                .call("model.party.party.create", vec![json!([values])], None)
                .await
                .expect("the ERP takes the party");
            ids[0].as_i64().unwrap().to_string()
        }
    };
    let odd = create(
        json!({"name": "Odd Country", "code": "ODD", "addresses": [["create", [
        {"street": "1 Nowhere Rd", "city": "Atlantis", "country": 99_999}]]]}),
    )
    .await;
    let fine = create(json!({"name": "Fine Person", "code": "FINE"})).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");

    let report = sync(&cache, &sandbox, 50, false).await;

    assert!(
        report.complete(),
        "one odd record never stops a stream: {:?}",
        report.streams
    );
    let conn = concord_store::open_reader(&cache).unwrap();
    assert!(
        source_record::find(&conn, "tryton", &fine)
            .unwrap()
            .is_some(),
        "the record beside the odd one is stored"
    );
    let stored = source_record::find(&conn, "tryton", &odd).unwrap();
    let aside = set_aside::list(&conn).unwrap();
    let aside = aside.iter().find(|r| r.system_id == odd);
    match (stored, aside) {
        (Some(row), None) => assert!(
            row.raw_payload.contains("1 Nowhere Rd"),
            "stored as received: {}",
            row.raw_payload
        ),
        (None, Some(row)) => {
            assert!(!row.reason.is_empty(), "set aside with a reason");
            assert!(row.raw_payload.contains("Odd Country"), "kept as received");
        }
        (stored, aside) => {
            panic!("the odd record must be either stored or set aside, once: {stored:?} {aside:?}")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_system_that_refuses_every_page_stops_its_streams_only() {
    let sandbox = sandbox(20, 3).await;
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    let broken = TrytonSettings::new(t.url, "no-such-database", t.login, t.password);
    let systems = vec![
        SystemPull::new(Source::Tryton {
            client: TrytonClient::new(broken).unwrap(),
            mapping: Mapping::default(),
        }),
        SystemPull::new(Source::Vendure {
            client: VendureClient::new(VendureSettings::new(v.url, v.username, v.password))
                .unwrap(),
            mapping: Mapping::default(),
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let options = PullOptions {
        full: false,
        retry: quick_retries(),
    };

    let report = pull::pull(concord_store::open(&cache).unwrap(), systems, options, None)
        .await
        .expect("a failing system is reported, not raised");

    for stream in &report.streams {
        match stream.system {
            pull::SystemKind::Tryton => assert!(stream.error.is_some(), "{stream:?}"),
            pull::SystemKind::Vendure => {
                assert!(stream.error.is_none(), "the web store goes on: {stream:?}");
                assert!(stream.received > 0);
            }
        }
    }
    let conn = concord_store::open_reader(&cache).unwrap();
    let tryton = sync_status::get(&conn, "tryton").unwrap().unwrap();
    let vendure = sync_status::get(&conn, "vendure").unwrap().unwrap();
    assert!(tryton.last_error.is_some(), "the status names the failure");
    assert_eq!(tryton.last_success_at, None);
    assert!(vendure.last_success_at.is_some() && vendure.last_error.is_none());
}
