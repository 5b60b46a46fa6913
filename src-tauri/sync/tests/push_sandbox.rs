//! The pusher against the sandbox: the same scenarios as against the real systems, and the
//! faults the real systems cannot be made to show on demand (429 with Retry-After, 5xx,
//! dropped connections), counted by the sandbox per idempotency key.

mod common;
mod push {
    pub mod scenarios;
}

use std::time::Duration;

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_sync::connector::AccountMapping;
use concord_sync::push::{push_pending, PushSettings};

use common::{TrytonTarget, VendureTarget};

async fn sandbox(faults: FaultSpec) -> (Sandbox, TrytonTarget, VendureTarget) {
    let sandbox = Sandbox::start(SandboxOptions {
        customers: 0,
        seed: 7,
        faults,
    })
    .await
    .expect("the sandbox starts");
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    let tryton = TrytonTarget {
        url: t.url,
        database: t.database,
        login: t.login,
        password: t.password,
    };
    let vendure = VendureTarget {
        url: v.url,
        username: v.username,
        password: v.password,
    };
    (sandbox, tryton, vendure)
}

macro_rules! against_the_sandbox {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let (sandbox, tryton, vendure) = sandbox(FaultSpec::none()).await;
            push::scenarios::$name(&tryton, &vendure).await;
            sandbox.shutdown().await;
        }
    )*};
}

against_the_sandbox!(
    an_address_correction_is_confirmed_in_both_systems_and_only_that_address_changes,
    a_write_that_went_through_before_a_crash_is_confirmed_without_writing_again,
    a_stale_base_is_a_conflict_with_a_review_item_and_nothing_is_overwritten,
    tax_exemption_refused_by_one_system_keeps_its_message_and_the_other_confirms,
    an_unreachable_system_leaves_its_entry_queued_and_the_other_confirms,
);

#[tokio::test]
async fn pushes_through_throttling_server_errors_and_dropped_connections_all_end_confirmed_once() {
    let (sandbox, tryton, vendure) = sandbox(FaultSpec::none()).await;
    let queued = push::scenarios::queue_address_corrections(&tryton, &vendure, 10).await;
    let (mut conn, keys) = queued;
    sandbox.set_faults(
        FaultSpec::parse("429=0.15,retry-after=1,5xx=0.15,drop=0.1,seed=11").expect("a fault spec"),
    );
    let systems = push::scenarios::systems(&tryton, &vendure, AccountMapping::default());
    let patient = PushSettings {
        retries: 12,
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..PushSettings::default()
    };

    let mut confirmed = 0;
    for _ in 0..10 {
        let report = push_pending(&mut conn, &systems, &patient).await.unwrap();
        confirmed += report.confirmed;
        assert_eq!(
            (report.failed, report.conflicts),
            (0, 0),
            "faults are transient: {report:?}"
        );
        if confirmed == keys.len() {
            break;
        }
        // Entries whose retries ran out wait for a later run; make them due now.
        conn.execute("UPDATE outbox SET next_attempt_at = NULL", [])
            .unwrap();
    }

    sandbox.set_faults(FaultSpec::none());
    assert_eq!(confirmed, keys.len(), "every entry ends confirmed");
    for key in &keys {
        assert_eq!(
            sandbox.writes_by_key(key),
            1,
            "{key}: applied exactly once, however often the connection dropped"
        );
    }
    sandbox.shutdown().await;
}
