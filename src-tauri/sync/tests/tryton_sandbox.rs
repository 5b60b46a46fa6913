//! The Tryton connector's contract, run against the sandbox ERP: the same test functions as
//! `tryton_real.rs`, each against a fresh, empty sandbox served in the test's own runtime.

mod common;
mod contract {
    pub mod tryton;
}

use std::sync::Arc;

use concord_sandbox::tryton::{spawn_on_loopback, ErpState};

/// Serves an empty sandbox ERP on an ephemeral loopback port for as long as the runtime runs.
async fn sandbox_tryton() -> common::TrytonTarget {
    let state = Arc::new(ErpState::empty());
    let address = spawn_on_loopback(state.clone())
        .await
        .expect("the sandbox ERP binds a free loopback port");
    common::TrytonTarget {
        url: format!("http://{address}/"),
        database: state.database().to_owned(),
        login: state.login().to_owned(),
        password: state.password().to_owned(),
    }
}

macro_rules! against_sandbox_tryton {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let target = sandbox_tryton().await;
            contract::tryton::$name(&target).await;
        }
    )*};
}

against_sandbox_tryton!(
    a_party_is_read_with_its_addresses_and_contacts,
    changed_since_returns_exactly_the_records_changed_after_the_cursor,
    paging_returns_every_party_once,
    a_sale_is_read_with_lines_totals_addresses_and_channel,
    a_wrong_password_is_an_authentication_error,
    a_malformed_request_is_a_permanent_error_naming_tryton,
    a_write_based_on_a_stale_version_is_a_conflict,
    an_unreachable_server_is_a_transient_error,
);
