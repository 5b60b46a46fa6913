//! The Vendure connector's contract, run against a real Vendure 3 started by
//! `tests/systems/up`.

mod common;
mod contract {
    pub mod vendure;
}

macro_rules! against_real_vendure {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            if let Some(target) = common::real_vendure(stringify!($name)) {
                contract::vendure::$name(&target).await;
            }
        }
    )*};
}

against_real_vendure!(
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
