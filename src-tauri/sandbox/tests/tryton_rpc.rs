//! The sandbox ERP at the protocol level: what a client sees on the wire, including the
//! failures, with the edge cases of domains that the connector's contract tests do not reach.

use std::sync::Arc;

use base64::Engine as _;
use concord_sandbox::population::Population;
use concord_sandbox::tryton::{spawn_on_loopback, ErpState};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A logged-in JSON-RPC client of one sandbox ERP.
struct Rpc {
    http: reqwest::Client,
    url: String,
    authorization: String,
    state: Arc<ErpState>,
}

impl Rpc {
    async fn start(state: ErpState) -> Rpc {
        let state = Arc::new(state);
        let address = spawn_on_loopback(state.clone())
            .await
            .expect("a loopback port");
        let url = format!("http://{address}/{}/rpc/", state.database());
        let http = reqwest::Client::new();
        let mut rpc = Rpc {
            http,
            url,
            authorization: String::new(),
            state,
        };
        let login = rpc
            .post(json!({"id": 1, "method": "common.db.login",
                         "params": [rpc.state.login(), {"password": rpc.state.password()}, "en"]}))
            .await;
        let result = &login.1["result"];
        let credentials = format!(
            "{}:{}:{}",
            rpc.state.login(),
            result[0],
            result[1].as_str().unwrap()
        );
        rpc.authorization = format!(
            "Session {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        rpc
    }

    async fn post(&self, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(&self.url).json(&body)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let mut request = request;
        if !self.authorization.is_empty() {
            request = request.header("Authorization", &self.authorization);
        }
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Calls `method` with `params` and an empty context; the whole reply.
    async fn reply(&self, method: &str, params: Value) -> Value {
        let mut params = params.as_array().cloned().unwrap_or_default();
        params.push(json!({}));
        let (status, reply) = self
            .post(json!({"id": 7, "method": method, "params": params}))
            .await;
        assert_eq!(status, StatusCode::OK, "{method} is answered: {reply}");
        reply
    }

    /// Calls `method` and expects a result.
    async fn call(&self, method: &str, params: Value) -> Value {
        let reply = self.reply(method, params).await;
        assert!(reply.get("error").is_none(), "{method} succeeds: {reply}");
        reply["result"].clone()
    }

    async fn search(&self, model: &str, domain: Value) -> Vec<i64> {
        let ids = self
            .call(
                &format!("model.{model}.search"),
                json!([domain, 0, null, [["id", "ASC"]]]),
            )
            .await;
        ids.as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_i64().unwrap())
            .collect()
    }

    async fn create(&self, model: &str, values: Value) -> i64 {
        self.call(&format!("model.{model}.create"), json!([[values]]))
            .await[0]
            .as_i64()
            .unwrap()
    }
}

async fn us(rpc: &Rpc) -> i64 {
    rpc.search("country.country", json!([["code", "=", "US"]]))
        .await[0]
}

#[tokio::test]
async fn a_stale_timestamp_is_refused_and_the_record_keeps_the_newer_write() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc.create("party.party", json!({"name": "Grace"})).await;
    let read = rpc
        .call("model.party.party.read", json!([[party], ["_timestamp"]]))
        .await;
    let stamp = read[0]["_timestamp"].as_str().unwrap().to_owned();
    let context = json!({"_timestamp": {format!("party.party,{party}"): stamp}});
    let (_, first) = rpc
        .post(json!({"id": 1, "method": "model.party.party.write",
                     "params": [[party], {"name": "Grace H."}, context]}))
        .await;

    let (status, second) = rpc
        .post(json!({"id": 2, "method": "model.party.party.write",
                     "params": [[party], {"name": "Grace Hopper"}, context]}))
        .await;

