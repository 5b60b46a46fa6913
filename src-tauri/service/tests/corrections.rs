//! Corrections through the service, as every host makes them, on a cache holding one customer
//! linked to a Tryton party and a Vendure customer. Nothing here needs a network: a correction
//! is made and queued offline; `corrections_pushed.rs` pushes to the sandbox and the real
//! systems.

mod correction_support;

use concord_service::corrections::{AddressInput, Change, ContactMedium, CorrectionRequest};
use concord_service::{ErrorCode, Paths, Role, Service};
use concord_store::table::{account, address, order};

use correction_support::{populate, service_as, Setup};

fn setup(role: Role) -> (Service, Setup, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = populate(
        &Paths::in_data_dir(dir.path()),
        ("101", "11"),
        ("7", "21", "22"),
    );
    (service_as(dir.path(), "Dana", role), s, dir)
}

fn moved() -> AddressInput {
    AddressInput {
        line1: "500 howard street suite 110".into(),
        city: Some("san francisco".into()),
        region: Some("CA".into()),
        postcode: Some("94107".into()),
        country: "US".into(),
        ..AddressInput::default()
    }
}

fn edit(customer: i64, address_id: i64, keep: Option<&str>) -> CorrectionRequest {
    CorrectionRequest {
        customer_id: customer,
        change: Change::EditAddress {
            address_id,
            address: moved(),
            keep_as_entered: keep.map(str::to_owned),
        },
        seen: None,
    }
}

