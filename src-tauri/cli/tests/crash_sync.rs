//! `concord sync` killed with SIGKILL at random moments, then run again, always ends with the
//! same cache as a sync never interrupted: pages are stored with their position in one
//! transaction, and matching commits all or nothing.
//!
//! Runs against a `concord sandbox serve` process. `CONCORD_CRASH_RUNS` (default 20) sets how
//! many kills, `CONCORD_CRASH_SEED` (default 1) where they fall; a failure prints both.

#![cfg(unix)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use concord_core::matching::SplitMix64;

const CONCORD: &str = env!("CARGO_BIN_EXE_concord");

/// The sandbox process, stopped when the test ends however it ends.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `concord sandbox serve` and reads the variables it prints.
fn serve(customers: usize, seed: u64) -> (Served, Vec<(String, String)>) {
    let mut child = Command::new(CONCORD)
        .args(["sandbox", "serve", "--customers", &customers.to_string()])
        .args(["--seed", &seed.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("concord sandbox serve starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let served = Served(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("the sandbox prints its addresses");
        if let Some(exports) = line.strip_prefix("export ") {
            let pairs = exports
                .split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
                .collect();
            return (served, pairs);
        }
    }
    panic!("concord sandbox serve ended without printing its addresses");
}

fn var<'a>(vars: &'a [(String, String)], name: &str) -> &'a str {
    vars.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("the sandbox prints {name}"))
}

fn concord(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(CONCORD);
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("CONCORD_SECRETS", "file")
        .env_remove("CONCORD_LOG");
    command
}

fn run_ok(data_dir: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = concord(data_dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("concord starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "concord {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A data folder connected to the sandbox with small pages, so a sync has many places to
/// be killed at.
fn connected_folder(dir: &Path, vars: &[(String, String)]) -> PathBuf {
    let data = dir.to_path_buf();
    let tryton = [
        "connect",
        "--kind",
        "tryton",
        "--url",
        var(vars, "CONCORD_TEST_TRYTON_URL"),
        "--database",
        var(vars, "CONCORD_TEST_TRYTON_DB"),
        "--login",
        var(vars, "CONCORD_TEST_TRYTON_USER"),
        "--password-stdin",
    ];
    let said = run_ok(
        &data,
        &tryton,
        &format!("{}\n", var(vars, "CONCORD_TEST_TRYTON_PASSWORD")),
    );
    assert!(
        said.contains("plain text"),
        "the fallback file is named: {said}"
    );
    let vendure = [
        "connect",
        "--kind",
        "vendure",
        "--url",
        var(vars, "CONCORD_TEST_VENDURE_URL"),
        "--login",
        var(vars, "CONCORD_TEST_VENDURE_USER"),
        "--password-stdin",
    ];
    run_ok(
        &data,
        &vendure,
        &format!("{}\n", var(vars, "CONCORD_TEST_VENDURE_PASSWORD")),
    );
    let config = data.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let small_pages = text.replace("login = ", "page_size = 10\nlogin = ");
    std::fs::write(&config, small_pages).unwrap();
    data
}

fn copy_settings(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for file in ["config.toml", "secrets.toml"] {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
}

/// What a sync decides, independent of fetch times and of the customer IDs matching gave.
fn dump(data_dir: &Path) -> String {
    let conn = rusqlite::Connection::open(data_dir.join("cache.sqlite")).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT system, system_id, version, raw_payload, normalized FROM source_record
         ORDER BY system, system_id",
        "SELECT system, system_id, customer_system_id, version, raw_payload, normalized
         FROM source_order ORDER BY system, system_id",
        "SELECT system, stream, system_id, reason, raw_payload FROM set_aside ORDER BY 1, 2, 3",
        "SELECT group_concat(member, ' + ') FROM (
             SELECT l.customer_id AS customer, s.system || ':' || s.system_id AS member
             FROM link l JOIN source_record s ON s.id = l.source_record_id ORDER BY member)
         GROUP BY customer ORDER BY 1",
        "SELECT count(*) FROM pending_match",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let columns = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        row.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap().join(" | "));
            out.push('\n');
        }
        out.push_str("--\n");
    }
    out
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn a_sync_killed_at_any_moment_then_run_again_ends_with_the_same_cache() {
    let runs = env_number("CONCORD_CRASH_RUNS", 20);
    let seed = env_number("CONCORD_CRASH_SEED", 1);
    let (_served, vars) = serve(150, 4);
    let dir = tempfile::tempdir().unwrap();
    let reference = connected_folder(&dir.path().join("reference"), &vars);
    let started = Instant::now();
    run_ok(&reference, &["sync"], "");
    let uninterrupted = started.elapsed();
    let expected = dump(&reference);
    assert!(
        expected.lines().count() > 500,
        "the reference sync stored a population worth killing"
    );

    let mut rng = SplitMix64::new(seed);
    for run in 0..runs {
        let folder = dir.path().join(format!("run-{run}"));
        copy_settings(&reference, &folder);
        // Anywhere from the start to just past the end of an uninterrupted sync.
        let delay = Duration::from_millis(rng.below(uninterrupted.as_millis() as u64 + 200));
        let mut child = concord(&folder, &["sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL is delivered"); // `kill` sends SIGKILL on Unix
        child.wait().unwrap();

        run_ok(&folder, &["sync"], "");

        let actual = dump(&folder);
        if actual != expected {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a)
                .map_or("one dump is longer".to_owned(), |i| {
                    format!("line {}", i + 1)
                });
            panic!(
                "run {run} (CONCORD_CRASH_SEED={seed}), killed after {delay:?}, then synced \
                 again, differs from an uninterrupted sync at {line}"
            );
        }
    }
}
