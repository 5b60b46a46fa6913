//! How a page is stored: idempotent upserts, pending marks only for real changes, first
//! snapshots kept, set-aside rows cleared when a record reads fine, and the position moved in
//! the same transaction.

use concord_core::source::{SourceAddress, SourceCustomer, SourceOrder};
use concord_store::table::{pending_match, set_aside, source_order, source_record, sync_cursor};
use concord_sync::pull::source::{Item, RejectedItem};
use concord_sync::pull::{store_page, MappedPage, Stream};
use rusqlite::Connection;

fn cache() -> Connection {
    concord_store::open_in_memory().expect("an in-memory cache")
}

fn customer(id: &str, name: &str) -> Item<SourceCustomer> {
    Item {
        record: SourceCustomer {
            system: "vendure".into(),
            system_id: id.into(),
            full_name: Some(name.into()),
            ..SourceCustomer::default()
        },
        raw_payload: format!(r#"{{"id":"{id}","name":"{name}"}}"#),
    }
}

fn customers(items: Vec<Item<SourceCustomer>>) -> MappedPage {
    MappedPage {
        customers: items,
        ..MappedPage::default()
    }
}

fn store(conn: &mut Connection, stream: Stream, page: &MappedPage, position: &str) {
    store_page(
        conn,
        "vendure",
        stream,
        page,
        position,
        "2026-12-03T10:00:00Z",
    )
    .expect("the page is stored");
}

#[test]
fn a_record_read_again_unchanged_is_not_marked_for_matching_again() {
    let mut conn = cache();
    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("1", "Ada")]),
        "p1",
    );
    let id = source_record::find(&conn, "vendure", "1")
        .unwrap()
        .unwrap()
        .id;
    pending_match::remove(&conn, id).unwrap();

    let stored = store_page(
        &mut conn,
        "vendure",
        Stream::Customers,
        &customers(vec![customer("1", "Ada")]),
        "p2",
        "2026-12-03T11:00:00Z",
    )
    .unwrap();

    assert_eq!((stored.changed, stored.unchanged), (0, 1));
    assert_eq!(
        pending_match::count(&conn).unwrap(),
        0,
        "nothing new to match"
    );
    let kept = source_record::find(&conn, "vendure", "1").unwrap().unwrap();
    assert_eq!(
        kept.fetched_at, "2026-12-03T10:00:00Z",
        "an unchanged row is not rewritten"
    );
}

#[test]
fn a_changed_record_is_replaced_in_place_and_marked_for_matching() {
    let mut conn = cache();
    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("1", "Ada")]),
        "p1",
    );
    let id = source_record::find(&conn, "vendure", "1")
        .unwrap()
        .unwrap()
        .id;
    pending_match::remove(&conn, id).unwrap();

    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("1", "Ada L.")]),
        "p2",
    );

    let row = source_record::find(&conn, "vendure", "1").unwrap().unwrap();
    assert_eq!(row.id, id, "links point at the row id, which must stay");
    assert_eq!(row.normalized["full_name"], "Ada L.");
    assert_eq!(
        pending_match::list(&conn).unwrap(),
        [id],
        "the change waits for matching"
    );
}

#[test]
fn the_position_is_stored_with_the_page() {
    let mut conn = cache();

    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("1", "Ada")]),
        "after-1",
    );

    assert_eq!(
        sync_cursor::get(&conn, "vendure", "customers")
            .unwrap()
            .as_deref(),
        Some("after-1"),
        "the next pull starts after this page"
    );
}

#[test]
fn a_record_set_aside_is_kept_as_received_and_cleared_once_it_reads_fine() {
    let mut conn = cache();
    let bad = MappedPage {
        rejected: vec![RejectedItem {
            system_id: "7".into(),
            reason: "address: country is not an object".into(),
            raw_payload: r#"{"id":"7","addresses":[{"country":"??"}]}"#.into(),
        }],
        ..MappedPage::default()
    };
    store(&mut conn, Stream::Customers, &bad, "p1");
    let kept = set_aside::list(&conn).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].raw_payload, bad.rejected[0].raw_payload,
        "nothing it sent is lost"
    );
    assert!(
        kept[0].reason.contains("country"),
        "the reason says what to fix"
    );

    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("7", "Ada")]),
        "p2",
    );

    assert_eq!(
        set_aside::count(&conn, "vendure").unwrap(),
        0,
        "read fine now, so cleared"
    );
}

#[test]
fn an_order_keeps_the_addresses_it_was_first_seen_with() {
    let mut conn = cache();
    let order = |street: &str, status: &str| Item {
        record: SourceOrder {
            system: "vendure".into(),
            system_id: "30".into(),
            customer_system_id: "1".into(),
            status: status.into(),
            ship_to: Some(SourceAddress {
                line1: Some(street.into()),
                ..SourceAddress::default()
            }),
            ..SourceOrder::default()
        },
        raw_payload: format!(r#"{{"id":"30","street":"{street}","status":"{status}"}}"#),
    };
    let page = |item| MappedPage {
        orders: vec![item],
        ..MappedPage::default()
    };
    store(
        &mut conn,
        Stream::Orders,
        &page(order("1 Old St", "placed")),
        "p1",
    );

    store(
        &mut conn,
        Stream::Orders,
        &page(order("2 Moved Rd", "shipped")),
        "p2",
    );

    let row = source_order::find(&conn, "vendure", "30").unwrap().unwrap();
    assert_eq!(
        row.normalized["ship_to"]["line1"], "1 Old St",
        "the ship-to as placed"
    );
    assert_eq!(
        row.normalized["status"], "shipped",
        "the rest of the order is current"
    );
}

#[test]
fn a_changed_order_marks_the_customer_who_placed_it_for_rebuilding() {
    let mut conn = cache();
    store(
        &mut conn,
        Stream::Customers,
        &customers(vec![customer("1", "Ada")]),
        "p1",
    );
    let id = source_record::find(&conn, "vendure", "1")
        .unwrap()
        .unwrap()
        .id;
    pending_match::remove(&conn, id).unwrap();
    let page = MappedPage {
        orders: vec![Item {
            record: SourceOrder {
                system: "vendure".into(),
                system_id: "30".into(),
                customer_system_id: "1".into(),
                ..SourceOrder::default()
            },
            raw_payload: "{}".into(),
        }],
        ..MappedPage::default()
    };

    store(&mut conn, Stream::Orders, &page, "p2");

    assert_eq!(
        pending_match::list(&conn).unwrap(),
        [id],
        "the account shows its orders, so it is rebuilt with the new one"
    );
}
