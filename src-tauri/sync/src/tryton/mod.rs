//! The connector to Tryton (the ERP, system of record) over its JSON-RPC API.
//!
//! It logs in, lists parties and sale orders changed since a moment, page by page, and writes
//! with Tryton's optimistic concurrency (`_timestamp`). Every answer goes through one check
//! that classifies failures (see [`crate::connector`]). It must never write without the
//! version the change was based on, nor panic on what the server sends: a record it cannot
//! read is set aside in [`Page::rejected`].
//!
//! "Changed since" is keyset-paged by ID with a fixed `since`, so a record changed while the
//! pages are read is neither skipped nor read twice within the listing. A change is stamped
//! before its transaction commits, so whoever keeps the cursor must start the next listing
//! somewhat before the previous one started (see [`Page::server_time`]) and drop records it
//! already has at the same `_timestamp`.
//!
//! TODO(sync): deletions (and deactivated addresses, which drop out of `addresses`) never
//! show up in a "changed since" listing; a periodic full listing must find them.
//! TODO(sync): a sale's `invoice_address` and `shipment_address` are the address records as
//! they are now, not snapshots; the pull engine must keep the first version it saw as the
//! order's snapshot.
//! TODO(sync): when a related record (address, contact, line) cannot be read at all, for
//! instance because it was deleted between the listing and the read, the whole page fails
//! with a permanent error instead of setting aside only its owner.

mod records;
pub mod value;
mod write;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

pub use records::{
    ContactKind, TrytonAddress, TrytonContact, TrytonParty, TrytonSale, TrytonSaleLine,
};
pub use write::TrytonCurrent;

use crate::connector::{
    self, AccountMapping, ConnectorError, Endpoint, Page, PageCursor, Rejected, System,
};
use records::Fields;

const SYSTEM: System = System::Tryton;

/// Where a Tryton server is, who to log in as, and how to read what Concord needs from it.
#[derive(Debug, Clone)]
pub struct TrytonSettings {
    /// The server root, e.g. `http://127.0.0.1:8000/`.
    pub endpoint: Endpoint,
    pub database: String,
    pub login: String,
    pub password: String,
    /// Records per page.
    pub page_size: u32,
    pub channel: ChannelMapping,
    /// Which party categories carry the customer type, price level and tax exemption.
    pub account: AccountMapping,
    /// Party fields read besides Concord's own, for mappings that keep data elsewhere (a
    /// birth date added by a custom module, say); they arrive in [`TrytonParty::raw`]. Dotted
    /// names read related fields (`job.name`).
    pub party_extra_fields: Vec<String>,
}

impl TrytonSettings {
    pub fn new(
        base_url: impl Into<String>,
        database: impl Into<String>,
        login: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: Endpoint::new(base_url),
            database: database.into(),
            login: login.into(),
            password: password.into(),
            page_size: 200,
            channel: ChannelMapping::default(),
            account: AccountMapping::default(),
            party_extra_fields: Vec::new(),
        }
    }
}

/// Where a sale's channel (phone, mail, shop, web...) is kept. Tryton's standard modules have
/// no such field, so shops keep it in a free text field of `sale.sale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMapping {
    /// A char field of `sale.sale` whose value is the channel (default `description`).
    pub field: String,
    /// The channel of a sale whose field is empty.
    pub default: String,
}

impl Default for ChannelMapping {
    fn default() -> Self {
        Self {
            field: "description".to_owned(),
            default: "erp".to_owned(),
        }
    }
}

/// A logged-in session: the header value and the user's context.
#[derive(Debug, Clone)]
struct Session {
    authorization: String,
    context: Map<String, Value>,
}

/// A client of one Tryton database.
#[derive(Debug)]
pub struct TrytonClient {
    settings: TrytonSettings,
    http: reqwest::Client,
    rpc_url: String,
    session: Mutex<Option<Session>>,
    next_id: AtomicU64,
}

impl TrytonClient {
    pub fn new(settings: TrytonSettings) -> Result<Self, ConnectorError> {
        let http = settings.endpoint.http_client(SYSTEM)?;
        let rpc_url = format!(
            "{}/{}/rpc/",
            settings.endpoint.base_url.trim_end_matches('/'),
            settings.database
        );
        Ok(Self {
            settings,
            http,
            rpc_url,
            session: Mutex::new(None),
            next_id: AtomicU64::new(1),
        })
    }

    pub fn settings(&self) -> &TrytonSettings {
        &self.settings
    }

