//! Where the contract tests find the systems they run against.
//!
//! A target is a URL plus credentials. The real systems' come from the environment set by
//! `tests/systems/up`; a sandbox can hand the same test functions its own. When the variables
//! are missing the tests fail, saying how to start the systems, unless
//! `CONCORD_SKIP_REAL_SYSTEMS=1` says to skip them on purpose.

#![allow(dead_code)]

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// A Tryton server and the user the tests log in as.
#[derive(Debug, Clone)]
pub struct TrytonTarget {
    pub url: String,
    pub database: String,
    pub login: String,
    pub password: String,
}

/// A Vendure Admin API and the superadmin the tests log in as.
#[derive(Debug, Clone)]
pub struct VendureTarget {
    pub url: String,
    pub username: String,
    pub password: String,
}

fn skip_requested() -> bool {
    std::env::var("CONCORD_SKIP_REAL_SYSTEMS").is_ok_and(|v| v == "1")
}

/// Reads `names` from the environment; `None` (skip) only when skipping was asked for.
fn variables<const N: usize>(test: &str, names: [&str; N]) -> Option<[String; N]> {
    let values = names.map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    if values.iter().all(Option::is_some) {
        return Some(values.map(Option::unwrap));
    }
    if skip_requested() {
        // Written to the stream itself: the test harness captures eprintln! of passing tests,
        // and a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: CONCORD_SKIP_REAL_SYSTEMS=1, so the real systems are not used"
        );
        return None;
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    panic!(
        "{test} needs a real system but {} is not set: run `eval \"$(tests/systems/up)\"` first \
         (or set CONCORD_SKIP_REAL_SYSTEMS=1 to skip these tests on purpose)",
        missing.join(", ")
    );
}

/// The real Tryton started by `tests/systems/up`.
pub fn real_tryton(test: &str) -> Option<TrytonTarget> {
    let [url, database, login, password] = variables(
        test,
        [
            "CONCORD_TEST_TRYTON_URL",
            "CONCORD_TEST_TRYTON_DB",
            "CONCORD_TEST_TRYTON_USER",
            "CONCORD_TEST_TRYTON_PASSWORD",
        ],
    )?;
    Some(TrytonTarget {
        url,
        database,
        login,
        password,
    })
}

/// The real Vendure started by `tests/systems/up`.
pub fn real_vendure(test: &str) -> Option<VendureTarget> {
    let [url, username, password] = variables(
        test,
        [
            "CONCORD_TEST_VENDURE_URL",
            "CONCORD_TEST_VENDURE_USER",
            "CONCORD_TEST_VENDURE_PASSWORD",
        ],
    )?;
    Some(VendureTarget {
        url,
        username,
        password,
    })
}

/// A string no other test run has used, to tell this test's records from everyone else's.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{nanos:x}")
}

/// An address on loopback where nothing listens (the port was free a moment ago).
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}
