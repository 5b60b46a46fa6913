//! Lookup rules, checked against the fixture cache: one test per way a rep types a caller's
//! details, the two lookup scenarios of the customer-service list, and every kind of hostile
//! input.

use concord_store::fixture::{self, Fixture};
use concord_store::graph::{self, CustomerGraph, Indexing};
use concord_store::search::{lookup, Hit, MatchQuality, MatchedField};
use concord_store::table::account::Account;
use concord_store::table::customer::Customer;
use concord_store::table::order::{Channel, Order};
use proptest::prelude::*;
use rusqlite::Connection;

fn cache() -> (Connection, Fixture) {
    fixture::open().expect("the fixture always loads")
}

fn find(conn: &Connection, typed: &str) -> Vec<Hit> {
    lookup(conn, typed, 20, "US").unwrap_or_else(|e| panic!("lookup of {typed:?} failed: {e:#}"))
}

fn ids(hits: &[Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.customer_id).collect()
}

#[test]
fn exact_email_finds_only_that_customer_never_one_sharing_its_words() {
    let (conn, f) = cache();

    let hits = find(&conn, "mail@shop.example");

    assert_eq!(
        ids(&hits),
        vec![f.mail_shop],
        "mail.shop@other.example shares words only"
    );
    assert_eq!(
        hits[0].matched_field,
        MatchedField::Email,
        "the hit says the email matched"
    );
    assert_eq!(
        hits[0].quality,
        MatchQuality::Exact,
        "an exact address is an exact match"
    );
}

#[test]
fn email_lookup_ignores_case_and_surrounding_space() {
    let (conn, f) = cache();

    let hits = find(&conn, "  MAIL@Shop.EXAMPLE ");

    assert_eq!(
        ids(&hits),
        vec![f.mail_shop],
        "emails are compared in normal form"
    );
}

#[test]
fn an_email_being_typed_finds_addresses_starting_with_it() {
    let (conn, f) = cache();

    let hits = find(&conn, "mail@sho");

    assert_eq!(
        ids(&hits),
        vec![f.mail_shop],
        "the address so far is a prefix, not words"
    );
    assert_eq!(hits[0].quality, MatchQuality::Prefix, "not yet exact");
}

#[test]
fn caller_id_finds_every_way_the_number_was_stored() {
    let (conn, f) = cache();

    let hits = find(&conn, "+1 415 555 1212");

    let mut found = ids(&hits);
    found.sort();
    let mut expected = vec![f.phone_parens, f.phone_dots, f.phone_extension];
    expected.sort();
    assert_eq!(
        found, expected,
        "(415) 555-1212, 415.555.1212 and +1 415-555-1212 x12"
    );
    assert!(
        hits.iter().all(|h| h.matched_field == MatchedField::Phone),
        "phone matched"
    );
    assert!(
        hits.iter().all(|h| h.quality == MatchQuality::Exact),
        "same line, exact"
    );
}

#[test]
fn a_phone_is_found_whichever_way_the_rep_types_it() {
    let (conn, f) = cache();

    for typed in [
        "(415) 555-1212",
        "415.555.1212",
        "4155551212",
        "1-415-555-1212",
        "415.555.1212 x12",
    ] {
        let hits = find(&conn, typed);

        assert!(
            ids(&hits).contains(&f.phone_dots),
            "{typed} must find the caller"
        );
    }
}

#[test]
fn a_national_number_is_found_without_its_country_code() {
    let (conn, f) = cache();

    let hits = find(&conn, "020 7946 0018");

    assert_eq!(
        ids(&hits),
        vec![f.katherine_johnson],
        "a GB number typed as dialled in GB"
    );
}

#[test]
fn a_phone_being_typed_narrows_to_its_owners() {
    let (conn, f) = cache();

    let hits = find(&conn, "(415) 555-12");

    assert!(
        ids(&hits).contains(&f.phone_parens),
        "the number so far is a prefix"
    );
    assert!(
        hits.iter().all(|h| h.quality == MatchQuality::Prefix),
        "not yet exact"
    );
}

#[test]
fn a_name_is_found_by_its_beginning_as_the_rep_types() {
    let (conn, f) = cache();

    for typed in ["k", "ka", "kath", "katherine j", "katherine johnson"] {
        let hits = find(&conn, typed);

        assert_eq!(
            hits.first().map(|h| h.customer_id),
            Some(f.katherine_johnson),
            "{typed}"
        );
    }
}