    /// Logs in and loads the user's context (company, language), replacing any session.
    pub async fn login(&self) -> Result<(), ConnectorError> {
        let params = vec![
            json!(self.settings.login),
            json!({"password": self.settings.password}),
            json!("en"),
        ];
        let (result, _) = self.post("common.db.login", params, None).await?;
        let (user_id, token) = match result.as_array().map(Vec::as_slice) {
            // 8.0 answers [user_id, token, extra]; older series [user_id, token].
            Some([user, token, ..]) => (user.as_i64(), token.as_str()),
            _ => (None, None),
        };
        let (Some(user_id), Some(token)) = (user_id, token) else {
            return Err(ConnectorError::permanent(
                SYSTEM,
                "common.db.login: the answer is not [user_id, token]",
            ));
        };
        let credentials = format!("{}:{user_id}:{token}", self.settings.login);
        let authorization = format!(
            "Session {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        let mut session = Session {
            authorization,
            context: Map::new(),
        };

        let (preferences, _) = self
            .post(
                "model.res.user.get_preferences",
                vec![json!(true), json!({})],
                Some(&session),
            )
            .await?;
        session.context = preferences.as_object().cloned().unwrap_or_default();
        *self.session.lock().expect("session lock poisoned") = Some(session);
        Ok(())
    }

    /// Calls `method` with `params`; the user's context is appended as the last parameter,
    /// with `extra_context` merged into it. Logs in first when needed, and once more when the
    /// server has forgotten the session.
    pub async fn call(
        &self,
        method: &str,
        params: Vec<Value>,
        extra_context: Option<Map<String, Value>>,
    ) -> Result<Value, ConnectorError> {
        Ok(self.call_with_date(method, params, extra_context).await?.0)
    }

