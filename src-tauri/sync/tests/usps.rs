//! The USPS client against the USPS simulator on loopback: statuses from DPV confirmation, the
//! token cache, and the failures the real service produces (401, 429 with Retry-After, 503).

use std::time::Duration;

use concord_core::address::{AddressRequest, AddressValidator, ValidationStatus, ValidatorError};
use concord_sandbox::usps::{Fault, UspsSimulator, CLIENT_ID, CLIENT_SECRET};
use concord_sync::usps::{UspsClient, UspsConfig};

async fn setup() -> (UspsSimulator, UspsClient) {
    let simulator = UspsSimulator::start()
        .await
        .expect("the simulator starts on loopback");
    let mut config = UspsConfig::new(&simulator.base_url(), CLIENT_ID, CLIENT_SECRET);
    config.first_backoff = Duration::from_millis(20);
    config.max_retries = 2;
    let client = UspsClient::new(config).expect("the client builds");
    (simulator, client)
}

fn request(text: &str) -> AddressRequest {
    AddressRequest::new(text, Some("US"))
}

#[tokio::test]
async fn a_deliverable_address_is_verified_with_its_zip_plus4() {
    let (_simulator, client) = setup().await;

    let validation = client
        .validate(&request("123 Bramblewood Street, Springfield, IL 62704"))
        .await
        .unwrap();

    assert_eq!(
        validation.status,
        ValidationStatus::Verified,
        "{}",
        validation.message
    );
    assert_eq!(
        validation.zip_plus4.as_deref(),
        Some("5512"),
        "ZIP+4 from the USPS"
    );
    assert_eq!(
        validation.suggested_lines,
        ["123 BRAMBLEWOOD ST", "SPRINGFIELD IL 62704-5512"]
    );
}

#[tokio::test]
async fn an_address_the_usps_completes_is_reported_as_corrected() {
    let (_simulator, client) = setup().await;

    let validation = client
        .validate(&request("1200 North Cedar Avenue Suite 300, Fresno, CA"))
        .await
        .unwrap();

    assert_eq!(
        validation.status,
        ValidationStatus::Corrected,
        "the ZIP code was added"
    );
    assert_eq!(validation.suggested_lines[1], "FRESNO CA 93703-4410");
}

#[tokio::test]
async fn a_building_without_its_unit_number_needs_one() {
    let (_simulator, client) = setup().await;

    let missing = client
        .validate(&request("456 Quillfeather St, Portland OR 97212"))
        .await;
    let unknown = client
        .validate(&request("456 Quillfeather St Apt 9Z, Portland OR 97212"))
        .await;

    assert_eq!(
        missing.unwrap().status,
        ValidationStatus::NeedsUnitNumber,
        "DPV D"
    );
    assert_eq!(
        unknown.unwrap().status,
        ValidationStatus::NeedsUnitNumber,
        "DPV S"
    );
}

#[tokio::test]
async fn an_unknown_house_number_or_street_is_not_found() {
    let (_simulator, client) = setup().await;

    let number = client
        .validate(&request("125 Bramblewood St, Springfield IL 62704"))
        .await;
    let street = client
        .validate(&request("9 Nowhere Rd, Springfield IL 62704"))
        .await;

    assert_eq!(number.unwrap().status, ValidationStatus::NotFound, "DPV N");
    assert_eq!(
        street.unwrap().status,
        ValidationStatus::NotFound,
        "404 from the USPS"
    );
}

#[tokio::test]
async fn a_foreign_address_is_not_checked_and_nothing_is_sent() {
    let (simulator, client) = setup().await;

    let validation = client
        .validate(&AddressRequest::new(
            "Lindenhofweg 12, 10115 Berlin",
            Some("DE"),
        ))
        .await
        .unwrap();

    assert_eq!(
        validation.status,
        ValidationStatus::NotChecked,
        "USPS covers the US only"
    );
    assert_eq!(
        simulator.address_requests(),
        0,
        "a foreign address never leaves the machine"
    );
}

#[tokio::test]
async fn the_token_is_reused_until_it_expires() {
    let (simulator, client) = setup().await;

    for _ in 0..3 {
        client
            .validate(&request("200 North Street, Pittsfield MA 01201"))
            .await
            .unwrap();
    }

    assert_eq!(
        simulator.token_requests(),
        1,
        "one token serves every call while it is valid"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_succeeds() {
    let (simulator, client) = setup().await;
    client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await
        .unwrap();
    simulator.expire_tokens();

    let validation = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert_eq!(
        validation.unwrap().status,
        ValidationStatus::Verified,
        "refreshed and answered"
    );
    assert_eq!(simulator.token_requests(), 2, "exactly one refresh");
}

#[tokio::test]
async fn a_401_that_a_fresh_token_does_not_cure_is_an_authentication_failure() {
    let (simulator, client) = setup().await;
    simulator.push_faults([Fault::Unauthorized, Fault::Unauthorized]);

    let result = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert!(
        matches!(result, Err(ValidatorError::Authentication(_))),
        "an administrator must fix credentials; retrying more would not help: {result:?}"
    );
    assert_eq!(
        simulator.token_requests(),
        2,
        "the first token and one refresh, no more"
    );
}

#[tokio::test]
async fn wrong_client_credentials_are_an_authentication_failure() {
    let simulator = UspsSimulator::start().await.unwrap();
    let config = UspsConfig::new(&simulator.base_url(), CLIENT_ID, "not-the-secret");
    let client = UspsClient::new(config).unwrap();

    let result = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert!(
        matches!(result, Err(ValidatorError::Authentication(_))),
        "{result:?}"
    );
    assert_eq!(
        simulator.address_requests(),
        0,
        "no address is sent without a token"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_delay_the_service_asked_for() {
    let (simulator, client) = setup().await;
    simulator.push_faults([Fault::RateLimited {
        retry_after_secs: 1,
    }]);

    let validation = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert_eq!(
        validation.unwrap().status,
        ValidationStatus::Verified,
        "answered after waiting"
    );
    let times = simulator.address_request_times();
    assert_eq!(times.len(), 2, "one refused request and one retry");
    assert!(
        times[1] - times[0] >= Duration::from_secs(1),
        "the retry must wait for Retry-After, not the shorter backoff"
    );
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_until_the_service_answers() {
    let (simulator, client) = setup().await;
    simulator.push_faults([Fault::Unavailable, Fault::Unavailable]);

    let validation = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert_eq!(
        validation.unwrap().status,
        ValidationStatus::Verified,
        "the third try answers"
    );
    assert_eq!(
        simulator.address_requests(),
        3,
        "two failures and one success"
    );
}

#[tokio::test]
async fn a_service_that_stays_down_fails_as_unavailable_after_a_bounded_number_of_tries() {
    let (simulator, client) = setup().await;
    simulator.push_faults([Fault::Unavailable; 10]);

    let result = client
        .validate(&request("200 North Street, Pittsfield MA 01201"))
        .await;

    assert!(
        matches!(&result, Err(e @ ValidatorError::Unavailable(_)) if e.is_transient()),
        "the caller can queue it for later: {result:?}"
    );
    assert_eq!(
        simulator.address_requests(),
        3,
        "the first try and two retries, no more"
    );
}
