//! The Tryton connector's contract, run against a real Tryton 8.0 started by
//! `tests/systems/up`.

mod common;
mod contract {
    pub mod tryton;
}

macro_rules! against_real_tryton {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            if let Some(target) = common::real_tryton(stringify!($name)) {
                contract::tryton::$name(&target).await;
            }
        }
    )*};
}

against_real_tryton!(
    a_party_is_read_with_its_addresses_and_contacts,
    changed_since_returns_exactly_the_records_changed_after_the_cursor,
    paging_returns_every_party_once,
    a_sale_is_read_with_lines_totals_addresses_and_channel,
    a_wrong_password_is_an_authentication_error,
    a_malformed_request_is_a_permanent_error_naming_tryton,
    a_write_based_on_a_stale_version_is_a_conflict,
    an_unreachable_server_is_a_transient_error,
);
