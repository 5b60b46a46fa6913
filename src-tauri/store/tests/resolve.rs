//! Resolving source records into merged customers: the customer-service scenarios that depend
//! on who is who.

mod resolve_support;

use resolve_support::*;

fn guest(id: &str) -> Record {
    Record::web(id)
        .name("Maria", "Gonzalez")
        .email("maria.gonzalez@mail.example")
        .phone("(415) 555-0134")
        .address(
            &format!("a-{id}"),
            "12 Pine Street",
            "San Francisco",
            "94107",
        )
}

#[test]
fn three_guest_orders_with_one_email_and_phone_are_one_customer_keeping_all_three_ids() {
    let mut conn = cache();
    for id in ["g-1", "g-2", "g-3"] {
        pull(&conn, &guest(id));
    }

    let report = resolve(&mut conn);

    let customers: Vec<Option<i64>> = ["g-1", "g-2", "g-3"]
        .iter()
        .map(|id| customer_of(&conn, "vendure", id))
        .collect();
    assert!(customers[0].is_some(), "every record is linked");
    assert!(
        customers.iter().all(|c| *c == customers[0]),
        "same email, phone and name under three guest IDs is one person: {customers:?}"
    );
    assert_eq!(count(&conn, "customer"), 1, "one merged customer");
    assert_eq!(
        count(&conn, "link"),
        3,
        "all three web-store IDs are kept, linked"
    );
    assert_eq!(
        count(&conn, "source_record"),
        3,
        "nothing is merged in the system"
    );
    assert_eq!(report.pending, 3);
    assert_eq!(
        count(&conn, "pending_match"),
        0,
        "matched records are no longer pending"
    );
}

