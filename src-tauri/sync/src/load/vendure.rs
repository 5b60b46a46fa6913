//! Puts people into a Vendure web store through its Admin GraphQL API: a customer with its
//! address, then its orders, placed through the draft-order flow an admin uses for a phone
//! sale (the only way the Admin API places an order), so each order has lines, totals and its
//! own address snapshots.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::people::Person;
use super::{LoadError, Loaded};
use crate::vendure::VendureClient;

/// The products the seeded store sells (tests/systems/vendure/seed.js).
const SKUS: [&str; 1] = ["WIDGET-1"];

/// Whether the store already holds `person` (by their email): a previous load ran.
pub async fn holds(client: &VendureClient, person: &Person) -> Result<bool, LoadError> {
    let data = client
        .query(
            "find customer",
            "query($email: String!) { customers(options: {take: 1,
                filter: {emailAddress: {eq: $email}}}) { totalItems } }",
            json!({"email": person.web_email}),
        )
        .await?;
    data["customers"]["totalItems"]
        .as_u64()
        .map(|n| n > 0)
        .ok_or_else(|| LoadError::Unexpected("Vendure's customers list has no total".into()))
}

/// Creates every person's web-store copy and orders; returns, per person number, the
/// customer ID and the orders' codes.
///
/// Vendure answers one request at a time per database write, but most of a request's time is
/// spent outside the database, so a few people are loaded side by side.
pub async fn load(
    client: &VendureClient,
    people: &[Person],
    progress: impl FnMut(usize),
) -> Result<HashMap<u32, Loaded>, LoadError> {
    const LANES: usize = 4;
    let variant = variant_id(client).await?;
    let shipping = ShippingMethod::default();
    let progress = std::sync::Mutex::new(progress);
    let lane = |first: usize| {
        let (variant, shipping, progress) = (&variant, &shipping, &progress);
        async move {
            let mut loaded = HashMap::new();
            for person in people.iter().skip(first).step_by(LANES) {
                let id = create_customer(client, person).await?;
                let mut orders = Vec::new();
                for _ in 0..person.web_orders {
                    orders.push(place_order(client, person, &id, variant, shipping).await?);
                }
                loaded.insert(person.number, Loaded { id, orders });
                (progress.lock().expect("progress lock"))(1);
            }
            Ok::<_, LoadError>(loaded)
        }
    };
    let (a, b, c, d) = tokio::join!(lane(0), lane(1), lane(2), lane(3));
    let mut loaded = a?;
    for more in [b?, c?, d?] {
        loaded.extend(more);
    }
    Ok(loaded)
}

/// The shipping method, found with the first order and reused.
#[derive(Default)]
struct ShippingMethod(std::sync::Mutex<Option<Value>>);

async fn create_customer(client: &VendureClient, person: &Person) -> Result<String, LoadError> {
    let row = &person.web;
    let customer = mutate(
        client,
        "createCustomer",
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
            ... on Customer { id } ... on ErrorResult { errorCode message } } }",
        json!({"input": {
            "firstName": title(row.given_name.as_deref()),
            "lastName": title(row.surname.as_deref()),
            "emailAddress": person.web_email,
            "phoneNumber": person.web_phone,
        }}),
    )
    .await?;
    let id = customer["id"]
        .as_str()
        .ok_or_else(|| LoadError::Unexpected("Vendure created a customer without an ID".into()))?
        .to_owned();
    if let Some(input) = address_input(person) {
        let mut input = input;
        input["defaultShippingAddress"] = json!(true);
        input["defaultBillingAddress"] = json!(true);
        mutate(
            client,
            "createCustomerAddress",
            "mutation($id: ID!, $input: CreateAddressInput!) {
                createCustomerAddress(customerId: $id, input: $input) { id } }",
            json!({"id": id, "input": input}),
        )
        .await?;
    }
    Ok(id)
}

