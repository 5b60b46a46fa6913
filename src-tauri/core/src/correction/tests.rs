use super::*;

fn map(pairs: &[(&str, &str)]) -> FieldMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_field_still_at_its_base_is_written() {
    let base = map(&[("line1", "1 Old Rd")]);
    let ours = map(&[("line1", "2 New Rd")]);

    let decided = plan(&base, &ours, &base);

    assert_eq!(decided, PushPlan::Write(ours), "nobody else changed it");
}

#[test]
fn a_field_already_holding_our_value_needs_no_write() {
    let base = map(&[("line1", "1 Old Rd")]);
    let ours = map(&[("line1", "2 New Rd")]);

    let decided = plan(&base, &ours, &map(&[("line1", " 2 New Rd ")]));

    assert_eq!(
        decided,
        PushPlan::AlreadyApplied,
        "a retry after a write that went through must not write again"
    );
}

#[test]
fn a_field_changed_by_someone_else_is_a_collision_with_all_three_values() {
    let base = map(&[("line1", "1 Old Rd"), ("city", "Springfield")]);
    let ours = map(&[("line1", "2 New Rd"), ("city", "Springfield")]);
    let theirs = map(&[("line1", "3 Other Rd"), ("city", "Springfield")]);

    let decided = plan(&base, &ours, &theirs);

    assert_eq!(
        decided,
        PushPlan::Conflict(vec![Collision {
            field: "line1".into(),
            base: Some("1 Old Rd".into()),
            ours: Some("2 New Rd".into()),
            theirs: Some("3 Other Rd".into()),
        }]),
        "a supervisor needs base, ours and theirs; nothing is written"
    );
}

#[test]
fn a_change_to_a_field_we_do_not_touch_is_no_collision() {
    let base = map(&[("line1", "1 Old Rd")]);
    let ours = map(&[("line1", "2 New Rd")]);
    let theirs = map(&[("line1", "1 Old Rd"), ("city", "Elsewhere")]);

    let decided = plan(&base, &ours, &theirs);

    assert_eq!(
        decided,
        PushPlan::Write(ours),
        "fields are compared one by one"
    );
}

#[test]
fn empty_and_missing_are_the_same_value() {
    let base = map(&[("line2", "")]);
    let ours = map(&[("line2", "Apt 4")]);

    let decided = plan(&base, &ours, &FieldMap::new());

    assert_eq!(
        decided,
        PushPlan::Write(ours),
        "an empty field is not a change"
    );
}

#[test]
fn the_diff_lists_only_changed_fields_from_what_to_what() {
    let base = map(&[
        ("line1", "1 Old Rd"),
        ("city", "Springfield"),
        ("line2", ""),
    ]);
    let ours = map(&[
        ("line1", "2 New Rd"),
        ("city", "Springfield"),
        ("line2", ""),
    ]);

    let changes = diff(&base, &ours);

    assert_eq!(
        changes,
        vec![FieldChange {
            field: "line1".into(),
            from: Some("1 Old Rd".into()),
            to: Some("2 New Rd".into()),
        }],
        "the preview shows exactly what will change"
    );
}

#[test]
fn the_web_store_never_receives_fields_the_erp_owns() {
    let ownership = Ownership::default();
    let values = map(&[
        (account_field::CUSTOMER_TYPE, "wholesale"),
        (account_field::PRICE_LEVEL, "gold"),
        (account_field::TAX_EXEMPT, "true"),
    ]);

    let to_vendure = ownership.filter(VENDURE, &values);
    let to_tryton = ownership.filter(TRYTON, &values);

    assert_eq!(
        to_vendure,
        map(&[(account_field::TAX_EXEMPT, "true")]),
        "type and price level belong to the ERP"
    );
    assert_eq!(to_tryton, values, "the ERP receives everything it owns");
}

#[test]
fn address_fields_are_pushed_to_every_system() {
    let ownership = Ownership::default();

    let accepted = ownership.accepts(VENDURE, "line1") && ownership.accepts(TRYTON, "line1");

    assert!(accepted, "both systems keep an address book");
}

#[test]
fn a_revert_sets_back_only_what_was_changed() {
    let base = map(&[("line1", "1 Old Rd"), ("city", "Springfield")]);
    let ours = map(&[("line1", "2 New Rd"), ("city", "Springfield")]);

    let (revert_base, revert_ours) = revert(&base, &ours);

    assert_eq!(revert_base, map(&[("line1", "2 New Rd")]), "seen now");
    assert_eq!(revert_ours, map(&[("line1", "1 Old Rd")]), "back to before");
}

#[test]
fn a_typed_us_address_is_proposed_in_its_standard_form_beside_the_typed_one() {
    let typed = AddressFields {
        line1: "500 howard street suite 110".into(),
        city: Some("san francisco".into()),
        region: Some("california".into()),
        postcode: Some("94107".into()),
        country: "us".into(),
        ..AddressFields::default()
    };

    let proposal = propose_address(&typed);

    let standardized = proposal.standardized.clone().expect("a readable address");
    assert_eq!(standardized.line1, "500 HOWARD ST STE 110");
    assert_eq!(standardized.city.as_deref(), Some("SAN FRANCISCO"));
    assert_eq!(standardized.region.as_deref(), Some("CA"));
    assert_eq!(standardized.postcode.as_deref(), Some("94107"));
    assert_eq!(standardized.country, "US");
    assert_eq!(
        proposal.typed.line1, "500 howard street suite 110",
        "what was typed is kept beside the proposal"
    );
    assert!(!proposal.changes.is_empty(), "the rep sees what changed");
    assert_eq!(proposal.chosen(true), &proposal.typed, "kept as entered");
    assert_eq!(
        proposal.chosen(false),
        &standardized,
        "otherwise standardized"
    );
}

#[test]
fn a_rejected_address_has_no_standardized_form() {
    let typed = AddressFields {
        line1: "Maple Ave & Birch St".into(),
        city: Some("Smalltown".into()),
        region: Some("KS".into()),
        postcode: Some("67000".into()),
        country: "US".into(),
        ..AddressFields::default()
    };

    let proposal = propose_address(&typed);

    assert!(
        proposal.standardized.is_none(),
        "an intersection is no delivery point: {:?}",
        proposal.verdict
    );
    assert_eq!(
        proposal.chosen(false),
        &proposal.typed,
        "nothing else to use"
    );
}

#[test]
fn an_address_survives_the_field_map_round_trip() {
    let address = AddressFields {
        recipient: Some("Ada".into()),
        line1: "1 Main St".into(),
        line2: Some("Apt 4".into()),
        city: Some("Springfield".into()),
        region: Some("IL".into()),
        postcode: Some("62701".into()),
        country: "US".into(),
        ..AddressFields::default()
    };

    let back = AddressFields::from_map(&address.to_map());

    assert_eq!(back, address, "a correction stores addresses as field maps");
}