    assert!(
        first.get("error").is_none(),
        "the first write is based on the current version"
    );
    assert_eq!(
        status,
        StatusCode::OK,
        "an application error is HTTP 200, as on Tryton"
    );
    assert_eq!(
        second["error"],
        json!([
            "ConcurrencyException",
            "Records were modified in the meanwhile"
        ]),
        "a second write from the same old version is a conflict"
    );
    let now = rpc
        .call("model.party.party.read", json!([[party], ["name"]]))
        .await;
    assert_eq!(
        now[0]["name"], "Grace H.",
        "the refused write changed nothing"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_rpc_is_400_and_the_server_keeps_serving() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let bodies = [
        "not json at all",
        "{\"id\": 1, \"params\": []}",
        "[1, 2, 3]",
    ];

    let mut statuses = Vec::new();
    for body in bodies {
        let request = rpc
            .http
            .post(&rpc.url)
            .body(body)
            .header("Content-Type", "application/json");
        statuses.push(rpc.send(request).await.0);
    }

    assert!(
        statuses.iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "each malformed body is a 400: {statuses:?}"
    );
    let countries = rpc.search("country.country", json!([])).await;
    assert!(
        !countries.is_empty(),
        "the server still answers well-formed requests"
    );
}

#[tokio::test]
async fn sessions_and_exposure_fail_with_tryton_status_codes() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let anonymous = Rpc {
        authorization: String::new(),
        ..Rpc::start(ErpState::empty()).await
    };
    let forged = Rpc {
        authorization: format!(
            "Session {}",
            base64::engine::general_purpose::STANDARD.encode("admin:1:forged")
        ),
        ..Rpc::start(ErpState::empty()).await
    };
    let search = json!({"id": 1, "method": "model.party.party.search", "params": [[], {}]});

    let wrong_password = rpc
        .post(json!({"id": 1, "method": "common.db.login",
                     "params": ["admin", {"password": "nope"}, "en"]}))
        .await;
    let no_session = anonymous.post(search.clone()).await;
    let unknown_session = forged.post(search).await;
    let hidden_model = rpc
        .post(json!({"id": 1, "method": "model.ir.model.data.search_read",
                     "params": [[], 0, 1, null, ["id"], {}]}))
        .await;
    let hidden_method = rpc
        .post(json!({"id": 1, "method": "model.party.party.frobnicate", "params": [[1], {}]}))
        .await;
    let no_context = rpc
        .post(json!({"id": 1, "method": "model.party.party.read", "params": [[1], ["name"]]}))
        .await;

    assert_eq!(
        wrong_password.0,
        StatusCode::UNAUTHORIZED,
        "a refused login is a 401"
    );
    assert_eq!(
        no_session.0,
        StatusCode::UNAUTHORIZED,
        "no session is a 401"
    );
    assert_eq!(
        unknown_session.0,
        StatusCode::UNAUTHORIZED,
        "a forged token is a 401"
    );
    assert_eq!(
        unknown_session.1,
        json!(""),
        "an unknown session gets an empty body"
    );
    assert_eq!(
        hidden_model.0,
        StatusCode::FORBIDDEN,
        "models not served are not exposed"
    );
    assert_eq!(
        hidden_method.0,
        StatusCode::FORBIDDEN,
        "nor are methods not served"
    );
    assert_eq!(
        no_context.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the context is required"
    );
}

#[tokio::test]
async fn writes_are_counted_per_idempotency_key_and_only_when_they_apply() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc.create("party.party", json!({"name": "Counted"})).await;
    let write = |name: &str, stamp: &str| {
        json!({"id": 1, "method": "model.party.party.write",
               "params": [[party], {"name": name},
                          {"_timestamp": {format!("party.party,{party}"): stamp}}]})
    };
    let keyed = |body: Value, key: &str| {
        rpc.http
            .post(&rpc.url)
            .json(&body)
            .header("Idempotency-Key", key)
    };

    rpc.send(keyed(write("Once", "0"), "refused")).await;
    rpc.send(keyed(
        json!({"id": 1, "method": "model.party.party.read",
                          "params": [[party], ["name"], {}]}),
        "read",
    ))
    .await;
    let (_, applied) = rpc
        .send(keyed(
            json!({"id": 1, "method": "model.party.party.write",
                           "params": [[party], {"name": "Once"}, {}]}),
            "correction-1",
        ))
        .await;

    assert!(
        applied.get("error").is_none(),
        "the keyed write applies: {applied}"
    );
    assert_eq!(
        rpc.state.writes_by_key("correction-1"),
        1,
        "one applied write, counted once"
    );
    assert_eq!(
        rpc.state.writes_by_key("refused"),
        0,
        "a refused write wrote nothing"
    );
    assert_eq!(rpc.state.writes_by_key("read"), 0, "a read is not a write");
    assert_eq!(rpc.state.writes_by_key("never-sent"), 0);
}

