//! Rules of the standardizer, one behaviour each. The shared cases file is run by
//! `tests/address_cases.rs`; these tests pin the rules behind those cases and their edges.

use super::*;

fn lines(text: &str, country: Option<&str>) -> Vec<String> {
    let result = standardize(text, country);
    assert!(
        result.verdict.is_standardized(),
        "{text:?} should standardize: {result:?}"
    );
    result.lines
}

#[test]
fn a_foreign_address_never_gets_us_abbreviations() {
    let text = "27 Thornbury Road, Bristol BS7 8AA";

    let result = lines(text, Some("GB"));

    assert_eq!(
        result[0], "27 Thornbury Road",
        "ROAD stays as written outside the US"
    );
}

#[test]
fn an_unknown_country_code_keeps_the_address_and_says_why() {
    let text = "1 Somewhere Lane\nFaraway";

    let result = standardize(text, Some("QQ"));

    assert_eq!(
        result.lines,
        ["1 Somewhere Lane", "Faraway"],
        "nothing typed is lost"
    );
    assert!(
        result.verdict.reason().is_some_and(|r| r.contains("QQ")),
        "the reason names the unknown code: {:?}",
        result.verdict
    );
}

#[test]
fn a_country_named_in_the_address_that_contradicts_the_given_one_is_rejected() {
    let text = "Lindenhofweg 12, 10115 Berlin, Germany";

    let result = standardize(text, Some("US"));

    assert!(
        matches!(result.verdict, Verdict::Rejected { .. }),
        "US rules must not run on a German address: {:?}",
        result.verdict
    );
}

#[test]
fn a_us_state_named_like_a_country_is_not_taken_for_the_country() {
    let text = "315 Brookhaven Ave NE, Atlanta, Georgia 30319";

    let result = lines(text, Some("US"));

    assert_eq!(result[1], "ATLANTA GA 30319", "Georgia is the state here");
}

#[test]
fn without_a_country_a_us_last_line_routes_to_us_rules() {
    let text = "123 Main Street, Springfield, IL 62704";

    let result = standardize(text, None);

    assert_eq!(
        result.country.as_deref(),
        Some("US"),
        "state and ZIP identify the US"
    );
    assert_eq!(result.lines[0], "123 MAIN ST");
}

#[test]
fn without_any_country_an_unrecognizable_address_is_kept_as_typed() {
    let text = "Villa 14, Street 22";

    let result = standardize(text, None);

    assert_eq!(result.lines, ["Villa 14, Street 22"], "kept as typed");
    assert!(
        matches!(result.verdict, Verdict::NeedsReview { .. }),
        "a person must decide"
    );
}

#[test]
fn changes_are_listed_in_words_a_rep_reads() {
    let text = "123 Bramblewood Street, Springfield, IL 62704";

    let result = standardize(text, Some("US"));

    let described: Vec<String> = result.changes.iter().map(ToString::to_string).collect();
    assert!(
        described.contains(&"Street suffix STREET -> ST".to_string()),
        "the suffix change is listed: {described:?}"
    );
}

