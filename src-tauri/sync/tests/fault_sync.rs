//! A sync through every kind of network fault ends with the same cache as a sync without
//! faults: retries, repeated pages and re-reads must neither lose nor invent anything.

mod pull_support;

use concord_sandbox::FaultSpec;
use pull_support::{dump, first_difference, sandbox, sync};

/// Every kind the sandbox injects, often enough that a pull of a few dozen pages meets each.
const EVERY_FAULT: &str = "latency=2ms,429=0.04,retry-after=1,5xx=0.06,drop=0.05,\
                           truncate=0.05,malformed=0.05,duplicate-page=0.08,seed=11";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sync_through_every_fault_ends_with_the_same_cache_as_one_without() {
    let sandbox = sandbox(150, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.sqlite");
    let faulty = dir.path().join("faulty.sqlite");
    let clean_report = sync(&clean, &sandbox, 15, false).await;
    sandbox.set_faults(FaultSpec::parse(EVERY_FAULT).expect("the spec parses"));

    let faulty_report = sync(&faulty, &sandbox, 15, false).await;

    sandbox.shutdown().await;
    assert!(clean_report.complete(), "{:?}", clean_report.streams);
    assert!(
        faulty_report.complete(),
        "every fault is one a retry heals: {:?}",
        faulty_report.streams
    );
    assert!(
        clean_report.received() > 300,
        "the population makes many pages: {}",
        clean_report.received()
    );
    let (expected, actual) = (dump(&clean), dump(&faulty));
    assert!(
        expected == actual,
        "faults must not change what is stored; first difference at {}",
        first_difference(&expected, &actual)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_sync_through_faults_changes_nothing() {
    let sandbox = sandbox(60, 9).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    sync(&path, &sandbox, 10, false).await;
    let before = dump(&path);
    sandbox.set_faults(FaultSpec::parse(EVERY_FAULT).expect("the spec parses"));

    let report = sync(&path, &sandbox, 10, true).await;

    sandbox.shutdown().await;
    assert!(report.complete(), "{:?}", report.streams);
    let changed: u64 = report.streams.iter().map(|s| s.changed).sum();
    assert_eq!(
        changed, 0,
        "records read again unchanged are not written again"
    );
    assert!(
        before == dump(&path),
        "a full listing through faults of unchanged systems leaves the cache as it was: {}",
        first_difference(&before, &dump(&path))
    );
}