#[tokio::test]
async fn every_answer_carries_the_server_date() {
    let rpc = Rpc::start(ErpState::empty()).await;

    let response = rpc
        .http
        .post(&rpc.url)
        .header("Authorization", &rpc.authorization)
        .json(&json!({"id": 1, "method": "model.party.party.search", "params": [[], {}]}))
        .send()
        .await
        .unwrap();

    assert!(
        response.headers().contains_key("date"),
        "the connector takes its cursors from the Date header"
    );
}

#[tokio::test]
async fn negative_operators_through_a_one2many_match_records_with_no_related_record() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let us = us(&rpc).await;
    let in_x = rpc
        .create(
            "party.party",
            json!({"name": "In X", "addresses": [["create", [{"city": "X", "country": us}]]]}),
        )
        .await;
    let in_y = rpc
        .create(
            "party.party",
            json!({"name": "In Y", "addresses": [["create", [{"city": "Y", "country": us}]]]}),
        )
        .await;
    let homeless = rpc
        .create("party.party", json!({"name": "No address"}))
        .await;
    let ours = |ids: Vec<i64>| -> Vec<i64> {
        ids.into_iter()
            .filter(|id| [in_x, in_y, homeless].contains(id))
            .collect()
    };

    let equal = ours(
        rpc.search("party.party", json!([["addresses.city", "=", "X"]]))
            .await,
    );
    let not_equal = ours(
        rpc.search("party.party", json!([["addresses.city", "!=", "X"]]))
            .await,
    );
    let none = ours(
        rpc.search("party.party", json!([["addresses", "=", null]]))
            .await,
    );

    assert_eq!(equal, [in_x], "a party with an address in X");
    assert_eq!(
        not_equal,
        [in_y, homeless],
        "Tryton reads != through a one2many as 'no address in X', a party without any included"
    );
    assert_eq!(none, [homeless], "a one2many = null means none at all");
}

#[tokio::test]
async fn domains_nest_or_and_and_and_treat_nulls_as_tryton_does() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let ada = rpc
        .create("party.party", json!({"name": "Ada", "code": "A1"}))
        .await;
    let bob = rpc
        .create("party.party", json!({"name": "bob", "code": "B1"}))
        .await;
    let nameless = rpc.create("party.party", json!({"code": "N1"})).await;
    let ours = |ids: Vec<i64>| -> Vec<i64> {
        ids.into_iter()
            .filter(|id| [ada, bob, nameless].contains(id))
            .collect()
    };

    let either = ours(
        rpc.search(
            "party.party",
            json!([[
                "OR",
                ["code", "=", "A1"],
                [["code", "=", "B1"], ["name", "=", "bob"]]
            ]]),
        )
        .await,
    );
    let not_ada = ours(
        rpc.search("party.party", json!([["name", "!=", "Ada"]]))
            .await,
    );
    let unnamed = ours(
        rpc.search("party.party", json!([["name", "=", null]]))
            .await,
    );
    let b_like = ours(
        rpc.search("party.party", json!([["name", "like", "B%"]]))
            .await,
    );
    let in_list = ours(
        rpc.search("party.party", json!([["name", "in", ["Ada", null]]]))
            .await,
    );
    let not_in = ours(
        rpc.search("party.party", json!([["name", "not in", ["Ada"]]]))
            .await,
    );
    let empty_in = ours(rpc.search("party.party", json!([["name", "in", []]])).await);

    assert_eq!(either, [ada, bob], "OR over a leaf and a nested AND");
    assert_eq!(
        not_ada,
        [bob, nameless],
        "!= also matches an empty field, as on Tryton"
    );
    assert_eq!(unnamed, [nameless], "= null is IS NULL");
    assert_eq!(
        b_like,
        [bob],
        "like ignores ASCII case, as SQLite's LIKE does"
    );
    assert_eq!(
        in_list,
        [ada, nameless],
        "in with null matches empty fields too"
    );
    assert_eq!(not_in, [bob, nameless], "not in matches empty fields");
    assert!(empty_in.is_empty(), "in [] matches nothing");
}