#[test]
fn a_name_is_found_without_its_accents_and_in_any_case() {
    let (conn, f) = cache();

    for typed in ["jose garcia", "JOSÉ GARCÍA", "García"] {
        let hits = find(&conn, typed);

        assert_eq!(ids(&hits), vec![f.jose_garcia], "{typed}");
        assert_eq!(
            hits[0].matched_field,
            MatchedField::Name,
            "{typed}: the name matched"
        );
        assert_eq!(
            hits[0].matched_value, "José García",
            "shown as stored, with accents"
        );
    }
}

#[test]
fn an_apostrophe_or_hyphen_in_a_name_does_not_hide_it() {
    let (conn, f) = cache();

    for typed in ["obrien", "O'Brien", "o'brien-smith", "mary smith"] {
        assert_eq!(ids(&find(&conn, typed)), vec![f.mary_obrien], "{typed}");
    }
}

#[test]
fn one_typo_in_a_name_is_tolerated_and_ranked_as_a_typo() {
    let (conn, f) = cache();

    for typed in [
        "Katharine Johnson",
        "Katherine Jonhson",
        "Katherine Johnsen",
        "Kahterine",
    ] {
        let hits = find(&conn, typed);

        assert_eq!(
            ids(&hits),
            vec![f.katherine_johnson],
            "{typed} is one edit away"
        );
        assert_eq!(
            hits[0].quality,
            MatchQuality::Typo,
            "{typed}: said to be a typo match"
        );
    }
}

#[test]
fn two_typos_in_one_word_are_not_a_match() {
    let (conn, _) = cache();

    let hits = find(&conn, "Kathyrine Jhonsen");

    assert!(
        hits.is_empty(),
        "tolerating more would drown the right caller: {hits:?}"
    );
}

#[test]
fn a_company_is_found_folded_and_says_so() {
    let (conn, f) = cache();

    let hits = find(&conn, "cafe muller");

    assert_eq!(
        ids(&hits),
        vec![f.jose_garcia],
        "company words are searchable"
    );
    assert_eq!(
        hits[0].matched_field,
        MatchedField::Company,
        "the company matched"
    );
    assert_eq!(hits[0].matched_value, "Café Müller GmbH", "shown as stored");
}

#[test]
fn exact_words_rank_before_a_longer_word_they_begin() {
    let (conn, _) = cache();
    for name in ["Ann Lee", "Anna Lee", "Annabel Lee"] {
        insert_named(&conn, name);
    }

    let hits = find(&conn, "ann");

    assert_eq!(hits[0].display_name, "Ann Lee", "exact before prefix");
    assert_eq!(
        hits[0].quality,
        MatchQuality::Exact,
        "ann is a whole word of Ann Lee"
    );
    assert!(
        hits[1..].iter().all(|h| h.quality == MatchQuality::Prefix),
        "the rest begin so"
    );
}

fn order_numbered(number: &str) -> Order {
    Order {
        id: 0,
        customer_id: 0,
        system: "tryton".into(),
        system_order_id: number.into(),
        number: number.into(),
        channel: Channel::Mail,
        status: "placed".into(),
        placed_at: "2026-01-01T00:00:00Z".into(),
        currency: "USD".into(),
        subtotal_minor: 0,
        tax_minor: 0,
        shipping_minor: 0,
        total_minor: 0,
        lines: serde_json::json!([]),
        bill_to: None,
        ship_to: None,
    }
}

fn insert_named(conn: &Connection, name: &str) -> i64 {
    let g = CustomerGraph {
        customer: Customer::named(name, "2026-01-01T00:00:00Z"),
        account: Account::default(),
        source_records: vec![],
        emails: vec![],
        phones: vec![],
        addresses: vec![],
        orders: vec![],
    };
    graph::insert(conn, &g, "US", Indexing::Now).unwrap()
}

#[test]
fn an_order_number_is_found_however_a_system_writes_it() {
    let (conn, f) = cache();

    for (typed, owner) in [
        ("#1001", f.mail_shop),
        ("1001", f.mail_shop),
        ("SO0042", f.mail_shop),
        ("so-42", f.mail_shop),
        ("WEB-000123", f.jose_garcia),
        ("#123", f.jose_garcia),
        ("000123", f.jose_garcia),
    ] {
        let hits = find(&conn, typed);

        let first = hits
            .first()
            .unwrap_or_else(|| panic!("{typed} finds nothing"));
        assert_eq!(first.customer_id, owner, "{typed}");
        assert_eq!(
            first.matched_field,
            MatchedField::OrderNumber,
            "{typed}: order matched"
        );
        assert_eq!(first.quality, MatchQuality::Exact, "{typed}: same number");
    }
}

