//! Customer-service scenarios 2, 3, 4, 7 and 8 (../shared/scenarios.md), through the sandbox's
//! own protocols, a pull and matching: what a rep would see in the merged account.
//!
//! Scenario 7 (a default switched in the ERP) and scenario 8 run against the real Tryton and
//! Vendure too, started by `tests/systems/up` (see `common`).
//!
//! TODO(sync): run scenarios 2, 3 and 4 against the real systems as well; they need the same
//! real-system world with orders placed through the real Vendure.

mod common;
mod pull_support;

use std::path::{Path, PathBuf};

use concord_sandbox::Sandbox;
use concord_store::table::sync_cursor;
use concord_sync::mapping::Mapping;
use concord_sync::pull::plan::Position;
use concord_sync::pull::{self, PullOptions, Source, SystemPull};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use pull_support::{count, quick_retries, resolve, sandbox};
use serde_json::{json, Value};

struct World {
    _sandbox: Option<Sandbox>,
    _dir: tempfile::TempDir,
    cache: PathBuf,
    tryton: TrytonSettings,
    vendure: VendureSettings,
    web: VendureClient,
    erp: TrytonClient,
    /// A prefix that makes this run's names its own on a shared real system.
    tag: String,
}

fn world_of(tryton: TrytonSettings, vendure: VendureSettings, sandbox: Option<Sandbox>) -> World {
    let dir = tempfile::tempdir().unwrap();
    World {
        web: VendureClient::new(vendure.clone()).unwrap(),
        erp: TrytonClient::new(tryton.clone()).unwrap(),
        cache: dir.path().join("cache.sqlite"),
        _dir: dir,
        _sandbox: sandbox,
        tryton,
        vendure,
        tag: common::unique("t"),
    }
}

async fn world() -> World {
    let sandbox = sandbox(0, 1).await;
    let v = sandbox.vendure();
    let t = sandbox.tryton();
    world_of(
        TrytonSettings::new(t.url, t.database, t.login, t.password),
        VendureSettings::new(v.url, v.username, v.password),
        Some(sandbox),
    )
}

/// The real systems, with a cache that starts from "now": the shared systems hold other
/// tests' records, and this scenario needs only its own.
fn real_world(test: &str) -> Option<World> {
    let t = common::real_tryton(test)?;
    let v = common::real_vendure(test)?;
    let world = world_of(
        TrytonSettings::new(t.url, t.database, t.login, t.password),
        VendureSettings::new(v.url, v.username, v.password),
        None,
    );
    let conn = concord_store::open(&world.cache).unwrap();
    let now = chrono::Utc::now();
    let position = Position {
        since: Some(now - chrono::Duration::minutes(2)),
        last_full: Some(now),
        listing: None,
    };
    for system in ["tryton", "vendure"] {
        for stream in ["customers", "orders"] {
            sync_cursor::set(&conn, system, stream, &position.to_json(), "now").unwrap();
        }
    }
    Some(world)
}

impl World {
    async fn sync(&self, full: bool) {
        let systems = vec![
            SystemPull::new(Source::Tryton {
                client: TrytonClient::new(self.tryton.clone()).unwrap(),
                mapping: Mapping::default(),
            }),
            SystemPull::new(Source::Vendure {
                client: VendureClient::new(self.vendure.clone()).unwrap(),
                mapping: Mapping::default(),
            }),
        ];
        let options = PullOptions {
            full,
            retry: quick_retries(),
        };
        let conn = concord_store::open(&self.cache).unwrap();
        let report = pull::pull(conn, systems, options, None).await.unwrap();
        assert!(report.complete(), "{:?}", report.streams);
        resolve(&self.cache);
    }