#[tokio::test]
async fn keyset_pages_order_and_offsets_select_the_right_records() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let mut ids = Vec::new();
    for name in ["Cy", "Ann", "Bea", "Dee", "Eve"] {
        ids.push(
            rpc.create("party.party", json!({"name": name, "code": name}))
                .await,
        );
    }
    let mine = json!(["code", "in", ["Cy", "Ann", "Bea", "Dee", "Eve"]]);

    let after_second = rpc
        .call(
            "model.party.party.search",
            json!([[mine.clone(), ["id", ">", ids[1]]], 0, 2, [["id", "ASC"]]]),
        )
        .await;
    let by_name_desc = rpc
        .call(
            "model.party.party.search_read",
            json!([[mine.clone()], 1, 2, [["name", "DESC"]], ["name"]]),
        )
        .await;
    let counted = rpc
        .call("model.party.party.search_count", json!([[mine]]))
        .await;

    assert_eq!(
        after_second,
        json!([ids[2], ids[3]]),
        "id > cursor, limited to the page"
    );
    let names: Vec<&str> = by_name_desc
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Dee", "Cy"],
        "descending by name, skipping the first"
    );
    assert_eq!(counted, json!(5));
}

#[tokio::test]
async fn unknown_fields_are_errors_shaped_like_tryton_key_errors() {
    let rpc = Rpc::start(ErpState::empty()).await;

    let in_domain = rpc
        .reply(
            "model.party.party.search_read",
            json!([[["nosuch", "=", 1]], 0, 1, null, ["id"]]),
        )
        .await;
    let through_relation = rpc
        .reply(
            "model.party.party.search",
            json!([[["addresses.nosuch", "=", 1]]]),
        )
        .await;
    let in_fields = rpc
        .reply(
            "model.country.country.read",
            json!([[1], ["country.nosuch"]]),
        )
        .await;

    assert_eq!(
        in_domain["error"],
        json!(["'nosuch'", ""]),
        "the real server's KeyError text"
    );
    assert_eq!(through_relation["error"], json!(["'nosuch'", ""]));
    assert_eq!(
        in_fields["error"],
        json!(["'country'", ""]),
        "the first unknown name"
    );
}

#[tokio::test]
async fn dotted_names_read_related_records_and_booleans_come_as_sqlite_gives_them() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let us = us(&rpc).await;
    let vip = rpc.create("party.category", json!({"name": "VIP"})).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Dotted", "categories": [["add", [vip]]],
                   "addresses": [["create", [{"city": "Springfield", "country": us,
                                              "invoice": true}]]]}),
        )
        .await;

    let parties = rpc
        .call(
            "model.party.party.read",
            json!([[party], ["categories.name", "addresses"]]),
        )
        .await;
    let address_id = parties[0]["addresses"][0].as_i64().unwrap();
    let address = rpc
        .call(
            "model.party.address.read",
            json!([
                [address_id],
                ["country.code", "subdivision.code", "invoice", "delivery"]
            ]),
        )
        .await;

    assert_eq!(
        parties[0]["categories."],
        json!([{"id": vip, "name": "VIP"}])
    );
    assert!(
        parties[0].get("categories").is_none(),
        "only the names asked for are answered"
    );
    assert_eq!(address[0]["country."], json!({"id": us, "code": "US"}));
    assert_eq!(
        address[0]["subdivision."],
        Value::Null,
        "an empty many2one reads as null"
    );
    assert_eq!(
        (
            address[0]["invoice"].clone(),
            address[0]["delivery"].clone()
        ),
        (json!(1), json!(0)),
        "booleans come back as 0/1, as the real server reads them from SQLite"
    );
}

#[tokio::test]
async fn a_failed_call_leaves_nothing_behind() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let parties_before = rpc.state.count("party.party");
    let addresses_before = rpc.state.count("party.address");

    let reply = rpc
        .reply(
            "model.party.party.create",
            json!([[{"name": "Half", "addresses": [["create", [{"city": "Z"}]]],
                     "contact_mechanisms": [["create", [{"type": "pigeon", "value": "x"}]]]}]]),
        )
        .await;

    assert_eq!(
        reply["error"][0], "UserError",
        "an unknown contact type is refused: {reply}"
    );
    assert_eq!(
        rpc.state.count("party.party"),
        parties_before,
        "no party is left half made"
    );
    assert_eq!(
        rpc.state.count("party.address"),
        addresses_before,
        "nor its address"
    );
}

