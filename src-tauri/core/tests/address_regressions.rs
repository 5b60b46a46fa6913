//! Inputs the property tests and the fuzzer found mishandled, each kept with the rule it broke.
//! Most broke idempotence: standardizing the standardized lines again must change nothing.

use concord_core::address::{standardize, Standardized, Verdict};

fn twice(text: &str, country: &str) -> (Standardized, Standardized) {
    let first = standardize(text, Some(country));
    let second = standardize(&first.lines.join("\n"), first.country.as_deref());
    (first, second)
}

#[test]
fn a_lettered_unit_beside_a_military_address_is_a_unit_not_a_second_delivery_line() {
    let text = "1 Maple Street, Unit B, APO AE 09499";

    let (first, second) = twice(text, "US");

    assert_eq!(
        first.lines[0], "1 MAPLE ST UNIT B",
        "UNIT B is an apartment-style unit"
    );
    assert_eq!(
        second.lines, first.lines,
        "and it stays one on the second pass"
    );
}

#[test]
fn a_hash_unit_after_a_designator_that_stands_alone_stays_its_own_unit() {
    let text = "1 North Lower, #12, Springfield, IL 62704";

    let (first, second) = twice(text, "US");

    assert_eq!(
        first.lines[0], "1 NORTH LOWR # 12",
        "LOWR needs no number; # 12 is apart"
    );
    assert_eq!(
        second.lines, first.lines,
        "the # is not swallowed on the second pass"
    );
}

#[test]
fn a_directional_after_a_designator_that_stands_alone_is_not_its_unit_number() {
    let text = "1 North Lower North, Springfield, IL 62704";

    let (first, second) = twice(text, "US");

    assert_eq!(
        second.lines, first.lines,
        "N after LOWER reads the same both times"
    );
}

#[test]
fn a_single_directional_letter_is_never_read_as_a_unit_number() {
    let text = "1 South West North Unit East, Springfield, IL 62704";

    let (first, second) = twice(text, "US");

    assert_eq!(second.lines, first.lines, "UNIT E has one reading");
}

#[test]
fn a_city_without_letters_needs_review() {
    let text = "123, 10115 62704";

    let result = standardize(text, Some("DE"));

    assert!(
        matches!(&result.verdict, Verdict::NeedsReview { reason } if reason.contains("letters")),
        "a number is not a city: {:?}",
        result.verdict
    );
}

#[test]
fn the_postcode_chosen_is_the_one_with_the_city_on_its_side() {
    let text = "123, 10115 and 62704";

    let (first, second) = twice(text, "DE");

    assert_eq!(
        first.components.postcode.as_deref(),
        Some("10115"),
        "city follows it in DE"
    );
    assert_eq!(
        second.lines, first.lines,
        "the same postcode is found again"
    );
}

#[test]
fn a_hash_is_never_taken_into_a_postcode() {
    let text = "123, # and 00000";

    let (first, second) = twice(text, "DE");

    assert_eq!(
        second.lines, first.lines,
        "the # stays in the city text both times"
    );
}

#[test]
fn an_equals_sign_in_a_typed_address_does_not_turn_its_standard_form_into_fields() {
    // Found by the fuzzer: the standardized lines began "... CHIL = E", and the second pass
    // read them as `key=value` fields and rejected the unknown field.
    let text = " @00000@+@ \u{7}\u{f} T1HE @R\0,CHIL = E : % @ @0E0000@+@ \u{7}\u{f} T1HE @ = E \
                : % = = \0\u{e}E :@ \u{14}THE* @1@= = \0\u{e}E :@ \u{14}THE* @5@` @5";

    let (first, second) = twice(text, "DE");

    assert_eq!(second.lines, first.lines, "free text stays free text");
    assert_eq!(second.verdict, first.verdict, "and reads the same");
}

#[test]
fn a_korean_house_number_starting_with_a_province_code_is_not_the_province() {
    let text = "110 Maple Road, 서울특별시 종로구 03172";

    let (first, second) = twice(text, "KR");

    assert_ne!(
        first.components.region.as_deref(),
        Some("서울특별시"),
        "110 is not Seoul's 11"
    );
    assert_eq!(
        second.lines, first.lines,
        "and it reads the same the second time"
    );
}

#[test]
fn a_line_that_looks_like_a_field_does_not_make_the_whole_address_fields() {
    // The standard form of "62704 and, city=Reno" begins with the line "city=Reno"; read again,
    // the rest of the address must not become the city's value.
    let text = "62704 and, city=Reno";

    let (first, second) = twice(text, "DE");

    assert_eq!(
        second.lines, first.lines,
        "the second pass reads the same lines"
    );
}

#[test]
fn a_lone_hyphen_after_a_postcode_is_not_part_of_it() {
    // Found by the fuzzer: in "SE-581 08 - FARGO" the window "581 08 -" also read as the
    // postcode on the second pass, which dropped the hyphen from the city.
    let text = "Post Office Box 3390, - Fargo ND 58108";
    let found = "2(51=E Office B\u{1d}\0 HE 3(\u{6}hC\0\u{3}T\u{1}Post Office Box2(E 3390,- \
                 F3\u{12}9046argo ND 58108";

    let (first, second) = twice(text, "SE");
    let (found_first, found_second) = twice(found, "SE");

    assert_eq!(
        second.lines, first.lines,
        "the same postcode and city both times"
    );
    assert_eq!(
        found_second.lines, found_first.lines,
        "and for the input the fuzzer found"
    );
}

#[test]
fn the_postcode_at_the_start_of_a_standardized_line_is_the_one_read_back() {
    // Found by the fuzzer: on "SE-011 11 011..." the second pass took "11 011" as the postcode.
    let found =
        ",1#\u{10}\0\0\u{7f}\0_,1\u{7f}\0_\0\u{b}0111\0\u{1}\0\0\u{b}~~1_\0\u{b}011}}}}}}}}}}\
                 }}}}}\u{1}\0\0\0\0\0\0\0\0\u{b}0111_\0\u{b}0111\0\u{1}\0THE\0\u{b}~~?-";

    let (first, second) = twice(found, "SE");

    assert_eq!(
        second.lines, first.lines,
        "the printed postcode is found again"
    );
}

#[test]
fn a_unit_number_in_its_own_piece_completes_a_designator_ending_the_street() {
    let text = "1 Maple Unit, #12, Springfield, IL 62704";

    let (first, second) = twice(text, "US");

    assert_eq!(
        first.lines[0], "1 MAPLE UNIT 12",
        "the piece completes UNIT"
    );
    assert_eq!(second.lines, first.lines, "and reads the same again");
}
