//! The Vendure connector's contract: what it must return from any server that speaks
//! Vendure's Admin GraphQL API, real or sandbox. Each function takes the target it runs
//! against and creates the records it checks through the server's own API.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use concord_sync::connector::{ConnectorError, SeenVersions};
use concord_sync::vendure::{VendureClient, VendureCustomer, VendureOrder, VendureSettings};
use serde_json::{json, Value};

use crate::common::{dead_url, unique, VendureTarget};

fn client(target: &VendureTarget) -> VendureClient {
    client_with_page(target, 100)
}

fn client_with_page(target: &VendureTarget, page_size: u32) -> VendureClient {
    let mut settings = VendureSettings::new(&target.url, &target.username, &target.password);
    settings.page_size = page_size;
    VendureClient::new(settings).expect("the target's settings are valid")
}

/// Runs a mutation and returns its named result, failing on any error result.
async fn mutate(client: &VendureClient, name: &str, query: &str, variables: Value) -> Value {
    let data = client
        .query(name, query, variables)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let result = data[name].clone();
    assert!(result.get("errorCode").is_none(), "{name} failed: {result}");
    result
}

async fn create_customer(client: &VendureClient, first_name: &str) -> String {
    let email = format!("{}@example.com", first_name.to_lowercase());
    let customer = mutate(
        client,
        "createCustomer",
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
            ... on Customer { id } ... on ErrorResult { errorCode message } } }",
        json!({"input": {"firstName": first_name, "lastName": "Lovelace", "emailAddress": email,
            "phoneNumber": "+1 217 555 0100", "title": "Dr"}}),
    )
    .await;
    let id = customer["id"]
        .as_str()
        .expect("a new customer has an ID")
        .to_owned();
    for (street, city, province, postal, country, shipping, billing) in [
        (
            "12 Main St",
            "Springfield",
            "IL",
            "62701",
            "US",
            false,
            true,
        ),
        ("1 George St", "Sydney", "NSW", "2000", "AU", true, false),
    ] {
        mutate(
            client,
            "createCustomerAddress",
            "mutation($id: ID!, $input: CreateAddressInput!) {
                createCustomerAddress(customerId: $id, input: $input) { id } }",
            json!({"id": id, "input": {"fullName": format!("{first_name} Lovelace"),
                "streetLine1": street, "streetLine2": "Unit 4", "city": city,
                "province": province, "postalCode": postal, "countryCode": country,
                "defaultShippingAddress": shipping, "defaultBillingAddress": billing}}),
        )
        .await;
    }
    id
}

/// Places an order of two widgets (2 x 19.99 + 5.00 shipping) for a customer, or for a new
/// guest when `customer` is `None`; returns the order's ID.
async fn place_order(client: &VendureClient, customer: Option<&str>, guest: &str) -> String {
    let order = mutate(
        client,
        "createDraftOrder",
        "mutation { createDraftOrder { id } }",
        json!({}),
    )
    .await;
    let id = order["id"].as_str().unwrap().to_owned();
    let set_customer = "mutation($id: ID!, $customer: ID, $input: CreateCustomerInput) {
        setCustomerForDraftOrder(orderId: $id, customerId: $customer, input: $input) {
            ... on Order { id } ... on ErrorResult { errorCode message } } }";
    let guest_input = customer.is_none().then(|| {
        json!({"firstName": guest, "lastName": "Guest",
            "emailAddress": format!("{}@example.com", guest.to_lowercase())})
    });
    mutate(
        client,
        "setCustomerForDraftOrder",
        set_customer,
        json!({"id": id, "customer": customer, "input": guest_input}),
    )
    .await;
    let variant = client
        .query(
            "variant",
            "{ productVariants(options: {filter: {sku: {eq: \"WIDGET-1\"}}}) {
            items { id } } }",
            json!({}),
        )
        .await
        .expect("the seeded widget")["productVariants"]["items"][0]["id"]
        .clone();
    mutate(
        client,
        "addItemToDraftOrder",
        "mutation($id: ID!, $variant: ID!) { addItemToDraftOrder(orderId: $id,
            input: {productVariantId: $variant, quantity: 2}) {
            ... on Order { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": id, "variant": variant}),
    )
    .await;
    mutate(
        client,
        "setDraftOrderBillingAddress",
        "mutation($id: ID!) { setDraftOrderBillingAddress(orderId: $id, input: {
            fullName: \"Bill Payer\", streetLine1: \"12 Main St\", city: \"Springfield\",
            province: \"IL\", postalCode: \"62701\", countryCode: \"US\"}) { id } }",
        json!({"id": id}),
    )
    .await;
    mutate(
        client,
        "setDraftOrderShippingAddress",
        "mutation($id: ID!) { setDraftOrderShippingAddress(orderId: $id, input: {
            fullName: \"Ship Receiver\", streetLine1: \"1 George St\", city: \"Sydney\",
            province: \"NSW\", postalCode: \"2000\", countryCode: \"AU\"}) { id } }",
        json!({"id": id}),
    )
    .await;
    let methods = client
        .query(
            "shipping",
            "query($id: ID!) { eligibleShippingMethodsForDraftOrder(orderId: $id)
            { id } }",
            json!({"id": id}),
        )
        .await
        .expect("shipping methods");
    let method = methods["eligibleShippingMethodsForDraftOrder"][0]["id"].clone();
    mutate(
        client,
        "setDraftOrderShippingMethod",
        "mutation($id: ID!, $method: ID!) { setDraftOrderShippingMethod(orderId: $id,
            shippingMethodId: $method) { ... on Order { id } ... on ErrorResult {
            errorCode message } } }",
        json!({"id": id, "method": method}),
    )
    .await;
    mutate(
        client,
        "transitionOrderToState",
        "mutation($id: ID!) { transitionOrderToState(id: $id, state: \"ArrangingPayment\") {
            ... on Order { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": id}),
    )
    .await;
    mutate(
        client,
        "addManualPaymentToOrder",
        "mutation($id: ID!) { addManualPaymentToOrder(input: {orderId: $id, method: \"manual\",
            transactionId: \"T-1\", metadata: {}}) { ... on Order { id } ... on ErrorResult {
            errorCode message } } }",
        json!({"id": id}),
    )
    .await;
    id
}

