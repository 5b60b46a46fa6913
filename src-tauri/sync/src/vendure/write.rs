//! Vendure's side of a push: reading a customer's address, groups and contacts in the field
//! names a correction uses, and writing them back through the Admin API's mutations.
//!
//! Vendure has no optimistic concurrency: a write replaces whatever is there. The pusher reads,
//! compares with the base the rep saw, and only then writes; a change made in Vendure between
//! that read and the write (a few milliseconds on loopback) is overwritten without notice.
//! That window is Vendure's, and is documented here and in the push module. Every mutation
//! carries an `Idempotency-Key` header.

use concord_core::correction::{account_field, FieldMap};
use serde_json::{json, Value};

use super::{classify_graphql_errors, VendureClient, SYSTEM};
use crate::connector::{self, ConnectorError};

const CUSTOMER_READ: &str = "query($id: ID!) { customer(id: $id) {
    id updatedAt emailAddress phoneNumber groups { id name }
    addresses { id updatedAt fullName company streetLine1 streetLine2 city province postalCode
        country { code } defaultShippingAddress defaultBillingAddress } } }";

/// A record as a push sees it: its fields in correction names, and its version
/// (`updatedAt`), which Vendure does not check on writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendureCurrent {
    pub fields: FieldMap,
    pub version: Option<String>,
}

impl VendureClient {
    /// Runs a mutation with an `Idempotency-Key` header; logs in first when needed and once
    /// more when the token is refused.
    pub async fn mutate_keyed(
        &self,
        what: &str,
        query: &str,
        variables: Value,
        idempotency_key: &str,
    ) -> Result<Value, ConnectorError> {
        let mut relogged = false;
        loop {
            let token = self.token.lock().expect("token lock poisoned").clone();
            let token = match token {
                Some(token) => token,
                None => {
                    self.login().await?;
                    relogged = true;
                    self.token
                        .lock()
                        .expect("token lock poisoned")
                        .clone()
                        .unwrap_or_default()
                }
            };
            let answer = self
                .post_with(
                    what,
                    query,
                    variables.clone(),
                    Some(&token),
                    Some(idempotency_key),
                )
                .await;
            match answer {
                Err(ConnectorError::Authentication { .. }) if !relogged => {
                    *self.token.lock().expect("token lock poisoned") = None;
                    relogged = true;
                }
                other => return other.map(|(data, _)| data),
            }
        }
    }

    /// Sends one mutation with its idempotency key and judges the answer the way every
    /// Vendure answer is judged (see the module's `post`).
    async fn post_with(
        &self,
        what: &str,
        query: &str,
        variables: Value,
        token: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<(Value, reqwest::header::HeaderMap), ConnectorError> {
        let mut request = self
            .http
            .post(&self.settings.endpoint.base_url)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let answer = connector::send(SYSTEM, what, request).await?;
        if answer.status.is_client_error() {
            if let Ok(body) = serde_json::from_slice::<Value>(&answer.body) {
                if let Some(errors) = body.get("errors") {
                    return Err(classify_graphql_errors(what, errors));
                }
            }
        }
        connector::check_status(SYSTEM, what, &answer)?;
        let mut body: Value = connector::decode_json(SYSTEM, what, &answer.body)?;
        if let Some(errors) = body.get("errors").filter(|e| !e.is_null()) {
            return Err(classify_graphql_errors(what, errors));
        }
        match body.get_mut("data").map(Value::take) {
            Some(data) if data.is_object() => Ok((data, answer.headers)),
            _ => Err(ConnectorError::permanent(
                SYSTEM,
                format!("{what}: the answer has no data"),
            )),
        }
    }

    async fn customer_raw(&self, customer_id: &str) -> Result<Option<Value>, ConnectorError> {
        let data = self
            .query("customer", CUSTOMER_READ, json!({"id": customer_id}))
            .await?;
        Ok(data.get("customer").filter(|c| !c.is_null()).cloned())
    }

    /// One address of a customer, or `None` when the customer or the address is gone.
    pub async fn read_address_fields(
        &self,
        customer_id: &str,
        address_id: &str,
    ) -> Result<Option<VendureCurrent>, ConnectorError> {
        let Some(customer) = self.customer_raw(customer_id).await? else {
            return Ok(None);
        };
        Ok(addresses(&customer)
            .into_iter()
            .find(|(id, _, _)| id == address_id)
            .map(|(_, fields, version)| VendureCurrent { fields, version }))
    }

    /// Every address of a customer, by ID.
    pub async fn customer_addresses(
        &self,
        customer_id: &str,
    ) -> Result<Option<Vec<(String, FieldMap)>>, ConnectorError> {
        Ok(self.customer_raw(customer_id).await?.map(|customer| {
            addresses(&customer)
                .into_iter()
                .map(|(id, fields, _)| (id, fields))
                .collect()
        }))
    }

    /// Writes address fields (`updateCustomerAddress`).
    pub async fn write_address(
        &self,
        address_id: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let mut input = address_input(values);
        input["id"] = json!(address_id);
        let query = "mutation($input: UpdateAddressInput!) {
            updateCustomerAddress(input: $input) { id } }";
        self.mutate_keyed(
            "updateCustomerAddress",
            query,
            json!({"input": input}),
            idempotency_key,
        )
        .await?;
        Ok(())
    }