#[test]
fn a_postcode_is_found_alone_or_with_a_house_number() {
    let (conn, f) = cache();

    for (typed, owner) in [
        ("94107", f.mary_obrien),
        ("94107-1234", f.mary_obrien),
        ("500 94107", f.mary_obrien),
        ("SW1A 2AA", f.katherine_johnson),
        ("sw1a2aa", f.katherine_johnson),
        ("10 SW1A 2AA", f.katherine_johnson),
        ("10115", f.jose_garcia),
    ] {
        let hits = find(&conn, typed);

        let first = hits
            .first()
            .unwrap_or_else(|| panic!("{typed} finds nothing"));
        assert_eq!(first.customer_id, owner, "{typed}");
        assert_eq!(
            first.matched_field,
            MatchedField::Postcode,
            "{typed}: postcode matched"
        );
    }
}

#[test]
fn a_wrong_house_number_does_not_match_the_postcode_with_it() {
    let (conn, f) = cache();

    let hits = find(&conn, "501 94107");

    assert!(
        !ids(&hits).contains(&f.mary_obrien),
        "501 is not Mary's house: {hits:?}"
    );
}

#[test]
fn an_exact_identifier_match_comes_before_any_other() {
    let (conn, f) = cache();
    let mut g = CustomerGraph {
        customer: Customer::named("Zed Order", "2026-01-01T00:00:00Z"),
        account: Account::default(),
        source_records: vec![],
        emails: vec![],
        phones: vec![],
        addresses: vec![],
        orders: vec![],
    };
    g.orders.push(order_numbered("SO94107"));
    let zed = graph::insert(&conn, &g, "US", Indexing::Now).unwrap();

    let hits = find(&conn, "94107");

    assert_eq!(
        ids(&hits),
        vec![zed, f.mary_obrien],
        "order number first, then the postcode"
    );
}

/// The rule every hostile input below is checked against: the lookup answers (possibly with
/// nothing) and the cache is unchanged.
fn assert_lookup_survives(typed: &str) {
    let (conn, _) = cache();
    let before: i64 = conn
        .query_row("SELECT count(*) FROM customer", [], |r| r.get(0))
        .unwrap();

    let result = lookup(&conn, typed, 20, "US");

    let shown: String = typed.chars().take(40).collect();
    assert!(
        result.is_ok(),
        "{shown:?} made lookup fail: {:?}",
        result.err()
    );
    let after: i64 = conn
        .query_row("SELECT count(*) FROM customer", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        before, after,
        "{shown:?}: nothing typed may change the cache"
    );
}

/// One test per hostile input, named after what it is.
macro_rules! hostile_inputs_never_make_lookup_fail {
    ($($name:ident => $typed:expr,)*) => {
        mod hostile_input_never_makes_lookup_fail {
            $(
                #[test]
                fn $name() {
                    super::assert_lookup_survives(&$typed);
                }
            )*
        }
    };
}

hostile_inputs_never_make_lookup_fail! {
    a_lone_double_quote => "\"",
    unbalanced_double_quotes => "\"\"\"katherine",
    a_single_quote => "'",
    the_word_and => "AND",
    the_word_or => "OR",
    the_word_not => "NOT",
    the_word_near => "NEAR",
    a_near_group => "NEAR(katherine johnson, 2)",
    a_trailing_and => "katherine AND",
    a_leading_or => "OR johnson",
    a_lone_star => "*",
    a_prefix_star => "kath*",
    a_lone_minus => "-",
    a_leading_minus => "-johnson",
    a_caret => "^katherine",
    an_open_parenthesis => "(",
    a_close_parenthesis => ")",
    unbalanced_parentheses => "((katherine)",
    a_column_filter => "name:katherine",
    a_column_set => "{name company}: x",
    an_emoji => "😀",
    an_emoji_between_words => "Katherine 😀 Johnson",
    control_characters => "\u{0}\u{1}\u{7}\u{1b}[31m",
    a_nul_inside_a_word => "katherine\u{0}johnson",
    a_right_to_left_override => "\u{202e}nosnhoj",
    sql_wildcards => "%_",
    sql_injection => "'; DROP TABLE customer; --",
    a_lone_at_sign => "@",
    two_at_signs => "@@",
    a_lone_plus => "+",
    a_lone_hash => "#",
    ten_thousand_characters => "Katherine ".repeat(1_000),
    ten_thousand_digits => "4".repeat(10_000),
    ten_thousand_at_signs => "@".repeat(10_000),
    every_operator_at_once => "\"AND OR NEAR * - ( ) 😀 \u{0}".repeat(400),
}