    async fn call_with_date(
        &self,
        method: &str,
        params: Vec<Value>,
        extra_context: Option<Map<String, Value>>,
    ) -> Result<(Value, Option<DateTime<Utc>>), ConnectorError> {
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
            match self.post(method, full, Some(&session)).await {
                Err(ConnectorError::Authentication { .. }) if !relogged => {
                    // Sessions expire; one fresh login decides whether the credentials work.
                    *self.session.lock().expect("session lock poisoned") = None;
                    relogged = true;
                }
                other => return other,
            }
        }
    }

    fn current_session(&self) -> Option<Session> {
        self.session.lock().expect("session lock poisoned").clone()
    }

    /// Sends one JSON-RPC request and checks the answer: the one place where Tryton's answers
    /// are judged.
    async fn post(
        &self,
        method: &str,
        params: Vec<Value>,
        session: Option<&Session>,
    ) -> Result<(Value, Option<DateTime<Utc>>), ConnectorError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .http
            .post(&self.rpc_url)
            .json(&json!({"id": id, "method": method, "params": params}));
        if let Some(session) = session {
            request = request.header(reqwest::header::AUTHORIZATION, &session.authorization);
        }
        let answer = connector::send(SYSTEM, method, request).await?;
        connector::check_status(SYSTEM, method, &answer)?;
        let date = connector::server_date(&answer.headers);
        let reply: Value = connector::decode_json(SYSTEM, method, &answer.body)?;
        rpc_result(method, reply).map(|result| (result, date))
    }

    /// Parties whose own record, addresses or contact mechanisms changed at or after `since`
    /// (all parties when `None`), one page at a time, in ID order.
    pub async fn parties_changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        after: Option<PageCursor>,
    ) -> Result<Page<TrytonParty>, ConnectorError> {
        let domain = changed_domain(
            since,
            after,
            &[
                "last_modified_at",
                "addresses.last_modified_at",
                "contact_mechanisms.last_modified_at",
            ],
        )?;
        let mut fields = vec![
            "id",
            "code",
            "name",
            "active",
            "addresses",
            "contact_mechanisms",
            "categories.name",
            "last_modified_at",
            "_timestamp",
        ];
        for extra in &self.settings.party_extra_fields {
            if !fields.contains(&extra.as_str()) {
                fields.push(extra);
            }
        }
        let (rows, server_time) = self.search_read("party.party", domain, &fields).await?;
        let next = next_cursor(&rows, self.settings.page_size);

        let mut address_ids = Vec::new();
        let mut contact_ids = Vec::new();
        for row in &rows {
            if let Ok(f) = Fields::of(row) {
                address_ids.extend(f.ids("addresses").unwrap_or_default());
                contact_ids.extend(f.ids("contact_mechanisms").unwrap_or_default());
            }
        }
        let addresses = self
            .read_by_id("party.address", &address_ids, records::ADDRESS_FIELDS)
            .await?;
        let contacts = self
            .read_by_id(
                "party.contact_mechanism",
                &contact_ids,
                records::CONTACT_FIELDS,
            )
            .await?;

        let mut page = Page {
            records: Vec::new(),
            rejected: Vec::new(),
            next,
            server_time,
        };
        for row in rows {
            match party(&row, &addresses, &contacts, &self.settings.account) {
                Ok(party) => page.records.push(party),
                Err(reason) => page.rejected.push(rejected(row, reason)),
            }
        }
        Ok(page)
    }

    /// Sale orders that changed, or whose lines changed, at or after `since` (all when
    /// `None`), one page at a time, in ID order, with their lines and addresses.
    pub async fn sales_changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        after: Option<PageCursor>,
    ) -> Result<Page<TrytonSale>, ConnectorError> {
        let domain = changed_domain(
            since,
            after,
            &["last_modified_at", "lines.last_modified_at"],
        )?;
        let channel_field = self.settings.channel.field.as_str();
        let mut fields = vec![
            "id",
            "number",
            "reference",
            "state",
            "sale_date",
            "party",
            "currency.code",
            "untaxed_amount",
            "tax_amount",
            "total_amount",
            "lines",
            "invoice_address",
            "shipment_address",
            "last_modified_at",
            "_timestamp",
        ];
        if !fields.contains(&channel_field) {
            fields.push(channel_field);
        }
        let (rows, server_time) = self.search_read("sale.sale", domain, &fields).await?;
        let next = next_cursor(&rows, self.settings.page_size);

        let mut line_ids = Vec::new();
        let mut address_ids = Vec::new();
        for row in &rows {
            if let Ok(f) = Fields::of(row) {
                line_ids.extend(f.ids("lines").unwrap_or_default());
                for name in ["invoice_address", "shipment_address"] {
                    address_ids.extend(f.opt_id(name).ok().flatten());
                }
            }
        }
        address_ids.sort_unstable();
        address_ids.dedup();
        let lines = self
            .read_by_id("sale.line", &line_ids, records::LINE_FIELDS)
            .await?;
        let addresses = self
            .read_by_id("party.address", &address_ids, records::ADDRESS_FIELDS)
            .await?;

        let mut page = Page {
            records: Vec::new(),
            rejected: Vec::new(),
            next,
            server_time,
        };
        for row in rows {
            match sale(&row, &lines, &addresses, &self.settings.channel) {
                Ok(sale) => page.records.push(sale),
                Err(reason) => page.rejected.push(rejected(row, reason)),
            }
        }
        Ok(page)
    }

    /// Writes `values` to records of `model`, based on the versions in `timestamps` (record ID
    /// and the `_timestamp` read with it). A record changed since fails with
    /// [`ConnectorError::Conflict`] and nothing is written.
    pub async fn write(
        &self,
        model: &str,
        timestamps: &[(i64, &str)],
        values: Value,
    ) -> Result<(), ConnectorError> {
        let ids: Vec<i64> = timestamps.iter().map(|(id, _)| *id).collect();
        let stamps: Map<String, Value> = timestamps
            .iter()
            .map(|(id, stamp)| (format!("{model},{id}"), json!(stamp)))
            .collect();
        let mut context = Map::new();
        context.insert("_timestamp".to_owned(), Value::Object(stamps));
        self.call(
            &format!("model.{model}.write"),
            vec![json!(ids), values],
            Some(context),
        )
        .await?;
        Ok(())
    }

    async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
    ) -> Result<(Vec<Value>, Option<DateTime<Utc>>), ConnectorError> {
        let method = format!("model.{model}.search_read");
        let params = vec![
            domain,
            json!(0),
            json!(self.settings.page_size),
            json!([["id", "ASC"]]),
            json!(fields),
        ];
        let (result, date) = self.call_with_date(&method, params, None).await?;
        match result {
            Value::Array(rows) => Ok((rows, date)),
            _ => Err(ConnectorError::permanent(
                SYSTEM,
                format!("{method}: the answer is not a list"),
            )),
        }
    }

    /// Reads records by ID, keyed by ID; the ones that do not decode to an object with an ID
    /// are left out and show up as missing in their owner's reason.
    async fn read_by_id(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<Vec<(i64, Value)>, ConnectorError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let method = format!("model.{model}.read");
        let result = self
            .call(&method, vec![json!(ids), json!(fields)], None)
            .await?;
        let Value::Array(rows) = result else {
            return Err(ConnectorError::permanent(
                SYSTEM,
                format!("{method}: the answer is not a list"),
            ));
        };
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
            .collect())
    }
}

