//! The sandbox as a whole: both systems start on loopback, empty or seeded from the same
//! population, count writes per idempotency key, and stop.

use concord_sandbox::population::Population;
use concord_sandbox::tryton::ErpState;
use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use serde_json::{json, Value};

async fn start(customers: usize, seed: u64) -> Sandbox {
    Sandbox::start(SandboxOptions {
        customers,
        seed,
        faults: FaultSpec::none(),
    })
    .await
    .expect("the sandbox starts")
}

/// A logged-in GraphQL client of the sandbox web store.
struct WebStore {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl WebStore {
    async fn login(sandbox: &Sandbox) -> WebStore {
        let access = sandbox.vendure();
        let http = reqwest::Client::new();
        let response = http
            .post(&access.url)
            .json(&json!({"query": "mutation($u: String!, $p: String!) {
                login(username: $u, password: $p) { __typename } }",
                "variables": {"u": access.username, "p": access.password}}))
            .send()
            .await
            .unwrap();
        let token = response.headers()["vendure-auth-token"]
            .to_str()
            .unwrap()
            .to_owned();
        WebStore {
            http,
            url: access.url,
            token,
        }
    }

    async fn query(&self, query: &str, variables: Value, key: Option<&str>) -> Value {
        let mut request = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }

    /// Every customer with addresses and orders, in ID order.
    async fn everything(&self) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let data = self
                .query(
                    "query($o: CustomerListOptions) { customers(options: $o) { totalItems
                        items { id firstName lastName emailAddress phoneNumber updatedAt
                        user { id } groups { name }
                        addresses { streetLine1 city postalCode country { code }
                            defaultShippingAddress defaultBillingAddress }
                        orders { items { code totalWithTax orderPlacedAt
                            shippingAddress { city } } } } } }",
                    json!({"o": {"skip": all.len(), "take": 100, "sort": {"id": "ASC"}}}),
                    None,
                )
                .await;
            let items = data["customers"]["items"].as_array().unwrap().clone();
            if items.is_empty() {
                return all;
            }
            all.extend(items);
        }
    }
}

