//! Lookup and the account view, through the service as every host calls them, on a data
//! folder whose cache holds the store's fixture.

use std::sync::Arc;

use concord_service::lookup::{MatchQuality, MatchedField};
use concord_service::{ErrorCode, Paths, Service};
use concord_store::fixture::{self, Fixture};

/// A service whose cache holds the fixture, and the fixture's ids. The folder lives as long
/// as the returned guard.
fn service() -> (Service, Fixture, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    std::fs::create_dir_all(&paths.data_dir).unwrap();
    let conn = concord_store::open(&paths.data_dir.join(concord_service::CACHE_FILE_NAME)).unwrap();
    let fixture = fixture::populate(&conn).unwrap();
    drop(conn);

    (Service::open(paths).unwrap(), fixture, dir)
}

#[test]
fn lookup_by_exact_email_returns_only_its_owner_first_and_says_why() {
    let (service, f, _dir) = service();

    let results = service.lookup("mail@shop.example", 20).unwrap();

    let ids: Vec<i64> = results.hits.iter().map(|h| h.customer_id).collect();
    assert_eq!(
        ids,
        vec![f.mail_shop],
        "never the customer who merely shares words"
    );
    assert_eq!(
        results.hits[0].matched_field,
        MatchedField::Email,
        "the UI shows what matched"
    );
    assert_eq!(
        results.hits[0].quality,
        MatchQuality::Exact,
        "an exact match is marked so"
    );
}

#[test]
fn lookup_by_caller_id_finds_every_stored_format() {
    let (service, f, _dir) = service();

    let results = service.lookup("+1 415 555 1212", 20).unwrap();

    let mut ids: Vec<i64> = results.hits.iter().map(|h| h.customer_id).collect();
    ids.sort();
    let mut expected = vec![f.phone_parens, f.phone_dots, f.phone_extension];
    expected.sort();
    assert_eq!(
        ids, expected,
        "(415) 555-1212, 415.555.1212 and +1 415-555-1212 x12"
    );
}

#[test]
fn lookup_of_hostile_text_answers_instead_of_failing() {
    let (service, _, _dir) = service();
    let long = "\"AND OR NEAR * - ( ) 😀 \u{0}".repeat(400);

    let results = service.lookup(&long, 20);

    assert!(
        results.is_ok(),
        "nothing a rep types may break the search box: {results:?}"
    );
}

#[test]
fn lookup_hits_serialize_in_the_shape_the_ui_reads() {
    let (service, f, _dir) = service();

    let results = service.lookup("#1001", 5).unwrap();

    let json = serde_json::to_value(&results).unwrap();
    assert_eq!(
        json["hits"][0]["customerId"], f.mail_shop,
        "camelCase ids for TypeScript"
    );
    assert_eq!(
        json["hits"][0]["matchedField"], "orderNumber",
        "the UI branches on it"
    );
    assert_eq!(
        json["hits"][0]["matchedValue"], "#1001",
        "as the system writes it"
    );
}

#[test]
fn show_returns_the_merged_account_with_everything_behind_it() {
    let (service, f, _dir) = service();

    let view = service.show(f.mail_shop).unwrap();

    let account = view
        .account
        .expect("the fixture gives this customer an account");
    assert_eq!(account.customer_type, "wholesale", "account type is shown");
    assert_eq!(
        account.price_level.as_deref(),
        Some("B"),
        "price level is shown"
    );
    let systems: Vec<(&str, &str)> = view
        .source_records
        .iter()
        .map(|r| (r.system.as_str(), r.system_id.as_str()))
        .collect();
    assert_eq!(
        systems,
        vec![("tryton", "party-7"), ("vendure", "7")],
        "IDs in each system"
    );
    assert_eq!(
        view.contacts[0].display, "mail@shop.example",
        "normalized email shown"
    );
    assert_eq!(view.orders.len(), 2, "orders from every channel");
    assert_eq!(view.addresses.len(), 1, "every address");
}

#[test]
fn show_displays_a_phone_in_national_form_with_its_extension() {
    let (service, f, _dir) = service();

    let view = service.show(f.phone_extension).unwrap();

    assert_eq!(
        view.contacts[0].display, "(415) 555-1212 ext. 12",
        "how a US rep reads it"
    );
    assert_eq!(
        view.contacts[0].value_as_received, "+1 415-555-1212 x12",
        "as received"
    );
}

#[test]
fn show_of_an_unknown_customer_is_not_found() {
    let (service, _, _dir) = service();

    let err = service.show(987_654).unwrap_err();

    assert_eq!(
        err.code,
        ErrorCode::NotFound,
        "the UI says the account no longer exists"
    );
}

#[test]
fn lookups_from_many_threads_share_one_service() {
    let (service, f, _dir) = service();
    let service = Arc::new(service);

    let handles: Vec<_> = (0..8)
        .map(|_| {
            let service = Arc::clone(&service);
            std::thread::spawn(move || service.lookup("katherine", 5).unwrap())
        })
        .collect();

    for handle in handles {
        let results = handle.join().expect("no lookup thread panics");
        assert_eq!(
            results.hits[0].customer_id, f.katherine_johnson,
            "same answer everywhere"
        );
    }
}

#[test]
fn a_cache_from_a_newer_concord_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    std::fs::create_dir_all(&paths.data_dir).unwrap();
    let conn = concord_store::open(&paths.data_dir.join(concord_service::CACHE_FILE_NAME)).unwrap();
    conn.execute_batch("PRAGMA user_version = 999").unwrap();
    drop(conn);

    let err = Service::open(paths)
        .err()
        .expect("a newer cache must not be read");

    assert!(
        err.message.contains("written by a newer Concord"),
        "message: {}",
        err.message
    );
}

#[test]
fn national_numbers_are_read_in_the_default_region_once_set() {
    let (service, f, _dir) = service();

    let before = service.lookup("7946 0018", 5).unwrap();
    service.set_default_region("gb").unwrap();
    let after = service.lookup("020 7946 0018", 5).unwrap();

    assert!(
        before
            .hits
            .iter()
            .all(|h| h.customer_id != f.katherine_johnson),
        "too short"
    );
    assert_eq!(
        after.hits[0].customer_id, f.katherine_johnson,
        "read as a GB number"
    );
}

#[test]
fn an_unknown_default_region_is_refused_as_invalid_input() {
    let (service, _, _dir) = service();

    let err = service.set_default_region("Narnia").unwrap_err();

    assert_eq!(
        err.code,
        ErrorCode::InvalidInput,
        "the setting is shown beside its field"
    );
}