/// Turns a JSON-RPC reply into its result, or classifies its error.
fn rpc_result(method: &str, reply: Value) -> Result<Value, ConnectorError> {
    let Value::Object(mut reply) = reply else {
        return Err(ConnectorError::permanent(
            SYSTEM,
            format!("{method}: the answer is not an object"),
        ));
    };
    match reply.remove("error") {
        None | Some(Value::Null) => {}
        Some(error) => return Err(classify_rpc_error(method, &error)),
    }
    reply.remove("result").ok_or_else(|| {
        ConnectorError::permanent(SYSTEM, format!("{method}: no result and no error"))
    })
}

/// Classifies the `error` member of a JSON-RPC reply: `[name, detail]`, where `name` is an
/// exception name (`ConcurrencyException`, `UserError`, ...) or, for unexpected server errors,
/// the exception's text.
fn classify_rpc_error(method: &str, error: &Value) -> ConnectorError {
    let name = error
        .get(0)
        .and_then(Value::as_str)
        .unwrap_or("unknown error");
    let detail = error.get(1);
    let message = match detail {
        // UserError and friends: [message, description, domain].
        Some(Value::Array(parts)) => parts.first().and_then(Value::as_str).unwrap_or(""),
        Some(Value::String(text)) => text.as_str(),
        _ => "",
    };
    let text = if message.is_empty() {
        format!("{method}: {name}")
    } else {
        format!("{method}: {name}: {message}")
    };
    match name {
        "ConcurrencyException" => ConnectorError::conflict(SYSTEM, text),
        "NotLogged" | "LoginException" | "AccessError" => {
            ConnectorError::authentication(SYSTEM, text)
        }
        _ => ConnectorError::permanent(SYSTEM, text),
    }
}

/// `since` (when given) on any of `stamps`, and past the page cursor.
fn changed_domain(
    since: Option<DateTime<Utc>>,
    after: Option<PageCursor>,
    stamps: &[&str],
) -> Result<Value, ConnectorError> {
    let mut domain = Vec::new();
    if let Some(since) = since {
        let mut any = vec![json!("OR")];
        any.extend(
            stamps
                .iter()
                .map(|stamp| json!([stamp, ">=", value::encode_datetime(since)])),
        );
        domain.push(Value::Array(any));
    }
    match after {
        None => {}
        Some(PageCursor::AfterId(id)) => domain.push(json!(["id", ">", id])),
        Some(PageCursor::Skip(_)) => {
            return Err(ConnectorError::permanent(
                SYSTEM,
                "pages are keyed by ID, not by offset",
            ))
        }
    }
    Ok(Value::Array(domain))
}

fn next_cursor(rows: &[Value], page_size: u32) -> Option<PageCursor> {
    if rows.len() < page_size as usize {
        return None;
    }
    let last = rows
        .iter()
        .filter_map(|row| row.get("id")?.as_i64())
        .max()?;
    Some(PageCursor::AfterId(last))
}

fn rejected(raw: Value, reason: String) -> Rejected {
    let source_id = raw
        .get("id")
        .and_then(Value::as_i64)
        .map(|id| id.to_string());
    Rejected {
        source_id,
        raw,
        reason,
    }
}

fn find(rows: &[(i64, Value)], id: i64) -> Option<&Value> {
    rows.iter()
        .find(|(row_id, _)| *row_id == id)
        .map(|(_, row)| row)
}

fn party(
    raw: &Value,
    addresses: &[(i64, Value)],
    contacts: &[(i64, Value)],
    account: &AccountMapping,
) -> Result<TrytonParty, String> {
    let f = Fields::of(raw)?;
    let id = f.id("id")?;
    let mut last_modified_at = f.datetime("last_modified_at")?;
    let mut party_addresses = Vec::new();
    for address_id in f.ids("addresses")? {
        let row = find(addresses, address_id)
            .ok_or_else(|| format!("address {address_id} could not be read"))?;
        let address = records::address(row).map_err(|e| format!("address {address_id}: {e}"))?;
        last_modified_at = last_modified_at.max(address.last_modified_at);
        party_addresses.push(address);
    }
    let mut party_contacts = Vec::new();
    for contact_id in f.ids("contact_mechanisms")? {
        let row = find(contacts, contact_id)
            .ok_or_else(|| format!("contact mechanism {contact_id} could not be read"))?;
        let contact =
            records::contact(row).map_err(|e| format!("contact mechanism {contact_id}: {e}"))?;
        last_modified_at = last_modified_at.max(contact.last_modified_at);
        party_contacts.push(contact);
    }
    let categories = f.related_texts("categories", "name")?;
    Ok(TrytonParty {
        id,
        code: f.opt_text("code")?,
        name: f.opt_text("name")?,
        active: f.bool("active")?,
        account: account.read(&categories),
        categories,
        addresses: party_addresses,
        contacts: party_contacts,
        last_modified_at,
        timestamp: f.text("_timestamp")?,
        raw: raw.clone(),
    })
}

