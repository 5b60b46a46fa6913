//! Tryton's side of a push: reading a party's address, account categories and contacts in the
//! field names a correction uses, and writing them back.
//!
//! Every write request carries an `Idempotency-Key` header and the `_timestamp` of the record
//! it was based on; Tryton refuses a stale one with `ConcurrencyException`
//! ([`ConnectorError::Conflict`]), so between the read and the write nobody's change can be
//! overwritten. A removed address is deactivated rather than deleted: sales still point at it,
//! and their addresses must stay as they were.

use concord_core::correction::{account_field, FieldMap};
use serde_json::{json, Map, Value};

use super::{rpc_result, Session, TrytonClient, SYSTEM};
use crate::connector::{self, ConnectorError};

/// The address fields read for a push.
const ADDRESS_READ: &[&str] = &[
    "id",
    "party",
    "party_name",
    "street",
    "postal_code",
    "city",
    "country.code",
    "subdivision.code",
    "invoice",
    "delivery",
    "active",
    "_timestamp",
];

/// A record as a push sees it: its fields in correction names, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrytonCurrent {
    pub fields: FieldMap,
    pub timestamp: String,
}

impl TrytonClient {
    /// Calls `method` like [`TrytonClient::call`], with an `Idempotency-Key` header.
    pub async fn call_keyed(
        &self,
        method: &str,
        params: Vec<Value>,
        extra_context: Option<Map<String, Value>>,
        idempotency_key: &str,
    ) -> Result<Value, ConnectorError> {
        let mut relogged = false;
        loop {
            let session = match self.current_session() {
                Some(session) => session,
                None => {
                    self.login().await?;
                    relogged = true;
                    self.current_session().expect("login stores a session")
                }
            };
            let mut context = session.context.clone();
            context.extend(extra_context.clone().unwrap_or_default());
            let mut full = params.clone();
            full.push(Value::Object(context));
            match self
                .post_keyed(method, full, &session, idempotency_key)
                .await
            {
                Err(ConnectorError::Authentication { .. }) if !relogged => {
                    *self.session.lock().expect("session lock poisoned") = None;
                    relogged = true;
                }
                other => return other,
            }
        }
    }

    async fn post_keyed(
        &self,
        method: &str,
        params: Vec<Value>,
        session: &Session,
        idempotency_key: &str,
    ) -> Result<Value, ConnectorError> {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = self
            .http
            .post(&self.rpc_url)
            .header(reqwest::header::AUTHORIZATION, &session.authorization)
            .header("Idempotency-Key", idempotency_key)
            .json(&json!({"id": id, "method": method, "params": params}));
        let answer = connector::send(SYSTEM, method, request).await?;
        connector::check_status(SYSTEM, method, &answer)?;
        let reply: Value = connector::decode_json(SYSTEM, method, &answer.body)?;
        rpc_result(method, reply)
    }

    async fn read_one(
        &self,
        model: &str,
        id: i64,
        fields: &[&str],
    ) -> Result<Option<Value>, ConnectorError> {
        // Searching first tells "gone" apart from an error: reading a missing ID is a
        // UserError, indistinguishable from other rejections.
        let found = self
            .call(
                &format!("model.{model}.search"),
                vec![
                    json!([["id", "=", id], ["active", "in", [true, false]]]),
                    json!(0),
                    json!(1),
                    Value::Null,
                ],
                None,
            )
            .await?;
        if found.as_array().is_none_or(Vec::is_empty) {
            return Ok(None);
        }
        let rows = self
            .call(
                &format!("model.{model}.read"),
                vec![json!([id]), json!(fields)],
                None,
            )
            .await?;
        Ok(rows.get(0).cloned())
    }

    /// A party address in correction field names (`line1`, `city`, `region`, ...,
    /// `default_billing`, `active`), or `None` when it does not exist.
    pub async fn read_address_fields(
        &self,
        address_id: i64,
    ) -> Result<Option<TrytonCurrent>, ConnectorError> {
        let Some(row) = self
            .read_one("party.address", address_id, ADDRESS_READ)
            .await?
        else {
            return Ok(None);
        };
        current(&row, address_fields(&row)).map(Some)
    }