fn count(service: &Service, sql: &str) -> i64 {
    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn the_preview_shows_standardized_beside_typed_and_each_systems_changes_and_writes_nothing() {
    let (service, s, _dir) = setup(Role::Rep);

    let preview = service
        .preview_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();

    let address = preview
        .address
        .expect("an address correction shows the proposal");
    assert_eq!(
        address.typed.line1, "500 howard street suite 110",
        "what was typed"
    );
    assert_eq!(
        address.chosen.line1, "500 HOWARD ST STE 110",
        "standardized by default"
    );
    let systems: Vec<(&str, usize)> = preview
        .systems
        .iter()
        .map(|p| (p.system.as_str(), p.changes.len()))
        .collect();
    assert_eq!(
        systems,
        vec![("tryton", 4), ("vendure", 4)],
        "line1, city, region, postcode"
    );
    let tryton_line1 = preview.systems[0]
        .changes
        .iter()
        .find(|c| c.field == "line1")
        .unwrap();
    assert_eq!(
        (tryton_line1.from.as_deref(), tryton_line1.to.as_deref()),
        (Some("12 Main St"), Some("500 HOWARD ST STE 110")),
        "from what, to what"
    );
    assert_eq!(
        count(&service, "SELECT count(*) FROM outbox"),
        0,
        "a preview queues nothing"
    );
    assert_eq!(count(&service, "SELECT count(*) FROM correction"), 0);
}

#[test]
fn a_correction_changes_only_that_address_and_queues_one_entry_per_system() {
    let (service, s, _dir) = setup(Role::Rep);
    let addresses_before = count(&service, "SELECT count(*) FROM address");

    let submitted = service
        .submit_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();

    let view = service.show(s.customer).unwrap();
    let lines: Vec<&str> = view.addresses.iter().map(|a| a.line1.as_str()).collect();
    assert_eq!(submitted.state, "queued");
    assert!(
        lines.contains(&"500 HOWARD ST STE 110"),
        "the correction shows at once: {lines:?}"
    );
    assert!(
        lines.contains(&"9 Side Rd"),
        "the other address is untouched: {lines:?}"
    );
    assert!(
        !lines.contains(&"12 Main St"),
        "the web store's copy of the address changes with it: {lines:?}"
    );
    assert_eq!(
        count(&service, "SELECT count(*) FROM address"),
        addresses_before,
        "none added"
    );
    assert_eq!(
        count(&service, "SELECT count(*) FROM customer"),
        1,
        "no customer added"
    );
    let systems: Vec<String> = service
        .outbox(10)
        .unwrap()
        .iter()
        .map(|o| o.system.clone())
        .collect();
    assert_eq!(systems.len(), 2, "one entry per target system: {systems:?}");
    assert!(service
        .outbox(10)
        .unwrap()
        .iter()
        .all(|o| o.state == "queued"));
    assert_eq!(
        service.status().unwrap().pending_pushes,
        1,
        "the status bar counts it offline"
    );
}

#[test]
fn an_order_keeps_the_address_it_shipped_to() {
    let (service, s, _dir) = setup(Role::Rep);

    service
        .submit_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();

    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    let shipped = order::get(&conn, s.order).unwrap().unwrap();
    assert_eq!(
        shipped.ship_to.unwrap()["line1"],
        "12 Main St",
        "a correction never rewrites an order's snapshot"
    );
}

#[test]
fn a_kept_address_is_stored_as_typed_with_its_reason() {
    let (service, s, _dir) = setup(Role::Rep);

    service
        .submit_correction(&edit(
            s.customer,
            s.shared_address,
            Some("customer insists"),
        ))
        .unwrap();

    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    let stored = address::get(&conn, s.shared_address).unwrap().unwrap();
    assert_eq!(stored.line1, "500 howard street suite 110", "as typed");
    assert_eq!(stored.validation_status, "kept_as_entered");
    let reason: String = conn
        .query_row("SELECT keep_as_entered FROM correction", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        reason, "customer insists",
        "the reason is kept for later review"
    );
}

#[test]
fn an_unreadable_address_needs_a_reason_to_be_kept_and_nothing_is_lost() {
    let (service, s, _dir) = setup(Role::Rep);
    let mut request = edit(s.customer, s.shared_address, None);
    request.change = Change::EditAddress {
        address_id: s.shared_address,
        address: AddressInput {
            line1: "Maple Ave & Birch St".into(),
            city: Some("Smalltown".into()),
            region: Some("KS".into()),
            postcode: Some("67000".into()),
            country: "US".into(),
            ..AddressInput::default()
        },
        keep_as_entered: None,
    };

    let preview = service
        .preview_correction(&request)
        .expect("a rejected address can be looked at, so the rep can choose to keep it");
    let refused = service.submit_correction(&request).unwrap_err();

    let shown = preview.address.expect("the proposal is shown");
    assert!(
        shown.standardized.is_none(),
        "no suggestion for a rejected address"
    );
    assert_eq!(
        shown.chosen.line1, "Maple Ave & Birch St",
        "kept as typed if saved"
    );
    assert_eq!(refused.code, ErrorCode::InvalidInput, "{}", refused.message);
    assert!(
        refused.message.contains("keep it as entered"),
        "{}",
        refused.message
    );
    assert_eq!(
        count(&service, "SELECT count(*) FROM correction"),
        0,
        "nothing half-made"
    );
}

#[test]
fn marking_an_account_tax_exempt_is_refused_to_a_rep() {
    let (service, s, _dir) = setup(Role::Rep);
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAccount {
            customer_type: None,
            price_level: None,
            tax_exempt: Some(true),
            tax_certificate_number: Some("EX-1".into()),
            tax_certificate_expiry: Some("2027-06-30".into()),
        },
        seen: None,
    };

    let refused = service.submit_correction(&request).unwrap_err();

    assert_eq!(
        refused.code,
        ErrorCode::Forbidden,
        "enforced in the service, not only the UI"
    );
    assert_eq!(count(&service, "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn a_supervisor_marks_an_account_tax_exempt_and_both_systems_get_it() {
    let (service, s, _dir) = setup(Role::Supervisor);
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAccount {
            customer_type: None,
            price_level: None,
            tax_exempt: Some(true),
            tax_certificate_number: Some("EX-1".into()),
            tax_certificate_expiry: Some("2027-06-30".into()),
        },
        seen: None,
    };

    let submitted = service.submit_correction(&request).unwrap();

    let systems: Vec<&str> = submitted
        .preview
        .systems
        .iter()
        .filter(|p| p.not_sent.is_none())
        .map(|p| p.system.as_str())
        .collect();
    assert_eq!(
        systems,
        vec!["tryton", "vendure"],
        "both carry the exemption"
    );
    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    let stored = account::get(&conn, s.customer).unwrap().unwrap();
    assert_eq!(stored.customer_type, account::CustomerType::TaxExempt);
    assert_eq!(
        stored.tax_certificate_number.as_deref(),
        Some("EX-1"),
        "kept in Concord"
    );
}

#[test]
fn an_exemption_without_its_certificate_is_refused() {
    let (service, s, _dir) = setup(Role::Supervisor);
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAccount {
            customer_type: None,
            price_level: None,
            tax_exempt: Some(true),
            tax_certificate_number: None,
            tax_certificate_expiry: None,
        },
        seen: None,
    };

    let refused = service.submit_correction(&request).unwrap_err();

    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(
        refused.message.contains("certificate"),
        "{}",
        refused.message
    );
}

