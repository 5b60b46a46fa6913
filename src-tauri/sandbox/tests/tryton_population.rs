//! The population: deterministic, realistic in the ways matching and sync must cope with,
//! and fully seeded into the sandbox ERP.

use std::collections::{HashMap, HashSet};

use concord_sandbox::population::{Channel, ContactKind, Origin, Population};
use concord_sandbox::tryton::ErpState;

/// Shares of the properties the population promises, measured on one population.
#[derive(Debug, Default)]
struct Shares {
    people: usize,
    both: usize,
    erp_only: usize,
    web_only: usize,
    erp_twice: usize,
    web_accounts_twice: usize,
    guests_only: usize,
    three_guests_one_email: usize,
    borrowed_email_guests: usize,
    febrl: usize,
    countries: HashSet<String>,
    channels: HashSet<&'static str>,
    wholesale: usize,
    tax_exempt: usize,
    gold: usize,
    groups_disagree: usize,
    erp_without_default: usize,
    web_without_default: usize,
    erp_without_email: usize,
    abbreviated_between_systems: usize,
}

fn shares(population: &Population) -> Shares {
    let mut s = Shares {
        people: population.people.len(),
        ..Shares::default()
    };
    let mut owners_of_email: HashMap<&str, HashSet<u32>> = HashMap::new();
    for (person, customer) in population.web_customers() {
        owners_of_email
            .entry(customer.email.as_str())
            .or_default()
            .insert(person.id);
    }
    for person in &population.people {
        match (person.erp.is_empty(), person.web.is_empty()) {
            (false, false) => s.both += 1,
            (false, true) => s.erp_only += 1,
            (true, false) => s.web_only += 1,
            (true, true) => panic!("person {} is in no system", person.id),
        }
        s.erp_twice += usize::from(person.erp.len() > 1);
        s.web_accounts_twice += usize::from(person.web.iter().filter(|c| !c.guest).count() > 1);
        s.guests_only += usize::from(!person.web.is_empty() && person.web.iter().all(|c| c.guest));
        let guests: Vec<(&str, Option<&str>)> = person
            .web
            .iter()
            .filter(|c| c.guest)
            .map(|c| (c.email.as_str(), c.phone.as_deref()))
            .collect();
        s.three_guests_one_email += usize::from(
            guests.len() >= 3 && guests[0].1.is_some() && guests.iter().all(|g| *g == guests[0]),
        );
        s.borrowed_email_guests += person
            .web
            .iter()
            .filter(|c| c.guest && owners_of_email[c.email.as_str()].len() > 1)
            .count();
        s.febrl += usize::from(matches!(person.origin, Origin::Febrl { .. }));
        s.countries.insert(person.country.clone());
        let categories: Vec<&String> = person.erp.iter().flat_map(|p| &p.categories).collect();
        s.wholesale += usize::from(categories.iter().any(|c| *c == "type:wholesale"));
        s.tax_exempt += usize::from(categories.iter().any(|c| *c == "tax-exempt"));
        s.gold += usize::from(categories.iter().any(|c| *c == "price:gold"));
        if let (Some(party), Some(customer)) =
            (person.erp.first(), person.web.iter().find(|c| !c.guest))
        {
            s.groups_disagree += usize::from(party.categories != customer.groups);
            let erp_street = party
                .addresses
                .first()
                .map(|a| a.address.street_lines.clone());
            let web_street = customer
                .addresses
                .first()
                .map(|a| a.address.street_lines.clone());
            s.abbreviated_between_systems += usize::from(erp_street != web_street);
        }
        for party in &person.erp {
            for sale in &party.sales {
                s.channels.insert(sale.channel.label());
            }
            s.erp_without_default += usize::from(
                !party.addresses.is_empty()
                    && party.addresses.iter().all(|a| !a.invoice && !a.delivery),
            );
            s.erp_without_email +=
                usize::from(!party.contacts.iter().any(|c| c.kind == ContactKind::Email));
        }
        s.web_without_default += person
            .web
            .iter()
            .filter(|c| {
                c.addresses
                    .iter()
                    .all(|a| !a.default_billing && !a.default_shipping)
            })
            .count();
    }
    s
}

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole as f64
}

#[test]
fn the_same_seed_gives_the_same_population_and_another_seed_another() {
    let first = Population::generate(300, 42);
    let again = Population::generate(300, 42);
    let other = Population::generate(300, 43);

    assert_eq!(first, again, "a seed decides every record");
    assert_ne!(
        first.people, other.people,
        "another seed gives other people"
    );
}

#[test]
fn a_larger_population_starts_with_the_smaller_one() {
    let small = Population::generate(200, 5);
    let large = Population::generate(400, 5);

    assert_eq!(
        small.people[..],
        large.people[..200],
        "person i depends only on the seed and the people before it"
    );
}

