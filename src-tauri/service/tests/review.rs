//! The review queue through the service, as the desktop app and the command line call it:
//! who may decide, what a supervisor sees, and what the account view says about provenance.

use concord_core::source::{CrossRef, SourceContact, SourceCustomer};
use concord_service::review::{ReviewDecision, ReviewKind, ReviewState};
use concord_service::{ErrorCode, Paths, Service};
use concord_store::resolve::{resolve_pending, ResolveSettings};
use rusqlite::params;

const T0: &str = "2026-05-01T10:00:00Z";

fn web(id: &str, given: &str, family: &str, email: &str, phone: &str) -> SourceCustomer {
    SourceCustomer {
        system: "vendure".into(),
        system_id: id.into(),
        changed_at: Some(T0.into()),
        registered: true,
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        emails: vec![SourceContact {
            kind: "home".into(),
            value: email.into(),
            ..SourceContact::default()
        }],
        phones: vec![SourceContact {
            kind: "mobile".into(),
            value: phone.into(),
            ..SourceContact::default()
        }],
        ..SourceCustomer::default()
    }
}

/// A data folder whose settings give `role`, and whose cache holds `records`, resolved.
fn service_with(role: &str, records: &[SourceCustomer]) -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    std::fs::create_dir_all(&paths.data_dir).unwrap();
    std::fs::write(
        paths.config_file(),
        format!("[user]\nname = \"Dana Reyes\"\nrole = \"{role}\"\n"),
    )
    .unwrap();
    let mut conn =
        concord_store::open(&paths.data_dir.join(concord_service::CACHE_FILE_NAME)).unwrap();
    for r in records {
        let normalized = serde_json::to_string(r).unwrap();
        conn.execute(
            "INSERT INTO source_record (system, system_id, raw_payload, normalized, fetched_at)
             VALUES (?1, ?2, ?3, ?3, ?4)",
            params![r.system, r.system_id, normalized, T0],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO pending_match (source_record_id) VALUES (last_insert_rowid())",
            [],
        )
        .unwrap();
    }
    resolve_pending(&mut conn, T0, &ResolveSettings::default()).unwrap();
    drop(conn);
    (Service::open(paths).unwrap(), dir)
}

/// A registered account and a guest who share only an email: one uncertain match.
fn shared_email() -> Vec<SourceCustomer> {
    let mut guest = web(
        "g-9",
        "Lucy",
        "Okafor",
        "family@home.example",
        "503 555 0142",
    );
    guest.registered = false;
    vec![
        web(
            "r-1",
            "Robert",
            "Chen",
            "family@home.example",
            "212 555 0199",
        ),
        guest,
    ]
}

#[test]
fn a_rep_sees_the_queue_but_is_refused_a_decision() {
    let (service, _dir) = service_with("rep", &shared_email());
    let items = service.review_list(None).unwrap();
    assert_eq!(items.len(), 1, "a rep may see what waits");

    let refused = service
        .review_decide(items[0].id, &ReviewDecision::Link)
        .unwrap_err();
    let undo = service.review_undo(items[0].id).unwrap_err();

    assert_eq!(
        refused.code,
        ErrorCode::Forbidden,
        "deciding is a supervisor's"
    );
    assert_eq!(undo.code, ErrorCode::Forbidden, "so is undoing");
    let still = service.review_show(items[0].id).unwrap();
    assert_eq!(
        still.summary.state,
        ReviewState::Open,
        "a refusal changes nothing"
    );
}

