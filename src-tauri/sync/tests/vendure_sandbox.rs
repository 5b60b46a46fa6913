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
