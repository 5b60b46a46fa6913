//! Corrections made through the service and pushed to both systems, end to end: against the
//! sandbox always, and against the real Tryton and Vendure started by `tests/systems/up`
//! (their `CONCORD_TEST_*` variables; `CONCORD_SKIP_REAL_SYSTEMS=1` skips them on purpose).

mod correction_support;

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_service::corrections::{AddressInput, Change, CorrectionRequest};
use concord_service::{Paths, Role, Service};
use concord_sync::connector::AccountMapping;
use concord_sync::push::{PushSettings, Systems};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use serde_json::{json, Value};

use correction_support::{populate, service_as, Setup};

/// Where the two systems are.
#[derive(Clone)]
struct Targets {
    tryton: (String, String, String, String),
    vendure: (String, String, String),
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{nanos:x}")
}

fn systems(t: &Targets, account: AccountMapping) -> Systems {
    let (url, db, login, password) = &t.tryton;
    let mut ts = TrytonSettings::new(url, db, login, password);
    ts.account = account.clone();
    let (url, user, password) = &t.vendure;
    let mut vs = VendureSettings::new(url, user, password);
    vs.account = account;
    Systems {
        tryton: Some(TrytonClient::new(ts).unwrap()),
        vendure: Some(VendureClient::new(vs).unwrap()),
    }
}

/// A party and a customer made through the systems' own APIs, and a cache (and service)
/// linking them, as a pull and matching would have.
async fn customer_in_both(
    systems: &Systems,
    dir: &std::path::Path,
    role: Role,
) -> (Service, Setup) {
    let tryton = systems.tryton.as_ref().unwrap();
    let vendure = systems.vendure.as_ref().unwrap();
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
    let us = tryton.call(&m, p, None).await.unwrap()[0].clone();
    let (m, p) = search("country.subdivision", "US-IL");
    let il = tryton.call(&m, p, None).await.unwrap()[0].clone();
    let party = tryton
        .call(
            "model.party.party.create",
            vec![json!([{
                "name": unique("Ada "), "code": unique("S"),
                "addresses": [["create", [{"street": "12 Main St", "city": "Springfield",
                    "postal_code": "62701", "country": us, "subdivision": il}]]],
            }])],
            None,
        )
        .await
        .unwrap()[0]
        .as_i64()
        .unwrap();
    let party_address = tryton.party_addresses(party).await.unwrap()[0].0;
    let created = vendure
        .query(
            "createCustomer",
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                ... on Customer { id } ... on ErrorResult { errorCode message } } }",
            json!({"input": {"firstName": "Ada", "lastName": "Lovelace",
                "emailAddress": format!("{}@example.com", unique("ada"))}}),
        )
        .await
        .unwrap();
    let shopper = created["createCustomer"]["id"].as_str().unwrap().to_owned();
    for (street, city, postcode) in [
        ("12 Main St", "Springfield", "62701"),
        ("9 Side Rd", "Peoria", "61602"),
    ] {
        vendure
            .query(
                "createCustomerAddress",
                "mutation($id: ID!, $input: CreateAddressInput!) {
                    createCustomerAddress(customerId: $id, input: $input) { id } }",
                json!({"id": shopper, "input": {"streetLine1": street, "city": city,
                    "province": "IL", "postalCode": postcode, "countryCode": "US"}}),
            )
            .await
            .unwrap();
    }
    let book = vendure.customer_addresses(&shopper).await.unwrap().unwrap();
    let setup = populate(
        &Paths::in_data_dir(dir),
        (&party.to_string(), &party_address.to_string()),
        (&shopper, &book[0].0, &book[1].0),
    );
    (service_as(dir, "Sam", role), setup)
}

