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

/// The env file of the systems the suite runs against; the truth and Concord's data folder
/// are kept beside it.
fn env_file() -> PathBuf {
    std::env::var_os("CONCORD_REAL_WORLD_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/systems-realworld/env"))
}

fn state_dir() -> PathBuf {
    env_file()
        .parent()
        .expect("the env file is in a folder")
        .to_owned()
}

/// The real systems' variables, or `None` when skipping was asked for.
fn systems() -> Option<HashMap<String, String>> {
    let file = env_file();
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
    // Keyed by the ERP's process: systems started afresh get a fresh load.
    let pid = env
        .get("CONCORD_TEST_TRYTON_PID")
        .map_or("", String::as_str);
    let truth_file = state_dir().join(format!("truth-{count}-{pid}.json"));
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
    let data_dir = &state_dir().join("concord");
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

    // An address correction reaches each real system exactly as previewed. The rep corrects
    // the address the ERP sent; where the web store holds the same address (as Concord pairs
    // them) it is corrected with it. The first person from a third of the way in whose
    // preview names both systems is taken (a web copy with a typo in its street is another
    // address, corrected on its own).
    let line1 = "12 Stanley Street";
    let edit = |customer: i64, address_id: i64, line1: &str, dry_run: bool| {
        let (customer, address_id) = (customer.to_string(), address_id.to_string());
        let mut args = vec![
            "edit",
            "address",
            &customer,
            "--address-id",
            &address_id,
            "--line1",
            line1,
            "--city",
            "Winston Hills",
            "--region",
            "NSW",
            "--postcode",
            "2153",
            "--country",
            "AU",
            "--json",
        ];
        if dry_run {
            args.push("--dry-run");
        }
        json(&concord(data_dir, &args, None))
    };
    let previewed_systems = |preview: &serde_json::Value| -> std::collections::BTreeSet<String> {
        preview["systems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| !p["changes"].as_array().is_some_and(|c| c.is_empty()))
            .filter_map(|p| p["system"].as_str().map(str::to_owned))
            .collect()
    };
    let linked = customers_by_record(data_dir);
    let chosen = truth
        .people
        .iter()
        .skip(count / 3)
        .take(100)
        .find_map(|(number, person)| {
            let customer = *linked.get(&("tryton".to_owned(), person.erp.id.clone()))?;
            let address_id = *addresses_by_system(data_dir, customer).get("tryton")?;
            let both = previewed_systems(&edit(customer, address_id, line1, true)).len() == 2;
            both.then_some((number, person, customer, address_id))
        });
    let Some((number, person, customer, address_id)) = chosen else {
        panic!("no person among 100 has an address both systems hold alike");
    };
    let addresses = addresses_by_system(data_dir, customer);
    let submitted = edit(customer, address_id, line1, false);
    assert_eq!(submitted["state"], "queued", "{submitted}");
    assert!(
        !submitted.to_string().contains(r#""field":"recipient""#),
        "an option the rep left out keeps its value: {submitted}"
    );
    let mut expected = Vec::new();
    for preview in submitted["preview"]["systems"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if !preview["changes"].as_array().is_some_and(|c| c.is_empty()) {
            let system = preview["system"].as_str().unwrap().to_owned();
            expected.push((system, line1.to_owned(), preview.clone()));
        }
    }
    let systems: std::collections::BTreeSet<&str> =
        expected.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(
        systems,
        ["tryton", "vendure"].into(),
        "person {number}'s corrections go to both systems"
    );
    let pushed = json(&concord(data_dir, &["push", "--json"], None));
    assert_eq!(pushed["failed"], 0, "{pushed}");
    assert_eq!(pushed["conflicts"], 0, "{pushed}");
    let (tryton, vendure) = clients(&env);
    for (system, line1, preview) in &expected {
        let stored = match system.as_str() {
            "tryton" => tryton_address(&tryton, &person.erp.id, line1).await,
            _ => vendure_address(&vendure, &person.web.id, line1).await,
        };
        for change in preview["changes"].as_array().unwrap() {
            let field = change["field"].as_str().unwrap();
            assert_eq!(
                stored.get(field).cloned().flatten().as_deref(),
                change["to"].as_str().filter(|v| !v.is_empty()),
                "{system} holds {field} as previewed"
            );
        }
    }
    let tryton_line1 = expected
        .iter()
        .find(|(system, _, _)| system == "tryton")
        .map(|(_, line1, _)| line1.clone())
        .unwrap();

    // A colliding edit: changed in Tryton after the rep's base. Nothing is overwritten, and a
    // supervisor gets a review item.
    let address_id = addresses["tryton"];
    concord(
        data_dir,
        &[
            "edit",
            "address",
            &customer.to_string(),
            "--address-id",
            &address_id.to_string(),
            "--line1",
            "16 Stanley Street",
            "--city",
            "Winston Hills",
            "--region",
            "NSW",
            "--postcode",
            "2153",
            "--country",
            "AU",
        ],
        None,
    );
    let party_address: i64 = tryton_address(&tryton, &person.erp.id, &tryton_line1).await["id"]
        .clone()
        .expect("the address has an ID")
        .parse()
        .unwrap();
    tryton
        .call(
            "model.party.address.write",
            vec![
                serde_json::json!([party_address]),
                serde_json::json!({"street": "18 Stanley Street"}),
            ],
            None,
        )
        .await
        .expect("someone edits the address in Tryton");
    let _ = concord_result(data_dir, &["push", "--json"]);
    let theirs = tryton_address(&tryton, &person.erp.id, "18 Stanley Street").await;
    assert_eq!(
        theirs.get("line1").cloned().flatten().as_deref(),
        Some("18 Stanley Street"),
        "the change made in Tryton is not overwritten"
    );
    let review = json(&concord(data_dir, &["review", "list", "--json"], None));
    let colliding = review
        .as_array()
        .into_iter()
        .flatten()
        .find(|item| item["kind"] == "collidingEdit")
        .unwrap_or_else(|| panic!("a colliding-edit review item: {review}"));
    let id = colliding["id"].as_i64().expect("a review item has an ID");
    let text = concord(
        data_dir,
        &["review", "show", &id.to_string(), "--json"],
        None,
    );
    for value in [
        "12 Stanley Street",
        "16 Stanley Street",
        "18 Stanley Street",
    ] {
        assert!(
            text.contains(value),
            "base, ours and theirs are shown ({value}): {text}"
        );
    }
}

/// The customer as `concord show --json` prints it.
fn show(data_dir: &Path, customer: i64) -> serde_json::Value {
    json(&concord(
        data_dir,
        &["show", &customer.to_string(), "--json"],
        None,
    ))
}

/// Runs `concord` and returns its exit success and stdout, for commands expected to fail.
fn concord_result(data_dir: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("running concord");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The cache's address of `customer` from each system, by system name.
fn addresses_by_system(data_dir: &Path, customer: i64) -> HashMap<String, i64> {
    let conn = rusqlite::Connection::open(data_dir.join("cache.sqlite")).expect("the cache");
    let mut statement = conn
        .prepare(
            "SELECT s.system, a.id FROM address a JOIN source_record s
             ON s.id = a.source_record_id WHERE a.customer_id = ?1 ORDER BY a.id",
        )
        .unwrap();
    let rows = statement
        .query_map([customer], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let mut found = HashMap::new();
    for row in rows {
        let (system, id): (String, i64) = row.unwrap();
        found.entry(system).or_insert(id);
    }
    found
}

type StoredAddress = HashMap<&'static str, Option<String>>;

/// The party's address whose first street line is `line1`, in Concord's field names.
async fn tryton_address(client: &TrytonClient, party: &str, line1: &str) -> StoredAddress {
    let rows = client
        .call(
            "model.party.address.search_read",
            vec![
                serde_json::json!([["party", "=", party.parse::<i64>().unwrap()]]),
                serde_json::json!(0),
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::json!(["street", "city", "postal_code", "subdivision.code"]),
            ],
            None,
        )
        .await
        .expect("reading the party's addresses");
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    for row in rows.as_array().expect("a list") {
        let street = row["street"].as_str().unwrap_or("");
        let mut lines = street.lines();
        if lines.next() != Some(line1) {
            continue;
        }
        let line2 = lines.collect::<Vec<_>>().join("\n");
        let region = row["subdivision."]["code"]
            .as_str()
            .and_then(|c| c.split_once('-'))
            .map(|(_, r)| r.to_owned());
        return HashMap::from([
            ("id", Some(row["id"].to_string())),
            ("line1", Some(line1.to_owned())),
            ("line2", Some(line2).filter(|l| !l.is_empty())),
            ("city", text(&row["city"])),
            ("postcode", text(&row["postal_code"])),
            ("region", region),
        ]);
    }
    panic!("party {party} has no address at {line1:?}: {rows}");
}

/// The customer's address whose first street line is `line1`, in Concord's field names.
async fn vendure_address(client: &VendureClient, customer: &str, line1: &str) -> StoredAddress {
    let data = client
        .query(
            "customer",
            "query($id: ID!) { customer(id: $id) { addresses {
                id streetLine1 streetLine2 city province postalCode } } }",
            serde_json::json!({"id": customer}),
        )
        .await
        .expect("reading the customer's addresses");
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let addresses = data["customer"]["addresses"].as_array().expect("a list");
    for a in addresses {
        if a["streetLine1"] != line1 {
            continue;
        }
        return HashMap::from([
            ("id", text(&a["id"])),
            ("line1", text(&a["streetLine1"])),
            ("line2", text(&a["streetLine2"])),
            ("city", text(&a["city"])),
            ("postcode", text(&a["postalCode"])),
            ("region", text(&a["province"])),
        ]);
    }
    panic!("customer {customer} has no address at {line1:?}: {data}");
}