async fn all_customers(
    client: &VendureClient,
    since: Option<DateTime<Utc>>,
) -> (Vec<VendureCustomer>, usize) {
    let mut customers = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = client
            .customers_changed_since(since, after)
            .await
            .expect("a page");
        assert!(
            page.rejected.is_empty(),
            "customers made through the API decode: {:?}",
            page.rejected
        );
        assert!(
            page.server_time.is_some(),
            "each page brings the server's clock for cursors"
        );
        pages += 1;
        customers.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return (customers, pages),
        }
        assert!(pages < 10_000, "paging must end");
    }
}

async fn all_orders(client: &VendureClient, since: Option<DateTime<Utc>>) -> Vec<VendureOrder> {
    let mut orders = Vec::new();
    let mut after = None;
    loop {
        let page = client
            .orders_changed_since(since, after)
            .await
            .expect("a page of orders");
        assert!(
            page.rejected.is_empty(),
            "orders made through the API decode: {:?}",
            page.rejected
        );
        orders.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return orders,
        }
    }
}

async fn customer_by_id(client: &VendureClient, id: &str) -> VendureCustomer {
    let (customers, _) = all_customers(client, None).await;
    customers
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("customer {id} listed"))
}

pub async fn a_customer_is_read_with_addresses_default_flags_and_orders(target: &VendureTarget) {
    let client = client(target);
    let name = unique("Ada");
    let id = create_customer(&client, &name).await;
    let order_id = place_order(&client, Some(&id), "").await;
    mutate(
        &client,
        "createCustomerGroup",
        "mutation($input: CreateCustomerGroupInput!) { createCustomerGroup(input: $input) { id } }",
        json!({"input": {"name": format!("price:{name}"), "customerIds": [id]}}),
    )
    .await;

    let customer = customer_by_id(&client, &id).await;

    assert_eq!(customer.first_name.as_deref(), Some(name.as_str()));
    assert_eq!(
        customer.account.price_level.as_deref(),
        Some(name.as_str()),
        "the price level is read from the customer's groups"
    );
    assert_eq!(
        customer.email,
        Some(format!("{}@example.com", name.to_lowercase()))
    );
    assert_eq!(customer.phone.as_deref(), Some("+1 217 555 0100"));
    assert!(
        customer.registered,
        "a customer made by an admin has a login"
    );
    assert_eq!(
        customer.addresses.len(),
        2,
        "both addresses come with the customer"
    );
    let billing = customer
        .addresses
        .iter()
        .find(|a| a.default_billing)
        .expect("a bill-to");
    assert_eq!(
        billing.country_code.as_deref(),
        Some("US"),
        "the default bill-to is the US one"
    );
    assert_eq!(billing.street_line2.as_deref(), Some("Unit 4"));
    let shipping = customer
        .addresses
        .iter()
        .find(|a| a.default_shipping)
        .expect("a ship-to");
    assert_eq!(
        shipping.city.as_deref(),
        Some("Sydney"),
        "the default ship-to is Sydney"
    );
    let order = customer
        .orders
        .iter()
        .find(|o| o.id == order_id)
        .expect("nested order");
    assert_eq!(order.customer_id.as_deref(), Some(id.as_str()));
    assert!(
        !order.guest,
        "a registered customer's order is not a guest order"
    );
    assert_eq!(
        (order.sub_total, order.shipping, order.total),
        (3998, 500, 4498),
        "money in minor units: 2 x 1999 + 500 shipping"
    );
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].sku.as_deref(), Some("WIDGET-1"));
    assert_eq!(
        (order.lines[0].quantity, order.lines[0].unit_price),
        (2, 1999)
    );
    assert_eq!(order.channel, "web");
    assert!(order.placed_at.is_some(), "a paid order has been placed");
    assert_eq!(
        customer.raw["id"],
        json!(id),
        "the record as received is kept"
    );
}