#[test]
fn a_field_the_erp_owns_is_never_pushed_to_the_web_store() {
    let (service, s, _dir) = setup(Role::Supervisor);
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAccount {
            customer_type: None,
            price_level: Some("silver".into()),
            tax_exempt: None,
            tax_certificate_number: None,
            tax_certificate_expiry: None,
        },
        seen: None,
    };

    let preview = service.preview_correction(&request).unwrap();
    service.submit_correction(&request).unwrap();

    let vendure = preview
        .systems
        .iter()
        .find(|p| p.system == "vendure")
        .unwrap();
    assert!(
        vendure.changes.is_empty(),
        "the web store's gold is never overwritten"
    );
    assert!(
        vendure.not_sent.is_some(),
        "the preview says why nothing goes there"
    );
    let queued: Vec<String> = service
        .outbox(10)
        .unwrap()
        .iter()
        .map(|o| o.system.clone())
        .collect();
    assert_eq!(
        queued,
        vec!["tryton".to_owned()],
        "only the owner receives it"
    );
}

#[test]
fn two_reps_changing_the_same_field_from_the_same_base_both_reach_a_supervisor() {
    let (service, s, _dir) = setup(Role::Rep);
    // Both screens showed 12 Main St.
    let seen: concord_core::correction::FieldMap = [("line1".to_owned(), "12 Main St".to_owned())]
        .into_iter()
        .collect();
    let first = CorrectionRequest {
        seen: Some(seen.clone()),
        ..edit(s.customer, s.shared_address, None)
    };
    let mut second = first.clone();
    second.change = Change::EditAddress {
        address_id: s.shared_address,
        address: AddressInput {
            line1: "1 Market St".into(),
            city: Some("San Francisco".into()),
            region: Some("CA".into()),
            postcode: Some("94105".into()),
            country: "US".into(),
            ..AddressInput::default()
        },
        keep_as_entered: None,
    };

    let a = service.submit_correction(&first).unwrap();
    let b = service.submit_correction(&second).unwrap();

    assert_eq!(a.state, "queued");
    assert_eq!(
        b.state, "held",
        "the second would overwrite the first unseen"
    );
    let items = concord_store::table::review_item::open_items(
        &concord_store::open_reader(service.cache_path()).unwrap(),
        10,
    )
    .unwrap();
    assert_eq!(items.len(), 1);
    let line1 = items[0].evidence["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "line1")
        .cloned()
        .unwrap();
    assert_eq!(line1["base"], "12 Main St");
    assert_eq!(
        line1["ours"], "1 MARKET ST",
        "the second rep's value is kept"
    );
    assert_eq!(
        line1["theirs"], "500 HOWARD ST STE 110",
        "and the first rep's"
    );
    assert_eq!(
        count(&service, "SELECT count(*) FROM outbox"),
        2,
        "only the first is queued"
    );
}

#[test]
fn an_applied_correction_is_reverted_from_the_history_as_a_new_correction() {
    let (service, s, _dir) = setup(Role::Rep);
    let made = service
        .submit_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();

    let reverted = service.revert_correction(&made.correction_id).unwrap();

    let history = service.correction_history(s.customer).unwrap();
    assert_eq!(history.len(), 2, "the original stays in the history");
    assert_eq!(
        history[1].reverts.as_deref(),
        Some(made.correction_id.as_str())
    );
    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    assert_eq!(
        address::get(&conn, s.shared_address)
            .unwrap()
            .unwrap()
            .line1,
        "12 Main St"
    );
    let revert_line1 = reverted
        .preview
        .systems
        .iter()
        .find(|p| p.system == "tryton")
        .and_then(|p| p.changes.iter().find(|c| c.field == "line1"))
        .cloned()
        .expect("the revert is pushed too");
    assert_eq!(
        (revert_line1.from.as_deref(), revert_line1.to.as_deref()),
        (Some("500 HOWARD ST STE 110"), Some("12 Main St")),
        "based on what the first correction will have written"
    );
    let audit = count(
        &service,
        "SELECT count(*) FROM audit_log WHERE action = 'correction.made'",
    );
    assert_eq!(
        audit, 2,
        "who did what, when, before and after: both recorded"
    );
}

#[test]
fn a_changed_email_is_queued_for_both_systems() {
    let (service, s, _dir) = setup(Role::Rep);
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditContact {
            medium: ContactMedium::Email,
            value: "ada@new.example".into(),
        },
        seen: None,
    };

    service.submit_correction(&request).unwrap();

    let view = service.show(s.customer).unwrap();
    assert!(
        view.contacts
            .iter()
            .any(|c| c.value_as_received == "ada@new.example"),
        "the new email shows at once"
    );
    assert_eq!(service.outbox(10).unwrap().len(), 2);
}

