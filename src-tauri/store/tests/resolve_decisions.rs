//! Supervisors' decisions on review items: each one respected by every later resolve, each
//! one undoable to exactly the state before it.

mod resolve_support;

use concord_store::resolve::{decide, undo, Action, DecisionError, ResolveSettings};
use concord_store::table::review_item;
use resolve_support::*;
use rusqlite::Connection;

const LATER: &str = "2026-05-02T09:00:00Z";

fn registered() -> Record {
    Record::web("reg-1")
        .registered()
        .name("Robert", "Chen")
        .email("family@home.example")
        .phone("212 555 0199")
        .address("a1", "400 Lake Road", "Chicago", "60601")
}

fn guest() -> Record {
    Record::web("guest-9")
        .name("Lucy", "Okafor")
        .email("family@home.example")
        .phone("503 555 0142")
        .address("a2", "9 Elm Court", "Portland", "97201")
}

/// A cache where the two records share only an email: one open uncertain-match item.
fn shared_email_cache() -> (Connection, i64) {
    let mut conn = cache();
    pull(&conn, &registered());
    pull(&conn, &guest());
    resolve(&mut conn);
    let item = only_open(&conn, "uncertain_match");
    (conn, item)
}

fn only_open(conn: &Connection, kind: &str) -> i64 {
    let open: Vec<_> = review_item::open_items(conn, 100)
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == kind)
        .collect();
    assert_eq!(open.len(), 1, "exactly one open {kind} item: {open:?}");
    open[0].id
}

fn open_count(conn: &Connection, kind: &str) -> usize {
    review_item::open_items(conn, 100)
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == kind)
        .count()
}

fn settings() -> ResolveSettings {
    ResolveSettings::default()
}

#[test]
fn not_the_same_person_survives_a_resync_of_the_same_records() {
    let (mut conn, item) = shared_email_cache();
    decide(
        &mut conn,
        item,
        &Action::NotSamePerson,
        "sam",
        LATER,
        &settings(),
    )
    .unwrap();

    // The next pull brings both records again, one with a newer timestamp only.
    pull(&conn, &registered().changed_at("2026-05-03T00:00:00Z"));
    pull(&conn, &guest());
    conn.execute(
        "INSERT OR IGNORE INTO pending_match SELECT id FROM source_record",
        [],
    )
    .unwrap();
    resolve_at(&mut conn, "2026-05-03T00:00:00Z");

    assert_ne!(
        customer_of(&conn, "vendure", "reg-1"),
        customer_of(&conn, "vendure", "guest-9"),
        "the decision keeps them apart"
    );
    assert_eq!(
        open_count(&conn, "uncertain_match"),
        0,
        "the question is answered; nothing compared changed, so it is not asked again"
    );
}

#[test]
fn not_the_same_person_is_asked_again_when_a_phone_changes() {
    let (mut conn, item) = shared_email_cache();
    decide(
        &mut conn,
        item,
        &Action::NotSamePerson,
        "sam",
        LATER,
        &settings(),
    )
    .unwrap();

    pull(&conn, &guest().phone("212 555 0199"));
    resolve_at(&mut conn, "2026-05-04T00:00:00Z");

    assert_eq!(
        open_count(&conn, "uncertain_match"),
        1,
        "a compared field changed, so a supervisor looks again"
    );
    assert_ne!(
        customer_of(&conn, "vendure", "reg-1"),
        customer_of(&conn, "vendure", "guest-9"),
        "until then the earlier decision still holds"
    );
    let decided = review_item::get(&conn, item).unwrap().unwrap();
    assert_eq!(
        decided.state, "decided",
        "the earlier decision stays on record"
    );
}

