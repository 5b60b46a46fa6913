//! Engine-level rules: what the whole pipeline must guarantee, on small hand-made records.

use super::*;

fn person(system: &str, id: &str) -> MatchRecord {
    MatchRecord {
        key: SourceKey::new(system, id),
        ..MatchRecord::default()
    }
}

fn ann(system: &str, id: &str) -> MatchRecord {
    MatchRecord {
        given_name: Some("Ann".into()),
        surname: Some("Lindqvist".into()),
        birth_date: Some("1984-03-12".into()),
        phones: vec!["+14155551212".into()],
        emails: vec!["ann.lindqvist@mail.example".into()],
        street_number: Some("12".into()),
        street: Some("Pinkerton Circuit".into()),
        locality: Some("Richlands".into()),
        postcode: Some("4560".into()),
        ..person(system, id)
    }
}

fn tom(system: &str, id: &str) -> MatchRecord {
    MatchRecord {
        given_name: Some("Tom".into()),
        surname: Some("Okafor".into()),
        birth_date: Some("1991-11-02".into()),
        phones: vec!["+442079460000".into()],
        emails: vec!["tom@okafor.example".into()],
        street_number: Some("7".into()),
        street: Some("Wallaby Place".into()),
        locality: Some("Cleveland".into()),
        postcode: Some("2119".into()),
        ..person(system, id)
    }
}

fn build(config: MatchConfig, records: Vec<MatchRecord>) -> (Linker, MatchResult) {
    Linker::build(config, records, &Ledger::default()).expect("valid records")
}

fn customer(linker: &Linker, system: &str, id: &str) -> CustomerId {
    let ix = linker
        .index_of(&SourceKey::new(system, id))
        .expect("record is held");
    linker.customer_of(ix)
}

fn outcome<'a>(linker: &Linker, result: &'a MatchResult, a: &str, b: &str) -> &'a PairOutcome {
    result
        .pairs
        .iter()
        .find(|p| {
            let (x, y) = (&linker.key(p.left).id, &linker.key(p.right).id);
            (x == a && y == b) || (x == b && y == a)
        })
        .unwrap_or_else(|| panic!("no outcome for {a} and {b}"))
}

#[test]
fn an_explanation_adds_up_to_the_reported_probability() {
    let mut typo = ann("erp", "p-1");
    typo.given_name = Some("Anne".into());
    typo.emails.clear();
    let (linker, result) = build(MatchConfig::default(), vec![ann("web", "c-1"), typo]);

    let pair = outcome(&linker, &result, "c-1", "p-1");
    let e = &pair.explanation;
    let by_hand: f64 = e.prior_bits + e.contributions.iter().map(|c| c.bits).sum::<f64>();
    let non_frequency_fields_follow_the_model = e
        .contributions
        .iter()
        .filter(|c| !c.frequency_adjusted)
        .all(|c| c.bits == linker.model().bits(c.field, c.level));

    assert!(
        (e.total_bits() - by_hand).abs() < 1e-12,
        "the total is the sum of its parts"
    );
    assert_eq!(
        pair.probability(),
        probability_from_bits(e.total_bits()),
        "the reported probability is derived from the explanation's own total, nothing else"
    );
    assert!(
        non_frequency_fields_follow_the_model,
        "each part is the model's log2(m/u)"
    );
    assert_eq!(
        e.contribution(Field::Email).level,
        Level::Missing,
        "no email, no evidence"
    );
    assert_eq!(
        e.contribution(Field::Email).bits,
        0.0,
        "missing values weigh nothing"
    );
}

#[test]
fn evidence_shows_both_values_beside_the_weight_the_decision_used() {
    let mut typo = ann("erp", "p-1");
    typo.given_name = Some("Anne".into());
    let (linker, result) = build(MatchConfig::default(), vec![ann("web", "c-1"), typo]);
    let pair = outcome(&linker, &result, "c-1", "p-1");

    let evidence = linker.evidence(pair);

    let given = &evidence[Field::GivenName.index()];
    let values = [given.left.as_deref(), given.right.as_deref()];
    assert!(
        values.contains(&Some("ann")) && values.contains(&Some("anne")),
        "{values:?}"
    );
    assert_eq!(
        given.level,
        Level::Close,
        "one letter more is a close spelling"
    );
    let weights: Vec<f64> = evidence.iter().map(|e| e.bits).collect();
    let used: Vec<f64> = pair
        .explanation
        .contributions
        .iter()
        .map(|c| c.bits)
        .collect();
    assert_eq!(weights, used, "what is shown is exactly what was summed");
}