    fn rows(&self, sql: &str, params: &[&str]) -> Vec<Vec<String>> {
        let conn = concord_store::open_reader(&self.cache).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let columns = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                (0..columns)
                    .map(|i| {
                        row.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                            rusqlite::types::Value::Text(t) => t,
                            rusqlite::types::Value::Integer(n) => n.to_string(),
                            other => format!("{other:?}"),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// The merged customer holding a source record.
    fn customer_of(&self, system: &str, system_id: &str) -> String {
        let rows = self.rows(
            "SELECT l.customer_id FROM link l JOIN source_record s ON s.id = l.source_record_id
             WHERE s.system = ?1 AND s.system_id = ?2",
            &[system, system_id],
        );
        assert_eq!(
            rows.len(),
            1,
            "{system} {system_id} is linked to one customer"
        );
        rows[0][0].clone()
    }

    /// The customer's addresses as the account shows them: line 1 and default flags.
    fn addresses(&self, customer: &str) -> Vec<(String, bool, bool)> {
        self.rows(
            "SELECT line1, is_default_billing, is_default_shipping FROM address
             WHERE customer_id = ?1
             ORDER BY (is_default_billing + is_default_shipping) DESC, updated_at DESC, id DESC",
            &[customer],
        )
        .into_iter()
        .map(|r| (r[0].clone(), r[1] == "1", r[2] == "1"))
        .collect()
    }

    async fn mutate(&self, name: &str, query: &str, variables: Value) -> Value {
        let data = self
            .web
            .query(name, query, variables)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let result = data[name].clone();
        assert!(result.get("errorCode").is_none(), "{name} failed: {result}");
        result
    }

    async fn web_customer(&self, first: &str, email: &str) -> String {
        let email = format!("{}.{email}", self.tag);
        let customer = self
            .mutate(
                "createCustomer",
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                    ... on Customer { id } ... on ErrorResult { errorCode message } } }",
                json!({"input": {"firstName": first, "lastName": "Quill",
                    "emailAddress": email, "phoneNumber": "+1 415 555 1212"}}),
            )
            .await;
        customer["id"].as_str().unwrap().to_owned()
    }

    async fn web_address(&self, customer: &str, street: &str, default: bool) -> String {
        let address = self
            .mutate(
                "createCustomerAddress",
                "mutation($id: ID!, $input: CreateAddressInput!) {
                    createCustomerAddress(customerId: $id, input: $input) { id } }",
                json!({"id": customer, "input": {"fullName": "Ada Quill", "streetLine1": street,
                    "city": "Springfield", "province": "IL", "postalCode": "62701",
                    "countryCode": "US", "defaultShippingAddress": default,
                    "defaultBillingAddress": default}}),
            )
            .await;
        address["id"].as_str().unwrap().to_owned()
    }

    /// Places a paid order for `customer` (or a guest with `guest_email`), shipped to
    /// `ship_street`; returns the order's ID.
    async fn web_order(
        &self,
        customer: Option<&str>,
        guest_email: &str,
        ship_street: &str,
    ) -> String {
        let order = self
            .mutate(
                "createDraftOrder",
                "mutation { createDraftOrder { id } }",
                json!({}),
            )
            .await;
        let id = order["id"].as_str().unwrap().to_owned();
        let guest = customer
            .is_none()
            .then(|| json!({"firstName": "Ada", "lastName": "Quill", "emailAddress": guest_email}));
        self.mutate(
            "setCustomerForDraftOrder",
            "mutation($id: ID!, $customer: ID, $input: CreateCustomerInput) {
                setCustomerForDraftOrder(orderId: $id, customerId: $customer, input: $input) {
                ... on Order { id } ... on ErrorResult { errorCode message } } }",
            json!({"id": id, "customer": customer, "input": guest}),
        )
        .await;
        let variant = self
            .web
            .query(
                "variant",
                "{ productVariants(options: {filter: {sku: {eq: \"WIDGET-1\"}}}) {
                    items { id } } }",
                json!({}),
            )
            .await
            .unwrap()["productVariants"]["items"][0]["id"]
            .clone();
        self.mutate(
            "addItemToDraftOrder",
            "mutation($id: ID!, $variant: ID!) { addItemToDraftOrder(orderId: $id,
                input: {productVariantId: $variant, quantity: 1}) {
                ... on Order { id } ... on ErrorResult { errorCode message } } }",
            json!({"id": id, "variant": variant}),
        )
        .await;
        for (field, street) in [
            ("setDraftOrderBillingAddress", "12 Main St"),
            ("setDraftOrderShippingAddress", ship_street),
        ] {
            self.mutate(
                field,
                &format!(
                    "mutation($id: ID!, $street: String!) {{ {field}(orderId: $id, input: {{
                        fullName: \"Ada Quill\", streetLine1: $street, city: \"Springfield\",
                        province: \"IL\", postalCode: \"62701\", countryCode: \"US\"}}) {{ id }} }}"
                ),
                json!({"id": id, "street": street}),
            )
            .await;
        }
        let methods = self
            .web
            .query(
                "shipping",
                "query($id: ID!) { eligibleShippingMethodsForDraftOrder(orderId: $id) { id } }",
                json!({"id": id}),
            )
            .await
            .unwrap();
        let method = methods["eligibleShippingMethodsForDraftOrder"][0]["id"].clone();
        self.mutate(
            "setDraftOrderShippingMethod",
            "mutation($id: ID!, $method: ID!) { setDraftOrderShippingMethod(orderId: $id,
                shippingMethodId: $method) { ... on Order { id } ... on ErrorResult {
                errorCode message } } }",
            json!({"id": id, "method": method}),
        )
        .await;
        self.mutate(
            "transitionOrderToState",
            "mutation($id: ID!) { transitionOrderToState(id: $id, state: \"ArrangingPayment\") {
                ... on Order { id } ... on ErrorResult { errorCode message } } }",
            json!({"id": id}),
        )
        .await;
        self.mutate(
            "addManualPaymentToOrder",
            "mutation($id: ID!) { addManualPaymentToOrder(input: {orderId: $id,
                method: \"manual\", transactionId: \"T-1\", metadata: {}}) {
                ... on Order { id } ... on ErrorResult { errorCode message } } }",
            json!({"id": id}),
        )
        .await;
        id
    }

    async fn erp_id(&self, model: &str, field: &str, value: &str) -> i64 {
        let found = self
            .erp
            .call(
                &format!("model.{model}.search"),
                vec![
                    json!([[field, "=", value]]),
                    json!(0),
                    json!(1),
                    Value::Null,
                ],
                None,
            )
            .await
            .unwrap();
        found[0]
            .as_i64()
            .unwrap_or_else(|| panic!("the ERP has {model} {value}"))
    }

    async fn erp_create(&self, model: &str, values: Value) -> i64 {
        let ids = self
            .erp
            .call(
                &format!("model.{model}.create"),
                vec![json!([values])],
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("creating {model}: {e}"));
        ids[0].as_i64().unwrap()
    }

    async fn erp_write(&self, model: &str, id: i64, values: Value) {
        self.erp
            .call(
                &format!("model.{model}.write"),
                vec![json!([id]), values],
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("writing {model} {id}: {e}"));
    }

    /// A party with two US addresses (the first for deliveries) and a phone.
    async fn erp_party(&self, name: &str) -> (i64, Vec<i64>) {
        let us = self.erp_id("country.country", "code", "US").await;
        let party = self
            .erp_create(
                "party.party",
                json!({"name": name, "code": format!("{}{name}", self.tag),
                "addresses": [["create", [
                    {"street": "1 First St", "city": "Springfield", "postal_code": "62701",
                     "country": us, "delivery": true, "invoice": true},
                    {"street": "2 Second St", "city": "Springfield", "postal_code": "62702",
                     "country": us, "delivery": false, "invoice": false},
                ]]],
                "contact_mechanisms": [["create", [
                    {"type": "phone", "value": "+1 217 555 0100"},
                ]]]}),
            )
            .await;
        let read = self
            .erp
            .call(
                "model.party.party.read",
                vec![json!([party]), json!(["addresses"])],
                None,
            )
            .await
            .unwrap();
        let mut addresses: Vec<i64> = read[0]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        addresses.sort_unstable();
        (party, addresses)
    }
}