#[test]
fn a_guest_using_a_registered_accounts_email_and_nothing_else_is_a_review_item_not_a_link() {
    let mut conn = cache();
    pull(
        &conn,
        &Record::web("reg-1")
            .registered()
            .name("Robert", "Chen")
            .email("family@home.example")
            .phone("212 555 0199")
            .address("a1", "400 Lake Road", "Chicago", "60601")
            .birth_date("1970-02-03"),
    );
    pull(
        &conn,
        &Record::web("guest-9")
            .name("Lucy", "Okafor")
            .email("family@home.example")
            .phone("503 555 0142")
            .address("a2", "9 Elm Court", "Portland", "97201"),
    );

    let report = resolve(&mut conn);

    assert_ne!(
        customer_of(&conn, "vendure", "reg-1"),
        customer_of(&conn, "vendure", "guest-9"),
        "an email alone never links to a registered account"
    );
    assert_eq!(report.uncertain_matches, 1, "a supervisor is asked instead");
    let (kind, state): (String, String) = conn
        .query_row("SELECT kind, state FROM review_item", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((kind.as_str(), state.as_str()), ("uncertain_match", "open"));
}

#[test]
fn an_uncertain_match_explains_itself_and_its_contributions_add_up_to_its_probability() {
    let mut conn = cache();
    pull(
        &conn,
        &Record::web("reg-1")
            .registered()
            .name("Robert", "Chen")
            .email("f@h.example"),
    );
    pull(
        &conn,
        &Record::web("g-2")
            .name("Lucy", "Okafor")
            .email("f@h.example"),
    );
    resolve(&mut conn);

    let evidence: serde_json::Value = conn
        .query_row("SELECT evidence FROM review_item", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();

    let prior = evidence["priorBits"].as_f64().unwrap();
    let fields = evidence["fields"].as_array().unwrap();
    let sum: f64 = prior
        + fields
            .iter()
            .map(|f| f["bits"].as_f64().unwrap())
            .sum::<f64>();
    let total = evidence["totalBits"].as_f64().unwrap();
    let probability = evidence["probability"].as_f64().unwrap();
    assert!(
        (sum - total).abs() < 1e-9,
        "prior + fields = {sum}, reported total {total}"
    );
    assert!(
        (1.0 / (1.0 + (-total).exp2()) - probability).abs() < 1e-12,
        "the probability is the logistic of the total bits"
    );
    let email = fields.iter().find(|f| f["field"] == "email").unwrap();
    assert_eq!(
        email["left"], "f@h.example",
        "both values are shown beside the weight"
    );
    assert_eq!(email["right"], "f@h.example");
    assert!(
        email["bits"].as_f64().unwrap() > 0.0,
        "an equal email is evidence for"
    );
}

#[test]
fn an_erp_owned_field_that_differs_in_the_web_store_shows_the_erp_value_and_a_disagreement() {
    let mut conn = cache();
    pull(
        &conn,
        &Record::erp("P-100")
            .full_name("Ada Wholesale")
            .customer_type("wholesale")
            .price_level("tier-2")
            .cross_ref("vendure", "c-55"),
    );
    pull(
        &conn,
        &Record::web("c-55")
            .name("Ada", "Wholesale")
            .customer_type("retail")
            .price_level("list")
            .changed_at("2026-06-01T00:00:00Z"),
    );

    let report = resolve(&mut conn);

    let customer = customer_of(&conn, "tryton", "P-100").unwrap();
    assert_eq!(
        customer_of(&conn, "vendure", "c-55"),
        Some(customer),
        "cross-reference links"
    );
    let (kind, level): (String, String) = conn
        .query_row(
            "SELECT customer_type, price_level FROM account WHERE customer_id = ?1",
            [customer],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "wholesale", "the ERP owns the customer type");
    assert_eq!(
        level, "tier-2",
        "the ERP's price level is shown, not the newer web one"
    );
    let (system, others, disagreement): (String, String, bool) = conn
        .query_row(
            "SELECT system, others, disagreement FROM field_provenance
             WHERE customer_id = ?1 AND field = 'price_level'",
            [customer],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        system, "tryton",
        "provenance names the system the value came from"
    );
    assert!(disagreement, "the difference is visible on the field");
    assert!(
        others.contains("\"list\""),
        "the web store's value is kept beside it: {others}"
    );
    assert_eq!(
        report.disagreements, 2,
        "customer type and price level each raise an item"
    );

    pull(
        &conn,
        &Record::web("c-55")
            .name("Ada", "Wholesale")
            .customer_type("retail")
            .price_level("list")
            .changed_at("2026-06-02T00:00:00Z"),
    );
    let again = resolve(&mut conn);

    assert_eq!(
        again.disagreements, 0,
        "an open item on the same values is not raised twice"
    );
    assert_eq!(count(&conn, "review_item"), 2);
}

#[test]
fn a_repeat_order_with_the_same_contact_data_creates_nothing_new() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    pull_order(&conn, "vendure", "o-1", "g-1");
    resolve(&mut conn);
    let before = (
        count(&conn, "customer"),
        count(&conn, "contact_point"),
        count(&conn, "address"),
    );

    pull(&conn, &guest("g-1"));
    pull_order(&conn, "vendure", "o-2", "g-1");
    resolve(&mut conn);

    let after = (
        count(&conn, "customer"),
        count(&conn, "contact_point"),
        count(&conn, "address"),
    );
    assert_eq!(
        before, after,
        "customers, contacts and addresses stay as they were"
    );
    assert_eq!(
        count(&conn, "customer_order"),
        2,
        "the repeat order is attached"
    );
}

#[test]
fn a_repeat_order_adding_a_second_phone_gains_it_with_its_system_and_time() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    resolve(&mut conn);
    let customer = customer_of(&conn, "vendure", "g-1").unwrap();

    let later = "2026-05-09T08:30:00Z";
    pull(&conn, &guest("g-1").phone("415 555 0199").changed_at(later));
    resolve_at(&mut conn, later);

    let phones: Vec<(String, String, Option<String>)> = conn
        .prepare(
            "SELECT c.e164, r.system, c.seen_at FROM contact_point c
             JOIN source_record r ON r.id = c.source_record_id
             WHERE c.customer_id = ?1 AND c.medium = 'phone' ORDER BY c.id",
        )
        .unwrap()
        .query_map([customer], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        phones.len(),
        2,
        "the second phone is added, the first kept: {phones:?}"
    );
    assert_eq!(
        phones[0].2.as_deref(),
        Some(T0),
        "the first phone keeps when it was seen"
    );
    assert_eq!(phones[1].0, "+14155550199");
    assert_eq!(phones[1].1, "vendure", "it says which system it came from");
    assert_eq!(phones[1].2.as_deref(), Some(later), "and when");
}

#[test]
fn a_buyer_ingested_twice_within_a_second_is_one_customer_however_the_records_arrive() {
    let first = guest("retry-1").changed_at("2026-05-01T10:00:00Z");
    let second = guest("retry-2").changed_at("2026-05-01T10:00:00.600Z");

    let mut together = cache();
    pull(&together, &second);
    pull(&together, &first);
    resolve(&mut together);
    let mut apart = cache();
    pull(&apart, &first);
    resolve(&mut apart);
    pull(&apart, &second);
    resolve(&mut apart);

    for conn in [&together, &apart] {
        assert_eq!(
            count(conn, "customer"),
            1,
            "a retried checkout is one person"
        );
        assert_eq!(
            customer_of(conn, "vendure", "retry-1"),
            customer_of(conn, "vendure", "retry-2")
        );
    }
}

