//! Every case of the shared address cases file passes: the file is read from the shared data
//! folder beside the repository, so a change there is tested here without copying it.

use std::path::PathBuf;

use concord_core::address::cases;

fn cases_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/addresses/cases.tsv")
}

#[test]
fn every_shared_address_case_standardizes_as_expected() {
    let path = cases_file();
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the shared cases file must exist at {}: {error}",
            path.display()
        )
    });
    let cases = cases::parse(&tsv).expect("the shared cases file is well formed");

    let outcomes: Vec<_> = cases.iter().map(cases::run).collect();

    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            format!(
                "{}: expected {} got {}",
                o.case.id,
                o.case.expected.display(),
                cases::display_actual(&o.actual)
            )
        })
        .collect();
    assert!(
        cases.len() >= 40,
        "the file holds at least 40 cases, found {}",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