fn customers(cache: &Path) -> i64 {
    count(cache, "customer")
}

impl World {
    /// Customers built from web store records (the ERP's own company is a party too).
    fn web_customers(&self) -> usize {
        self.rows(
            "SELECT DISTINCT l.customer_id FROM link l
             JOIN source_record s ON s.id = l.source_record_id WHERE s.system = 'vendure'",
            &[],
        )
        .len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_2_a_repeat_order_with_the_same_contact_data_creates_nothing_new() {
    let w = world().await;
    let buyer = w.web_customer("Ada", "ada.quill@example.com").await;
    w.web_address(&buyer, "12 Main St", true).await;
    w.web_order(Some(&buyer), "", "12 Main St").await;
    w.sync(false).await;
    let before = (
        customers(&w.cache),
        count(&w.cache, "address"),
        count(&w.cache, "contact_point"),
    );

    w.web_order(Some(&buyer), "", "12 Main St").await;
    w.sync(false).await;

    let after = (
        customers(&w.cache),
        count(&w.cache, "address"),
        count(&w.cache, "contact_point"),
    );
    assert_eq!(
        after, before,
        "the same contact data on a new order adds no record"
    );
    assert_eq!(
        count(&w.cache, "customer_order"),
        2,
        "the repeat order itself is shown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_2_a_second_phone_number_is_gained_with_its_system() {
    let w = world().await;
    let (party, _) = w.erp_party("P2").await;
    w.sync(false).await;
    let customer = w.customer_of("tryton", &party.to_string());

    w.erp_create(
        "party.contact_mechanism",
        json!({"party": party, "type": "mobile", "value": "+1 217 555 0199"}),
    )
    .await;
    w.sync(false).await;

    let phones = w.rows(
        "SELECT c.value_as_received, s.system FROM contact_point c
         JOIN source_record s ON s.id = c.source_record_id
         WHERE c.customer_id = ?1 AND c.medium = 'phone' ORDER BY c.value_as_received",
        &[&customer],
    );
    assert_eq!(
        phones,
        [
            vec!["+1 217 555 0100".to_owned(), "tryton".to_owned()],
            vec!["+1 217 555 0199".to_owned(), "tryton".to_owned()],
        ],
        "the new phone joins the old one, and says which system it came from"
    );
    assert_eq!(
        w.customer_of("tryton", &party.to_string()),
        customer,
        "still the same customer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_3_a_checkout_retried_within_a_second_gives_one_customer() {
    let w = world().await;

    w.web_order(None, "retry@example.com", "12 Main St").await;
    w.web_order(None, "retry@example.com", "12 Main St").await;
    w.sync(false).await;

    assert_eq!(w.web_customers(), 1, "both checkouts are the same buyer");
    assert_eq!(
        count(&w.cache, "customer_order"),
        2,
        "both orders are on that customer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_3_a_retried_checkout_synced_later_joins_the_same_customer() {
    let w = world().await;
    w.web_order(None, "later@example.com", "12 Main St").await;
    w.sync(false).await;

    w.web_order(None, "later@example.com", "12 Main St").await;
    w.sync(false).await;

    assert_eq!(w.web_customers(), 1, "the second arrival finds the first");
    assert_eq!(count(&w.cache, "customer_order"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_4_a_second_order_shipped_elsewhere_keeps_its_own_ship_to() {
    let w = world().await;
    let buyer = w.web_customer("Bea", "bea.quill@example.com").await;
    w.web_address(&buyer, "12 Main St", true).await;
    w.web_order(Some(&buyer), "", "12 Main St").await;
    let second = w.web_order(Some(&buyer), "", "99 New Rd").await;

    w.sync(false).await;

    let ship_to = w.rows(
        "SELECT json_extract(ship_to, '$.line1') FROM customer_order
         WHERE system = 'vendure' AND system_order_id = ?1",
        &[&second],
    );
    assert_eq!(
        ship_to,
        [vec!["99 New Rd".to_owned()]],
        "an order ships where the order says, never to the customer's default"
    );
}

async fn default_switched_in_the_erp(w: World) {
    let (party, addresses) = w.erp_party("P7").await;
    w.sync(false).await;
    let customer = w.customer_of("tryton", &party.to_string());

    w.erp_write(
        "party.address",
        addresses[0],
        json!({"delivery": false, "invoice": false}),
    )
    .await;
    w.erp_write(
        "party.address",
        addresses[1],
        json!({"delivery": true, "invoice": true}),
    )
    .await;
    w.sync(false).await;

    assert_eq!(
        w.addresses(&customer),
        [
            ("2 Second St".to_owned(), true, true),
            ("1 First St".to_owned(), false, false),
        ],
        "the flag moves with an incremental sync, and no address is doubled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_7_a_default_switched_in_the_erp_moves_on_the_next_sync() {
    default_switched_in_the_erp(world().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_7_on_the_real_erp() {
    if let Some(w) = real_world("scenario_7_on_the_real_erp") {
        default_switched_in_the_erp(w).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_7_a_default_switched_in_the_web_store_moves_on_the_next_full_listing() {
    let w = world().await;
    let buyer = w.web_customer("Cy", "cy.quill@example.com").await;
    w.web_address(&buyer, "1 First St", true).await;
    let second = w.web_address(&buyer, "2 Second St", false).await;
    w.sync(false).await;
    let customer = w.customer_of("vendure", &buyer);

    w.mutate(
        "updateCustomerAddress",
        "mutation($input: UpdateAddressInput!) { updateCustomerAddress(input: $input) { id } }",
        json!({"input": {"id": second, "defaultShippingAddress": true,
            "defaultBillingAddress": true}}),
    )
    .await;
    // Vendure does not date an address edit on its customer: only a full listing sees it.
    w.sync(true).await;

    assert_eq!(
        w.addresses(&customer),
        [
            ("2 Second St".to_owned(), true, true),
            ("1 First St".to_owned(), false, false),
        ],
        "the flag moves and no address is doubled"
    );
}

async fn addresses_without_a_default(w: World) {
    let buyer = w.web_customer("Di", "di.quill@example.com").await;
    w.web_address(&buyer, "1 Old St", false).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    w.web_address(&buyer, "2 Newer St", false).await;

    w.sync(false).await;

    let customer = w.customer_of("vendure", &buyer);
    assert_eq!(
        w.addresses(&customer),
        [
            ("2 Newer St".to_owned(), false, false),
            ("1 Old St".to_owned(), false, false),
        ],
        "no default, still shown, the most recent first"
    );
    let members = w.rows(
        "SELECT s.system, s.system_id FROM link l JOIN source_record s ON s.id = l.source_record_id
         WHERE l.customer_id = ?1",
        &[&customer],
    );
    assert_eq!(
        members,
        [vec!["vendure".to_owned(), buyer.clone()]],
        "a customer of its own, not a catch-all account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_8_addresses_without_a_default_resolve_most_recent_first() {
    addresses_without_a_default(world().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_8_on_the_real_web_store() {
    if let Some(w) = real_world("scenario_8_on_the_real_web_store") {
        addresses_without_a_default(w).await;
    }
}