#[test]
fn customer_ids_stay_stable_across_syncs_and_a_removed_customers_id_is_never_reused() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    pull(
        &conn,
        &Record::web("other")
            .name("Ben", "Stone")
            .email("ben@stone.example"),
    );
    resolve(&mut conn);
    let maria = customer_of(&conn, "vendure", "g-1").unwrap();
    let ben = customer_of(&conn, "vendure", "other").unwrap();

    conn.execute("DELETE FROM source_record WHERE system_id = 'other'", [])
        .unwrap();
    pull(&conn, &guest("g-2"));
    pull(
        &conn,
        &Record::web("new")
            .name("Cy", "Young")
            .email("cy@young.example"),
    );
    let report = resolve(&mut conn);

    assert_eq!(
        customer_of(&conn, "vendure", "g-1"),
        Some(maria),
        "the id survives a sync"
    );
    assert_eq!(
        customer_of(&conn, "vendure", "g-2"),
        Some(maria),
        "and a new duplicate joins it"
    );
    let cy = customer_of(&conn, "vendure", "new").unwrap();
    assert!(
        cy > ben,
        "a new customer never takes a removed customer's id"
    );
    assert_eq!(
        report.customers_removed, 1,
        "a customer with no records left is removed"
    );
    assert_eq!(count(&conn, "customer"), 2);
}

#[test]
fn address_rows_keep_their_ids_when_a_customer_is_materialized_again() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    resolve(&mut conn);
    let id: i64 = conn
        .query_row("SELECT id FROM address", [], |r| r.get(0))
        .unwrap();

    pull(&conn, &guest("g-1").changed_at("2026-05-02T00:00:00Z"));
    pull(&conn, &guest("g-2"));
    resolve(&mut conn);

    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM address ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        ids[0], id,
        "the same system address is the same row: corrections point at it"
    );
    assert_eq!(ids.len(), 2, "one per record and system address");
}

#[test]
fn the_merged_customer_is_findable_by_name_after_resolving() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));

    resolve(&mut conn);

    let name: String = conn
        .query_row("SELECT name FROM search_document", [], |r| r.get(0))
        .unwrap();
    assert!(
        name.contains("gonzalez"),
        "the search index follows the customer: {name}"
    );
}

#[test]
fn records_from_before_the_pull_sync_and_their_customers_are_left_alone() {
    let mut conn = cache();
    concord_store::fixture::populate(&conn).unwrap();
    let before = canonical_dump(&conn);
    let customers_before = count(&conn, "customer");

    pull(&conn, &guest("g-1"));
    resolve(&mut conn);

    let after = canonical_dump(&conn);
    let fixture_links = &before[..before.find("== customer\n").unwrap()];
    assert!(
        after.starts_with(fixture_links),
        "the fixture's links are unchanged; only the new record's link follows them"
    );
    assert_eq!(
        count(&conn, "customer"),
        customers_before + 1,
        "only the new customer is added"
    );
}

#[test]
fn a_supervisors_pin_follows_its_customer_when_it_merges_into_another() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    pull(
        &conn,
        &Record::web("g-2")
            .name("M", "Gonzalez")
            .email("m.g@other.example"),
    );
    resolve(&mut conn);
    let survivor = customer_of(&conn, "vendure", "g-1").unwrap();
    let retired = customer_of(&conn, "vendure", "g-2").unwrap();
    assert_ne!(survivor, retired, "different people so far");
    conn.execute(
        "INSERT INTO pinned_value (customer_id, field, value, pinned_at)
         VALUES (?1, 'job_title', 'Buyer', ?2)",
        rusqlite::params![retired, T0],
    )
    .unwrap();

    // The second record turns out to carry the first one's contact data.
    pull(&conn, &guest("g-2"));
    resolve(&mut conn);

    assert_eq!(
        customer_of(&conn, "vendure", "g-2"),
        Some(survivor),
        "now one customer"
    );
    let shown: Option<String> = conn
        .query_row(
            "SELECT job_title FROM account WHERE customer_id = ?1",
            [survivor],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        shown.as_deref(),
        Some("Buyer"),
        "the supervisor's choice is not lost"
    );
}

#[test]
fn a_pending_record_that_is_not_a_customer_is_reported_and_stops_nothing_else() {
    let mut conn = cache();
    pull(&conn, &guest("g-1"));
    conn.execute(
        "INSERT INTO source_record (system, system_id, raw_payload, normalized, fetched_at)
         VALUES ('vendure', 'odd', '{}', '{\"system\": \"vendure\", \"emails\": \"none\"}', ?1)",
        [T0],
    )
    .unwrap();
    let odd = conn.last_insert_rowid();
    conn.execute("INSERT INTO pending_match VALUES (?1)", [odd])
        .unwrap();

    let report = resolve(&mut conn);

    assert_eq!(report.unreadable, vec![odd], "the odd record is named");
    assert!(
        customer_of(&conn, "vendure", "g-1").is_some(),
        "the rest is resolved"
    );
    assert_eq!(
        count(&conn, "source_record"),
        2,
        "the odd record is kept as received"
    );
}
