//! The whole job on real systems with data none of Concord's code made up: FEBRL dataset 4
//! loaded into a real Tryton and a real Vendure through their own APIs, then Concord run
//! against them as a rep would, and its links scored against the truth.
//!
//! The systems are a separate pair from the contract tests' (so scoring sees only loaded
//! people): the test command starts them with
//! `CONCORD_SYSTEMS_STATE=target/systems-realworld tests/systems/up`, fresh each run, and this
//! suite reads their variables from `target/systems-realworld/env` (or the file named by
//! `CONCORD_REAL_WORLD_ENV`). `CONCORD_REAL_WORLD_PEOPLE` sets how many people (300 unless
//! set; the README's figures are for 5,000). `CONCORD_SKIP_REAL_SYSTEMS=1` skips the suite and
//! says so; otherwise missing systems fail it.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use concord_sync::load::{self, Truth};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real systems' variables, or `None` when skipping was asked for.
fn systems() -> Option<HashMap<String, String>> {
    let file = std::env::var_os("CONCORD_REAL_WORLD_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/systems-realworld/env"));
    match std::fs::read_to_string(&file) {
        Ok(text) => Some(
            text.lines()
                .filter_map(|line| line.split_once('='))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect(),
        ),
        Err(_) if std::env::var("CONCORD_SKIP_REAL_SYSTEMS").is_ok_and(|v| v == "1") => {
            let _ = writeln!(
                std::io::stderr(),
                "skipped the real-world suite: CONCORD_SKIP_REAL_SYSTEMS=1"
            );
            None
        }
        Err(e) => panic!(
            "the real-world suite needs its own real systems, but {} cannot be read ({e}): run \
             `CONCORD_SYSTEMS_STATE=target/systems-realworld tests/systems/up` first",
            file.display()
        ),
    }
}

fn people_count() -> usize {
    std::env::var("CONCORD_REAL_WORLD_PEOPLE")
        .ok()
        .map(|v| v.parse().expect("CONCORD_REAL_WORLD_PEOPLE is a number"))
        .unwrap_or(300)
}

fn clients(env: &HashMap<String, String>) -> (TrytonClient, VendureClient) {
    let var = |name: &str| {
        env.get(name)
            .unwrap_or_else(|| panic!("{name} is missing from the systems' env file"))
            .clone()
    };
    let tryton = TrytonClient::new(TrytonSettings::new(
        var("CONCORD_TEST_TRYTON_URL"),
        var("CONCORD_TEST_TRYTON_DB"),
        var("CONCORD_TEST_TRYTON_USER"),
        var("CONCORD_TEST_TRYTON_PASSWORD"),
    ))
    .expect("Tryton settings");
    let vendure = VendureClient::new(VendureSettings::new(
        var("CONCORD_TEST_VENDURE_URL"),
        var("CONCORD_TEST_VENDURE_USER"),
        var("CONCORD_TEST_VENDURE_PASSWORD"),
    ))
    .expect("Vendure settings");
    (tryton, vendure)
}

