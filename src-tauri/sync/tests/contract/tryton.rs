//! The Tryton connector's contract: what it must return from any server that speaks Tryton's
//! JSON-RPC, real or sandbox. Each function takes the target it runs against and creates the
//! records it checks through the server's own API.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use concord_sync::connector::{ConnectorError, PageCursor};
use concord_sync::tryton::{ContactKind, TrytonClient, TrytonParty, TrytonSale, TrytonSettings};
use serde_json::{json, Value};

use crate::common::{dead_url, unique, TrytonTarget};

fn client(target: &TrytonTarget) -> TrytonClient {
    client_with_page(target, 200)
}

fn client_with_page(target: &TrytonTarget, page_size: u32) -> TrytonClient {
    let mut settings = TrytonSettings::new(
        &target.url,
        &target.database,
        &target.login,
        &target.password,
    );
    settings.page_size = page_size;
    TrytonClient::new(settings).expect("the target's settings are valid")
}

async fn id_by(client: &TrytonClient, model: &str, field: &str, value: &str) -> i64 {
    let found = client
        .call(
            &format!("model.{model}.search"),
            vec![
                json!([[field, "=", value]]),
                json!(0),
                json!(1),
                Value::Null,
            ],
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("looking up {model} {value}: {e}"));
    found[0]
        .as_i64()
        .unwrap_or_else(|| panic!("the seeded database has {model} {value}"))
}

async fn create(client: &TrytonClient, model: &str, values: Value) -> i64 {
    let ids = client
        .call(
            &format!("model.{model}.create"),
            vec![json!([values])],
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("creating a {model}: {e}"));
    ids[0].as_i64().expect("create answers the new IDs")
}

/// The party category called `name`, made when missing.
async fn category(client: &TrytonClient, name: &str) -> i64 {
    let found = client
        .call(
            "model.party.category.search",
            vec![json!([["name", "=", name]])],
            None,
        )
        .await
        .expect("searching categories");
    match found[0].as_i64() {
        Some(id) => id,
        None => create(client, "party.category", json!({"name": name})).await,
    }
}

/// A party with a US and an Australian address, an email, a phone and a mobile.
async fn create_party(client: &TrytonClient, name: &str) -> i64 {
    let us = id_by(client, "country.country", "code", "US").await;
    let au = id_by(client, "country.country", "code", "AU").await;
    let illinois = id_by(client, "country.subdivision", "code", "US-IL").await;
    create(
        client,
        "party.party",
        json!({
            "name": name,
            // Tryton's party code sequence can hand the same code to two transactions that
            // run at once on SQLite, so tests that run in parallel bring their own codes.
            "code": unique("C"),
            "addresses": [["create", [
                {"street": "12 Main St\nApt 4", "city": "Springfield", "postal_code": "62701",
                 "country": us, "subdivision": illinois, "invoice": true},
                {"street": "1 George St", "city": "Sydney", "postal_code": "2000",
                 "country": au, "delivery": true, "party_name": format!("{name} (home)")},
            ]]],
            "contact_mechanisms": [["create", [
                {"type": "email", "value": format!("{}@example.com", name.to_lowercase())},
                {"type": "phone", "value": "+1 217 555 0100"},
                {"type": "mobile", "value": "+61 412 345 678"},
            ]]],
        }),
    )
    .await
}

/// Every page of parties changed since `since`, and how many pages that took.
async fn all_parties(
    client: &TrytonClient,
    since: Option<DateTime<Utc>>,
) -> (Vec<TrytonParty>, usize) {
    let mut parties = Vec::new();
    let mut after: Option<PageCursor> = None;
    let mut pages = 0;
    loop {
        let page = client
            .parties_changed_since(since, after)
            .await
            .expect("a page of parties");
        assert!(
            page.rejected.is_empty(),
            "parties made through the API decode: {:?}",
            page.rejected
        );
        assert!(
            page.server_time.is_some(),
            "each page brings the server's clock for cursors"
        );
        pages += 1;
        parties.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return (parties, pages),
        }
        assert!(pages < 10_000, "paging must end");
    }
}

async fn all_sales(client: &TrytonClient, since: Option<DateTime<Utc>>) -> Vec<TrytonSale> {
    let mut sales = Vec::new();
    let mut after = None;
    loop {
        let page = client
            .sales_changed_since(since, after)
            .await
            .expect("a page of sales");
        assert!(
            page.rejected.is_empty(),
            "sales made through the API decode: {:?}",
            page.rejected
        );
        sales.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return sales,
        }
    }
}

async fn party_by_id(client: &TrytonClient, id: i64) -> TrytonParty {
    let (parties, _) = all_parties(client, None).await;
    parties
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("party {id} is listed"))
}