#[test]
fn a_supervisor_sees_the_evidence_decides_and_undoes() {
    let (service, _dir) = service_with("supervisor", &shared_email());
    let id = service.review_list(None).unwrap()[0].id;

    let shown = service.review_show(id).unwrap();
    let evidence = shown
        .match_evidence
        .expect("an uncertain match carries its evidence");
    let sum = evidence.prior_bits + evidence.fields.iter().map(|f| f.bits).sum::<f64>();
    assert!(
        (sum - evidence.total_bits).abs() < 1e-9,
        "prior + fields = total"
    );
    assert!(
        (1.0 / (1.0 + (-evidence.total_bits).exp2()) - evidence.probability).abs() < 1e-12,
        "the probability follows from the total alone"
    );
    assert_eq!(shown.summary.kind, ReviewKind::UncertainMatch);

    let decided = service
        .review_decide(id, &ReviewDecision::NotSamePerson)
        .unwrap();
    assert_eq!(decided.summary.state, ReviewState::Decided);
    assert_eq!(
        decided.summary.decided_by.as_deref(),
        Some("Dana Reyes"),
        "who decided"
    );
    assert!(
        service.review_list(None).unwrap().is_empty(),
        "the queue is empty"
    );

    let undone = service.review_undo(id).unwrap();
    assert_eq!(
        undone.summary.state,
        ReviewState::Open,
        "undo puts the question back"
    );
}

#[test]
fn deciding_an_item_that_does_not_exist_is_not_found() {
    let (service, _dir) = service_with("supervisor", &shared_email());

    let err = service
        .review_decide(9_999, &ReviewDecision::Keep)
        .unwrap_err();

    assert_eq!(err.code, ErrorCode::NotFound);
}

#[test]
fn the_account_view_says_where_each_value_came_from_and_what_the_other_system_says() {
    let mut erp = SourceCustomer {
        system: "tryton".into(),
        system_id: "P-7".into(),
        changed_at: Some(T0.into()),
        full_name: Some("Ada Wholesale".into()),
        cross_refs: vec![CrossRef {
            system: "vendure".into(),
            system_id: "c-7".into(),
        }],
        ..SourceCustomer::default()
    };
    erp.account.price_level = Some("tier-2".into());
    let mut store = web(
        "c-7",
        "Ada",
        "Wholesale",
        "ada@acme.example",
        "415 555 0100",
    );
    store.account.price_level = Some("list".into());
    let (service, _dir) = service_with("rep", &[erp, store]);
    let hit = service.lookup("ada@acme.example", 5).unwrap().hits[0].customer_id;

    let view = service.show(hit).unwrap();

    let level = view
        .provenance
        .iter()
        .find(|p| p.field == "price_level")
        .expect("price level has provenance");
    assert_eq!(level.value, "tier-2", "the ERP's value is shown");
    assert_eq!(level.system, "tryton");
    assert_eq!(level.rule, "owner");
    assert!(
        level.disagreement,
        "the disagreement is visible on the account"
    );
    assert_eq!(
        level.others[0].value, "list",
        "with what the web store says"
    );
    assert_eq!(view.account.unwrap().price_level.as_deref(), Some("tier-2"));
    let phone = view.contacts.iter().find(|c| c.medium == "phone").unwrap();
    assert_eq!(
        phone.source_system.as_deref(),
        Some("vendure"),
        "a contact names its system"
    );
    assert_eq!(phone.seen_at.as_deref(), Some(T0), "and when it was seen");
    let queue = service.review_list(None).unwrap();
    assert!(
        queue.iter().any(|i| i.kind == ReviewKind::Disagreement),
        "a supervisor is asked about it"
    );
}

/// Keeps every event the service emits.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<concord_service::events::Event>>);

impl concord_service::events::EventSink for Recorder {
    fn emit(&self, event: concord_service::events::Event) {
        self.0.lock().unwrap().push(event);
    }
}

#[test]
fn a_decision_and_its_undo_tell_the_status_bar_the_queue_changed() {
    let (service, _dir) = service_with("supervisor", &shared_email());
    let recorder = std::sync::Arc::new(Recorder::default());
    service.set_event_sink(recorder.clone());
    let id = service.review_list(None).unwrap()[0].id;

    service.review_decide(id, &ReviewDecision::Link).unwrap();
    service.review_undo(id).unwrap();

    let events = recorder.0.lock().unwrap();
    let changes = events
        .iter()
        .filter(|e| matches!(e, concord_service::events::Event::StatusChanged))
        .count();
    assert_eq!(changes, 2, "the open count changed twice: {events:?}");
}
