//! Properties of the address standardizer that must hold for every input: it never panics,
//! and standardizing its own output changes nothing (idempotence).

use concord_core::address::{standardize, Standardized, Verdict};
use proptest::prelude::*;

const COUNTRIES: &[Option<&str>] = &[
    None,
    Some("US"),
    Some("CA"),
    Some("GB"),
    Some("DE"),
    Some("BR"),
    Some("CN"),
    Some("ZZ"),
];

fn restandardized(first: &Standardized) -> Standardized {
    standardize(&first.lines.join("\n"), first.country.as_deref())
}

/// Words and marks addresses are made of, glued with spaces, commas and newlines.
fn noise_token() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "123",
        "1/2",
        "12-14",
        "4B",
        "#",
        "&",
        "and",
        "North",
        "N.E.",
        "West",
        "Fifth",
        "Main",
        "Street",
        "St",
        "Ave",
        "Suite",
        "Apt",
        "Rear",
        "PMB",
        "PO",
        "Box",
        "RR",
        "HC",
        "PSC",
        "USS",
        "Unit",
        "Attn:",
        "Urb",
        "APO",
        "AE",
        "IL",
        "CT",
        "Illinois",
        "62704",
        "6103",
        "80206-1234",
        "K1A0B1",
        "ON",
        "Berlin",
        "10115",
        "Germany",
        "USA",
        "Ponce",
        "PR",
        "Calle",
        "Dubai",
        "00000",
        "UAE",
        "北京市朝阳区",
        "100022",
        "x=1",
        "city=Reno",
    ]);
    let glue = prop::sample::select(vec![" ", " ", " ", ", ", "\n", ""]);
    (word, glue).prop_map(|(w, g)| format!("{w}{g}"))
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Maple", "Cedar", "North", "South", "East", "West", "Fifth", "Twenty", "First", "Harbor",
        "Point", "Park", "Main", "Key", "Front", "Rear", "Calle", "Luna", "Saint", "Martin",
        "Luther", "King", "Ridge", "Way", "Old", "Mill", "Lower", "Upper", "Unit", "Lot",
    ])
    .prop_map(str::to_string)
}

fn suffix() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Street",
        "St.",
        "Str",
        "Avenue",
        "Av",
        "Ave",
        "Boulevard",
        "Drive",
        "Dr",
        "Lane",
        "Road",
        "Court",
        "Ct",
        "Plaza",
        "Way",
        "Parkway",
        "Circle",
        "Highway",
        "Terrace",
        "Place",
        "",
    ])
    .prop_map(str::to_string)
}

fn directional() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "North",
        "N",
        "S.",
        "South West",
        "NE",
        "N.E.",
        "East",
        "W",
    ])
    .prop_map(str::to_string)
}

fn unit() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "Apt 4B",
        "apt. 12",
        "Suite 300",
        "Ste 110 PMB 3302",
        "#12",
        "Unit B",
        "Floor 2",
        "Rear",
        "Bsmt",
        "Penthouse",
        "Room 101",
        "Bldg 3",
        "Private Mailbox 9",
    ])
    .prop_map(str::to_string)
}

fn last_line() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Springfield, IL 62704",
        "Austin TX 78704",
        "Fresno, California 93703",
        "Denver CO 80206-1234",
        "Hartford CT 6103",
        "Pittsfield MA 01201",
        "Ponce PR 00731",
        "New York, New York 100111234",
        "Springfield IL 6270",
        "APO AE 09499",
        "Atlanta, Georgia 30319",
    ])
    .prop_map(str::to_string)
}

fn us_street_address() -> impl Strategy<Value = String> {
    (
        1u32..99999,
        prop::bool::weighted(0.1),
        directional(),
        prop::collection::vec(word(), 1..3),
        suffix(),
        directional(),
        unit(),
        last_line(),
    )
        .prop_map(|(number, half, pre, name, suffix, post, unit, last)| {
            let half = if half { " 1/2" } else { "" };
            let street = [pre, name.join(" "), suffix, post]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let unit = if unit.is_empty() {
                String::new()
            } else {
                format!(", {unit}")
            };
            format!("{number}{half} {street}{unit}, {last}")
        })
}

