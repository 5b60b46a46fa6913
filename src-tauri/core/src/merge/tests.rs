use super::*;
use crate::source::SourceAccount;

fn record(system: &str, id: &str, changed_at: &str) -> SourceCustomer {
    SourceCustomer {
        system: system.into(),
        system_id: id.into(),
        changed_at: Some(changed_at.into()),
        ..SourceCustomer::default()
    }
}

fn sources<'a>(records: &'a [SourceCustomer]) -> Vec<MergeSource<'a>> {
    records
        .iter()
        .enumerate()
        .map(|(i, c)| MergeSource {
            source_record_id: i as i64 + 1,
            customer: c,
            fetched_at: "2026-01-01T00:00:00Z",
        })
        .collect()
}

#[test]
fn the_erp_owns_the_price_level_even_when_the_web_store_changed_it_later() {
    let mut erp = record("tryton", "17", "2026-01-01T00:00:00Z");
    erp.account = SourceAccount {
        price_level: Some("wholesale-b".into()),
        ..SourceAccount::default()
    };
    let mut web = record("vendure", "c-9", "2026-03-01T00:00:00Z");
    web.account.price_level = Some("retail".into());
    let records = [erp, web];

    let merged = merge(&sources(&records), &SurvivorshipSettings::default(), &[]);

    let v = &merged.values[&MergeField::PriceLevel];
    assert_eq!(
        v.value, "wholesale-b",
        "the system of record wins its fields"
    );
    assert_eq!(v.provenance.system, "tryton");
    assert_eq!(v.provenance.rule, RuleApplied::Owner);
    assert!(
        v.disagreement,
        "the web store says otherwise and a supervisor should know"
    );
    assert_eq!(v.others.len(), 1, "the web store's value is kept beside it");
    assert_eq!(v.others[0].value, "retail");
    assert_eq!(v.others[0].system, "vendure");
}

#[test]
fn an_owned_field_the_owner_does_not_hold_falls_back_to_the_most_recent_without_disagreement() {
    let erp = record("tryton", "17", "2026-01-01T00:00:00Z");
    let mut web = record("vendure", "c-9", "2026-03-01T00:00:00Z");
    web.account.customer_type = Some("wholesale".into());
    let records = [erp, web];

    let merged = merge(&sources(&records), &SurvivorshipSettings::default(), &[]);

    let v = &merged.values[&MergeField::CustomerType];
    assert_eq!(v.value, "wholesale", "a value is better than none");
    assert_eq!(v.provenance.rule, RuleApplied::MostRecent);
    assert!(!v.disagreement, "nobody disagrees when the owner is silent");
}

#[test]
fn the_most_recent_name_survives_with_its_parts_and_time() {
    let mut old = record("tryton", "17", "2026-01-01T00:00:00Z");
    old.full_name = Some("Ann Lee".into());
    let mut new = record("vendure", "c-9", "2026-02-01T00:00:00Z");
    new.given_name = Some("Ann".into());
    new.family_name = Some("Lee-Park".into());
    let records = [old, new];

    let merged = merge(&sources(&records), &SurvivorshipSettings::default(), &[]);

    let v = &merged.values[&MergeField::Name];
    assert_eq!(
        v.value, "Ann Lee-Park",
        "names follow the latest change by default"
    );
    assert_eq!(v.provenance.at.as_deref(), Some("2026-02-01T00:00:00Z"));
    let name = merged.name.expect("the surviving record's parts are kept");
    assert_eq!(
        name.family, "Lee-Park",
        "parts come from the same record as the display"
    );
    assert!(
        !v.disagreement,
        "names have no owner, so no disagreement item"
    );
    assert_eq!(v.others[0].value, "Ann Lee", "the older name stays visible");
}

#[test]
fn the_most_complete_company_wins_and_equal_values_are_not_listed_as_others() {
    let mut a = record("tryton", "17", "2026-03-01T00:00:00Z");
    a.company = Some("Acme".into());
    let mut b = record("vendure", "c-9", "2026-01-01T00:00:00Z");
    b.company = Some("Acme Trading Ltd".into());
    let mut c = record("vendure", "c-10", "2026-01-02T00:00:00Z");
    c.company = Some("acme trading ltd ".into());
    let records = [a, b, c];

    let merged = merge(&sources(&records), &SurvivorshipSettings::default(), &[]);

    let v = &merged.values[&MergeField::Company];
    assert_eq!(v.provenance.rule, RuleApplied::MostComplete);
    assert_eq!(
        v.value, "acme trading ltd",
        "on a tie in length the most recent wins"
    );
    assert_eq!(
        v.others.len(),
        1,
        "a value equal but for case is the same value"
    );
}

#[test]
fn a_pinned_value_overrides_the_owner_and_names_the_record_that_holds_it() {
    let mut erp = record("tryton", "17", "2026-01-01T00:00:00Z");
    erp.account.price_level = Some("B".into());
    let mut web = record("vendure", "c-9", "2026-01-01T00:00:00Z");
    web.account.price_level = Some("A".into());
    let records = [erp, web];
    let pins = [Pin {
        field: MergeField::PriceLevel,
        value: "A".into(),
    }];

    let merged = merge(&sources(&records), &SurvivorshipSettings::default(), &pins);

    let v = &merged.values[&MergeField::PriceLevel];
    assert_eq!(v.value, "A", "a supervisor's choice is what survives");
    assert_eq!(v.provenance.rule, RuleApplied::SupervisorChoice);
    assert_eq!(
        v.provenance.system, "vendure",
        "the value came from the web store"
    );
    assert!(
        !v.disagreement,
        "a decided disagreement is not raised again"
    );
}

#[test]
fn the_result_does_not_depend_on_the_order_records_are_given_in() {
    let mut a = record("tryton", "17", "2026-01-01T00:00:00Z");
    a.job_title = Some("Buyer".into());
    let mut b = record("vendure", "c-9", "2026-01-01T00:00:00Z");
    b.job_title = Some("Head buyer".into());
    let forward = [a.clone(), b.clone()];
    let backward = [b, a];
    let ids = |records: &[SourceCustomer]| {
        let s = sources(records);
        let m = merge(&s, &SurvivorshipSettings::default(), &[]);
        m.values[&MergeField::JobTitle].provenance.system.clone()
    };

    let (x, y) = (ids(&forward), ids(&backward));

    assert_eq!(
        x, y,
        "equal times are settled by system name, never by input order"
    );
}

#[test]
fn settings_naming_an_unknown_field_are_refused() {
    let mut settings = SurvivorshipSettings::default();
    settings
        .rules
        .insert("price_levle".into(), FieldRule::MostRecent);

    let result = settings.check();

    assert!(
        result.unwrap_err().contains("price_levle"),
        "a typo must not silently fall back to the default rule"
    );
}

#[test]
fn settings_round_trip_through_toml_like_json() {
    let settings = SurvivorshipSettings::default();

    let text = serde_json::to_string(&settings).unwrap();
    let back: SurvivorshipSettings = serde_json::from_str(&text).unwrap();

    assert_eq!(
        back, settings,
        "the service carries these settings in its config"
    );
}