#[test]
fn every_unit_designator_that_stands_alone_is_kept_without_a_number() {
    let words = [
        "BASEMENT",
        "FRONT",
        "LOBBY",
        "LOWER",
        "OFFICE",
        "PENTHOUSE",
        "SIDE",
        "UPPER",
    ];

    let standardized: Vec<String> = words
        .iter()
        .map(|w| lines(&format!("17 Pinecrest Ct {w}, Ames IA 50010"), Some("US"))[0].clone())
        .collect();

    assert_eq!(
        standardized,
        ["BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "SIDE", "UPPR"]
            .map(|d| format!("17 PINECREST CT {d}")),
        "Appendix C2 abbreviations, no number needed"
    );
}

#[test]
fn a_leading_directional_word_of_a_street_name_is_only_abbreviated_when_a_name_follows() {
    let abbreviated = lines("10 North Main Street, Pittsfield MA 01201", Some("US"));
    let kept = lines("10 West Street, Pittsfield MA 01201", Some("US"));

    assert_eq!(
        abbreviated[0], "10 N MAIN ST",
        "NORTH before a name is a directional"
    );
    assert_eq!(kept[0], "10 WEST ST", "WEST alone is the street's name");
}

#[test]
fn two_word_directionals_become_one_abbreviation() {
    let result = lines("88 North East Lakeview Drive, Topeka KS 66614", Some("US"));

    assert_eq!(result[0], "88 NE LAKEVIEW DR", "NORTH EAST is NE");
}

#[test]
fn compound_ordinal_street_names_become_numerals() {
    let result = lines("400 Twenty-First Street, Boise ID 83702", Some("US"));

    assert_eq!(
        result[0], "400 21ST ST",
        "Pub 28 writes numbered streets as numerals"
    );
}

#[test]
fn rural_route_spellings_become_rr_and_highway_contract_becomes_hc() {
    let rfd = lines("RFD 3 Box 40, Lakeview AR 72642", Some("US"));
    let contract = lines("Highway Contract 2 Box 7, Keno OR 97627", Some("US"));

    assert_eq!(rfd[0], "RR 3 BOX 40", "RFD is a rural route");
    assert_eq!(contract[0], "HC 2 BOX 7", "highway contract route");
}

#[test]
fn a_unit_number_after_a_military_city_is_a_military_unit() {
    let result = lines("Unit 2050 Box 4190, APO AP 96278", Some("US"));

    assert_eq!(
        result,
        ["UNIT 2050 BOX 4190", "APO AP 96278"],
        "UNIT is the military unit"
    );
}

#[test]
fn a_private_mailbox_written_with_its_full_name_is_pmb() {
    let result = lines("12 Oak St Private Mailbox 77, Reno NV 89511", Some("US"));

    assert_eq!(
        result[0], "12 OAK ST PMB 77",
        "PMB is the standard designator"
    );
}

#[test]
fn a_four_digit_zip_is_not_padded_when_the_state_has_no_zero_zips() {
    let result = standardize("12 Elm St, Springfield IL 6270", Some("US"));

    assert!(
        matches!(&result.verdict, Verdict::NeedsReview { reason } if reason.contains("6270")),
        "06270 would be a Connecticut ZIP: {:?}",
        result.verdict
    );
}

#[test]
fn a_zip_of_another_state_is_rejected_with_both_states_named() {
    let result = standardize("12 Elm St, Fresno CA 62704", Some("US"));

    assert_eq!(
        result.verdict.reason(),
        Some("ZIP code 62704 is Illinois, not California"),
        "the rep must be told which part is inconsistent"
    );
}

#[test]
fn a_nine_digit_zip_gets_its_hyphen() {
    let result = lines("55 Ellsworth Blvd, Denver CO 802061234", Some("US"));

    assert_eq!(
        result[1], "DENVER CO 80206-1234",
        "ZIP+4 is written with a hyphen"
    );
}

#[test]
fn a_building_name_line_is_moved_out_of_the_address_block() {
    let result = standardize(
        "Foundry Lofts, 77 Foundry Road, Lowell MA 01852",
        Some("US"),
    );

    assert_eq!(
        result.lines,
        ["77 FOUNDRY RD", "LOWELL MA 01852"],
        "block without the name"
    );
    assert_eq!(
        result.components.building.as_deref(),
        Some("FOUNDRY LOFTS"),
        "name kept"
    );
}

#[test]
fn a_placeholder_postcode_in_a_country_without_postcodes_is_dropped_and_reported() {
    let result = standardize("Villa 14, Street 22, Dubai 00000", Some("AE"));

    assert!(
        result
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::PlaceholderPostcodeDropped),
        "the rep is told the postcode was dropped: {:?}",
        result.changes
    );
}

#[test]
fn empty_input_is_rejected_with_a_message() {
    let result = standardize("  \n ", Some("US"));

    assert_eq!(
        result.verdict.reason(),
        Some("the address is empty"),
        "clear message"
    );
}
