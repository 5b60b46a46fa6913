//! The Vendure connector's contract, run against the sandbox web store: the same functions as
//! `vendure_real.rs`, so the sandbox is held to what the real Vendure does.
//!
//! Two targets: a fresh, empty sandbox per test, and one sandbox seeded with a population that
//! every test shares (as the tests share the real server), so the contract also holds among
//! records the tests did not make.

mod common;
mod contract {
    pub mod vendure;
}

use common::VendureTarget;
use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};

fn target(sandbox: &Sandbox) -> VendureTarget {
    let access = sandbox.vendure();
    VendureTarget {
        url: access.url,
        username: access.username,
        password: access.password,
    }
}

async fn empty_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        customers: 0,
        seed: 1,
        faults: FaultSpec::none(),
    })
    .await
    .expect("the sandbox starts")
}

/// A populated sandbox shared by the tests of this file. Each test runs on its own runtime,
/// so the shared sandbox runs on a runtime of its own that outlives them all.
fn populated_target() -> VendureTarget {
    static TARGET: std::sync::OnceLock<VendureTarget> = std::sync::OnceLock::new();
    TARGET
        .get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().expect("a runtime for the sandbox");
                runtime.block_on(async move {
                    let sandbox = Sandbox::start(SandboxOptions {
                        customers: 200,
                        seed: 7,
                        faults: FaultSpec::none(),
                    })
                    .await
                    .expect("the populated sandbox starts");
                    sender
                        .send(target(&sandbox))
                        .expect("the tests wait for it");
                    // Serve until the test process ends.
                    std::future::pending::<()>().await;
                });
            });
            receiver
                .recv()
                .expect("the populated sandbox reports its address")
        })
        .clone()
}

macro_rules! against_sandbox {
    ($($name:ident),* $(,)?) => {
        mod empty {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let sandbox = empty_sandbox().await;

                    contract::vendure::$name(&target(&sandbox)).await;

                    sandbox.shutdown().await;
                }
            )*
        }
        mod populated {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    contract::vendure::$name(&populated_target()).await;
                }
            )*
        }
    };
}

against_sandbox!(
    a_customer_is_read_with_addresses_default_flags_and_orders,
    an_order_keeps_its_address_snapshot_when_the_customer_moves,
    changed_since_with_overlap_and_dedup_returns_exactly_the_later_changes,
    paging_returns_every_customer_once,
    a_guest_order_is_listed_with_its_customer_and_snapshots,
    orders_changed_since_with_dedup_return_exactly_the_later_orders,
    a_wrong_password_is_an_authentication_error,
    a_malformed_query_is_a_permanent_error_naming_vendure,
    an_unreachable_server_is_a_transient_error,
);

/// How the connector meets each fault the sandbox injects: what the sync engine then decides
/// (retry later, or set aside) rests on this classification.
mod faults {
    use std::time::Duration;

    use concord_sync::connector::ConnectorError;
    use concord_sync::vendure::{VendureClient, VendureSettings};

    use super::*;

    /// The error a listing meets under `spec`, after a clean login.
    async fn listing_error(spec: &str) -> ConnectorError {
        let sandbox = empty_sandbox().await;
        let access = sandbox.vendure();
        let client = VendureClient::new(VendureSettings::new(
            access.url,
            access.username,
            access.password,
        ))
        .expect("valid settings");
        client
            .login()
            .await
            .expect("logins are spared by the faults");
        sandbox.set_faults(FaultSpec::parse(spec).expect("a valid spec"));

        let error = client
            .customers_changed_since(None, None)
            .await
            .expect_err("every request meets the fault");

        sandbox.shutdown().await;
        error
    }

    #[tokio::test]
    async fn a_rate_limit_is_transient_and_carries_the_wait_asked_for() {
        let error = listing_error("429=1,retry-after=4").await;

        assert!(
            matches!(
                error,
                ConnectorError::Transient { retry_after: Some(wait), .. }
                    if wait == Duration::from_secs(4)
            ),
            "the engine waits as long as the store asked: {error:?}"
        );
    }

    #[tokio::test]
    async fn a_server_error_is_transient() {
        let error = listing_error("5xx=1").await;

        assert!(
            error.is_transient(),
            "a failing server may recover: {error:?}"
        );
    }

    #[tokio::test]
    async fn a_dropped_connection_is_transient() {
        let error = listing_error("drop=1").await;

        assert!(error.is_transient(), "the network may recover: {error:?}");
    }

    #[tokio::test]
    async fn a_truncated_answer_is_transient() {
        let error = listing_error("truncate=1").await;

        assert!(
            error.is_transient(),
            "a transfer cut off midway is worth another try: {error:?}"
        );
    }

    #[tokio::test]
    async fn a_malformed_answer_names_the_call_without_quoting_the_body() {
        let error = listing_error("malformed=1").await;

        let text = error.to_string();
        assert!(
            text.contains("Vendure") && text.contains("customers"),
            "says which system and which call: {text}"
        );
        assert!(
            !text.contains("garbled"),
            "messages never repeat a body, which may hold personal data: {text}"
        );
    }
}