pub async fn a_party_is_read_with_its_addresses_and_contacts(target: &TrytonTarget) {
    let client = client(target);
    let name = unique("Ada");
    let id = create_party(&client, &name).await;
    let categories = [
        category(&client, "type:wholesale").await,
        category(&client, "Tax-Exempt").await,
    ];
    client
        .call(
            "model.party.party.write",
            vec![json!([id]), json!({"categories": [["add", categories]]})],
            None,
        )
        .await
        .expect("categorizing the party");

    let party = party_by_id(&client, id).await;

    assert_eq!(
        party.name.as_deref(),
        Some(name.as_str()),
        "the name as stored"
    );
    assert_eq!(
        party.addresses.len(),
        2,
        "both addresses come with the party"
    );
    let us = party
        .addresses
        .iter()
        .find(|a| a.country_code.as_deref() == Some("US"))
        .unwrap();
    assert_eq!(
        us.street.as_deref(),
        Some("12 Main St\nApt 4"),
        "street lines are kept"
    );
    assert_eq!(us.city.as_deref(), Some("Springfield"));
    assert_eq!(us.postal_code.as_deref(), Some("62701"));
    assert_eq!(
        us.subdivision_code.as_deref(),
        Some("US-IL"),
        "state read by its ISO code"
    );
    assert!(
        us.invoice && !us.delivery,
        "the bill-to flag is read from 0/1 or booleans"
    );
    let au = party
        .addresses
        .iter()
        .find(|a| a.country_code.as_deref() == Some("AU"))
        .unwrap();
    assert!(au.delivery, "the ship-to flag is read");
    assert_eq!(
        au.party_name.as_deref(),
        Some(format!("{name} (home)").as_str())
    );
    let kinds: Vec<(ContactKind, &str)> = party
        .contacts
        .iter()
        .map(|c| (c.kind.clone(), c.value.as_str()))
        .collect();
    let email = format!("{}@example.com", name.to_lowercase());
    assert!(
        kinds.contains(&(ContactKind::Email, email.as_str())),
        "email read: {kinds:?}"
    );
    assert!(
        kinds.contains(&(ContactKind::Phone, "+1 217 555 0100")),
        "phone read: {kinds:?}"
    );
    assert!(
        kinds.contains(&(ContactKind::Mobile, "+61 412 345 678")),
        "mobile read: {kinds:?}"
    );
    assert!(
        !party.timestamp.is_empty(),
        "the version is kept for later writes"
    );
    assert_eq!(party.raw["id"], json!(id), "the record as received is kept");
}

pub async fn changed_since_returns_exactly_the_records_changed_after_the_cursor(
    target: &TrytonTarget,
) {
    let client = client(target);
    let earlier = create_party(&client, &unique("Earlier")).await;
    let contacted = create_party(&client, &unique("Contacted")).await;
    let before = create_party(&client, &unique("Before")).await;
    let cursor = party_by_id(&client, before).await.last_modified_at + Duration::microseconds(1);
    let created_after = create_party(&client, &unique("After")).await;
    let address = party_by_id(&client, earlier).await.addresses[0].clone();
    client
        .write(
            "party.address",
            &[(address.id, &address.timestamp)],
            json!({"city": "Decatur"}),
        )
        .await
        .expect("an address write with a fresh version succeeds");
    let phone = party_by_id(&client, contacted).await.contacts[1].clone();
    client
        .write(
            "party.contact_mechanism",
            &[(phone.id, &phone.timestamp)],
            json!({"value": "+1 217 555 0199"}),
        )
        .await
        .expect("a contact write with a fresh version succeeds");

    let (changed, _) = all_parties(&client, Some(cursor)).await;

    let ours: HashSet<i64> = [earlier, contacted, before, created_after].into();
    let found: HashSet<i64> = changed
        .iter()
        .map(|p| p.id)
        .filter(|id| ours.contains(id))
        .collect();
    assert_eq!(
        found,
        [earlier, contacted, created_after].into(),
        "a new party and parties whose address or phone changed are listed; one unchanged is not"
    );
    let moved = changed.iter().find(|p| p.id == earlier).unwrap();
    assert!(
        moved.last_modified_at >= cursor,
        "an address change dates its party"
    );
    assert!(
        moved
            .addresses
            .iter()
            .any(|a| a.city.as_deref() == Some("Decatur")),
        "the changed address is read as it is now"
    );
}

pub async fn paging_returns_every_party_once(target: &TrytonTarget) {
    let setup = client(target);
    let (existing, _) = all_parties(&setup, None).await;
    let since = existing.iter().map(|p| p.last_modified_at).max();
    let mut ours = HashSet::new();
    for _ in 0..5 {
        ours.insert(create_party(&setup, &unique("Paged")).await);
    }
    let paged = client_with_page(target, 2);

    let (parties, pages) = all_parties(&paged, since).await;

    let ids: Vec<i64> = parties.iter().map(|p| p.id).collect();
    let distinct: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(
        ids.len(),
        distinct.len(),
        "no party is listed twice across pages"
    );
    assert!(ours.is_subset(&distinct), "every party made is listed");
    assert!(
        pages >= 3,
        "five parties in pages of two take at least three pages, took {pages}"
    );
}