#[test]
fn scenario_three_guest_checkouts_with_one_email_and_phone_are_one_customer() {
    let mut first = person("web", "guest-1");
    first.given_name = Some("Ann".into());
    first.surname = Some("Lindqvist".into());
    first.emails = vec!["ann.lindqvist@mail.example".into()];
    first.phones = vec!["+14155551212".into()];
    let second = MatchRecord {
        key: SourceKey::new("web", "guest-2"),
        ..first.clone()
    };
    let third = MatchRecord {
        key: SourceKey::new("web", "guest-3"),
        given_name: None,
        surname: None,
        ..first.clone()
    };
    let config = MatchConfig {
        dedupe_systems: vec!["web".into()],
        ..MatchConfig::default()
    };

    let (linker, _) = build(config, vec![first, second, third, tom("web", "guest-9")]);

    let ids = ["guest-1", "guest-2", "guest-3"].map(|id| customer(&linker, "web", id));
    assert!(
        ids.iter().all(|&c| c == ids[0]),
        "same email and phone: one customer, {ids:?}"
    );
    assert_ne!(
        customer(&linker, "web", "guest-9"),
        ids[0],
        "another person stays apart"
    );
    assert_eq!(
        linker.len(),
        4,
        "records are linked, never merged away: all IDs are kept"
    );
}

#[test]
fn scenario_a_guest_with_a_registered_accounts_email_alone_goes_to_review() {
    let registered = ann("web", "customer-1");
    let mut guest = tom("web", "guest-7");
    guest.emails = registered.emails.clone();
    let config = MatchConfig {
        dedupe_systems: vec!["web".into()],
        ..MatchConfig::default()
    };

    let (linker, result) = build(config, vec![registered, guest]);

    let pair = outcome(&linker, &result, "customer-1", "guest-7");
    assert_eq!(
        pair.decision,
        Decision::Review,
        "an email alone never links automatically"
    );
    assert_ne!(
        customer(&linker, "web", "customer-1"),
        customer(&linker, "web", "guest-7"),
        "until a supervisor decides, they are two customers"
    );
}

#[test]
fn an_email_alone_never_links_even_when_its_weight_would() {
    let registered = MatchRecord {
        emails: vec!["shared@family.example".into()],
        given_name: Some("Ann".into()),
        ..person("web", "customer-1")
    };
    let guest = MatchRecord {
        emails: vec!["shared@family.example".into()],
        given_name: Some("Oscar".into()),
        ..person("erp", "party-1")
    };
    let generous = Model {
        prior: 0.5,
        ..Model::default()
    };
    let mut linker = Linker::empty(MatchConfig::default(), generous);
    linker.add(vec![registered]).expect("valid");

    let result = linker.add(vec![guest]).expect("valid");

    let pair = &result.pairs[0];
    assert!(
        pair.probability() >= 0.9,
        "the arrangement gives the email a linking weight"
    );
    assert_eq!(
        pair.decision,
        Decision::Review,
        "yet the email is the only agreement"
    );
    assert_eq!(pair.reason, Reason::EmailOnly, "and the reason says so");
}