    /// Adds an address to a customer (`createCustomerAddress`) and returns its ID.
    pub async fn create_address(
        &self,
        customer_id: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<String, ConnectorError> {
        let query = "mutation($customerId: ID!, $input: CreateAddressInput!) {
            createCustomerAddress(customerId: $customerId, input: $input) { id } }";
        let data = self
            .mutate_keyed(
                "createCustomerAddress",
                query,
                json!({"customerId": customer_id, "input": address_input(values)}),
                idempotency_key,
            )
            .await?;
        data.pointer("/createCustomerAddress/id")
            .and_then(|id| match id {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| {
                ConnectorError::permanent(SYSTEM, "createCustomerAddress: no ID in the answer")
            })
    }

    /// Removes an address from a customer's address book. Orders keep their own snapshots.
    pub async fn delete_address(
        &self,
        address_id: &str,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let query = "mutation($id: ID!) { deleteCustomerAddress(id: $id) { success } }";
        self.mutate_keyed(
            "deleteCustomerAddress",
            query,
            json!({"id": address_id}),
            idempotency_key,
        )
        .await?;
        Ok(())
    }

    /// The account fields a customer's groups carry, through the account mapping.
    pub async fn read_customer_account(
        &self,
        customer_id: &str,
    ) -> Result<Option<VendureCurrent>, ConnectorError> {
        let Some(customer) = self.customer_raw(customer_id).await? else {
            return Ok(None);
        };
        let names: Vec<String> = groups(&customer).into_iter().map(|(_, n)| n).collect();
        let read = self.settings.account.read(&names);
        let mut fields = FieldMap::new();
        fields.insert(
            account_field::CUSTOMER_TYPE.into(),
            read.customer_type.unwrap_or_default().to_lowercase(),
        );
        fields.insert(
            account_field::PRICE_LEVEL.into(),
            read.price_level.unwrap_or_default(),
        );
        fields.insert(
            account_field::TAX_EXEMPT.into(),
            read.tax_exempt.to_string(),
        );
        Ok(Some(VendureCurrent {
            fields,
            version: text(&customer, "updatedAt"),
        }))
    }

    /// Sets account fields by group membership: the customer joins the group for the new
    /// value and leaves any group for another value of the same field. A group that does not
    /// exist is a permanent failure naming it; Concord never creates groups.
    pub async fn write_customer_account(
        &self,
        customer_id: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let customer = self.customer_raw(customer_id).await?.ok_or_else(|| {
            ConnectorError::permanent(SYSTEM, format!("customer {customer_id} is gone"))
        })?;
        let held = groups(&customer);
        let mapping = &self.settings.account;
        for (field, value) in values {
            let (prefix, wanted) = match field.as_str() {
                account_field::CUSTOMER_TYPE => (
                    Some(mapping.customer_type_prefix.clone()),
                    (!value.is_empty()).then(|| format!("{}{value}", mapping.customer_type_prefix)),
                ),
                account_field::PRICE_LEVEL => (
                    Some(mapping.price_level_prefix.clone()),
                    (!value.is_empty()).then(|| format!("{}{value}", mapping.price_level_prefix)),
                ),
                account_field::TAX_EXEMPT => (
                    None,
                    (value == "true").then(|| mapping.tax_exempt_names[0].clone()),
                ),
                _ => continue,
            };
            if let Some(name) = &wanted {
                if !held.iter().any(|(_, n)| n.eq_ignore_ascii_case(name)) {
                    let group = self.group_id(name).await?.ok_or_else(|| {
                        ConnectorError::permanent(
                            SYSTEM,
                            format!("Vendure has no customer group named {name:?}"),
                        )
                    })?;
                    let query = "mutation($g: ID!, $c: [ID!]!) {
                        addCustomersToGroup(customerGroupId: $g, customerIds: $c) { id } }";
                    self.mutate_keyed(
                        "addCustomersToGroup",
                        query,
                        json!({"g": group, "c": [customer_id]}),
                        idempotency_key,
                    )
                    .await?;
                }
            }
            for (group, name) in &held {
                let same_field = match &prefix {
                    Some(prefix) => name.to_lowercase().starts_with(&prefix.to_lowercase()),
                    None => mapping
                        .tax_exempt_names
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(name.trim())),
                };
                let is_wanted = wanted
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(name));
                if same_field && !is_wanted {
                    let query = "mutation($g: ID!, $c: [ID!]!) {
                        removeCustomersFromGroup(customerGroupId: $g, customerIds: $c) { id } }";
                    self.mutate_keyed(
                        "removeCustomersFromGroup",
                        query,
                        json!({"g": group, "c": [customer_id]}),
                        idempotency_key,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The ID of the customer group called `name` (any case), paging through the groups:
    /// not every server filters groups by name.
    async fn group_id(&self, name: &str) -> Result<Option<String>, ConnectorError> {
        const TAKE: u64 = 100;
        let query = "query($skip: Int!, $take: Int!) {
            customerGroups(options: {skip: $skip, take: $take}) { totalItems items { id name } } }";
        let mut skip = 0;
        loop {
            let data = self
                .query("customerGroups", query, json!({"skip": skip, "take": TAKE}))
                .await?;
            let list = &data["customerGroups"];
            let items = list["items"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found = items.iter().find(|g| {
                g.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            if let Some(group) = found {
                return Ok(text(group, "id"));
            }
            skip += items.len() as u64;
            let total = list["totalItems"].as_u64().unwrap_or(0);
            if items.is_empty() || skip >= total {
                return Ok(None);
            }
        }
    }

    /// The customer's email and phone.
    pub async fn read_customer_contacts(
        &self,
        customer_id: &str,
    ) -> Result<Option<VendureCurrent>, ConnectorError> {
        let Some(customer) = self.customer_raw(customer_id).await? else {
            return Ok(None);
        };
        let fields = [
            ("email", text(&customer, "emailAddress").unwrap_or_default()),
            ("phone", text(&customer, "phoneNumber").unwrap_or_default()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Ok(Some(VendureCurrent {
            fields,
            version: text(&customer, "updatedAt"),
        }))
    }

    /// Sets the customer's email and/or phone (`updateCustomer`); an error result (such as an
    /// email already in use) is a permanent failure with Vendure's message.
    pub async fn write_customer_contacts(
        &self,
        customer_id: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let mut input = json!({"id": customer_id});
        if let Some(email) = values.get("email") {
            input["emailAddress"] = json!(email);
        }
        if let Some(phone) = values.get("phone") {
            input["phoneNumber"] = json!(phone);
        }
        let query = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
            __typename ... on ErrorResult { errorCode message } } }";
        let data = self
            .mutate_keyed(
                "updateCustomer",
                query,
                json!({"input": input}),
                idempotency_key,
            )
            .await?;
        if let Some(code) = data
            .pointer("/updateCustomer/errorCode")
            .and_then(Value::as_str)
        {
            let message = data
                .pointer("/updateCustomer/message")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(ConnectorError::permanent(
                SYSTEM,
                format!("updateCustomer: {code}: {message}"),
            ));
        }
        Ok(())
    }
}

fn text(value: &Value, name: &str) -> Option<String> {
    match value.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn groups(customer: &Value) -> Vec<(String, String)> {
    customer
        .get("groups")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|g| Some((text(g, "id")?, text(g, "name")?)))
        .collect()
}

/// A customer's addresses in correction field names, with each address's ID and version.
fn addresses(customer: &Value) -> Vec<(String, FieldMap, Option<String>)> {
    customer
        .get("addresses")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| {
            let id = text(a, "id")?;
            let t = |name: &str| text(a, name).unwrap_or_default().trim().to_owned();
            let flag =
                |name: &str| (a.get(name).and_then(Value::as_bool) == Some(true)).to_string();
            let fields: FieldMap = [
                ("recipient", t("fullName")),
                ("company", t("company")),
                ("line1", t("streetLine1")),
                ("line2", t("streetLine2")),
                ("city", t("city")),
                ("region", t("province")),
                ("postcode", t("postalCode")),
                (
                    "country",
                    a.pointer("/country/code")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ),
                ("default_billing", flag("defaultBillingAddress")),
                ("default_shipping", flag("defaultShippingAddress")),
                ("active", "true".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            Some((id, fields, text(a, "updatedAt")))
        })
        .collect()
}

/// Correction fields as an address input; only the fields given are sent.
fn address_input(values: &FieldMap) -> Value {
    let mut input = json!({});
    for (field, name) in [
        ("recipient", "fullName"),
        ("company", "company"),
        ("line1", "streetLine1"),
        ("line2", "streetLine2"),
        ("city", "city"),
        ("region", "province"),
        ("postcode", "postalCode"),
        ("country", "countryCode"),
    ] {
        if let Some(v) = values.get(field) {
            input[name] = json!(v.trim());
        }
    }
    for (field, name) in [
        ("default_billing", "defaultBillingAddress"),
        ("default_shipping", "defaultShippingAddress"),
    ] {
        if let Some(v) = values.get(field) {
            input[name] = json!(v == "true");
        }
    }
    input
}