#[tokio::test]
async fn deleting_a_party_takes_its_addresses_and_a_confirmed_sale_cannot_be_deleted() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Gone", "addresses": [["create", [{"city": "Q"}]]]}),
        )
        .await;
    let address = rpc
        .search("party.address", json!([["party", "=", party]]))
        .await[0];
    let sale = rpc
        .create(
            "sale.sale",
            json!({"party": party, "invoice_address": address,
                   "lines": [["create", [{"type": "comment", "description": "call back"}]]]}),
        )
        .await;
    rpc.call("model.sale.sale.quote", json!([[sale]])).await;
    rpc.call("model.sale.sale.confirm", json!([[sale]])).await;

    let refused = rpc.reply("model.sale.sale.delete", json!([[sale]])).await;
    let other = rpc
        .create(
            "party.party",
            json!({"name": "Gone too",
                                                 "addresses": [["create", [{"city": "R"}]]]}),
        )
        .await;
    rpc.call("model.party.party.delete", json!([[other]])).await;

    assert_eq!(
        refused["error"][0], "UserError",
        "a confirmed sale must be cancelled first"
    );
    let sale_now = rpc
        .call(
            "model.sale.sale.read",
            json!([[sale], ["state", "sale_date"]]),
        )
        .await;
    assert_eq!(sale_now[0]["state"], "confirmed");
    assert!(
        sale_now[0]["sale_date"].is_object(),
        "confirming dates the sale"
    );
    assert!(
        rpc.search("party.address", json!([["city", "=", "R"]]))
            .await
            .is_empty(),
        "a deleted party's addresses go with it"
    );
}

#[tokio::test]
async fn a_seeded_party_reads_back_as_the_population_describes_it() {
    let population = Population::generate(50, 11);
    let rpc = Rpc::start(ErpState::seeded(&population)).await;
    let (_, party) = population
        .erp_parties()
        .find(|(_, p)| !p.addresses.is_empty() && !p.categories.is_empty() && !p.sales.is_empty())
        .or_else(|| population.erp_parties().find(|(_, p)| !p.sales.is_empty()))
        .expect("fifty people include an ERP customer with sales");

    let found = rpc
        .search("party.party", json!([["code", "=", party.code]]))
        .await;
    let read = rpc
        .call(
            "model.party.party.read",
            json!([
                found,
                ["name", "categories.name", "addresses", "contact_mechanisms"]
            ]),
        )
        .await;
    let sales = rpc
        .search("sale.sale", json!([["party", "=", found[0]]]))
        .await;

    assert_eq!(found.len(), 1, "party codes are unique");
    assert_eq!(read[0]["name"], party.name);
    let categories: Vec<&str> = read[0]["categories."]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories, party.categories,
        "the account categories are the party's"
    );
    assert_eq!(
        read[0]["addresses"].as_array().unwrap().len(),
        party.addresses.len()
    );
    assert_eq!(
        read[0]["contact_mechanisms"].as_array().unwrap().len(),
        party.contacts.len()
    );
    assert_eq!(
        sales.len(),
        party.sales.len(),
        "every sale of the party is in the ERP"
    );
}

#[tokio::test]
async fn a_party_without_a_code_gets_the_next_one_and_a_code_in_use_is_refused() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let first = rpc.create("party.party", json!({"name": "First"})).await;
    let second = rpc.create("party.party", json!({"name": "Second"})).await;

    let codes = rpc
        .call("model.party.party.read", json!([[first, second], ["code"]]))
        .await;
    let taken = codes[0]["code"].clone();
    let clash = rpc
        .reply(
            "model.party.party.create",
            json!([[{"name": "Clash", "code": taken}]]),
        )
        .await;

    let first_code: i64 = codes[0]["code"].as_str().unwrap().parse().unwrap();
    let second_code: i64 = codes[1]["code"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        second_code,
        first_code + 1,
        "codes come from one sequence, in order"
    );
    assert_eq!(
        clash["error"],
        json!(["UserError", ["The code on party must be unique.", "", null]]),
        "Tryton's unique constraint on party codes"
    );
}