/// Loads the people once per systems pair: the truth is kept beside the env file, so a second
/// run against the same systems reuses it instead of failing on a repeated load.
async fn loaded(env: &HashMap<String, String>, count: usize) -> Truth {
    let (tryton, vendure) = clients(env);
    let truth_file = workspace().join(format!("target/systems-realworld/truth-{count}.json"));
    if let Ok(text) = std::fs::read_to_string(&truth_file) {
        return serde_json::from_str(&text).expect("the kept truth file reads back");
    }
    let people = load::febrl_people(&workspace().join("../shared/data/febrl"), count)
        .expect("FEBRL dataset 4 is beside the checkout");
    let started = std::time::Instant::now();
    let truth = load::load(&tryton, &vendure, &people, |_, _| {})
        .await
        .expect("loading the people into both systems");
    let _ = writeln!(
        std::io::stderr(),
        "loaded {count} people into Tryton and Vendure in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&truth_file, serde_json::to_string(&truth).unwrap()).unwrap();
    truth
}

/// Every loaded person reads back through the connectors as it was loaded.
async fn check_loaded_records_read_back(env: &HashMap<String, String>, truth: &Truth) {
    let (tryton, vendure) = clients(env);
    let mut parties = HashMap::new();
    let mut after = None;
    loop {
        let page = tryton
            .parties_changed_since(None, after)
            .await
            .expect("listing parties");
        assert!(
            page.rejected.is_empty(),
            "every loaded party reads: {:?}",
            page.rejected.first().map(|r| &r.reason)
        );
        for party in page.records {
            parties.insert(party.id.to_string(), party);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut customers = HashMap::new();
    let mut after = None;
    loop {
        let page = vendure
            .customers_changed_since(None, after)
            .await
            .expect("listing customers");
        assert!(page.rejected.is_empty(), "every loaded customer reads");
        for customer in page.records {
            customers.insert(customer.id.clone(), customer);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }

    for (number, person) in &truth.people {
        let party = parties
            .get(&person.erp.id)
            .unwrap_or_else(|| panic!("person {number}'s party is listed"));
        assert_eq!(
            party.code.as_deref(),
            Some(format!("FEBRL-{number}").as_str())
        );
        let emails: Vec<&str> = party
            .contacts
            .iter()
            .filter(|c| c.kind == concord_sync::tryton::ContactKind::Email)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(
            emails,
            person.erp_email.as_deref().into_iter().collect::<Vec<_>>()
        );
        let customer = customers
            .get(&person.web.id)
            .unwrap_or_else(|| panic!("person {number}'s customer is listed"));
        assert_eq!(customer.email.as_deref(), Some(person.web_email.as_str()));
        let orders: Vec<&str> = customer.orders.iter().map(|o| o.code.as_str()).collect();
        assert_eq!(
            orders,
            person
                .web
                .orders
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            "person {number}'s web orders"
        );
    }
}

/// Runs the `concord` binary on `data_dir`; returns stdout, failing the test on a non-zero exit.
fn concord(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting concord");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().expect("running concord");
    assert!(
        out.status.success(),
        "concord {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("concord prints UTF-8")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Connects a fresh installation in `data_dir` to both real systems.
fn connect(data_dir: &Path, env: &HashMap<String, String>) {
    let var = |name: &str| env[name].as_str();
    concord(
        data_dir,
        &[
            "connect",
            "--kind",
            "tryton",
            "--url",
            var("CONCORD_TEST_TRYTON_URL"),
            "--database",
            var("CONCORD_TEST_TRYTON_DB"),
            "--login",
            var("CONCORD_TEST_TRYTON_USER"),
            "--password-stdin",
        ],
        Some(&format!("{}\n", var("CONCORD_TEST_TRYTON_PASSWORD"))),
    );
    concord(
        data_dir,
        &[
            "connect",
            "--kind",
            "vendure",
            "--url",
            var("CONCORD_TEST_VENDURE_URL"),
            "--login",
            var("CONCORD_TEST_VENDURE_USER"),
            "--password-stdin",
        ],
        Some(&format!("{}\n", var("CONCORD_TEST_VENDURE_PASSWORD"))),
    );
}

/// Which customer holds each (system, system ID) in the cache.
fn customers_by_record(data_dir: &Path) -> HashMap<(String, String), i64> {
    let conn = rusqlite::Connection::open(data_dir.join("cache.sqlite")).expect("the cache");
    let mut statement = conn
        .prepare(
            "SELECT s.system, s.system_id, l.customer_id
             FROM source_record s JOIN link l ON l.source_record_id = s.id",
        )
        .unwrap();
    let rows = statement
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// Precision and recall of the links between loaded ERP and web-store records.
fn score(truth: &Truth, customers: &HashMap<(String, String), i64>) -> (f64, f64, usize) {
    let mut erp_by_customer: HashMap<i64, Vec<u32>> = HashMap::new();
    for (number, person) in &truth.people {
        if let Some(c) = customers.get(&("tryton".to_owned(), person.erp.id.clone())) {
            erp_by_customer.entry(*c).or_default().push(*number);
        }
    }
    let (mut predicted, mut correct) = (0usize, 0usize);
    for (number, person) in &truth.people {
        let Some(c) = customers.get(&("vendure".to_owned(), person.web.id.clone())) else {
            continue;
        };
        for erp_number in erp_by_customer.get(c).into_iter().flatten() {
            predicted += 1;
            correct += usize::from(erp_number == number);
        }
    }
    let precision = if predicted == 0 {
        0.0
    } else {
        correct as f64 / predicted as f64
    };
    let recall = correct as f64 / truth.people.len() as f64;
    (precision, recall, predicted)
}

/// The customer the top hit of a lookup names.
fn top_hit(data_dir: &Path, query: &str) -> Option<i64> {
    let results = json(&concord(data_dir, &["lookup", query, "--json"], None));
    results["hits"][0]["customerId"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_works_on_real_systems_holding_febrl_people() {
    let Some(env) = systems() else { return };
    let count = people_count();
    let truth = loaded(&env, count).await;
    assert_eq!(truth.people.len(), count);
    check_loaded_records_read_back(&env, &truth).await;
    // Kept after the run (beside the systems' state) so a failure can be looked into.
    let data_dir = &workspace().join("target/systems-realworld/concord");
    let _ = std::fs::remove_dir_all(data_dir);
    connect(data_dir, &env);

    // Sync both systems into an empty cache, and score the links against the truth.
    let summary = json(&concord(data_dir, &["sync", "--json"], None));
    assert_eq!(
        summary["complete"], true,
        "every stream read to the end: {summary}"
    );
    assert_eq!(
        summary["setAside"], 0,
        "no loaded record is set aside: {summary}"
    );
    let customers = customers_by_record(data_dir);
    let (precision, recall, predicted) = score(&truth, &customers);
    let _ = writeln!(
        std::io::stderr(),
        "{count} people: sync {:.1} s (pull {:.1} s); {predicted} links, precision {precision:.4}, \
         recall {recall:.4}",
        summary["seconds"].as_f64().unwrap_or(f64::NAN),
        summary["pullSeconds"].as_f64().unwrap_or(f64::NAN),
    );
    assert!(precision >= 0.99, "precision {precision:.4} below 0.99");
    assert!(recall >= 0.99, "recall {recall:.4} below 0.99");

    // Lookups by phone, email, name and order number find the person's customer.
    for (number, person) in truth.people.iter().step_by((count / 20).max(1)) {
        let customer = customers[&("vendure".to_owned(), person.web.id.clone())];
        // A name is not unique: the customer must be among the first hits.
        let name = &person.web_name;
        if !name.is_empty() {
            let results = json(&concord(data_dir, &["lookup", name, "--json"], None));
            let hits: Vec<i64> = results["hits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h["customerId"].as_i64())
                .collect();
            assert!(
                hits.contains(&customer),
                "person {number} by name {name:?}: {hits:?}"
            );
        }
        assert_eq!(
            top_hit(data_dir, &person.web_email),
            Some(customer),
            "person {number} by email"
        );
        if let Some(phone) = &person.erp_phone {
            let erp_customer = customers[&("tryton".to_owned(), person.erp.id.clone())];
            assert_eq!(
                top_hit(data_dir, phone),
                Some(erp_customer),
                "person {number} by the phone the ERP holds"
            );
        }
        for order in person.erp.orders.iter().chain(&person.web.orders) {
            let hit = top_hit(data_dir, order);
            let owner = if person.erp.orders.contains(order) {
                customers[&("tryton".to_owned(), person.erp.id.clone())]
            } else {
                customer
            };
            assert_eq!(hit, Some(owner), "person {number} by order {order}");
        }
    }

    // A change made directly in Tryton shows after the next sync, saying where it came from.
    let (number, person) = truth
        .people
        .iter()
        .nth(count / 2)
        .expect("people were loaded");
    let party: i64 = person.erp.id.parse().expect("Tryton IDs are numbers");
    let (tryton, _) = clients(&env);
    tryton
        .call(
            "model.party.contact_mechanism.create",
            vec![serde_json::json!([{"party": party, "type": "phone", "value": "02 9374 4000"}])],
            None,
        )
        .await
        .expect("adding a phone in Tryton");
    concord(data_dir, &["sync"], None);
    let customer = customers_by_record(data_dir)[&("tryton".to_owned(), person.erp.id.clone())];
    let account = show(data_dir, customer);
    let added = account["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["e164"] == "+61293744000")
        .unwrap_or_else(|| panic!("person {number}'s new phone is on the account: {account}"));
    assert_eq!(
        added["sourceSystem"], "tryton",
        "the phone says where it came from"
    );
    assert!(added["seenAt"].is_string(), "and since when: {added}");
}

/// The customer as `concord show --json` prints it.
fn show(data_dir: &Path, customer: i64) -> serde_json::Value {
    json(&concord(
        data_dir,
        &["show", &customer.to_string(), "--json"],
        None,
    ))
}