async fn an_address_correction_reaches_both_systems_and_the_history_says_so(t: &Targets) {
    let systems = systems(t, AccountMapping::default());
    let dir = tempfile::tempdir().unwrap();
    let (service, s) = customer_in_both(&systems, dir.path(), Role::Rep).await;
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAddress {
            address_id: s.shared_address,
            address: AddressInput {
                line1: "500 howard street suite 110".into(),
                city: Some("san francisco".into()),
                region: Some("CA".into()),
                postcode: Some("94107".into()),
                country: "US".into(),
                ..AddressInput::default()
            },
            keep_as_entered: None,
        },
        seen: None,
    };
    service.submit_correction(&request).unwrap();

    let report = service
        .push(&systems, &PushSettings::default())
        .await
        .unwrap();

    assert_eq!(report.confirmed, 2, "{report:?}");
    let history = service.correction_history(s.customer).unwrap();
    let states: Vec<(&str, &str)> = history[0]
        .systems
        .iter()
        .map(|o| (o.system.as_str(), o.state.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![("tryton", "confirmed"), ("vendure", "confirmed")]
    );
    let shopper = systems.vendure.as_ref().unwrap();
    let vendure_id = service.show(s.customer).unwrap().source_records[1]
        .system_id
        .clone();
    let book = shopper
        .customer_addresses(&vendure_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(book.len(), 2, "no address added or lost in the web store");
    assert_eq!(book[0].1["line1"], "500 HOWARD ST STE 110");
    assert_eq!(book[1].1["line1"], "9 Side Rd", "only that address changed");
    assert_eq!(
        service.status().unwrap().pending_pushes,
        0,
        "nothing left to push"
    );
}

async fn a_tax_exemption_refused_by_one_system_shows_its_error_beside_the_others_success(
    t: &Targets,
) {
    // The web store has no group for this marker, so it refuses; the ERP has the category.
    let marker = unique("tax-exempt-");
    let account = AccountMapping {
        tax_exempt_names: vec![marker.clone()],
        ..AccountMapping::default()
    };
    let systems = systems(t, account);
    systems
        .tryton
        .as_ref()
        .unwrap()
        .call(
            "model.party.category.create",
            vec![json!([{"name": marker}])],
            None,
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (service, s) = customer_in_both(&systems, dir.path(), Role::Supervisor).await;
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAccount {
            customer_type: None,
            price_level: None,
            tax_exempt: Some(true),
            tax_certificate_number: Some("EX-77".into()),
            tax_certificate_expiry: Some("2027-06-30".into()),
        },
        seen: None,
    };
    service.submit_correction(&request).unwrap();

    service
        .push(&systems, &PushSettings::default())
        .await
        .unwrap();

    let history = service.correction_history(s.customer).unwrap();
    let tryton = history[0]
        .systems
        .iter()
        .find(|o| o.system == "tryton")
        .unwrap();
    let vendure = history[0]
        .systems
        .iter()
        .find(|o| o.system == "vendure")
        .unwrap();
    assert_eq!(tryton.state, "confirmed", "the ERP's success is shown");
    assert_eq!(vendure.state, "failed", "the web store's refusal is shown");
    let error = vendure.error.clone().unwrap_or_default();
    assert!(
        error.contains("Vendure") && error.contains(&marker),
        "in the web store's own words: {error}"
    );
}

async fn a_change_made_in_a_system_since_the_rep_looked_becomes_a_review_item(t: &Targets) {
    let systems = systems(t, AccountMapping::default());
    let dir = tempfile::tempdir().unwrap();
    let (service, s) = customer_in_both(&systems, dir.path(), Role::Rep).await;
    // Someone edits the ERP's copy after the last pull.
    let tryton = systems.tryton.as_ref().unwrap();
    let party: i64 = service.show(s.customer).unwrap().source_records[0]
        .system_id
        .parse()
        .unwrap();
    let (address_id, _) = tryton.party_addresses(party).await.unwrap()[0].clone();
    let stamp = tryton
        .read_address_fields(address_id)
        .await
        .unwrap()
        .unwrap()
        .timestamp;
    let theirs: concord_core::correction::FieldMap =
        [("line1".to_owned(), "77 Elsewhere Ave".to_owned())]
            .into_iter()
            .collect();
    tryton
        .write_address(address_id, &stamp, &theirs, &unique("other-"))
        .await
        .unwrap();
    let request = CorrectionRequest {
        customer_id: s.customer,
        change: Change::EditAddress {
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
        },
        seen: None,
    };
    service.submit_correction(&request).unwrap();

    let report = service
        .push(&systems, &PushSettings::default())
        .await
        .unwrap();

    assert_eq!((report.confirmed, report.conflicts), (1, 1), "{report:?}");
    let now = tryton
        .read_address_fields(address_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now.fields["line1"], "77 Elsewhere Ave",
        "nothing overwritten in the ERP"
    );
    let conn = concord_store::open_reader(service.cache_path()).unwrap();
    let items = concord_store::table::review_item::open_items(&conn, 10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, "colliding_edit");
    let line1 = items[0].evidence["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "line1")
        .cloned()
        .unwrap();
    assert_eq!(
        (&line1["base"], &line1["ours"], &line1["theirs"]),
        (
            &json!("12 Main St"),
            &json!("1 MARKET ST"),
            &json!("77 Elsewhere Ave")
        ),
        "base, ours and theirs for the supervisor"
    );
}

async fn with_sandbox<F, Fut>(test: F)
where
    F: FnOnce(Targets) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sandbox = Sandbox::start(SandboxOptions {
        customers: 0,
        seed: 5,
        faults: FaultSpec::none(),
    })
    .await
    .unwrap();
    let (t, v) = (sandbox.tryton(), sandbox.vendure());
    test(Targets {
        tryton: (t.url, t.database, t.login, t.password),
        vendure: (v.url, v.username, v.password),
    })
    .await;
    sandbox.shutdown().await;
}

/// The real systems' targets, or `None` when skipping them was asked for.
fn real(test: &str) -> Option<Targets> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let names = [
        "CONCORD_TEST_TRYTON_URL",
        "CONCORD_TEST_TRYTON_DB",
        "CONCORD_TEST_TRYTON_USER",
        "CONCORD_TEST_TRYTON_PASSWORD",
        "CONCORD_TEST_VENDURE_URL",
        "CONCORD_TEST_VENDURE_USER",
        "CONCORD_TEST_VENDURE_PASSWORD",
    ];
    let values: Vec<Option<String>> = names.iter().map(|n| get(n)).collect();
    if values.iter().any(Option::is_none) {
        if std::env::var("CONCORD_SKIP_REAL_SYSTEMS").is_ok_and(|v| v == "1") {
            return None;
        }
        panic!("{test} needs the real systems: run `eval \"$(tests/systems/up)\"` first");
    }
    let v: Vec<String> = values.into_iter().map(Option::unwrap).collect();
    Some(Targets {
        tryton: (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone()),
        vendure: (v[4].clone(), v[5].clone(), v[6].clone()),
    })
}

macro_rules! against_both {
    ($($name:ident => $sandbox:ident, $real:ident;)*) => {$(
        #[tokio::test]
        async fn $sandbox() {
            with_sandbox(|t| async move { $name(&t).await }).await;
        }

        #[tokio::test]
        async fn $real() {
            if let Some(t) = real(stringify!($real)) {
                $name(&t).await;
            }
        }
    )*};
}

against_both! {
    an_address_correction_reaches_both_systems_and_the_history_says_so =>
        address_correction_sandbox, address_correction_real;
    a_tax_exemption_refused_by_one_system_shows_its_error_beside_the_others_success =>
        tax_exemption_sandbox, tax_exemption_real;
    a_change_made_in_a_system_since_the_rep_looked_becomes_a_review_item =>
        stale_base_sandbox, stale_base_real;
}