pub async fn an_order_keeps_its_address_snapshot_when_the_customer_moves(target: &VendureTarget) {
    let client = client(target);
    let id = create_customer(&client, &unique("Mover")).await;
    let order_id = place_order(&client, Some(&id), "").await;
    let address = customer_by_id(&client, &id).await.addresses[0].id.clone();
    mutate(
        &client,
        "updateCustomerAddress",
        "mutation($id: ID!) { updateCustomerAddress(input: {id: $id, city: \"Decatur\"}) {
            id } }",
        json!({"id": address}),
    )
    .await;

    let customer = customer_by_id(&client, &id).await;

    let order = customer.orders.iter().find(|o| o.id == order_id).unwrap();
    let bill_to = order
        .billing_address
        .as_ref()
        .expect("the order has a bill-to");
    assert_eq!(
        bill_to.city.as_deref(),
        Some("Springfield"),
        "the snapshot is not rewritten"
    );
    assert_eq!(bill_to.full_name.as_deref(), Some("Bill Payer"));
    let ship_to = order
        .shipping_address
        .as_ref()
        .expect("the order has a ship-to");
    assert_eq!(
        (ship_to.city.as_deref(), ship_to.country_code.as_deref()),
        (Some("Sydney"), Some("AU"))
    );
    assert!(
        customer
            .addresses
            .iter()
            .any(|a| a.city.as_deref() == Some("Decatur")),
        "the address book shows the move"
    );
}