async fn place_order(
    client: &VendureClient,
    person: &Person,
    customer: &str,
    variant: &Value,
    shipping: &ShippingMethod,
) -> Result<String, LoadError> {
    let order = mutate(
        client,
        "createDraftOrder",
        "mutation { createDraftOrder { id code } }",
        json!({}),
    )
    .await?;
    let id = order["id"].clone();
    let code = order["code"]
        .as_str()
        .ok_or_else(|| LoadError::Unexpected("a Vendure draft order has no code".into()))?
        .to_owned();
    mutate(
        client,
        "setCustomerForDraftOrder",
        "mutation($id: ID!, $customer: ID) {
            setCustomerForDraftOrder(orderId: $id, customerId: $customer) {
            ... on Order { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": id, "customer": customer}),
    )
    .await?;
    mutate(
        client,
        "addItemToDraftOrder",
        "mutation($id: ID!, $variant: ID!, $quantity: Int!) { addItemToDraftOrder(orderId: $id,
            input: {productVariantId: $variant, quantity: $quantity}) {
            ... on Order { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": id, "variant": variant, "quantity": 1 + person.number % 3}),
    )
    .await?;
    if let Some(address) = address_input(person) {
        for name in [
            "setDraftOrderBillingAddress",
            "setDraftOrderShippingAddress",
        ] {
            mutate(
                client,
                name,
                &format!(
                    "mutation($id: ID!, $input: CreateAddressInput!) {{
                        {name}(orderId: $id, input: $input) {{ id }} }}"
                ),
                json!({"id": id, "input": address}),
            )
            .await?;
        }
    }
    let method = shipping_method(client, &id, shipping).await?;
    mutate(
        client,
        "setDraftOrderShippingMethod",
        "mutation($id: ID!, $method: ID!) { setDraftOrderShippingMethod(orderId: $id,
            shippingMethodId: $method) { ... on Order { id } ... on ErrorResult {
            errorCode message } } }",
        json!({"id": id, "method": method}),
    )
    .await?;
    mutate(
        client,
        "transitionOrderToState",
        "mutation($id: ID!) { transitionOrderToState(id: $id, state: \"ArrangingPayment\") {
            ... on Order { id } ... on ErrorResult { errorCode message } } }",
        json!({"id": id}),
    )
    .await?;
    mutate(
        client,
        "addManualPaymentToOrder",
        "mutation($id: ID!, $tx: String!) { addManualPaymentToOrder(input: {orderId: $id,
            method: \"manual\", transactionId: $tx, metadata: {}}) { ... on Order { id }
            ... on ErrorResult { errorCode message } } }",
        json!({"id": id, "tx": format!("FEBRL-{}-{code}", person.number)}),
    )
    .await?;
    Ok(code)
}

async fn shipping_method(
    client: &VendureClient,
    order: &Value,
    known: &ShippingMethod,
) -> Result<Value, LoadError> {
    if let Some(method) = known.0.lock().expect("shipping method lock").clone() {
        return Ok(method);
    }
    let data = client
        .query(
            "eligibleShippingMethodsForDraftOrder",
            "query($id: ID!) { eligibleShippingMethodsForDraftOrder(orderId: $id) { id } }",
            json!({"id": order}),
        )
        .await?;
    let method = data["eligibleShippingMethodsForDraftOrder"][0]["id"].clone();
    if method.is_null() {
        return Err(LoadError::Unexpected(
            "Vendure offers no shipping method; was the store seeded by \
             tests/systems/vendure/seed.js?"
                .into(),
        ));
    }
    *known.0.lock().expect("shipping method lock") = Some(method.clone());
    Ok(method)
}

async fn variant_id(client: &VendureClient) -> Result<Value, LoadError> {
    let data = client
        .query(
            "productVariants",
            "query($sku: String!) { productVariants(options: {filter: {sku: {eq: $sku}}}) {
                items { id } } }",
            json!({"sku": SKUS[0]}),
        )
        .await?;
    let id = data["productVariants"]["items"][0]["id"].clone();
    if id.is_null() {
        return Err(LoadError::Unexpected(format!(
            "Vendure sells no {}; was the store seeded by tests/systems/vendure/seed.js?",
            SKUS[0]
        )));
    }
    Ok(id)
}

/// The person's web-store address as Vendure's `CreateAddressInput`, when there is a street.
fn address_input(person: &Person) -> Option<Value> {
    let row = &person.web;
    let street = row.street()?;
    Some(json!({
        "fullName": row.full_name(),
        "streetLine1": street,
        "streetLine2": row.address_2.clone().unwrap_or_default(),
        "city": row.suburb.clone().unwrap_or_default(),
        "province": row.state.as_deref().unwrap_or("").to_ascii_uppercase(),
        "postalCode": row.postcode.clone().unwrap_or_default(),
        "countryCode": "AU",
        "phoneNumber": person.web_phone.clone().unwrap_or_default(),
    }))
}

/// Runs a mutation and returns its named result; an error result is a failure of the load.
async fn mutate(
    client: &VendureClient,
    name: &str,
    query: &str,
    variables: Value,
) -> Result<Value, LoadError> {
    let data = client.query(name, query, variables).await?;
    let result = data[name].clone();
    if let Some(code) = result.get("errorCode").and_then(Value::as_str) {
        let message = result["message"].as_str().unwrap_or("");
        return Err(LoadError::Unexpected(format!(
            "Vendure refused {name}: {code} {message}"
        )));
    }
    Ok(result)
}

fn title(part: Option<&str>) -> String {
    let part = part.unwrap_or("");
    let mut chars = part.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