#[test]
fn link_joins_the_two_records_into_one_customer() {
    let (mut conn, item) = shared_email_cache();

    let decided = decide(&mut conn, item, &Action::Link, "sam", LATER, &settings()).unwrap();

    assert_eq!(decided.state, "decided");
    assert_eq!(
        decided.decided_by.as_deref(),
        Some("sam"),
        "who decided is recorded"
    );
    assert_eq!(
        customer_of(&conn, "vendure", "reg-1"),
        customer_of(&conn, "vendure", "guest-9"),
        "a supervisor's link joins them"
    );
    assert_eq!(
        count(&conn, "customer"),
        1,
        "the emptied customer is removed"
    );
    let audited: (String, String) = conn
        .query_row(
            "SELECT actor, detail FROM audit_log WHERE action = 'review.decide'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(audited.0, "sam");
    let detail: serde_json::Value = serde_json::from_str(&audited.1).unwrap();
    assert_eq!(
        detail["before"]["links"].as_array().unwrap().len(),
        2,
        "before is kept"
    );
    assert_eq!(
        detail["after"]["links"].as_array().unwrap().len(),
        2,
        "and after"
    );
    assert_ne!(
        detail["before"], detail["after"],
        "the audit shows what changed"
    );
}

#[test]
fn undoing_a_link_restores_the_exact_previous_state() {
    let (mut conn, item) = shared_email_cache();
    let before = canonical_dump(&conn);
    decide(&mut conn, item, &Action::Link, "sam", LATER, &settings()).unwrap();
    assert_ne!(
        canonical_dump(&conn),
        before,
        "the decision changed something"
    );

    let reopened = undo(&mut conn, item, "sam", "2026-05-02T10:00:00Z", &settings()).unwrap();

    assert_eq!(
        canonical_dump(&conn),
        before,
        "links, customers and their rows are as before"
    );
    assert_eq!(reopened.state, "open", "the question is open again");
    assert_eq!(
        count(&conn, "audit_log"),
        2,
        "the decision and its undo are both audited"
    );
}

#[test]
fn undoing_not_the_same_person_after_a_split_restores_the_exact_previous_state() {
    let mut conn = cache();
    for id in ["g-1", "g-2"] {
        pull(
            &conn,
            &Record::web(id)
                .name("Maria", "Gonzalez")
                .email("maria@mail.example")
                .phone("415 555 0134"),
        );
    }
    resolve(&mut conn);
    let customer = customer_of(&conn, "vendure", "g-1").unwrap();
    assert_eq!(customer_of(&conn, "vendure", "g-2"), Some(customer));
    let moved: i64 = conn
        .query_row(
            "SELECT id FROM source_record WHERE system_id = 'g-2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let item = review_item::insert(
        &conn,
        &review_item::ReviewItem::open(
            "disagreement",
            Some(customer),
            serde_json::json!({ "key": "test" }),
            serde_json::json!({}),
            T0,
        ),
    )
    .unwrap();
    let before = canonical_dump(&conn);

    decide(
        &mut conn,
        item,
        &Action::Split {
            records: vec![moved],
        },
        "sam",
        LATER,
        &settings(),
    )
    .unwrap();
    assert_ne!(
        customer_of(&conn, "vendure", "g-2"),
        Some(customer),
        "the split moves the record into a customer of its own"
    );
    assert_eq!(
        customer_of(&conn, "vendure", "g-1"),
        Some(customer),
        "the rest keep the id"
    );
    undo(&mut conn, item, "sam", "2026-05-02T10:00:00Z", &settings()).unwrap();

    assert_eq!(
        canonical_dump(&conn),
        before,
        "the split is gone without a trace in the rows"
    );
}

#[test]
fn a_picked_value_outlives_a_sync_and_undo_takes_it_back() {
    let mut conn = cache();
    pull(
        &conn,
        &Record::erp("P-1")
            .full_name("Ada Lovelace")
            .price_level("tier-2")
            .cross_ref("vendure", "c-1"),
    );
    pull(
        &conn,
        &Record::web("c-1")
            .name("Ada", "Lovelace")
            .price_level("list"),
    );
    resolve(&mut conn);
    let item = only_open(&conn, "disagreement");
    let customer = customer_of(&conn, "tryton", "P-1").unwrap();
    let pick = Action::Pick {
        field: "price_level".into(),
        value: "list".into(),
    };

    decide(&mut conn, item, &pick, "sam", LATER, &settings()).unwrap();
    let shown: String = conn
        .query_row(
            "SELECT price_level FROM account WHERE customer_id = ?1",
            [customer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shown, "list", "the supervisor's choice is shown");
    pull(
        &conn,
        &Record::erp("P-1")
            .full_name("Ada Lovelace")
            .price_level("tier-2")
            .cross_ref("vendure", "c-1")
            .changed_at("2026-05-05T00:00:00Z"),
    );
    resolve_at(&mut conn, "2026-05-05T00:00:00Z");
    let still: String = conn
        .query_row(
            "SELECT price_level FROM account WHERE customer_id = ?1",
            [customer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(still, "list", "a later sync respects the pinned choice");
    assert_eq!(
        open_count(&conn, "disagreement"),
        0,
        "a decided disagreement is not raised again"
    );

    // A sync came in between, so the rows differ from before the decision in what the sync
    // brought; what the undo must take back is the pin and the value it forced.
    undo(&mut conn, item, "sam", "2026-05-06T00:00:00Z", &settings()).unwrap();
    let back: String = conn
        .query_row(
            "SELECT price_level FROM account WHERE customer_id = ?1",
            [customer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        back, "tier-2",
        "without the pin the owner's value is shown again"
    );
    assert_eq!(count(&conn, "pinned_value"), 0, "the pin is gone");
}

#[test]
fn undoing_a_pick_right_away_restores_the_exact_previous_state() {
    let mut conn = cache();
    pull(
        &conn,
        &Record::erp("P-1")
            .full_name("Ada Lovelace")
            .price_level("tier-2")
            .cross_ref("vendure", "c-1"),
    );
    pull(
        &conn,
        &Record::web("c-1")
            .name("Ada", "Lovelace")
            .price_level("list"),
    );
    resolve(&mut conn);
    let item = only_open(&conn, "disagreement");
    let before = canonical_dump(&conn);
    let pick = Action::Pick {
        field: "price_level".into(),
        value: "list".into(),
    };

    decide(&mut conn, item, &pick, "sam", LATER, &settings()).unwrap();
    undo(&mut conn, item, "sam", "2026-05-02T10:00:00Z", &settings()).unwrap();

    assert_eq!(
        canonical_dump(&conn),
        before,
        "pins, account and provenance as before"
    );
}

#[test]
fn a_decided_item_cannot_be_decided_again_and_an_open_one_cannot_be_undone() {
    let (mut conn, item) = shared_email_cache();

    let undo_open = undo(&mut conn, item, "sam", LATER, &settings());
    decide(
        &mut conn,
        item,
        &Action::NotSamePerson,
        "sam",
        LATER,
        &settings(),
    )
    .unwrap();
    let again = decide(&mut conn, item, &Action::Link, "kim", LATER, &settings());

    assert!(
        matches!(undo_open, Err(DecisionError::NotDecided { .. })),
        "{undo_open:?}"
    );
    assert!(
        matches!(again, Err(DecisionError::NotOpen { .. })),
        "the first decision stands"
    );
    assert_ne!(
        customer_of(&conn, "vendure", "reg-1"),
        customer_of(&conn, "vendure", "guest-9"),
        "the refused second decision changed nothing"
    );
}

#[test]
fn a_decision_that_does_not_fit_the_item_is_refused_and_changes_nothing() {
    let (mut conn, item) = shared_email_cache();
    let before = canonical_dump(&conn);
    let pick = Action::Pick {
        field: "price_level".into(),
        value: "A".into(),
    };

    let result = decide(&mut conn, item, &pick, "sam", LATER, &settings());

    assert!(
        matches!(result, Err(DecisionError::InvalidAction(_))),
        "{result:?}"
    );
    assert_eq!(
        canonical_dump(&conn),
        before,
        "a refused decision is rolled back whole"
    );
    assert_eq!(
        open_count(&conn, "uncertain_match"),
        1,
        "the item still waits"
    );
}