#[test]
fn a_thousand_people_show_every_difference_real_data_has() {
    let population = Population::generate(1000, 20261203);

    let s = shares(&population);

    let both = percent(s.both, s.people);
    let erp_only = percent(s.erp_only, s.people);
    let web_only = percent(s.web_only, s.people);
    assert!(
        (48.0..62.0).contains(&both),
        "about 55 % in both systems: {s:#?}"
    );
    assert!(
        (15.0..25.0).contains(&erp_only),
        "about 20 % only in the ERP: {s:#?}"
    );
    assert!(
        (19.0..31.0).contains(&web_only),
        "about 25 % only in the web store: {s:#?}"
    );
    assert!(
        (1.0..6.0).contains(&percent(s.erp_twice, s.people)),
        "some ERP duplicates: {s:#?}"
    );
    assert!(
        s.web_accounts_twice >= 5,
        "some people hold two web accounts: {s:#?}"
    );
    assert!(
        percent(s.guests_only, s.people) >= 10.0,
        "guest checkouts are common: {s:#?}"
    );
    assert!(
        s.three_guests_one_email >= 2,
        "three guest records, one email and phone: {s:#?}"
    );
    assert!(
        s.borrowed_email_guests >= 1,
        "a guest on someone else's email: {s:#?}"
    );
    assert!(
        (22.0..38.0).contains(&percent(s.febrl, s.people)),
        "FEBRL people: {s:#?}"
    );
    for country in ["AU", "US", "GB", "CA", "DE", "FR"] {
        assert!(s.countries.contains(country), "people in {country}: {s:#?}");
    }
    for channel in ["Phone", "Mail", "Shop", "Web"] {
        assert!(
            s.channels.contains(channel),
            "ERP sales taken by {channel}: {s:#?}"
        );
    }
    assert!(
        s.wholesale >= 20 && s.tax_exempt >= 10 && s.gold >= 10,
        "accounts: {s:#?}"
    );
    assert!(
        s.groups_disagree >= 3,
        "web groups that disagree with the ERP: {s:#?}"
    );
    assert!(
        s.erp_without_default >= 20,
        "ERP addresses without a default: {s:#?}"
    );
    assert!(
        s.web_without_default >= 20,
        "web addresses without a default: {s:#?}"
    );
    assert!(
        s.erp_without_email >= 50,
        "ERP parties without email: {s:#?}"
    );
    assert!(
        percent(s.abbreviated_between_systems, s.both) >= 20.0,
        "street lines spelt differently between systems: {s:#?}"
    );
}

#[test]
fn record_keys_are_unique_and_registered_emails_never_collide() {
    let population = Population::generate(2000, 9);

    let truth = population.truth();
    let erp_count = population.erp_parties().count();
    let web_count = population.web_customers().count();
    let mut registered = HashSet::new();
    let collisions: Vec<&str> = population
        .web_customers()
        .filter(|(_, c)| !c.guest)
        .filter(|(_, c)| !registered.insert(c.email.as_str()))
        .map(|(_, c)| c.email.as_str())
        .collect();

    assert_eq!(
        truth.erp.len(),
        erp_count,
        "every party code names one party"
    );
    assert_eq!(
        truth.web.len(),
        web_count,
        "every web key names one customer"
    );
    assert!(
        collisions.is_empty(),
        "a web store refuses a second account with the same email: {collisions:?}"
    );
    let (person, party) = population.erp_parties().nth(10).unwrap();
    assert_eq!(
        truth.erp[&party.code], person.id,
        "the truth leads back to the person"
    );
}

#[test]
fn febrl_people_keep_their_record_in_the_erp_and_its_copy_in_the_web_store() {
    let population = Population::generate(400, 77);

    let febrl_in_both: Vec<_> = population
        .people
        .iter()
        .filter(|p| matches!(p.origin, Origin::Febrl { .. }))
        .filter(|p| !p.erp.is_empty() && p.web.iter().any(|c| !c.guest))
        .collect();

    assert!(
        febrl_in_both.len() >= 30,
        "about a sixth of people: {}",
        febrl_in_both.len()
    );
    let mut differ = 0;
    for person in &febrl_in_both {
        let party = &person.erp[0];
        let customer = person.web.iter().find(|c| !c.guest).unwrap();
        let address = &party.addresses[0].address;
        assert_eq!(address.country, "AU", "FEBRL people live in Australia");
        assert!(
            address
                .subdivision
                .as_deref()
                .is_none_or(|s| s.starts_with("AU-")),
            "states are ISO 3166-2: {address:?}"
        );
        let erp_view = (party.name.to_lowercase(), address.street().to_lowercase());
        let web_view = (
            format!("{} {}", customer.first_name, customer.last_name)
                .trim()
                .to_lowercase(),
            customer.addresses[0].address.street().to_lowercase(),
        );
        differ += usize::from(erp_view != web_view);
    }
    assert!(
        differ * 2 > febrl_in_both.len(),
        "the web store has FEBRL's copy with errors, unlike the ERP's original: {differ} of {}",
        febrl_in_both.len()
    );
}

#[test]
fn the_seeded_erp_holds_every_erp_record_of_the_population() {
    let population = Population::generate(500, 3);

    let erp = ErpState::seeded(&population);
    let empty = ErpState::empty();

    let parties = population.erp_parties().count();
    let addresses: usize = population
        .erp_parties()
        .map(|(_, p)| p.addresses.len())
        .sum();
    let contacts: usize = population
        .erp_parties()
        .map(|(_, p)| p.contacts.len())
        .sum();
    let sales: usize = population.erp_parties().map(|(_, p)| p.sales.len()).sum();
    let lines: usize = population
        .erp_parties()
        .flat_map(|(_, p)| &p.sales)
        .map(|s| s.lines.len())
        .sum();
    assert_eq!(
        erp.count("party.party"),
        empty.count("party.party") + parties
    );
    assert_eq!(erp.count("party.address"), addresses);
    assert_eq!(erp.count("party.contact_mechanism"), contacts);
    assert_eq!(erp.count("sale.sale"), sales);
    assert_eq!(erp.count("sale.line"), lines);
    assert!(
        population
            .erp_parties()
            .flat_map(|(_, p)| &p.sales)
            .any(|s| s.channel == Channel::Web),
        "web orders entered in the ERP are among the sales"
    );
}