pub async fn changed_since_with_overlap_and_dedup_returns_exactly_the_later_changes(
    target: &VendureTarget,
) {
    let client = client(target);
    let edited = create_customer(&client, &unique("Edited")).await;
    let unchanged = create_customer(&client, &unique("Unchanged")).await;
    let mut seen = SeenVersions::default();
    let (before, _) = all_customers(&client, None).await;
    for customer in &before {
        seen.is_new(&customer.id, &customer.updated_at.to_rfc3339());
    }
    let cursor = before
        .iter()
        .map(|c| c.updated_at)
        .max()
        .expect("customers exist");
    // updatedAt has whole seconds: later changes must land in a later second to be "after".
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let created = create_customer(&client, &unique("Created")).await;
    mutate(
        &client,
        "updateCustomer",
        "mutation($id: ID!) { updateCustomer(input: {id: $id, lastName: \"Byron\"}) {
            ... on Customer { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": edited}),
    )
    .await;

    let (listed, _) = all_customers(&client, Some(cursor)).await;

    let fresh: HashSet<String> = listed
        .iter()
        .filter(|c| seen.is_new(&c.id, &c.updated_at.to_rfc3339()))
        .map(|c| c.id.clone())
        .collect();
    let ours: HashSet<String> = [edited.clone(), unchanged.clone(), created.clone()].into();
    let found: HashSet<String> = fresh.intersection(&ours).cloned().collect();
    assert_eq!(
        found,
        [edited, created].into(),
        "after dropping repeats, exactly the new and the edited customer are listed"
    );
    let at_cursor: Vec<&String> = before
        .iter()
        .filter(|c| c.updated_at == cursor)
        .map(|c| &c.id)
        .collect();
    assert!(
        at_cursor
            .iter()
            .all(|id| listed.iter().any(|c| &c.id == *id)),
        "the overlap lists the cursor's own second again, which the dedup then drops"
    );
}

pub async fn paging_returns_every_customer_once(target: &VendureTarget) {
    let setup = client(target);
    let (existing, _) = all_customers(&setup, None).await;
    let since = existing.iter().map(|c| c.updated_at).max();
    let mut ours = HashSet::new();
    for _ in 0..5 {
        ours.insert(create_customer(&setup, &unique("Paged")).await);
    }
    let paged = client_with_page(target, 2);

    let (customers, pages) = all_customers(&paged, since).await;

    let ids: Vec<&String> = customers.iter().map(|c| &c.id).collect();
    let distinct: HashSet<String> = ids.iter().map(|id| (*id).clone()).collect();
    assert_eq!(
        ids.len(),
        distinct.len(),
        "no customer is listed twice across pages"
    );
    assert!(ours.is_subset(&distinct), "every customer made is listed");
    assert!(
        pages >= 3,
        "five customers in pages of two take at least three pages, took {pages}"
    );
}

pub async fn a_guest_order_is_listed_with_its_customer_and_snapshots(target: &VendureTarget) {
    let client = client(target);
    let (existing, _) = all_customers(&client, None).await;
    let since = existing.iter().map(|c| c.updated_at).max();
    let guest = unique("Guest");
    let order_id = place_order(&client, None, &guest).await;

    let orders = all_orders(&client, since).await;

    let order = orders
        .iter()
        .find(|o| o.id == order_id)
        .expect("the guest order is listed");
    assert!(order.guest, "a checkout without a login is a guest order");
    assert_eq!(
        order.customer_email,
        Some(format!("{}@example.com", guest.to_lowercase()))
    );
    assert_eq!(order.total, 4498, "total with shipping in minor units");
    assert_eq!(order.state, "PaymentSettled");
    assert_eq!(order.currency.as_deref(), Some("USD"));
    assert_eq!(
        order
            .shipping_address
            .as_ref()
            .and_then(|a| a.postal_code.as_deref()),
        Some("2000"),
        "the ship-to snapshot is read"
    );
}

pub async fn orders_changed_since_with_dedup_return_exactly_the_later_orders(
    target: &VendureTarget,
) {
    let client = client(target);
    let customer = create_customer(&client, &unique("Repeat")).await;
    let older = place_order(&client, Some(&customer), "").await;
    let version = |o: &VendureOrder| format!("{}/{:?}", o.updated_at, o.placed_at);
    let mut seen = SeenVersions::default();
    let before = all_orders(&client, None).await;
    for order in &before {
        seen.is_new(&order.id, &version(order));
    }
    let cursor = before
        .iter()
        .map(|o| {
            o.placed_at
                .map_or(o.updated_at, |placed| placed.max(o.updated_at))
        })
        .max()
        .expect("orders exist");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let newer = place_order(&client, Some(&customer), "").await;

    let listed = all_orders(&client, Some(cursor)).await;

    let fresh: HashSet<String> = listed
        .iter()
        .filter(|o| seen.is_new(&o.id, &version(o)))
        .map(|o| o.id.clone())
        .collect();
    assert!(
        fresh.contains(&newer),
        "an order placed after the cursor is listed"
    );
    assert!(
        !fresh.contains(&older),
        "an order unchanged since the cursor is not new"
    );
}

pub async fn a_wrong_password_is_an_authentication_error(target: &VendureTarget) {
    let mut wrong = target.clone();
    wrong.password = "not-the-password".to_owned();
    let client = client(&wrong);

    let error = client.login().await.unwrap_err();

    assert!(
        matches!(error, ConnectorError::Authentication { .. }),
        "a wrong password must ask for credentials, not be retried: {error:?}"
    );
}

pub async fn a_malformed_query_is_a_permanent_error_naming_vendure(target: &VendureTarget) {
    let client = client(target);

    let error = client
        .query("customers", "{ customers { nosuch } }", json!({}))
        .await
        .unwrap_err();

    let text = error.to_string();
    assert!(
        matches!(error, ConnectorError::Permanent { .. }),
        "retrying cannot help: {error:?}"
    );
    assert!(
        text.contains("Vendure") && text.contains("nosuch"),
        "says who and what: {text}"
    );
}

pub async fn an_unreachable_server_is_a_transient_error(target: &VendureTarget) {
    let mut gone = target.clone();
    gone.url = format!("{}admin-api", dead_url());
    let client = client(&gone);

    let error = client.login().await.unwrap_err();

    assert!(
        error.is_transient(),
        "a server that is down may come back: {error:?}"
    );
}