#[test]
fn two_people_are_never_chained_through_a_third_record() {
    // B agrees with A (name, phone) and with C (name, address) but A and C are plainly two
    // people: different birth dates, emails and tax IDs.
    let a = MatchRecord {
        given_name: Some("Jon".into()),
        surname: Some("Abernethy".into()),
        phones: vec!["+61299990000".into()],
        birth_date: Some("19800101".into()),
        emails: vec!["jon@a.example".into()],
        tax_id: Some("1111111".into()),
        region: Some("nsw".into()),
        ..person("shop", "a")
    };
    let b = MatchRecord {
        given_name: Some("Jon".into()),
        surname: Some("Abernethy".into()),
        phones: vec!["+61299990000".into()],
        street_number: Some("4".into()),
        street: Some("Lyster Place".into()),
        postcode: Some("2585".into()),
        locality: Some("Northwood".into()),
        ..person("shop", "b")
    };
    let c = MatchRecord {
        given_name: Some("Jon".into()),
        surname: Some("Abernethy".into()),
        street_number: Some("4".into()),
        street: Some("Lyster Place".into()),
        postcode: Some("2585".into()),
        locality: Some("Northwood".into()),
        birth_date: Some("19521230".into()),
        emails: vec!["abernethy@c.example".into()],
        tax_id: Some("9876543".into()),
        region: Some("vic".into()),
        ..person("shop", "c")
    };
    let config = MatchConfig {
        dedupe_systems: vec!["shop".into()],
        ..MatchConfig::default()
    };

    let (linker, result) = build(config.clone(), vec![a, b, c]);

    let ix = |id: &str| linker.index_of(&SourceKey::new("shop", id)).unwrap();
    let (ab, bc) = (
        outcome(&linker, &result, "a", "b"),
        outcome(&linker, &result, "b", "c"),
    );
    let ac = linker.score(ix("a"), ix("c"));
    assert!(
        ab.probability() >= config.link_probability,
        "arrangement: A and B would link"
    );
    assert!(
        bc.probability() >= config.link_probability,
        "arrangement: B and C would link"
    );
    assert!(
        ac.probability() < config.veto_probability,
        "arrangement: A and C strongly differ"
    );
    assert_ne!(
        customer(&linker, "shop", "a"),
        customer(&linker, "shop", "c"),
        "A and C must not end in one customer through B"
    );
    let refused = [ab, bc]
        .into_iter()
        .find(|p| p.decision == Decision::Review);
    assert_eq!(
        refused.map(|p| p.reason),
        Some(Reason::StrongNonMatchInCluster),
        "the weaker of the two links is refused and kept for review, with its reason"
    );
}

#[test]
fn a_customer_holds_one_record_per_system_unless_that_system_deduplicates() {
    let web = ann("web", "c-1");
    let erp_first = ann("erp", "p-1");
    let erp_second = ann("erp", "p-2");

    let (linker, result) = build(MatchConfig::default(), vec![web, erp_first, erp_second]);

    let web_customer = customer(&linker, "web", "c-1");
    let erp_in_it = ["p-1", "p-2"]
        .iter()
        .filter(|id| customer(&linker, "erp", id) == web_customer);
    assert_eq!(
        erp_in_it.count(),
        1,
        "one ERP record joins the web customer, not both"
    );
    let refused = result
        .pairs
        .iter()
        .find(|p| p.reason == Reason::OneRecordPerSystem);
    assert!(
        refused.is_some_and(|p| p.decision == Decision::Review),
        "the other is for review"
    );
}

#[test]
fn a_stored_cross_reference_links_whatever_the_fields_say() {
    let web = ann("web", "c-1");
    let mut erp = tom("erp", "p-1");
    erp.cross_refs = vec![SourceKey::new("web", "c-1")];

    let (linker, result) = build(MatchConfig::default(), vec![web, erp]);

    let pair = outcome(&linker, &result, "c-1", "p-1");
    assert_eq!(
        pair.decision,
        Decision::Link,
        "the ERP holds the web store's ID for this party"
    );
    assert_eq!(
        pair.reason,
        Reason::CrossReference,
        "and the reason says why"
    );
    assert_eq!(
        customer(&linker, "web", "c-1"),
        customer(&linker, "erp", "p-1"),
        "one customer"
    );
}

#[test]
fn a_cross_reference_to_a_record_that_arrives_later_links_when_it_arrives() {
    let mut erp = tom("erp", "p-1");
    erp.cross_refs = vec![SourceKey::new("web", "c-1")];
    let mut linker = Linker::empty(MatchConfig::default(), Model::default());
    linker.add(vec![erp]).expect("valid");

    linker.add(vec![ann("web", "c-1")]).expect("valid");

    let (erp_ix, web_ix) = (
        linker.index_of(&SourceKey::new("erp", "p-1")).unwrap(),
        linker.index_of(&SourceKey::new("web", "c-1")).unwrap(),
    );
    assert_eq!(
        linker.customer_of(erp_ix),
        linker.customer_of(web_ix),
        "the reference waited"
    );
}