fn sale(
    raw: &Value,
    lines: &[(i64, Value)],
    addresses: &[(i64, Value)],
    channel: &ChannelMapping,
) -> Result<TrytonSale, String> {
    let f = Fields::of(raw)?;
    let mut last_modified_at = f.datetime("last_modified_at")?;
    let mut sale_lines = Vec::new();
    for line_id in f.ids("lines")? {
        let row =
            find(lines, line_id).ok_or_else(|| format!("line {line_id} could not be read"))?;
        if let Some(stamp) = row.get("last_modified_at") {
            if let Ok(stamp) = value::decode_datetime(stamp) {
                last_modified_at = last_modified_at.max(stamp);
            }
        }
        sale_lines.push(records::line(row).map_err(|e| format!("line {line_id}: {e}"))?);
    }
    let address_of = |name: &str| -> Result<Option<TrytonAddress>, String> {
        match f.opt_id(name)? {
            None => Ok(None),
            Some(id) => {
                let row =
                    find(addresses, id).ok_or_else(|| format!("{name} {id} could not be read"))?;
                records::address(row)
                    .map(Some)
                    .map_err(|e| format!("{name} {id}: {e}"))
            }
        }
    };
    let channel_value = f
        .opt_text(&channel.field)?
        .map(|text| text.trim().to_lowercase())
        .unwrap_or_else(|| channel.default.clone());
    Ok(TrytonSale {
        id: f.id("id")?,
        number: f.opt_text("number")?,
        reference: f.opt_text("reference")?,
        state: f.text("state")?,
        sale_date: f.opt_date("sale_date")?,
        party: f.id("party")?,
        channel: channel_value,
        currency: f.related_text("currency", "code")?,
        untaxed_amount: f.opt_decimal("untaxed_amount")?,
        tax_amount: f.opt_decimal("tax_amount")?,
        total_amount: f.opt_decimal("total_amount")?,
        lines: sale_lines,
        invoice_address: address_of("invoice_address")?,
        shipment_address: address_of("shipment_address")?,
        last_modified_at,
        timestamp: f.text("_timestamp")?,
        raw: raw.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_timestamp_error_is_a_conflict() {
        let error = json!([
            "ConcurrencyException",
            "Records were modified in the meanwhile"
        ]);

        let classified = classify_rpc_error("model.party.address.write", &error);

        assert!(
            matches!(classified, ConnectorError::Conflict { .. }),
            "got {classified:?}"
        );
    }

    #[test]
    fn a_user_error_is_permanent_with_its_message() {
        let error = json!([
            "UserError",
            ["You are trying to read records that don't exist.", "", null]
        ]);

        let classified = classify_rpc_error("model.party.party.read", &error);

        let text = classified.to_string();
        assert!(
            matches!(classified, ConnectorError::Permanent { .. }),
            "got {classified:?}"
        );
        assert!(
            text.contains("Tryton") && text.contains("don't exist"),
            "says what: {text}"
        );
    }

    #[test]
    fn an_unexpected_error_shape_is_permanent_not_a_panic() {
        let replies = [json!({"error": 42}), json!([1, 2]), json!({"id": 1})];

        let errors: Vec<ConnectorError> = replies
            .into_iter()
            .map(|reply| rpc_result("m", reply).unwrap_err())
            .collect();

        assert!(
            errors
                .iter()
                .all(|e| matches!(e, ConnectorError::Permanent { .. })),
            "odd replies are permanent failures: {errors:?}"
        );
    }

    #[test]
    fn a_party_with_a_missing_address_is_set_aside_with_the_reason() {
        let raw = json!({
            "id": 7, "name": "X", "active": true, "addresses": [99], "contact_mechanisms": [],
            "_timestamp": "1.0",
            "last_modified_at": value::encode_datetime(Utc::now()),
        });

        let reason = party(&raw, &[], &[], &AccountMapping::default()).unwrap_err();

        assert!(
            reason.contains("address 99"),
            "names the missing address: {reason}"
        );
    }

    #[test]
    fn the_channel_falls_back_to_the_default_when_the_field_is_empty() {
        let raw = json!({
            "id": 1, "state": "draft", "party": 2, "lines": [], "description": null,
            "_timestamp": "1.0", "last_modified_at": value::encode_datetime(Utc::now()),
        });
        let mapping = ChannelMapping::default();

        let sale = sale(&raw, &[], &[], &mapping).unwrap();

        assert_eq!(sale.channel, "erp", "a sale always has a channel");
    }
}
