//! Each fault kind as a plain HTTP client meets it, and the rules around them: decided by the
//! seed, changed at run time, logins spared unless asked.

use std::time::{Duration, Instant};

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use serde_json::{json, Value};

const LIST: &str = "query($o: CustomerListOptions) { customers(options: $o) {
    totalItems items { id emailAddress } } }";
const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
    ... on Customer { id } ... on ErrorResult { errorCode message } } }";

async fn sandbox(faults: &str) -> Sandbox {
    Sandbox::start(SandboxOptions {
        customers: 0,
        seed: 1,
        faults: FaultSpec::parse(faults).expect("a valid spec"),
    })
    .await
    .expect("the sandbox starts")
}

struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    /// Logs in; faults never touch the login unless the spec says `login=on`.
    async fn login(sandbox: &Sandbox) -> Client {
        let access = sandbox.vendure();
        let http = reqwest::Client::new();
        let response = http
            .post(&access.url)
            .json(&json!({"query": "mutation($u: String!, $p: String!) {
                login(username: $u, password: $p) { __typename } }",
                "variables": {"u": access.username, "p": access.password}}))
            .send()
            .await
            .expect("the login is answered");
        let token = response
            .headers()
            .get("vendure-auth-token")
            .expect("a token header")
            .to_str()
            .unwrap()
            .to_owned();
        Client {
            http,
            url: access.url,
            token,
        }
    }

    fn request(&self, query: &str, variables: Value) -> reqwest::RequestBuilder {
        self.http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({"query": query, "variables": variables}))
    }

    async fn create_customers(&self, count: usize) {
        for i in 0..count {
            let input = json!({"input": {"firstName": format!("P{i}"), "lastName": "Paged",
                "emailAddress": format!("p{i}@example.com")}});
            let body: Value = self
                .request(CREATE, input)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(body["data"]["createCustomer"]["id"].is_string(), "{body}");
        }
    }
}

fn page(skip: u64) -> Value {
    json!({"o": {"take": 2, "skip": skip, "sort": {"id": "ASC"}}})
}

#[tokio::test]
async fn a_rate_limited_answer_is_429_with_retry_after() {
    let sandbox = sandbox("429=1,retry-after=3").await;
    let client = Client::login(&sandbox).await;

    let response = client.request(LIST, page(0)).send().await.unwrap();

    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["retry-after"],
        "3",
        "the client is told how long to wait"
    );
}

#[tokio::test]
async fn a_server_error_is_a_5xx() {
    let sandbox = sandbox("5xx=1").await;
    let client = Client::login(&sandbox).await;

    let response = client.request(LIST, page(0)).send().await.unwrap();

    assert!(
        [500, 502, 503].contains(&response.status().as_u16()),
        "got {}",
        response.status()
    );
}

#[tokio::test]
async fn a_dropped_connection_has_no_answer_but_the_write_happened() {
    let sandbox = sandbox("drop=1").await;
    let client = Client::login(&sandbox).await;
    let input = json!({"input": {"firstName": "Dropped", "lastName": "Answer",
        "emailAddress": "dropped@example.com"}});

    let result = client
        .request(CREATE, input)
        .header("Idempotency-Key", "drop-1")
        .send()
        .await;

    assert!(
        result.is_err(),
        "the connection closes without a status line"
    );
    assert_eq!(
        sandbox.writes_by_key("drop-1"),
        1,
        "the answer was lost after the write: exactly what a retrying client must survive"
    );
    sandbox.set_faults(FaultSpec::none());
    let listed: Value = client
        .request(LIST, page(0))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"]["customers"]["totalItems"], 1);
}

#[tokio::test]
async fn a_truncated_body_is_shorter_than_announced() {
    let sandbox = sandbox("").await;
    let client = Client::login(&sandbox).await;
    client.create_customers(3).await;
    sandbox.set_faults(FaultSpec::parse("truncate=1").unwrap());

    let response = client.request(LIST, page(0)).send().await.unwrap();
    let announced = response.content_length().expect("a Content-Length");
    let body = response.bytes().await;

    match body {
        Err(_) => {} // The connection closed before the announced length arrived.
        Ok(bytes) => {
            assert!(
                (bytes.len() as u64) < announced,
                "{} bytes of {announced} announced",
                bytes.len()
            );
            assert!(serde_json::from_slice::<Value>(&bytes).is_err());
        }
    }
}

#[tokio::test]
async fn a_malformed_body_is_not_json() {
    let sandbox = sandbox("").await;
    let client = Client::login(&sandbox).await;
    client.create_customers(2).await;
    sandbox.set_faults(FaultSpec::parse("malformed=1").unwrap());

    let response = client.request(LIST, page(0)).send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.expect("the whole body arrives");

    assert_eq!(status, 200, "the fault is in the body, not the status");
    assert!(
        serde_json::from_slice::<Value>(&bytes).is_err(),
        "the body cannot be decoded: {}",
        String::from_utf8_lossy(&bytes)
    );
}