#[tokio::test]
async fn a_party_used_by_a_sale_cannot_be_deleted_and_keeps_its_addresses() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Buyer", "addresses": [["create", [{"city": "K"}]]]}),
        )
        .await;
    rpc.create("sale.sale", json!({"party": party})).await;

    let refused = rpc
        .reply("model.party.party.delete", json!([[party]]))
        .await;

    assert_eq!(
        refused["error"],
        json!(["UserError", [
            "The records could not be deleted because they are used by field \"Party\" of \"Sale\".",
            "", null]]),
        "a sale's party is a restricting reference, as on Tryton"
    );
    assert_eq!(
        rpc.search("party.address", json!([["party", "=", party]]))
            .await
            .len(),
        1,
        "the addresses the delete had cascaded to are back"
    );
}

#[tokio::test]
async fn a_stale_version_of_an_address_written_through_its_party_is_a_conflict() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Nested", "addresses": [["create", [{"city": "A"}]]]}),
        )
        .await;
    let address = rpc
        .search("party.address", json!([["party", "=", party]]))
        .await[0];
    let stale = json!({"_timestamp": {format!("party.address,{address}"): "1.0"}});

    let (_, reply) = rpc
        .post(json!({"id": 1, "method": "model.party.party.write",
                     "params": [[party], {"addresses": [["write", [address], {"city": "B"}]]},
                                stale]}))
        .await;

    assert_eq!(
        reply["error"][0], "ConcurrencyException",
        "nested writes check versions too"
    );
    let city = rpc
        .call("model.party.address.read", json!([[address], ["city"]]))
        .await;
    assert_eq!(city[0]["city"], "A", "and change nothing when refused");
}

#[tokio::test]
async fn an_address_stays_with_its_party() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let owner = rpc
        .create(
            "party.party",
            json!({"name": "Owner", "addresses": [["create", [{"city": "Q"}]]]}),
        )
        .await;
    let other = rpc.create("party.party", json!({"name": "Other"})).await;
    let address = rpc
        .search("party.address", json!([["party", "=", owner]]))
        .await[0];

    let removed = rpc
        .reply(
            "model.party.party.write",
            json!([[owner], {"addresses": [["remove", [address]]]}]),
        )
        .await;
    let moved = rpc
        .reply(
            "model.party.address.write",
            json!([[address], {"party": other}]),
        )
        .await;

    for reply in [&removed, &moved] {
        assert_eq!(
            reply["error"],
            json!([
                "UserError",
                [
                    "You cannot change the party of address \"Owner, Q\".",
                    "",
                    null
                ]
            ]),
            "Tryton never moves an address between parties"
        );
    }
}

#[tokio::test]
async fn selection_fields_are_searched_like_any_text() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Reachable", "contact_mechanisms": [["create", [
                {"type": "email", "value": "r@example.com"},
                {"type": "phone", "value": "+1 217 555 0100"}]]]}),
        )
        .await;
    let mine = json!(["party", "=", party]);

    let like = rpc
        .search(
            "party.contact_mechanism",
            json!([mine.clone(), ["type", "like", "em%"]]),
        )
        .await;
    let equal = rpc
        .search(
            "party.contact_mechanism",
            json!([mine.clone(), ["type", "=", "phone"]]),
        )
        .await;
    let after = rpc
        .search("party.contact_mechanism", json!([mine, ["type", ">", "f"]]))
        .await;

    let emails = rpc
        .call(
            "model.party.contact_mechanism.read",
            json!([like, ["value"]]),
        )
        .await;
    assert_eq!(
        emails,
        json!([{"id": emails[0]["id"], "value": "r@example.com"}]),
        "like"
    );
    assert_eq!(equal.len(), 1, "=");
    assert_eq!(
        after, equal,
        "> compares the option's text: phone > f, email < f"
    );
}

