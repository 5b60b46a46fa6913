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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn febrl_people_loaded_into_real_systems_read_back_through_the_connectors() {
    let Some(env) = systems() else { return };
    let count = people_count();
    let truth = loaded(&env, count).await;
    assert_eq!(truth.people.len(), count);

    let (tryton, vendure) = clients(&env);
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