/// Logs in to the sandbox ERP and calls `method`, with an `Idempotency-Key` when given.
async fn erp_call(sandbox: &Sandbox, method: &str, params: Value, key: Option<&str>) -> Value {
    let access = sandbox.tryton();
    let url = format!("{}{}/rpc/", access.url, access.database);
    let http = reqwest::Client::new();
    let login: Value = http
        .post(&url)
        .json(&json!({"id": 1, "method": "common.db.login",
            "params": [access.login, {"password": access.password}, "en"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (user, token) = (&login["result"][0], login["result"][1].as_str().unwrap());
    let session = base64_encode(&format!("{}:{user}:{token}", access.login));
    let mut request = http
        .post(&url)
        .header("Authorization", format!("Session {session}"))
        .json(&json!({"id": 2, "method": method, "params": params}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let reply: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

/// Counts one model's records in the sandbox ERP.
async fn erp_count(sandbox: &Sandbox, model: &str) -> u64 {
    let count = erp_call(
        sandbox,
        &format!("model.{model}.search_count"),
        json!([[], {}]),
        None,
    )
    .await;
    count.as_u64().unwrap_or_else(|| panic!("a count: {count}"))
}

/// Standard base64, enough for a session header.
fn base64_encode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn with_no_customers_both_systems_start_empty() {
    let sandbox = start(0, 1).await;
    let web = WebStore::login(&sandbox).await;

    let customers = web.everything().await;
    let orders = web
        .query("{ orders { totalItems } }", json!({}), None)
        .await;
    let parties = erp_count(&sandbox, "party.party").await;
    let sales = erp_count(&sandbox, "sale.sale").await;

    assert!(customers.is_empty(), "tests make what they need");
    assert_eq!(orders["orders"]["totalItems"], 0);
    assert_eq!(
        parties as usize,
        ErpState::empty().count("party.party"),
        "only the parties an ERP needs to work (its company)"
    );
    assert_eq!(sales, 0);
    assert!(sandbox.vendure().url.starts_with("http://127.0.0.1:"));
    assert!(sandbox.tryton().url.starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn a_seeded_sandbox_holds_the_populations_records_in_both_systems() {
    let population = Population::generate(120, 4);
    let sandbox = start(120, 4).await;
    let web = WebStore::login(&sandbox).await;

    let customers = web.everything().await;
    let parties = erp_count(&sandbox, "party.party").await;

    assert_eq!(customers.len(), population.web_customers().count());
    let setup = ErpState::empty().count("party.party");
    assert_eq!(parties as usize, setup + population.erp_parties().count());
    let orders: usize = customers
        .iter()
        .map(|c| c["orders"]["items"].as_array().unwrap().len())
        .sum();
    let expected: usize = population
        .web_customers()
        .map(|(_, c)| c.orders.len())
        .sum();
    assert_eq!(
        orders, expected,
        "every web order is nested in its customer"
    );
    let guests = customers.iter().filter(|c| c["user"].is_null()).count();
    assert_eq!(
        guests,
        population.web_customers().filter(|(_, c)| c.guest).count()
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_web_store() {
    let (a, b, c) = (start(80, 9).await, start(80, 9).await, start(80, 10).await);

    let first = WebStore::login(&a).await.everything().await;
    let second = WebStore::login(&b).await.everything().await;
    let other = WebStore::login(&c).await.everything().await;

    assert_eq!(first, second, "a seed decides every record, date and ID");
    assert_ne!(first, other, "another seed gives other people");
}

#[tokio::test]
async fn writes_are_counted_per_idempotency_key_and_reads_are_not() {
    let sandbox = start(0, 1).await;
    let web = WebStore::login(&sandbox).await;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
        ... on Customer { id } } }";
    let input = json!({"input": {"firstName": "Kay", "lastName": "Key",
        "emailAddress": "kay@example.com"}});

    let created = web.query(create, input, Some("key-1")).await;
    let id = created["createCustomer"]["id"].clone();
    web.query(
        "mutation($id: ID!) { updateCustomer(input: {id: $id, lastName: \"Keys\"}) {
            ... on Customer { id } } }",
        json!({"id": id}),
        Some("key-1"),
    )
    .await;
    web.query("{ customers { totalItems } }", json!({}), Some("key-1"))
        .await;
    web.query(
        "mutation($id: ID!) { updateCustomer(input: {id: $id, lastName: \"Other\"}) {
            ... on Customer { id } } }",
        json!({"id": id}),
        Some("key-2"),
    )
    .await;

    assert_eq!(
        sandbox.writes_by_key("key-1"),
        2,
        "two writes, the read not counted"
    );
    assert_eq!(sandbox.writes_by_key("key-2"), 1);
    assert_eq!(sandbox.writes_by_key("never-sent"), 0);
}

#[tokio::test]
async fn one_key_counts_the_writes_of_both_systems() {
    let sandbox = start(0, 1).await;
    let web = WebStore::login(&sandbox).await;

    web.query(
        "mutation { createCustomer(input: {firstName: \"Bo\", lastName: \"Th\",
            emailAddress: \"both@example.com\"}) { ... on Customer { id } } }",
        json!({}),
        Some("correction-7"),
    )
    .await;
    erp_call(
        &sandbox,
        "model.party.party.create",
        json!([[{"name": "Bo Th", "code": "BOTH-1"}], {}]),
        Some("correction-7"),
    )
    .await;

    assert_eq!(
        sandbox.writes_by_key("correction-7"),
        2,
        "one correction pushed once to each system"
    );
}

#[tokio::test]
async fn after_shutdown_nothing_listens() {
    let sandbox = start(0, 1).await;
    let url = sandbox.vendure().url;

    sandbox.shutdown().await;

    let result = reqwest::Client::new().post(&url).body("{}").send().await;
    assert!(result.is_err(), "the port is closed once shutdown returns");
}

#[tokio::test]
async fn a_port_in_use_is_refused_with_the_port_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();

    let result = Sandbox::start_on(SandboxOptions::default(), 0, port).await;

    let error = format!("{:#}", result.err().expect("the port is taken"));
    assert!(
        error.contains(&format!("127.0.0.1:{port}")) && error.contains("web store"),
        "says which system and which port: {error}"
    );
}