#[test]
fn operators_are_searched_as_words_not_obeyed() {
    let (conn, f) = cache();

    let hits = find(&conn, "katherine AND johnson");

    assert!(
        hits.is_empty() || !ids(&hits).contains(&f.mary_obrien),
        "AND is a word here"
    );
    let near = find(&conn, "NEAR(katherine johnson)");
    assert!(
        !ids(&near).contains(&f.jose_garcia),
        "NEAR is a word, not an operator"
    );
}

#[test]
fn ten_thousand_characters_are_cut_not_refused() {
    let (conn, f) = cache();
    let typed = format!("katherine johnson{}", " ".repeat(10_000));

    let hits = find(&conn, &typed);

    assert_eq!(
        ids(&hits),
        vec![f.katherine_johnson],
        "the meaningful start still counts"
    );
}

#[test]
fn empty_and_blank_input_find_nothing() {
    let (conn, _) = cache();

    assert!(find(&conn, "").is_empty(), "nothing typed, nothing shown");
    assert!(find(&conn, " \t\n ").is_empty(), "blank is nothing");
}

/// A customer with the three kinds of identifier the property test looks them up by.
fn arb_customer() -> impl Strategy<Value = (u16, u16, u16, String, Vec<u32>)> {
    (
        prop::sample::select(vec![212u16, 312, 415, 617, 713, 206, 303, 404]),
        200u16..999,
        0u16..9999,
        "[a-z]{1,8}(\\.[a-z]{1,8})?",
        prop::collection::vec(1u32..9_999_999, 1..4),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_customer_is_found_by_phone_email_and_each_order_number(
        people in prop::collection::vec(arb_customer(), 1..6)
    ) {
        let conn = concord_store::open_in_memory().unwrap();
        let mut stored = Vec::new();
        for (i, (area, exchange, line, local, orders)) in people.iter().enumerate() {
            let email = format!("{local}{i}@shop.example");
            let mut g = CustomerGraph {
                customer: Customer::named(&format!("Person {i}"), "2026-01-01T00:00:00Z"),
                account: Account::default(),
                source_records: vec![],
                emails: vec![("home".into(), email.to_uppercase())],
                phones: vec![("home".into(), format!("{area}{exchange}{line:04}"))],
                addresses: vec![],
                orders: vec![],
            };
            for (j, n) in orders.iter().enumerate() {
                let number = match j % 3 {
                    0 => format!("#{n}"),
                    1 => format!("SO{n:08}"),
                    _ => format!("WEB-{n:09}"),
                };
                g.orders.push(Order {
                    system: format!("s{j}"),
                    system_order_id: format!("{i}-{j}"),
                    ..order_numbered(&number)
                });
            }
            let id = graph::insert(&conn, &g, "US", Indexing::Now).unwrap();
            stored.push((id, g, email));
        }

        for (id, g, email) in &stored {
            let (area, exchange, line) = {
                let p = &people[stored.iter().position(|s| s.0 == *id).unwrap()];
                (p.0, p.1, p.2)
            };
            let phone_forms = [
                format!("({area}) {exchange}-{line:04}"),
                format!("{area}.{exchange}.{line:04}"),
                format!("+1 {area} {exchange} {line:04}"),
            ];
            for typed in &phone_forms {
                let found = ids(&lookup(&conn, typed, 50, "US").unwrap());
                prop_assert!(found.contains(id), "{} not found by phone {}", id, typed);
            }
            let found = ids(&lookup(&conn, email, 50, "US").unwrap());
            prop_assert!(found.contains(id), "{} not found by email {}", id, email);
            for o in &g.orders {
                let found = ids(&lookup(&conn, &o.number, 50, "US").unwrap());
                prop_assert!(found.contains(id), "{} not found by order {}", id, o.number);
            }
        }
    }
}