#[tokio::test]
async fn a_duplicate_page_repeats_the_previous_page_once() {
    let sandbox = sandbox("").await;
    let client = Client::login(&sandbox).await;
    client.create_customers(6).await;
    let first = client
        .request(LIST, page(0))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    sandbox.set_faults(FaultSpec::parse("duplicate-page=1").unwrap());

    let second = client
        .request(LIST, page(2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    sandbox.set_faults(FaultSpec::none());
    let third = client
        .request(LIST, page(2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(
        second, first,
        "the second page is answered with the first page's answer"
    );
    assert_ne!(third, first, "without the fault the second page is itself");
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let sandbox = sandbox("latency=150ms").await;
    let client = Client::login(&sandbox).await;

    let started = Instant::now();
    let response = client.request(LIST, page(0)).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn logins_are_spared_unless_the_spec_says_otherwise() {
    let spared = sandbox("429=1").await;
    let hit = sandbox("429=1,login=on").await;
    let login = |sandbox: &Sandbox| {
        let access = sandbox.vendure();
        reqwest::Client::new()
            .post(access.url)
            .json(&json!({"query": "mutation($u: String!, $p: String!) {
                login(username: $u, password: $p) { __typename } }",
                "variables": {"u": access.username, "p": access.password}}))
            .send()
    };

    let spared_status = login(&spared).await.unwrap().status();
    let hit_status = login(&hit).await.unwrap().status();

    assert_eq!(
        spared_status, 200,
        "a client can always get a session to retry with"
    );
    assert_eq!(hit_status, 429, "`login=on` puts logins under the faults");
}

/// The statuses a fixed sequence of requests meets.
async fn statuses(spec: &str) -> Vec<u16> {
    let sandbox = sandbox(spec).await;
    let client = Client::login(&sandbox).await;
    let mut statuses = Vec::new();
    for skip in 0..40 {
        let response = client.request(LIST, page(skip)).send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    sandbox.shutdown().await;
    statuses
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_in_the_same_order() {
    let first = statuses("429=0.3,5xx=0.3,seed=5").await;
    let again = statuses("429=0.3,5xx=0.3,seed=5").await;
    let other = statuses("429=0.3,5xx=0.3,seed=6").await;

    assert_eq!(first, again, "a run with faults can be repeated exactly");
    assert_ne!(first, other, "another seed gives another run");
    assert!(first.contains(&200) && first.contains(&429), "{first:?}");
}

#[tokio::test]
async fn faults_change_at_run_time() {
    let sandbox = sandbox("").await;
    let client = Client::login(&sandbox).await;

    let before = client.request(LIST, page(0)).send().await.unwrap().status();
    sandbox.set_faults(FaultSpec::parse("5xx=1").unwrap());
    let during = client.request(LIST, page(0)).send().await.unwrap().status();
    sandbox.set_faults(FaultSpec::none());
    let after = client.request(LIST, page(0)).send().await.unwrap().status();

    assert_eq!(before, 200);
    assert!(during.is_server_error(), "got {during}");
    assert_eq!(after, 200, "faults end when they are switched off");
}

#[tokio::test]
async fn the_erp_meets_the_same_faults() {
    let sandbox = sandbox("5xx=1").await;
    let access = sandbox.tryton();

    let response = reqwest::Client::new()
        .post(format!("{}{}/rpc/", access.url, access.database))
        .json(&json!({"id": 1, "method": "common.server.version", "params": [{}]}))
        .send()
        .await
        .unwrap();

    assert!(
        response.status().is_server_error(),
        "got {}",
        response.status()
    );
}

#[test]
fn a_spec_reads_every_kind_and_prints_back_the_same() {
    let text = "latency=20ms,429=0.1,5xx=0.1,drop=0.05,truncate=0.05,malformed=0.05,\
                duplicate-page=0.1,retry-after=2,seed=7,login=on";

    let spec = FaultSpec::parse(text).unwrap();

    assert_eq!(spec.latency, Duration::from_millis(20));
    assert_eq!(
        (spec.rate_limit, spec.server_error, spec.drop),
        (0.1, 0.1, 0.05)
    );
    assert_eq!(
        (spec.truncate, spec.malformed, spec.duplicate_page),
        (0.05, 0.05, 0.1)
    );
    assert_eq!((spec.retry_after_secs, spec.seed, spec.login), (2, 7, true));
    assert_eq!(spec.to_string(), text, "Display gives the text form back");
    assert_eq!(FaultSpec::parse(&spec.to_string()).unwrap(), spec);
}

#[test]
fn no_faults_reads_from_empty_text_or_none() {
    assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::none());
    assert_eq!(FaultSpec::parse(" none ").unwrap(), FaultSpec::none());
    assert_eq!(FaultSpec::none().to_string(), "none");
    assert!(FaultSpec::none().is_none());
    assert_eq!(
        FaultSpec::parse("latency=1s").unwrap().latency,
        Duration::from_secs(1)
    );
}

#[test]
fn bad_specs_are_refused_with_the_entry_named() {
    let cases = [
        ("flood=0.1", "unknown fault `flood`"),
        ("429", "`429` needs a value"),
        ("429=1.5", "429 `1.5` is not a probability"),
        ("drop=-0.1", "drop `-0.1` is not a probability"),
        ("5xx=often", "5xx `often` is not a probability"),
        ("latency=fast", "latency `fast` is not a duration"),
        ("latency=20", "latency `20` is not a duration"),
        ("retry-after=soon", "retry-after `soon`"),
        ("seed=-1", "seed `-1`"),
        ("login=maybe", "login `maybe`"),
        ("429=0.6,5xx=0.6", "more than 1"),
    ];

    for (text, expected) in cases {
        let error = FaultSpec::parse(text).unwrap_err();

        assert!(
            error.contains(expected),
            "`{text}` should say {expected:?}, said {error:?}"
        );
    }
}
