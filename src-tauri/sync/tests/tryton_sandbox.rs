//! The Tryton connector's contract, run against the sandbox ERP: the same test functions as
//! `tryton_real.rs`, each against a fresh, empty sandbox served in the test's own runtime.

mod common;
mod contract {
    pub mod tryton;
}

use std::sync::Arc;

use concord_sandbox::population::Population;
use concord_sandbox::tryton::{spawn_on_loopback, ErpState};
use concord_sync::tryton::{TrytonClient, TrytonSettings};

/// Serves an empty sandbox ERP on an ephemeral loopback port for as long as the runtime runs.
async fn sandbox_tryton() -> common::TrytonTarget {
    serve(ErpState::empty()).await
}

async fn serve(state: ErpState) -> common::TrytonTarget {
    let state = Arc::new(state);
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

/// Not a contract function: the seeded population must be readable by the connector, or the
/// sandbox would demo and benchmark records a real sync sets aside.
#[tokio::test]
async fn every_seeded_party_and_sale_reads_through_the_connector() {
    let population = Population::generate(300, 8);
    let target = serve(ErpState::seeded(&population)).await;
    let mut settings = TrytonSettings::new(
        &target.url,
        &target.database,
        &target.login,
        &target.password,
    );
    settings.page_size = 50;
    let client = TrytonClient::new(settings).expect("valid settings");

    let (mut parties, mut sales, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
    let mut after = None;
    loop {
        let page = client
            .parties_changed_since(None, after)
            .await
            .expect("a page of parties");
        rejected.extend(page.rejected);
        parties.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut after = None;
    loop {
        let page = client
            .sales_changed_since(None, after)
            .await
            .expect("a page of sales");
        rejected.extend(page.rejected);
        sales.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }

    assert!(
        rejected.is_empty(),
        "nothing seeded is set aside: {rejected:?}"
    );
    let seeded_parties = population.erp_parties().count();
    assert_eq!(
        parties.len(),
        seeded_parties + 1,
        "every party, and the company's own"
    );
    let seeded_sales: usize = population.erp_parties().map(|(_, p)| p.sales.len()).sum();
    assert_eq!(sales.len(), seeded_sales, "every sale");
    let wholesale = parties
        .iter()
        .filter(|p| p.account.customer_type.as_deref() == Some("wholesale"))
        .count();
    let expected = population
        .erp_parties()
        .filter(|(_, p)| p.categories.iter().any(|c| c == "type:wholesale"))
        .count();
    assert_eq!(
        wholesale, expected,
        "account types are read from the categories"
    );
    assert!(
        sales.iter().any(|s| s.channel == "phone") && sales.iter().any(|s| s.channel == "web"),
        "channels are read from the sale's description"
    );
}
