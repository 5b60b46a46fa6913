//! The pusher against the real Tryton 8.0 and Vendure 3 started by `tests/systems/up`.

mod common;
mod push {
    pub mod scenarios;
}

macro_rules! against_real_systems {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(tryton) = common::real_tryton(stringify!($name)) else { return };
            let Some(vendure) = common::real_vendure(stringify!($name)) else { return };
            push::scenarios::$name(&tryton, &vendure).await;
        }
    )*};
}

against_real_systems!(
    an_address_correction_is_confirmed_in_both_systems_and_only_that_address_changes,
    a_write_that_went_through_before_a_crash_is_confirmed_without_writing_again,
    a_stale_base_is_a_conflict_with_a_review_item_and_nothing_is_overwritten,
    tax_exemption_refused_by_one_system_keeps_its_message_and_the_other_confirms,
    an_unreachable_system_leaves_its_entry_queued_and_the_other_confirms,
);
