//! The sandbox web store's Admin API as a plain GraphQL client sees it: logins, lists with
//! their options, error results and errors, in the shapes Vendure 3.7.3 answers with.

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use serde_json::{json, Value};

struct Api {
    http: reqwest::Client,
    url: String,
    token: Option<String>,
    sandbox: Sandbox,
}

impl Api {
    async fn start() -> Api {
        let sandbox = Sandbox::start(SandboxOptions {
            customers: 0,
            seed: 1,
            faults: FaultSpec::none(),
        })
        .await
        .expect("the sandbox starts");
        Api {
            http: reqwest::Client::new(),
            url: sandbox.vendure().url,
            token: None,
            sandbox,
        }
    }

    async fn logged_in() -> Api {
        let mut api = Api::start().await;
        let access = api.sandbox.vendure();
        let (_, headers, body) = api.login(&access.username, &access.password).await;
        assert_eq!(body["data"]["login"]["__typename"], "CurrentUser", "{body}");
        api.token = Some(
            headers["vendure-auth-token"]
                .to_str()
                .expect("a token")
                .to_owned(),
        );
        api
    }

    async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        self.post(&json!({"query": "mutation($u: String!, $p: String!) {
            login(username: $u, password: $p) { __typename
                ... on ErrorResult { errorCode message } } }",
            "variables": {"u": username, "p": password}}))
            .await
    }

    async fn post(&self, body: &Value) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.json().await.expect("a JSON body"))
    }

    async fn data(&self, query: &str, variables: Value) -> Value {
        let (status, _, body) = self
            .post(&json!({"query": query, "variables": variables}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }

    async fn create(&self, first: &str, last: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                    ... on Customer { id } ... on ErrorResult { errorCode } } }",
                json!({"input": {"firstName": first, "lastName": last,
                    "emailAddress": format!("{}@example.com", first.to_lowercase())}}),
            )
            .await;
        data["createCustomer"]["id"]
            .as_str()
            .expect("an ID")
            .to_owned()
    }

    async fn ids(&self, options: Value) -> (Vec<String>, u64) {
        let data = self
            .data(
                "query($o: CustomerListOptions) { customers(options: $o) {
                    totalItems items { id } } }",
                json!({"o": options}),
            )
            .await;
        let ids = data["customers"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        (ids, data["customers"]["totalItems"].as_u64().unwrap())
    }
}

#[tokio::test]
async fn a_wrong_password_is_an_error_result_with_no_token() {
    let api = Api::start().await;

    let (status, headers, body) = api.login("superadmin", "wrong").await;

    assert_eq!(status, 200, "Vendure answers a refused login with HTTP 200");
    assert_eq!(
        body["data"]["login"]["errorCode"],
        "INVALID_CREDENTIALS_ERROR"
    );
    assert!(headers.get("vendure-auth-token").is_none());
}

#[tokio::test]
async fn without_a_token_every_query_is_forbidden() {
    let api = Api::start().await;

    let (status, _, body) = api
        .post(&json!({"query": "{ customers { totalItems } }"}))
        .await;

    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(body["data"], Value::Null, "no data leaks without a session");
}

#[tokio::test]
async fn a_query_that_does_not_validate_is_a_400_naming_the_field() {
    let api = Api::logged_in().await;

    let (status, _, body) = api
        .post(&json!({"query": "{ customers { nosuch } }"}))
        .await;
    let (parse_status, _, parse) = api.post(&json!({"query": "{ customers { "})).await;

    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["message"],
        "Cannot query field \"nosuch\" on type \"CustomerList\"."
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(parse_status, 400);
    assert_eq!(
        parse["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_nestjss_answer() {
    let api = Api::logged_in().await;

    let response = api
        .http
        .post(&api.url)
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 400);
}

#[tokio::test]
async fn lists_page_sort_and_filter_like_vendures() {
    let api = Api::logged_in().await;
    let ada = api.create("Ada", "Lovelace").await;
    let bob = api.create("Bob", "Babbage").await;
    let cy = api.create("Cy", "Curie").await;

    let (page, total) = api
        .ids(json!({"take": 2, "skip": 1, "sort": {"id": "ASC"}}))
        .await;
    let (descending, _) = api.ids(json!({"sort": {"id": "DESC"}})).await;
    let (by_last_name, _) = api.ids(json!({"sort": {"lastName": "ASC"}})).await;
    let (contains, _) = api
        .ids(json!({"filter": {"emailAddress": {"contains": "BOB"}}}))
        .await;
    let (either, _) = api
        .ids(
            json!({"filter": {"firstName": {"eq": "Ada"}, "lastName": {"eq": "Curie"}},
            "filterOperator": "OR"}),
        )
        .await;
    let (both, _) = api
        .ids(json!({"filter": {"firstName": {"eq": "Ada"}, "lastName": {"eq": "Curie"}}}))
        .await;

    assert_eq!(
        (page, total),
        (vec![bob.clone(), cy.clone()], 3),
        "skip 1, take 2 of 3"
    );
    assert_eq!(descending, [cy.clone(), bob.clone(), ada.clone()]);
    assert_eq!(by_last_name, [bob.clone(), cy.clone(), ada.clone()]);
    assert_eq!(contains, [bob], "contains ignores case, as SQLite's LIKE");
    assert_eq!(either, [ada, cy], "OR keeps a record that meets any filter");
    assert!(both.is_empty(), "AND, the default, needs every filter met");
}

#[tokio::test]
async fn a_page_larger_than_vendure_allows_is_refused() {
    let api = Api::logged_in().await;

    let (_, _, body) = api
        .post(&json!({"query": "{ customers(options: {take: 1001}) { totalItems } }"}))
        .await;

    assert_eq!(
        body["errors"][0]["message"],
        "Cannot take more than 1000 results from a list query"
    );
}

#[tokio::test]
async fn a_registered_email_is_a_conflict_result_not_an_error() {
    let api = Api::logged_in().await;
    api.create("Ada", "Lovelace").await;

    let data = api
        .data(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                ... on Customer { id } ... on ErrorResult { errorCode message } } }",
            json!({"input": {"firstName": "Other", "lastName": "Ada",
                "emailAddress": "ada@example.com"}}),
        )
        .await;

    assert_eq!(
        data["createCustomer"]["errorCode"],
        "EMAIL_ADDRESS_CONFLICT_ERROR"
    );
}

#[tokio::test]
async fn an_unknown_customer_is_null_to_read_and_not_found_to_write() {
    let api = Api::logged_in().await;

    let read = api
        .data("{ customer(id: \"999\") { id } }", json!({}))
        .await;
    let (_, _, write) = api
        .post(
            &json!({"query": "mutation { updateCustomer(input: {id: \"999\", lastName: \"X\"}) {
            ... on Customer { id } } }"}),
        )
        .await;

    assert_eq!(read["customer"], Value::Null);
    assert_eq!(write["errors"][0]["extensions"]["code"], "ENTITY_NOT_FOUND");
    assert_eq!(
        write["errors"][0]["message"],
        "No Customer with the id \"999\" could be found"
    );
}