fn us_box_address() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "PO Box",
            "P.O. Box",
            "Post Office Box",
            "Rural Route",
            "RR",
            "RFD",
            "Star Route",
            "HC",
            "PSC",
            "CMR",
        ]),
        1u32..9999,
        1u32..999,
        last_line(),
    )
        .prop_map(|(kind, a, b, last)| {
            if kind.contains("Box") {
                format!("{kind} {a}, {last}")
            } else {
                format!("{kind} {a} Box {b}, {last}")
            }
        })
}

fn foreign_address() -> impl Strategy<Value = (String, &'static str)> {
    let street = (
        1u32..300,
        word(),
        prop::sample::select(vec!["Road", "straße", "rue", "Lane"]),
    );
    (
        street,
        prop::sample::select(vec![
            ("GB", "Bristol bs7 8aa"),
            ("GB", "London, EC1Y8SY"),
            ("DE", "10115 Berlin"),
            ("FR", "69003 Lyon"),
            ("NL", "1234AB Amsterdam"),
            ("CA", "Ottawa ON k1a0b1"),
            ("AU", "Fitzroy Victoria 3065"),
            ("BR", "São Paulo - SP, 01415000"),
            ("IN", "Bengaluru, Karnataka 560001"),
            ("AE", "Dubai"),
            ("SE", "11455 Stockholm"),
            ("PL", "00624 Warszawa"),
            ("PT", "1100053 Lisboa"),
            ("CH", "8001 Zürich"),
            ("ES", "28013 Madrid"),
            ("IE", "Dublin 2, D02X285"),
            ("MX", "Col. Roma Norte, 06700 Ciudad de México, CDMX"),
            ("JP", "〒1000001 東京都千代田区"),
            ("KR", "서울특별시 종로구 03172"),
            ("CN", "北京市朝阳区 100022"),
        ]),
    )
        .prop_map(|((n, w, kind), (country, last))| (format!("{n} {w} {kind}, {last}"), country))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_input_makes_the_standardizer_panic(
        text in "\\PC{0,120}",
        country in prop::sample::select(COUNTRIES),
    ) {
        let result = standardize(&text, country);

        prop_assert!(result.lines.iter().all(|l| !l.contains('\n')), "one line per entry");
    }

    #[test]
    fn address_like_noise_never_panics_and_its_standard_form_is_stable(
        pieces in prop::collection::vec(noise_token(), 1..14),
        country in prop::sample::select(COUNTRIES),
    ) {
        let text = pieces.concat();

        let first = standardize(&text, country);

        if first.verdict.is_standardized() {
            let second = restandardized(&first);
            prop_assert_eq!(&second.lines, &first.lines, "input {:?}", text);
            prop_assert_eq!(second.verdict, Verdict::Standardized, "input {:?}", text);
        }
    }

    #[test]
    fn standardizing_a_us_street_address_twice_changes_nothing_more(
        text in us_street_address(),
    ) {
        let first = standardize(&text, Some("US"));

        let second = restandardized(&first);

        prop_assert_eq!(&second.lines, &first.lines, "input {:?}", text);
        prop_assert_eq!(&second.verdict, &first.verdict, "input {:?}", text);
        if first.verdict.is_standardized() {
            prop_assert!(second.changes.is_empty(), "{:?} left {:?}", text, second.changes);
        }
    }

    #[test]
    fn standardizing_a_us_box_or_route_address_twice_changes_nothing_more(
        text in us_box_address(),
    ) {
        let first = standardize(&text, Some("US"));

        let second = restandardized(&first);

        prop_assert_eq!(&second.lines, &first.lines, "input {:?}", text);
        prop_assert_eq!(&second.verdict, &first.verdict, "input {:?}", text);
    }

    #[test]
    fn standardizing_a_foreign_address_twice_changes_nothing_more(
        (text, country) in foreign_address(),
    ) {
        let first = standardize(&text, Some(country));

        let second = restandardized(&first);

        prop_assert_eq!(&second.lines, &first.lines, "input {:?}", text);
        prop_assert_eq!(&second.verdict, &first.verdict, "input {:?}", text);
    }
}
