//! What the pull tests share: a sandbox, the systems pointed at it, a cache in a temporary
//! folder, and a canonical dump of what a sync leaves in the cache.

#![allow(dead_code)]

use std::path::Path;

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_sync::mapping::Mapping;
use concord_sync::pull::{self, PullOptions, PullReport, RetrySettings, Source, SystemPull};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};

pub async fn sandbox(customers: usize, seed: u64) -> Sandbox {
    Sandbox::start(SandboxOptions {
        customers,
        seed,
        faults: FaultSpec::none(),
    })
    .await
    .expect("the sandbox starts")
}

/// Both systems of `sandbox`, with pages of `page_size` records so a small population still
/// makes many pages.
pub fn systems(sandbox: &Sandbox, page_size: u32) -> Vec<SystemPull> {
    let t = sandbox.tryton();
    let mut tryton = TrytonSettings::new(t.url, t.database, t.login, t.password);
    tryton.page_size = page_size;
    let v = sandbox.vendure();
    let mut vendure = VendureSettings::new(v.url, v.username, v.password);
    vendure.page_size = page_size;
    vec![
        SystemPull::new(Source::Tryton {
            client: TrytonClient::new(tryton).expect("valid settings"),
            mapping: Mapping::default(),
        }),
        SystemPull::new(Source::Vendure {
            client: VendureClient::new(vendure).expect("valid settings"),
            mapping: Mapping::default(),
        }),
    ]
}

/// Retries quick enough for tests, as many as a pull makes for real.
pub fn quick_retries() -> RetrySettings {
    RetrySettings {
        first_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(50),
        ..RetrySettings::default()
    }
}

/// Pulls every system of `sandbox` into the cache at `path`, then matches what changed.
pub async fn sync(path: &Path, sandbox: &Sandbox, page_size: u32, full: bool) -> PullReport {
    let conn = concord_store::open(path).expect("the cache opens");
    let options = PullOptions {
        full,
        retry: quick_retries(),
    };
    let report = pull::pull(conn, systems(sandbox, page_size), options, None)
        .await
        .expect("the cache takes every page");
    resolve(path);
    report
}

pub fn resolve(path: &Path) {
    let mut conn = concord_store::open(path).expect("the cache opens");
    concord_store::resolve::resolve_pending(
        &mut conn,
        "2026-12-03T00:00:00Z",
        &concord_store::resolve::ResolveSettings::default(),
    )
    .expect("matching succeeds");
}

/// Everything a sync decides, in an order that does not depend on when or in which order
/// records arrived: source records and orders as stored (without fetch times), records set
/// aside (without sighting times), and which source records are linked into one customer
/// (without the customer IDs, which depend on the order of creation).
pub fn dump(path: &Path) -> String {
    let conn = concord_store::open_reader(path).expect("the cache opens");
    let mut out = String::new();
    let mut section = |title: &str, sql: &str| {
        out.push_str(&format!("## {title}\n"));
        let mut stmt = conn.prepare(sql).expect("the dump query is valid");
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
            .expect("the dump query runs");
        for row in rows {
            out.push_str(&row.expect("a row reads").join(" | "));
            out.push('\n');
        }
    };
    section(
        "source_record",
        "SELECT system, system_id, version, raw_payload, normalized FROM source_record
         ORDER BY system, system_id",
    );
    section(
        "source_order",
        "SELECT system, system_id, customer_system_id, version, raw_payload, normalized
         FROM source_order ORDER BY system, system_id",
    );
    section(
        "set_aside",
        "SELECT system, stream, system_id, reason, raw_payload FROM set_aside
         ORDER BY system, stream, system_id",
    );
    section(
        "links",
        "SELECT group_concat(member, ' + ') FROM (
             SELECT l.customer_id AS customer, s.system || ':' || s.system_id AS member
             FROM link l JOIN source_record s ON s.id = l.source_record_id
             ORDER BY member)
         GROUP BY customer ORDER BY 1",
    );
    section(
        "pending",
        "SELECT s.system, s.system_id FROM pending_match p
         JOIN source_record s ON s.id = p.source_record_id ORDER BY 1, 2",
    );
    out
}

/// Counts rows of a table.
pub fn count(path: &Path, table: &str) -> i64 {
    let conn = concord_store::open_reader(path).expect("the cache opens");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("the table exists")
}

/// The first line where two dumps differ, for a readable failure.
pub fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            let cut = |s: &str| s.chars().take(300).collect::<String>();
            return format!(
                "line {}:\n  expected {}\n  actual   {}",
                i + 1,
                cut(e),
                cut(a)
            );
        }
    }
    format!(
        "one dump is longer: {} lines expected, {} actual",
        expected.lines().count(),
        actual.lines().count()
    )
}