    /// The active addresses of a party, each in correction field names.
    pub async fn party_addresses(
        &self,
        party_id: i64,
    ) -> Result<Vec<(i64, FieldMap)>, ConnectorError> {
        let rows = self
            .call(
                "model.party.address.search_read",
                vec![
                    json!([["party", "=", party_id]]),
                    json!(0),
                    Value::Null,
                    json!([["id", "ASC"]]),
                    json!(ADDRESS_READ),
                ],
                None,
            )
            .await?;
        Ok(rows
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|row| Some((row.get("id")?.as_i64()?, address_fields(row))))
            .collect())
    }

    /// Writes address fields, based on the `_timestamp` read with them.
    pub async fn write_address(
        &self,
        address_id: i64,
        timestamp: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let mut vals = self.address_values(values).await?;
        if values.contains_key("default_billing") || values.contains_key("default_shipping") {
            self.clear_other_defaults(address_id, values, idempotency_key)
                .await?;
        }
        if values.get("active").map(String::as_str) == Some("false") {
            vals.insert("active".into(), json!(false));
        }
        self.call_keyed(
            "model.party.address.write",
            vec![json!([address_id]), Value::Object(vals)],
            Some(stamp_context("party.address", address_id, timestamp)),
            idempotency_key,
        )
        .await?;
        Ok(())
    }

    /// Creates an address for a party and returns its ID.
    pub async fn create_address(
        &self,
        party_id: i64,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<i64, ConnectorError> {
        let mut vals = self.address_values(values).await?;
        vals.insert("party".into(), json!(party_id));
        let ids = self
            .call_keyed(
                "model.party.address.create",
                vec![json!([Value::Object(vals)])],
                None,
                idempotency_key,
            )
            .await?;
        ids.get(0).and_then(Value::as_i64).ok_or_else(|| {
            ConnectorError::permanent(SYSTEM, "party.address.create: no ID in the answer")
        })
    }

    /// A default is a flag on each address in Tryton; making one address the default takes it
    /// off the party's others.
    async fn clear_other_defaults(
        &self,
        address_id: i64,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let Some(row) = self
            .read_one("party.address", address_id, &["party"])
            .await?
        else {
            return Ok(());
        };
        let Some(party) = row.get("party").and_then(Value::as_i64) else {
            return Ok(());
        };
        let others: Vec<i64> = self
            .party_addresses(party)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| *id != address_id)
            .collect();
        let mut clear = Map::new();
        for (field, flag) in [
            ("default_billing", "invoice"),
            ("default_shipping", "delivery"),
        ] {
            if values.get(field).map(String::as_str) == Some("true") {
                clear.insert(flag.into(), json!(false));
            }
        }
        if others.is_empty() || clear.is_empty() {
            return Ok(());
        }
        self.call_keyed(
            "model.party.address.write",
            vec![json!(others), Value::Object(clear)],
            None,
            idempotency_key,
        )
        .await?;
        Ok(())
    }

    /// Correction fields as `party.address` values; country and region are looked up.
    async fn address_values(
        &self,
        values: &FieldMap,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let mut vals = Map::new();
        let text = |field: &str| values.get(field).map(|v| v.trim().to_owned());
        if values.contains_key("line1") || values.contains_key("line2") {
            let street = [text("line1"), text("line2")]
                .into_iter()
                .flatten()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            vals.insert("street".into(), json!(street));
        }
        for (field, name) in [
            ("recipient", "party_name"),
            ("city", "city"),
            ("postcode", "postal_code"),
        ] {
            if let Some(v) = text(field) {
                vals.insert(
                    name.into(),
                    if v.is_empty() { Value::Null } else { json!(v) },
                );
            }
        }
        for (field, flag) in [
            ("default_billing", "invoice"),
            ("default_shipping", "delivery"),
        ] {
            if let Some(v) = text(field) {
                vals.insert(flag.into(), json!(v == "true"));
            }
        }
        let country = text("country").filter(|c| !c.is_empty());
        if let Some(code) = &country {
            let id = self
                .find_id("country.country", "code", &code.to_uppercase())
                .await?
                .ok_or_else(|| {
                    ConnectorError::permanent(SYSTEM, format!("Tryton has no country {code}"))
                })?;
            vals.insert("country".into(), json!(id));
        }
        if let Some(region) = text("region") {
            if region.is_empty() {
                vals.insert("subdivision".into(), Value::Null);
            } else {
                let country = country.clone().unwrap_or_default().to_uppercase();
                let code = format!("{country}-{}", region.to_uppercase());
                let id = self
                    .find_id("country.subdivision", "code", &code)
                    .await?
                    .ok_or_else(|| {
                        ConnectorError::permanent(
                            SYSTEM,
                            format!("Tryton has no subdivision {code}"),
                        )
                    })?;
                vals.insert("subdivision".into(), json!(id));
            }
        }
        Ok(vals)
    }

    async fn find_id(
        &self,
        model: &str,
        field: &str,
        value: &str,
    ) -> Result<Option<i64>, ConnectorError> {
        let found = self
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
            .await?;
        Ok(found.get(0).and_then(Value::as_i64))
    }

    /// The account fields of a party, read from its categories through the account mapping,
    /// with the party's `_timestamp`.
    pub async fn read_party_account(
        &self,
        party_id: i64,
    ) -> Result<Option<TrytonCurrent>, ConnectorError> {
        let Some(row) = self
            .read_one(
                "party.party",
                party_id,
                &["id", "categories.name", "_timestamp"],
            )
            .await?
        else {
            return Ok(None);
        };
        let names = category_names(&row);
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
        current(&row, fields).map(Some)
    }

    /// Sets account fields by moving the party between categories: the category for the new
    /// value is added and any category for another value of the same field is removed. A
    /// category that does not exist is a permanent failure naming it.
    pub async fn write_party_account(
        &self,
        party_id: i64,
        timestamp: &str,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let row = self
            .read_one("party.party", party_id, &["id", "categories.name"])
            .await?
            .ok_or_else(|| {
                ConnectorError::permanent(SYSTEM, format!("party {party_id} is gone"))
            })?;
        let mapping = &self.settings.account;
        let held: Vec<(i64, String)> = row
            .get("categories.")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| Some((c.get("id")?.as_i64()?, c.get("name")?.as_str()?.to_owned())))
            .collect();

        let mut add = Vec::new();
        let mut remove = Vec::new();
        for (field, value) in values {
            let (prefix, wanted) = match field.as_str() {
                account_field::CUSTOMER_TYPE => (
                    Some(mapping.customer_type_prefix.as_str()),
                    (!value.is_empty()).then(|| format!("{}{value}", mapping.customer_type_prefix)),
                ),
                account_field::PRICE_LEVEL => (
                    Some(mapping.price_level_prefix.as_str()),
                    (!value.is_empty()).then(|| format!("{}{value}", mapping.price_level_prefix)),
                ),
                account_field::TAX_EXEMPT => (
                    None,
                    (value == "true").then(|| mapping.tax_exempt_names[0].clone()),
                ),
                _ => continue,
            };
            for (id, name) in &held {
                let same_field = match prefix {
                    Some(prefix) => name.to_lowercase().starts_with(&prefix.to_lowercase()),
                    None => mapping
                        .tax_exempt_names
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(name.trim())),
                };
                let is_wanted = wanted
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(name.trim()));
                if same_field && !is_wanted {
                    remove.push(*id);
                }
            }
            if let Some(name) = wanted {
                if !held
                    .iter()
                    .any(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
                {
                    let id = self
                        .find_id("party.category", "name", &name)
                        .await?
                        .ok_or_else(|| {
                            ConnectorError::permanent(
                                SYSTEM,
                                format!("Tryton has no party category named {name:?}"),
                            )
                        })?;
                    add.push(id);
                }
            }
        }
        let mut ops = Vec::new();
        if !remove.is_empty() {
            ops.push(json!(["remove", remove]));
        }
        if !add.is_empty() {
            ops.push(json!(["add", add]));
        }
        if ops.is_empty() {
            return Ok(());
        }
        self.call_keyed(
            "model.party.party.write",
            vec![json!([party_id]), json!({"categories": ops})],
            Some(stamp_context("party.party", party_id, timestamp)),
            idempotency_key,
        )
        .await?;
        Ok(())
    }

    /// A party's first email and first phone (or mobile), with the party's `_timestamp`.
    pub async fn read_party_contacts(
        &self,
        party_id: i64,
    ) -> Result<Option<TrytonCurrent>, ConnectorError> {
        let Some(row) = self
            .read_one("party.party", party_id, &["id", "_timestamp"])
            .await?
        else {
            return Ok(None);
        };
        let mut fields = FieldMap::new();
        for (id, kind, value) in self.party_contacts(party_id).await? {
            let _ = id;
            let field = if kind == "email" { "email" } else { "phone" };
            fields.entry(field.to_owned()).or_insert(value);
        }
        current(&row, fields).map(Some)
    }

    async fn party_contacts(
        &self,
        party_id: i64,
    ) -> Result<Vec<(i64, String, String)>, ConnectorError> {
        let rows = self
            .call(
                "model.party.contact_mechanism.search_read",
                vec![
                    json!([
                        ["party", "=", party_id],
                        ["type", "in", ["email", "phone", "mobile"]]
                    ]),
                    json!(0),
                    Value::Null,
                    json!([["id", "ASC"]]),
                    json!(["id", "type", "value"]),
                ],
                None,
            )
            .await?;
        Ok(rows
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                Some((
                    r.get("id")?.as_i64()?,
                    r.get("type")?.as_str()?.to_owned(),
                    r.get("value")?.as_str().unwrap_or("").to_owned(),
                ))
            })
            .collect())
    }

    /// Sets the party's first email or phone: the existing contact mechanism is rewritten, or
    /// one is created when the party has none of that kind.
    pub async fn write_party_contacts(
        &self,
        party_id: i64,
        values: &FieldMap,
        idempotency_key: &str,
    ) -> Result<(), ConnectorError> {
        let existing = self.party_contacts(party_id).await?;
        for (field, value) in values {
            let kinds: &[&str] = match field.as_str() {
                "email" => &["email"],
                "phone" => &["phone", "mobile"],
                _ => continue,
            };
            let found = existing
                .iter()
                .find(|(_, kind, _)| kinds.contains(&kind.as_str()));
            match found {
                Some((id, _, _)) => {
                    self.call_keyed(
                        "model.party.contact_mechanism.write",
                        vec![json!([id]), json!({"value": value})],
                        None,
                        idempotency_key,
                    )
                    .await?;
                }
                None => {
                    self.call_keyed(
                        "model.party.contact_mechanism.create",
                        vec![json!([{"party": party_id, "type": kinds[0], "value": value}])],
                        None,
                        idempotency_key,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }
}

fn stamp_context(model: &str, id: i64, timestamp: &str) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert(
        "_timestamp".into(),
        json!({ format!("{model},{id}"): timestamp }),
    );
    context
}

fn current(row: &Value, fields: FieldMap) -> Result<TrytonCurrent, ConnectorError> {
    let timestamp = row
        .get("_timestamp")
        .and_then(Value::as_str)
        .ok_or_else(|| ConnectorError::permanent(SYSTEM, "a record came back without _timestamp"))?
        .to_owned();
    Ok(TrytonCurrent { fields, timestamp })
}

fn category_names(row: &Value) -> Vec<String> {
    row.get("categories.")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// Booleans read from SQLite may come back as 0/1.
fn flag(row: &Value, name: &str) -> bool {
    match row.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

fn related_code(row: &Value, name: &str) -> Option<String> {
    row.get(format!("{name}."))?
        .get("code")?
        .as_str()
        .map(str::to_owned)
}

/// A `party.address` row in correction field names. The street's first line is `line1`, the
/// rest `line2`; a subdivision code `US-IL` is the region `IL`.
fn address_fields(row: &Value) -> FieldMap {
    let text = |name: &str| {
        row.get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let street = text("street");
    let mut lines = street.lines().map(str::trim).filter(|l| !l.is_empty());
    let line1 = lines.next().unwrap_or("").to_owned();
    let line2 = lines.collect::<Vec<_>>().join(", ");
    let country = related_code(row, "country").unwrap_or_default();
    let region = related_code(row, "subdivision")
        .map(|code| match code.split_once('-') {
            Some((_, region)) => region.to_owned(),
            None => code,
        })
        .unwrap_or_default();
    [
        ("recipient", text("party_name")),
        ("line1", line1),
        ("line2", line2),
        ("city", text("city")),
        ("region", region),
        ("postcode", text("postal_code")),
        ("country", country),
        ("default_billing", flag(row, "invoice").to_string()),
        ("default_shipping", flag(row, "delivery").to_string()),
        ("active", flag(row, "active").to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