#[test]
fn adding_records_does_not_renumber_existing_customers() {
    let records = vec![ann("web", "c-1"), ann("erp", "p-1"), tom("web", "c-2")];
    let (mut linker, _) = build(MatchConfig::default(), records);
    let before: Vec<(SourceKey, CustomerId)> = ["c-1", "p-1", "c-2"]
        .iter()
        .map(|id| {
            let key = SourceKey::new(if *id == "p-1" { "erp" } else { "web" }, *id);
            let ix = linker.index_of(&key).unwrap();
            (key, linker.customer_of(ix))
        })
        .collect();

    linker
        .add(vec![
            tom("erp", "p-2"),
            ann("shop", "s-1"),
            person("shop", "s-2"),
        ])
        .unwrap();

    for (key, id) in &before {
        let now = linker.customer_of(linker.index_of(key).unwrap());
        assert_eq!(
            now, *id,
            "{key:?} keeps its customer ID when others are added"
        );
    }
    assert_eq!(
        customer(&linker, "erp", "p-2"),
        customer(&linker, "web", "c-2"),
        "Tom joins"
    );
    assert_eq!(
        customer(&linker, "shop", "s-1"),
        customer(&linker, "web", "c-1"),
        "Ann joins"
    );
    let stranger = customer(&linker, "shop", "s-2");
    assert!(
        before.iter().all(|(_, id)| *id != stranger),
        "a new person gets a new ID"
    );
}

#[test]
fn a_full_rebuild_with_the_ledger_keeps_customer_ids() {
    let records = vec![ann("web", "c-1"), ann("erp", "p-1"), tom("web", "c-2")];
    let (first, _) = build(MatchConfig::default(), records.clone());
    let ledger = first.ledger();
    let mut more = vec![person("shop", "s-9")];
    more.extend(records.into_iter().rev());

    let (second, _) = Linker::build(MatchConfig::default(), more, &ledger).unwrap();

    for (key, id) in &ledger.customers {
        let now = second.customer_of(second.index_of(key).unwrap());
        assert_eq!(
            now, *id,
            "{key:?} keeps its ID across runs, whatever the input order"
        );
    }
    let new_id = customer(&second, "shop", "s-9");
    assert!(
        new_id.0 >= ledger.next_id,
        "new customers never reuse an ID"
    );
}

#[test]
fn a_changed_record_is_matched_again() {
    let mut linker = Linker::empty(MatchConfig::default(), Model::default());
    linker
        .add(vec![ann("web", "c-1"), tom("erp", "p-1")])
        .unwrap();
    let before = customer(&linker, "web", "c-1");

    // The ERP party is corrected: it turns out to be Ann.
    let result = linker.add(vec![ann("erp", "p-1")]).unwrap();

    assert_eq!(
        customer(&linker, "erp", "p-1"),
        before,
        "the corrected party joins Ann"
    );
    assert_eq!(result.stats.links, 1, "one link, reported once");
    assert_eq!(
        linker.len(),
        2,
        "a change replaces the record, it does not add one"
    );
}

#[test]
fn a_record_kept_apart_by_a_decision_is_not_linked_again() {
    let mut linker = Linker::empty(MatchConfig::default(), Model::default());
    linker.keep_apart(&SourceKey::new("web", "c-1"), &SourceKey::new("erp", "p-1"));

    let result = linker
        .add(vec![ann("web", "c-1"), ann("erp", "p-1")])
        .unwrap();

    assert_ne!(
        customer(&linker, "web", "c-1"),
        customer(&linker, "erp", "p-1"),
        "kept apart"
    );
    assert_eq!(
        result.pairs[0].reason,
        Reason::KeptApart,
        "and the pair says why"
    );
}

#[test]
fn the_same_record_twice_in_one_batch_is_refused() {
    let records = vec![ann("web", "c-1"), tom("web", "c-1")];

    let err = Linker::build(MatchConfig::default(), records, &Ledger::default()).unwrap_err();

    assert_eq!(
        err,
        MatchError::DuplicateRecord {
            system: "web".into(),
            id: "c-1".into()
        },
        "two different records under one ID is an input error, not something to guess about"
    );
}