pub async fn a_sale_is_read_with_lines_totals_addresses_and_channel(target: &TrytonTarget) {
    let client = client(target);
    let party_id = create_party(&client, &unique("Buyer")).await;
    let party = party_by_id(&client, party_id).await;
    let bill_to = party.addresses.iter().find(|a| a.invoice).unwrap().id;
    let ship_to = party.addresses.iter().find(|a| a.delivery).unwrap().id;
    let widget = id_by(&client, "product.product", "code", "WIDGET-1").await;
    let gadget = id_by(&client, "product.product", "code", "GADGET-1").await;
    let unit = id_by(&client, "product.uom", "symbol", "u").await;
    let decimal = |text: &str| json!({"__class__": "Decimal", "decimal": text});
    let sale_id = create(
        &client,
        "sale.sale",
        json!({
            "party": party_id, "invoice_address": bill_to, "shipment_address": ship_to,
            "description": "Phone", "reference": "PO-77",
            "sale_date": {"__class__": "date", "year": 2026, "month": 11, "day": 30},
            "lines": [["create", [
                {"product": widget, "quantity": 2, "unit": unit, "unit_price": decimal("19.99")},
                {"product": gadget, "quantity": 1, "unit": unit, "unit_price": decimal("45.00")},
            ]]],
        }),
    )
    .await;
    client
        .call("model.sale.sale.quote", vec![json!([sale_id])], None)
        .await
        .expect("quoting gives the sale its number");

    let sales = all_sales(&client, Some(party.last_modified_at)).await;

    let sale = sales
        .iter()
        .find(|s| s.id == sale_id)
        .expect("the new sale is listed");
    assert_eq!(sale.party, party_id, "the sale names its customer");
    assert!(sale.number.is_some(), "a quoted sale has a number");
    assert_eq!(sale.state, "quotation");
    assert_eq!(sale.reference.as_deref(), Some("PO-77"));
    assert_eq!(
        sale.channel, "phone",
        "the channel is read from the configured field"
    );
    assert_eq!(sale.currency.as_deref(), Some("USD"));
    assert_eq!(
        sale.total_amount.map(|d| d.to_string()).as_deref(),
        Some("84.98"),
        "exact total"
    );
    assert_eq!(
        sale.sale_date.map(|d| d.to_string()).as_deref(),
        Some("2026-11-30")
    );
    let lines: Vec<(Option<&str>, Option<f64>, Option<String>)> = sale
        .lines
        .iter()
        .map(|l| {
            (
                l.product_code.as_deref(),
                l.quantity,
                l.amount.map(|a| a.to_string()),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (Some("WIDGET-1"), Some(2.0), Some("39.98".to_owned())),
            (Some("GADGET-1"), Some(1.0), Some("45.00".to_owned())),
        ],
        "every line with product, quantity and amount"
    );
    assert_eq!(
        sale.invoice_address.as_ref().map(|a| a.id),
        Some(bill_to),
        "bill-to read"
    );
    assert_eq!(
        sale.shipment_address
            .as_ref()
            .and_then(|a| a.city.as_deref()),
        Some("Sydney"),
        "ship-to read with its fields"
    );
}

pub async fn a_wrong_password_is_an_authentication_error(target: &TrytonTarget) {
    let mut wrong = target.clone();
    wrong.password = "not-the-password".to_owned();
    let client = client(&wrong);

    let error = client.login().await.unwrap_err();

    assert!(
        matches!(error, ConnectorError::Authentication { .. }),
        "a wrong password must ask for credentials, not be retried: {error:?}"
    );
}

pub async fn a_malformed_request_is_a_permanent_error_naming_tryton(target: &TrytonTarget) {
    let client = client(target);

    let error = client
        .call(
            "model.party.party.search_read",
            vec![
                json!([["no_such_field", "=", 1]]),
                json!(0),
                json!(1),
                Value::Null,
                json!(["id"]),
            ],
            None,
        )
        .await
        .unwrap_err();

    let text = error.to_string();
    assert!(
        matches!(error, ConnectorError::Permanent { .. }),
        "retrying cannot help: {error:?}"
    );
    assert!(
        text.contains("Tryton") && text.contains("search_read"),
        "says who and what: {text}"
    );
}

pub async fn a_write_based_on_a_stale_version_is_a_conflict(target: &TrytonTarget) {
    let client = client(target);
    let party = party_by_id(&client, create_party(&client, &unique("Stale")).await).await;
    let address = &party.addresses[0];
    client
        .write(
            "party.address",
            &[(address.id, &address.timestamp)],
            json!({"city": "Peoria"}),
        )
        .await
        .expect("the first write is based on the current version");

    let error = client
        .write(
            "party.address",
            &[(address.id, &address.timestamp)],
            json!({"city": "Urbana"}),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(error, ConnectorError::Conflict { .. }),
        "a second write from the same old version must not overwrite the first: {error:?}"
    );
    let now = party_by_id(&client, party.id).await;
    let city = now
        .addresses
        .iter()
        .find(|a| a.id == address.id)
        .unwrap()
        .city
        .clone();
    assert_eq!(
        city.as_deref(),
        Some("Peoria"),
        "the refused write changed nothing"
    );
}

pub async fn an_unreachable_server_is_a_transient_error(target: &TrytonTarget) {
    let mut gone = target.clone();
    gone.url = dead_url();
    let client = client(&gone);

    let error = client.login().await.unwrap_err();

    assert!(
        error.is_transient(),
        "a server that is down may come back: {error:?}"
    );
}