#[test]
fn a_correction_to_someone_elses_address_is_not_found() {
    let (service, s, _dir) = setup(Role::Rep);

    let refused = service.submit_correction(&edit(s.customer + 1, s.other_address, None));

    assert_eq!(refused.unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn a_second_correction_of_the_same_address_before_a_pull_is_based_on_the_first() {
    let (service, s, _dir) = setup(Role::Rep);
    service
        .submit_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();
    let mut again = edit(s.customer, s.shared_address, None);
    again.change = Change::EditAddress {
        address_id: s.shared_address,
        address: AddressInput {
            line1: "1 Market St".into(),
            city: Some("San Francisco".into()),
            region: Some("CA".into()),
            postcode: Some("94105".into()),
            country: "US".into(),
            ..AddressInput::default()
        },
        keep_as_entered: None,
    };

    let second = service.submit_correction(&again).unwrap();

    let line1: Vec<(String, Option<String>)> = second
        .preview
        .systems
        .iter()
        .filter_map(|p| {
            let c = p.changes.iter().find(|c| c.field == "line1")?;
            Some((p.system.clone(), c.from.clone()))
        })
        .collect();
    assert_eq!(
        line1,
        vec![
            (
                "tryton".to_owned(),
                Some("500 HOWARD ST STE 110".to_owned())
            ),
            (
                "vendure".to_owned(),
                Some("500 HOWARD ST STE 110".to_owned())
            ),
        ],
        "the systems will hold the first correction when the second arrives, so it is no \
         collision with ourselves"
    );
    assert_eq!(
        service.outbox(10).unwrap().len(),
        4,
        "both corrections reach both systems"
    );
}

#[test]
fn a_correction_not_yet_confirmed_survives_a_rebuild_from_the_systems_copies() {
    let (service, s, _dir) = setup(Role::Rep);
    service
        .submit_correction(&edit(s.customer, s.shared_address, None))
        .unwrap();
    let mut conn = concord_store::open(service.cache_path()).unwrap();
    // A pull brings both records again, unchanged: the systems still hold the old address.
    conn.execute(
        "INSERT INTO pending_match (source_record_id) SELECT id FROM source_record",
        [],
    )
    .unwrap();

    concord_store::resolve::resolve_pending(
        &mut conn,
        "2026-02-01T00:00:00Z",
        &concord_store::resolve::ResolveSettings::default(),
    )
    .unwrap();

    let customer: i64 = conn
        .query_row(
            "SELECT customer_id FROM address WHERE id = ?1",
            [s.shared_address],
            |r| r.get(0),
        )
        .unwrap();
    let lines: Vec<String> = address::for_customer(&conn, customer)
        .unwrap()
        .into_iter()
        .map(|a| a.line1)
        .collect();
    assert!(
        lines.contains(&"500 HOWARD ST STE 110".to_owned()),
        "the rep's correction stays until the systems confirm it: {lines:?}"
    );
    assert!(
        !lines.contains(&"12 Main St".to_owned()),
        "the systems' old copies do not come back over it: {lines:?}"
    );
}