#[tokio::test]
async fn a_session_ends_at_logout() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let search = json!({"id": 1, "method": "model.party.party.search", "params": [[], {}]});
    let before = rpc.post(search.clone()).await;

    let logout = rpc
        .post(json!({"id": 2, "method": "common.db.logout", "params": []}))
        .await;
    let after = rpc.post(search).await;

    assert_eq!(before.0, StatusCode::OK, "the session works until logout");
    assert_eq!(logout.0, StatusCode::OK);
    assert_eq!(
        after.0,
        StatusCode::UNAUTHORIZED,
        "a token logged out is no session"
    );
}

#[tokio::test]
async fn a_search_without_an_order_sorts_as_the_model_does() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let zoe = rpc
        .create(
            "party.party",
            json!({"name": "Zoe", "addresses": [["create", [{"city": "A"}]]]}),
        )
        .await;
    let abe = rpc
        .create(
            "party.party",
            json!({"name": "Abe", "addresses": [["create", [{"city": "B"}]]]}),
        )
        .await;
    let date = |day: u32| json!({"__class__": "date", "year": 2026, "month": 5, "day": day});
    let older = rpc
        .create("sale.sale", json!({"party": zoe, "sale_date": date(1)}))
        .await;
    let newer = rpc
        .create("sale.sale", json!({"party": zoe, "sale_date": date(9)}))
        .await;
    let undated = rpc.create("sale.sale", json!({"party": abe})).await;
    let mine = |model: &'static str, ids: Vec<i64>| {
        let rpc = &rpc;
        async move {
            let all = rpc
                .call(&format!("model.{model}.search"), json!([[], 0, null, null]))
                .await;
            all.as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_i64().unwrap())
                .filter(|id| ids.contains(id))
                .collect::<Vec<i64>>()
        }
    };
    let addresses = rpc
        .search("party.address", json!([["party", "in", [zoe, abe]]]))
        .await;

    let parties = mine("party.party", vec![zoe, abe]).await;
    let sales = mine("sale.sale", vec![older, newer, undated]).await;
    let by_party = mine("party.address", addresses.clone()).await;

    assert_eq!(parties, [abe, zoe], "parties by name");
    assert_eq!(
        sales,
        [undated, newer, older],
        "sales newest first, undated drafts before all"
    );
    assert_eq!(
        by_party,
        [addresses[1], addresses[0]],
        "addresses by their party's name, as a many2one orders by its target"
    );
}

#[tokio::test]
async fn inactive_records_drop_out_of_searches_and_lists_unless_asked_for() {
    let rpc = Rpc::start(ErpState::empty()).await;
    let party = rpc
        .create(
            "party.party",
            json!({"name": "Moved", "addresses": [["create", [{"city": "Keep"}, {"city": "Drop"}]]]}),
        )
        .await;
    let [keep, drop] = rpc
        .search("party.address", json!([["party", "=", party]]))
        .await[..]
    else {
        panic!("two addresses were made");
    };
    rpc.call(
        "model.party.address.write",
        json!([[drop], {"active": false}]),
    )
    .await;

    let listed = rpc
        .call("model.party.party.read", json!([[party], ["addresses"]]))
        .await;
    let searched = rpc
        .search("party.address", json!([["party", "=", party]]))
        .await;
    let asked = rpc
        .search(
            "party.address",
            json!([["party", "=", party], ["active", "in", [true, false]]]),
        )
        .await;
    let (_, without_test) = rpc
        .post(json!({"id": 1, "method": "model.party.address.search",
                     "params": [[["party", "=", party]], 0, null, null, {"active_test": false}]}))
        .await;
    let through = rpc
        .search(
            "party.party",
            json!([["id", "=", party], ["addresses.city", "=", "Drop"]]),
        )
        .await;
    let still_readable = rpc
        .call("model.party.address.read", json!([[drop], ["active"]]))
        .await;

    assert_eq!(
        listed[0]["addresses"],
        json!([keep]),
        "a party lists its active addresses"
    );
    assert_eq!(searched, [keep], "searches leave inactive records out");
    assert_eq!(asked, [keep, drop], "unless the domain names `active`");
    assert_eq!(
        without_test["result"],
        json!([keep, drop]),
        "or active_test is off"
    );
    assert!(
        through.is_empty(),
        "a search through addresses skips inactive ones too"
    );
    assert_eq!(
        still_readable[0]["active"],
        json!(0),
        "read by ID, it is still there"
    );
}
