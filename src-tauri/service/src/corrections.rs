//! Corrections: a rep changes an address, a contact or an account field once, sees what will
//! change in each system before anything is sent, and Concord pushes it to both systems.
//!
//! Every operation is checked against the configured role first. An address goes through the
//! standardizer, and the rep either takes the standardized form or keeps what was typed with a
//! reason (stored, and respected by later syncs). [`Service::submit_correction`] writes the
//! local change, the correction and one outbox entry per target system in one transaction;
//! [`Service::push`] sends them. Field ownership decides which system receives which field:
//! nothing is queued for a field a system does not own. Order snapshots are never touched.
//!
//! The base a correction carries is, per system, that system's copy as last pulled, so the
//! pusher can tell a change made there since from our own. When the rep's request names the
//! values the rep saw (`seen`) and the cache holds something else by now (another rep's
//! correction), the correction is held as a colliding edit for a supervisor, with both values
//! and the base; neither is lost.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};

use anyhow::Context as _;
use concord_core::correction::{
    account_field, diff, local_collisions, propose_address, revert, AddressFields, AddressProposal,
    Collision, CorrectionKind, FieldChange, FieldMap, Ownership, TRYTON, VENDURE,
};
use concord_core::source::{SourceAddress, SourceCustomer};
use concord_store::table::{
    account, audit_log, contact_point, correction, outbox, review_item, source_record,
};
use concord_sync::pull::Source;
use concord_sync::push::{Operation, Payload, PushReport, PushSettings, Systems};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, ServiceError};
use crate::roles::{require, Permission};
use crate::Service;

/// An address as the rep types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct AddressInput {
    pub recipient: Option<String>,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl From<&AddressInput> for AddressFields {
    fn from(a: &AddressInput) -> Self {
        AddressFields {
            recipient: a.recipient.clone(),
            company: a.company.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postcode: a.postcode.clone(),
            country: a.country.clone(),
        }
    }
}

impl From<&AddressFields> for AddressInput {
    fn from(a: &AddressFields) -> Self {
        AddressInput {
            recipient: a.recipient.clone(),
            company: a.company.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postcode: a.postcode.clone(),
            country: a.country.clone(),
        }
    }
}

/// Email or phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ContactMedium {
    Email,
    Phone,
}

/// What the rep changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum Change {
    EditAddress {
        #[ts(type = "number")]
        address_id: i64,
        address: AddressInput,
        /// Keep what was typed instead of the standardized form, for this reason.
        keep_as_entered: Option<String>,
    },
    AddAddress {
        address: AddressInput,
        keep_as_entered: Option<String>,
    },
    RemoveAddress {
        #[ts(type = "number")]
        address_id: i64,
    },
    SetDefaultAddress {
        #[ts(type = "number")]
        address_id: i64,
        billing: bool,
        shipping: bool,
    },
    EditContact {
        medium: ContactMedium,
        value: String,
    },
    EditAccount {
        /// `retail` or `wholesale`.
        customer_type: Option<String>,
        price_level: Option<String>,
        tax_exempt: Option<bool>,
        tax_certificate_number: Option<String>,
        /// ISO date.
        tax_certificate_expiry: Option<String>,
    },
}

/// A correction as the rep asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CorrectionRequest {
    #[ts(type = "number")]
    pub customer_id: i64,
    pub change: Change,
    /// The values the rep's screen showed, in correction field names; when the cache holds
    /// something else by now, the correction collides. `None`: what the cache holds now.
    #[ts(type = "Record<string, string> | null")]
    pub seen: Option<FieldMap>,
}

/// The standardizer's proposal beside what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddressPreview {
    pub typed: AddressInput,
    pub standardized: Option<AddressInput>,
    /// `standardized`, `needs_review` or `rejected`.
    pub verdict: String,
    pub reason: Option<String>,
    pub changes: Vec<String>,
    /// The address that will be stored and pushed.
    pub chosen: AddressInput,
    pub kept_as_entered: bool,
}

/// One field that changes: from what, to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldChangeView {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl From<FieldChange> for FieldChangeView {
    fn from(c: FieldChange) -> Self {
        FieldChangeView {
            field: c.field,
            from: c.from,
            to: c.to,
        }
    }
}

/// What a correction changes in one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SystemPreview {
    pub system: String,
    /// The record there, e.g. the Tryton party ID.
    pub record: Option<String>,
    pub changes: Vec<FieldChangeView>,
    /// Why nothing is sent to this system, when nothing is.
    pub not_sent: Option<String>,
}

/// Everything the rep sees before confirming a correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preview {
    pub address: Option<AddressPreview>,
    /// What changes in Concord.
    pub local: Vec<FieldChangeView>,
    /// What changes in each system.
    pub systems: Vec<SystemPreview>,
    /// Fields another correction changed since the rep's screen showed them.
    pub collisions: Vec<CollisionView>,
}

/// A field two people changed from the same base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CollisionView {
    pub field: String,
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

impl From<&Collision> for CollisionView {
    fn from(c: &Collision) -> Self {
        CollisionView {
            field: c.field.clone(),
            base: c.base.clone(),
            ours: c.ours.clone(),
            theirs: c.theirs.clone(),
        }
    }
}

/// A correction once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Submitted {
    pub correction_id: String,
    pub preview: Preview,
    /// `queued`, or `held` when it collided with another correction and waits for a
    /// supervisor (nothing was changed or queued).
    pub state: String,
    #[ts(type = "number | null")]
    pub review_item_id: Option<i64>,
}

/// One outbox entry as the rep and the status bar see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxItem {
    #[ts(type = "number")]
    pub id: i64,
    pub correction_id: String,
    #[ts(type = "number | null")]
    pub customer_id: Option<i64>,
    pub system: String,
    pub operation: String,
    /// queued, sent, confirmed, failed, conflict.
    pub state: String,
    /// Why it failed, or what the last attempt ran into.
    pub error: Option<String>,
    #[ts(type = "number")]
    pub attempts: i64,
    pub changes: Vec<FieldChangeView>,
    pub created_at: String,
    pub updated_at: String,
}

/// One correction in an account's history, with its outcome in each system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryEntry {
    pub correction_id: String,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub changes: Vec<FieldChangeView>,
    pub keep_as_entered: Option<String>,
    /// `active` or `held`.
    pub state: String,
    pub reverts: Option<String>,
    pub systems: Vec<OutboxItem>,
}

fn outbox_state(state: &str) -> &str {
    match state {
        "pending" => "queued",
        "in_flight" => "sent",
        other => other,
    }
}

impl From<outbox::OutboxEntry> for OutboxItem {
    fn from(e: outbox::OutboxEntry) -> Self {
        let changes = serde_json::from_value::<Payload>(e.payload.clone())
            .map(|p| diff(&p.base, &p.ours).into_iter().map(Into::into).collect())
            .unwrap_or_default();
        OutboxItem {
            id: e.id,
            correction_id: e.correction_id,
            customer_id: e.customer_id,
            system: e.target_system,
            operation: e.operation,
            state: outbox_state(&e.state).to_owned(),
            error: e.last_error,
            attempts: e.attempts,
            changes,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A correction worked out against the cache, before anything is written.
struct Draft {
    kind: CorrectionKind,
    subject: serde_json::Value,
    base: FieldMap,
    ours: FieldMap,
    current: FieldMap,
    address: Option<(AddressProposal, Option<String>)>,
    targets: Vec<Target>,
    skipped: Vec<SystemPreview>,
}

/// One system a draft goes to.
struct Target {
    system: String,
    operation: Operation,
    payload: Payload,
    base_version: Option<String>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A new correction ID: time-ordered and unpredictable enough to never repeat.
fn new_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    format!("{nanos:x}-{:016x}", hasher.finish())
}

fn fields(pairs: &[(&str, String)]) -> FieldMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn source_address_map(a: &SourceAddress) -> FieldMap {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    fields(&[
        ("recipient", opt(&a.recipient)),
        ("company", opt(&a.company)),
        ("line1", opt(&a.line1)),
        ("line2", opt(&a.line2)),
        ("city", opt(&a.city)),
        ("region", opt(&a.region)),
        ("postcode", opt(&a.postcode)),
        ("country", opt(&a.country)),
    ])
}

/// Text as compared when looking for the same address in another system.
fn fold(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether two addresses are the same postal address: same street line, postcode and
/// country, whatever the case, spacing or punctuation.
fn same_address(a: &FieldMap, b: &FieldMap) -> bool {
    ["line1", "postcode", "country"].iter().all(|k| {
        fold(a.get(*k).map(String::as_str).unwrap_or(""))
            == fold(b.get(*k).map(String::as_str).unwrap_or(""))
    })
}

/// The customer's other address rows that are the same postal address as `current`: the
/// copies other systems hold, shown side by side. A correction changes them together.
fn twin_rows(
    conn: &Connection,
    customer_id: i64,
    address_id: i64,
    current: &FieldMap,
) -> anyhow::Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM address WHERE customer_id = ?1 AND id <> ?2")?;
    let ids = stmt
        .query_map(rusqlite::params![customer_id, address_id], |r| {
            r.get::<_, i64>(0)
        })?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut twins = Vec::new();
    for id in ids {
        let fields = correction::address_fields(conn, id)?
            .unwrap_or_default()
            .to_map();
        if same_address(&fields, current) {
            twins.push(id);
        }
    }
    Ok(twins)
}

/// A customer's linked source records, one per system: a registered record before a guest,
/// then the most recently fetched.
fn primary_records(
    conn: &Connection,
    customer_id: i64,
) -> anyhow::Result<Vec<(source_record::SourceRecord, SourceCustomer)>> {
    let mut records: Vec<(source_record::SourceRecord, SourceCustomer)> =
        source_record::for_customer(conn, customer_id)?
            .into_iter()
            .filter_map(|r| {
                let normalized = serde_json::from_value(r.normalized.clone()).ok()?;
                Some((r, normalized))
            })
            .collect();
    records.sort_by(|(a, ca), (b, cb)| {
        (
            a.system.as_str(),
            !ca.registered,
            std::cmp::Reverse(a.fetched_at.as_str()),
        )
            .cmp(&(
                b.system.as_str(),
                !cb.registered,
                std::cmp::Reverse(b.fetched_at.as_str()),
            ))
    });
    records.dedup_by(|(a, _), (b, _)| a.system == b.system);
    Ok(records)
}

/// An address in one system: the system, the customer's ID there, the address as last
/// pulled, and when it was pulled.
struct AddressTarget {
    system: String,
    customer: String,
    address: SourceAddress,
    pulled_at: String,
}

/// The address row's twin in each linked system: the row's own source address first, and in
/// the other systems the address that is the same postal address.
fn address_targets(
    conn: &Connection,
    customer_id: i64,
    address_id: i64,
    current: &FieldMap,
) -> anyhow::Result<Vec<AddressTarget>> {
    let own: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT source_record_id, system_address_id FROM address WHERE id = ?1",
            [address_id],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get(1)?)),
        )
        .ok()
        .and_then(|(record, system_id)| record.map(|r| (r, system_id)));
    let mut found = Vec::new();
    for (record, customer) in primary_records(conn, customer_id)? {
        let exact = own
            .as_ref()
            .filter(|(r, _)| *r == record.id)
            .and_then(|(_, system_id)| system_id.as_ref())
            .and_then(|id| customer.addresses.iter().find(|a| &a.system_id == id));
        // A system's copy as it will be once this installation's earlier corrections reach
        // it: a second correction of the same address before the next pull still finds it.
        let mut twin = exact;
        if twin.is_none() {
            for a in &customer.addresses {
                let key = (record.system_id.as_str(), Some(a.system_id.as_str()));
                let will_be = with_earlier(
                    conn,
                    &record.system,
                    key,
                    &record.fetched_at,
                    source_address_map(a),
                )?;
                if same_address(&will_be, current) {
                    twin = Some(a);
                    break;
                }
            }
        }
        if let Some(address) = twin {
            found.push(AddressTarget {
                system: record.system.clone(),
                customer: record.system_id.clone(),
                address: address.clone(),
                pulled_at: record.fetched_at.clone(),
            });
        }
    }
    Ok(found)
}

/// A system's copy as it will be when the push reaches this entry: the copy last pulled, with
/// the values of this installation's earlier corrections to the same record laid over it
/// (they are pushed first). Without this, a second correction made before the next pull would
/// collide with the first.
fn with_earlier(
    conn: &Connection,
    system: &str,
    record: (&str, Option<&str>),
    pulled_at: &str,
    mut base: FieldMap,
) -> anyhow::Result<FieldMap> {
    let mut stmt = conn.prepare(
        "SELECT payload FROM outbox WHERE target_system = ?1
             AND state IN ('pending', 'in_flight', 'confirmed') AND created_at > ?2
         ORDER BY id",
    )?;
    let payloads = stmt.query_map(rusqlite::params![system, pulled_at], |r| {
        r.get::<_, String>(0)
    })?;
    for payload in payloads {
        let Ok(p) = serde_json::from_str::<Payload>(&payload?) else {
            continue;
        };
        if p.customer == record.0 && p.address.as_deref() == record.1 {
            base.extend(p.ours);
        }
    }
    Ok(base)
}

fn systems_missing(targets: &[Target], reason: &str) -> Vec<SystemPreview> {
    [TRYTON, VENDURE]
        .into_iter()
        .filter(|s| !targets.iter().any(|t| t.system == *s))
        .map(|s| SystemPreview {
            system: s.to_owned(),
            record: None,
            changes: Vec::new(),
            not_sent: Some(reason.to_owned()),
        })
        .collect()
}

/// Keeps only what `system` may receive and what differs from its copy; `None` when nothing
/// is left to send.
fn narrowed(
    ownership: &Ownership,
    system: &str,
    base: &FieldMap,
    ours: &FieldMap,
) -> Option<(FieldMap, FieldMap)> {
    let ours = ownership.filter(system, ours);
    let changed: FieldMap = diff(base, &ours)
        .into_iter()
        .map(|c| (c.field, c.to.unwrap_or_default()))
        .collect();
    if changed.is_empty() {
        return None;
    }
    let base = changed
        .keys()
        .map(|f| (f.clone(), base.get(f).cloned().unwrap_or_default()))
        .collect();
    Some((base, changed))
}

impl Service {
    fn ownership(&self) -> Ownership {
        // TODO(config): let the administrator change which system owns which field in
        // config.toml; until then the defaults (the ERP owns type and price level) apply.
        Ownership::default()
    }

    /// Works a request out against the cache: permission, standardization, base, and what
    /// each system will receive.
    /// `purpose` says whether the rep is looking (a preview) or saving: an address the
    /// standardizer rejects is shown with the reason when looking, and needs "keep as
    /// entered" with a reason only when saving.
    fn draft(
        &self,
        conn: &Connection,
        request: &CorrectionRequest,
        purpose: Purpose,
    ) -> Result<Draft> {
        let role = self.config().user.role;
        let customer_id = request.customer_id;
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM customer WHERE id = ?1)",
                [customer_id],
                |r| r.get(0),
            )
            .context("looking up the customer")?;
        if !exists {
            return Err(ServiceError::not_found(format!(
                "there is no customer {customer_id}"
            )));
        }
        let ownership = self.ownership();
        let mut targets = Vec::new();

        let draft = match &request.change {
            Change::EditAddress {
                address_id,
                address,
                keep_as_entered,
            } => {
                require(role, Permission::EditAddress)?;
                let current = self.customer_address(conn, customer_id, *address_id)?;
                let (proposal, chosen, reason) = standardized(address, keep_as_entered, purpose)?;
                let ours = chosen.to_map();
                // Only the fields the rep changed go to the systems. A system's copy may hold
                // what the address row does not (the web store's recipient name beside the
                // ERP's copy without one); a field the rep left alone is never overwritten.
                let touched: FieldMap = diff(&current, &ours)
                    .into_iter()
                    .filter_map(|c| ours.get(&c.field).map(|v| (c.field, v.clone())))
                    .collect();
                for t in address_targets(conn, customer_id, *address_id, &current)? {
                    let record = (t.customer.as_str(), Some(t.address.system_id.as_str()));
                    let base = source_address_map(&t.address);
                    let base = with_earlier(conn, &t.system, record, &t.pulled_at, base)?;
                    if let Some((base, ours)) = narrowed(&ownership, &t.system, &base, &touched) {
                        targets.push(Target {
                            operation: Operation::UpdateAddress,
                            payload: Payload {
                                customer: t.customer,
                                address: Some(t.address.system_id.clone()),
                                base,
                                ours,
                            },
                            base_version: t.address.version.clone(),
                            system: t.system,
                        });
                    }
                }
                let twins = twin_rows(conn, customer_id, *address_id, &current)?;
                Draft {
                    kind: CorrectionKind::EditAddress,
                    subject: serde_json::json!({ "address_id": address_id, "twins": twins }),
                    base: current.clone(),
                    ours,
                    current,
                    address: Some((proposal, reason)),
                    skipped: systems_missing(&targets, "no change for this system's copy"),
                    targets,
                }
            }
            Change::AddAddress {
                address,
                keep_as_entered,
            } => {
                require(role, Permission::EditAddress)?;
                let (proposal, chosen, reason) = standardized(address, keep_as_entered, purpose)?;
                let ours: FieldMap = chosen
                    .to_map()
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                for (record, _) in primary_records(conn, customer_id)? {
                    let ours = ownership.filter(&record.system, &ours);
                    targets.push(Target {
                        system: record.system.clone(),
                        operation: Operation::CreateAddress,
                        payload: Payload {
                            customer: record.system_id.clone(),
                            address: None,
                            base: FieldMap::new(),
                            ours,
                        },
                        base_version: record.version.clone(),
                    });
                }
                Draft {
                    kind: CorrectionKind::AddAddress,
                    subject: serde_json::json!({}),
                    base: FieldMap::new(),
                    ours,
                    current: FieldMap::new(),
                    address: Some((proposal, reason)),
                    skipped: systems_missing(&targets, "the customer has no record there"),
                    targets,
                }
            }
            Change::RemoveAddress { address_id } => {
                require(role, Permission::EditAddress)?;
                let current = self.customer_address(conn, customer_id, *address_id)?;
                for t in address_targets(conn, customer_id, *address_id, &current)? {
                    targets.push(Target {
                        operation: Operation::RemoveAddress,
                        payload: Payload {
                            customer: t.customer,
                            address: Some(t.address.system_id.clone()),
                            base: fields(&[("active", "true".into())]),
                            ours: fields(&[("active", "false".into())]),
                        },
                        base_version: t.address.version.clone(),
                        system: t.system,
                    });
                }
                let mut ours = current.clone();
                ours.values_mut().for_each(String::clear);
                let twins = twin_rows(conn, customer_id, *address_id, &current)?;
                Draft {
                    kind: CorrectionKind::RemoveAddress,
                    subject: serde_json::json!({ "address_id": address_id, "twins": twins }),
                    base: current.clone(),
                    ours,
                    current,
                    address: None,
                    skipped: systems_missing(&targets, "this address is not in that system"),
                    targets,
                }
            }
            // TODO(corrections): a new default is flagged on the chosen row only; the other
            // system's copy of the same address (its twin row) shows the flag after the next
            // pull.
            Change::SetDefaultAddress {
                address_id,
                billing,
                shipping,
            } => {
                require(role, Permission::EditAddress)?;
                if !billing && !shipping {
                    return Err(ServiceError::invalid_input(
                        "say whether the address becomes the default billing address, the \
                         default shipping address, or both",
                    ));
                }
                let current_row = self.customer_address(conn, customer_id, *address_id)?;
                let flags: (bool, bool) = conn
                    .query_row(
                        "SELECT is_default_billing, is_default_shipping FROM address
                         WHERE id = ?1",
                        [address_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .context("reading the address's default flags")?;
                let mut base = FieldMap::new();
                let mut ours = FieldMap::new();
                if *billing {
                    base.insert("default_billing".into(), flags.0.to_string());
                    ours.insert("default_billing".into(), "true".into());
                }
                if *shipping {
                    base.insert("default_shipping".into(), flags.1.to_string());
                    ours.insert("default_shipping".into(), "true".into());
                }
                for t in address_targets(conn, customer_id, *address_id, &current_row)? {
                    let record = (t.customer.as_str(), Some(t.address.system_id.as_str()));
                    let sys_base = fields(&[
                        ("default_billing", t.address.default_billing.to_string()),
                        ("default_shipping", t.address.default_shipping.to_string()),
                    ]);
                    let sys_base = with_earlier(conn, &t.system, record, &t.pulled_at, sys_base)?;
                    if let Some((base, ours)) = narrowed(&ownership, &t.system, &sys_base, &ours) {
                        targets.push(Target {
                            operation: Operation::UpdateAddress,
                            payload: Payload {
                                customer: t.customer,
                                address: Some(t.address.system_id.clone()),
                                base,
                                ours,
                            },
                            base_version: t.address.version.clone(),
                            system: t.system,
                        });
                    }
                }
                Draft {
                    kind: CorrectionKind::SetDefaultAddress,
                    subject: serde_json::json!({ "address_id": address_id }),
                    current: base.clone(),
                    base,
                    ours,
                    address: None,
                    skipped: systems_missing(&targets, "already the default there"),
                    targets,
                }
            }
            Change::EditContact { medium, value } => {
                require(role, Permission::EditContact)?;
                let (field, value) = contact_value(*medium, value)?;
                let current = self.current_contact(conn, customer_id, field)?;
                let ours = fields(&[(field, value)]);
                for (record, customer) in primary_records(conn, customer_id)? {
                    let list = if field == "email" {
                        &customer.emails
                    } else {
                        &customer.phones
                    };
                    let base = fields(&[(
                        field,
                        list.first().map(|c| c.value.clone()).unwrap_or_default(),
                    )]);
                    let key = (record.system_id.as_str(), None);
                    let base = with_earlier(conn, &record.system, key, &record.fetched_at, base)?;
                    if let Some((base, ours)) = narrowed(&ownership, &record.system, &base, &ours) {
                        targets.push(Target {
                            system: record.system.clone(),
                            operation: Operation::UpdateContact,
                            payload: Payload {
                                customer: record.system_id.clone(),
                                address: None,
                                base,
                                ours,
                            },
                            base_version: record.version.clone(),
                        });
                    }
                }
                Draft {
                    kind: CorrectionKind::EditContact,
                    subject: serde_json::json!({ "medium": field }),
                    base: current.clone(),
                    ours,
                    current,
                    address: None,
                    skipped: systems_missing(&targets, "no change for this system's copy"),
                    targets,
                }
            }
            Change::EditAccount {
                customer_type,
                price_level,
                tax_exempt,
                tax_certificate_number,
                tax_certificate_expiry,
            } => {
                let ours = account_values(
                    role,
                    customer_type,
                    price_level,
                    tax_exempt,
                    tax_certificate_number,
                    tax_certificate_expiry,
                )?;
                let current = self.current_account(conn, customer_id)?;
                for (record, customer) in primary_records(conn, customer_id)? {
                    let a = &customer.account;
                    let base = fields(&[
                        (
                            account_field::CUSTOMER_TYPE,
                            a.customer_type.clone().unwrap_or_default().to_lowercase(),
                        ),
                        (
                            account_field::PRICE_LEVEL,
                            a.price_level.clone().unwrap_or_default(),
                        ),
                        (
                            account_field::TAX_EXEMPT,
                            a.tax_exempt.unwrap_or(false).to_string(),
                        ),
                    ]);
                    let key = (record.system_id.as_str(), None);
                    let base = with_earlier(conn, &record.system, key, &record.fetched_at, base)?;
                    if let Some((base, ours)) = narrowed(&ownership, &record.system, &base, &ours) {
                        targets.push(Target {
                            system: record.system.clone(),
                            operation: Operation::UpdateAccount,
                            payload: Payload {
                                customer: record.system_id.clone(),
                                address: None,
                                base,
                                ours,
                            },
                            base_version: record.version.clone(),
                        });
                    }
                }
                Draft {
                    kind: CorrectionKind::EditAccount,
                    subject: serde_json::json!({}),
                    base: current.clone(),
                    ours,
                    current,
                    address: None,
                    skipped: systems_missing(
                        &targets,
                        "that system does not own these fields, or already holds them",
                    ),
                    targets,
                }
            }
        };
        let mut draft = draft;
        if let Some(seen) = &request.seen {
            // The rep's screen is the base; only the fields this correction changes count.
            for (field, value) in seen {
                if draft.ours.contains_key(field) {
                    draft.base.insert(field.clone(), value.clone());
                }
            }
        }
        Ok(draft)
    }

    fn customer_address(
        &self,
        conn: &Connection,
        customer_id: i64,
        address_id: i64,
    ) -> Result<FieldMap> {
        let owner: Option<i64> = conn
            .query_row(
                "SELECT customer_id FROM address WHERE id = ?1",
                [address_id],
                |r| r.get(0),
            )
            .ok();
        if owner != Some(customer_id) {
            return Err(ServiceError::not_found(format!(
                "customer {customer_id} has no address {address_id}"
            )));
        }
        let fields = correction::address_fields(conn, address_id)
            .context("reading the address")?
            .unwrap_or_default();
        Ok(fields.to_map())
    }

    fn current_contact(
        &self,
        conn: &Connection,
        customer_id: i64,
        field: &str,
    ) -> Result<FieldMap> {
        let points = contact_point::for_customer(conn, customer_id).context("reading contacts")?;
        let value = points
            .iter()
            .find(|p| {
                matches!(
                    (field, p.medium),
                    ("email", contact_point::Medium::Email)
                        | ("phone", contact_point::Medium::Phone)
                )
            })
            .map(|p| p.value_as_received.clone())
            .unwrap_or_default();
        Ok(fields(&[(field, value)]))
    }

    fn current_account(&self, conn: &Connection, customer_id: i64) -> Result<FieldMap> {
        let a = account::get(conn, customer_id)
            .context("reading the account")?
            .unwrap_or_default();
        let exempt = a.customer_type == account::CustomerType::TaxExempt;
        Ok(fields(&[
            (
                account_field::CUSTOMER_TYPE,
                if exempt {
                    String::new()
                } else {
                    a.customer_type.as_str().to_owned()
                },
            ),
            (
                account_field::PRICE_LEVEL,
                a.price_level.unwrap_or_default(),
            ),
            (account_field::TAX_EXEMPT, exempt.to_string()),
            (
                account_field::TAX_CERTIFICATE_NUMBER,
                a.tax_certificate_number.unwrap_or_default(),
            ),
            (
                account_field::TAX_CERTIFICATE_EXPIRY,
                a.tax_certificate_expiry.unwrap_or_default(),
            ),
        ]))
    }

    fn preview_of(&self, draft: &Draft) -> Preview {
        let local = diff(&draft.base, &draft.ours)
            .into_iter()
            .map(Into::into)
            .collect();
        let mut systems: Vec<SystemPreview> = draft
            .targets
            .iter()
            .map(|t| SystemPreview {
                system: t.system.clone(),
                record: Some(t.payload.customer.clone()),
                changes: match t.operation {
                    Operation::RemoveAddress => vec![FieldChangeView {
                        field: "address".into(),
                        from: t.payload.address.clone(),
                        to: None,
                    }],
                    _ => diff(&t.payload.base, &t.payload.ours)
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                },
                not_sent: None,
            })
            .collect();
        systems.extend(draft.skipped.iter().cloned());
        systems.sort_by(|a, b| a.system.cmp(&b.system));
        let collisions = local_collisions(&draft.base, &draft.ours, &draft.current)
            .iter()
            .map(Into::into)
            .collect();
        Preview {
            address: draft
                .address
                .as_ref()
                .map(|(p, reason)| address_preview(p, reason)),
            local,
            systems,
            collisions,
        }
    }

    /// What a correction would change, in Concord and in each system, without changing
    /// anything: the rep's diff before confirming.
    pub fn preview_correction(&self, request: &CorrectionRequest) -> Result<Preview> {
        let conn = self.cache().read();
        let draft = self.draft(&conn, request, Purpose::Preview)?;
        Ok(self.preview_of(&draft))
    }

    /// Makes a correction: the local change, the correction and one outbox entry per target
    /// system, in one transaction. A correction that collides with another one made in this
    /// cache since the rep's screen was shown changes nothing and becomes a review item.
    #[tracing::instrument(skip_all, err)]
    pub fn submit_correction(&self, request: &CorrectionRequest) -> Result<Submitted> {
        self.submit(request, None)
    }

    fn submit(&self, request: &CorrectionRequest, reverts: Option<&str>) -> Result<Submitted> {
        let mut conn = self.cache().write();
        let draft = self.draft(&conn, request, Purpose::Submit)?;
        let preview = self.preview_of(&draft);
        let user = &self.config().user;
        let at = now();
        let id = new_id();
        let held = !preview.collisions.is_empty();
        let (proposal, keep) = match &draft.address {
            Some((p, reason)) => (
                Some(serde_json::to_value(p).context("recording the address proposal")?),
                reason.clone(),
            ),
            None => (None, None),
        };
        let record = correction::Correction {
            id: id.clone(),
            customer_id: Some(request.customer_id),
            kind: draft.kind.as_str().to_owned(),
            subject: draft.subject.clone(),
            base: draft.base.clone(),
            ours: draft.ours.clone(),
            typed: proposal,
            keep_as_entered: keep,
            reverts: reverts.map(str::to_owned),
            state: if held { "held" } else { "active" }.to_owned(),
            actor: user.name.clone(),
            role: user.role.to_string(),
            created_at: at.clone(),
        };

        let tx = conn.transaction().context("starting the correction")?;
        correction::insert(&tx, &record).context("recording the correction")?;
        let mut review_item_id = None;
        if held {
            let item = review_item::ReviewItem {
                id: 0,
                kind: "colliding_edit".into(),
                customer_id: Some(request.customer_id),
                subject: serde_json::json!({ "correction_id": id, "system": "concord" }),
                evidence: serde_json::json!({ "fields": preview.collisions }),
                state: "open".into(),
                decision: None,
                decided_by: None,
                decided_at: None,
                created_at: at.clone(),
            };
            review_item_id = Some(review_item::insert(&tx, &item).context("raising the review")?);
        } else {
            let mut applied = record.clone();
            if draft.kind == CorrectionKind::AddAddress {
                let row = correction::insert_address(&tx, request.customer_id, &record, &at)
                    .context("adding the address")?;
                applied.subject = serde_json::json!({ "address_id": row });
                tx.execute(
                    "UPDATE correction SET subject = ?2 WHERE id = ?1",
                    rusqlite::params![id, applied.subject.to_string()],
                )
                .context("recording the new address")?;
            } else {
                correction::apply_local(&tx, &applied, &at)
                    .context("changing the customer in the cache")?;
            }
            concord_store::search::index::refresh_customer(&tx, request.customer_id)?;
            for t in &draft.targets {
                outbox::enqueue(
                    &tx,
                    &outbox::OutboxEntry {
                        id: 0,
                        correction_id: id.clone(),
                        customer_id: Some(request.customer_id),
                        target_system: t.system.clone(),
                        operation: t.operation.as_str().to_owned(),
                        payload: serde_json::to_value(&t.payload).context("queuing")?,
                        base_version: t.base_version.clone(),
                        state: "pending".into(),
                        attempts: 0,
                        last_error: None,
                        next_attempt_at: None,
                        created_at: at.clone(),
                        updated_at: at.clone(),
                        idempotency_key: Some(format!("{id}:{}", t.system)),
                        sent_at: None,
                        confirmed_version: None,
                    },
                )
                .context("queuing the push")?;
            }
        }
        audit_log::append(
            &tx,
            &audit_log::AuditEntry {
                id: 0,
                at: at.clone(),
                actor: user.name.clone(),
                action: if held {
                    "correction.held"
                } else {
                    "correction.made"
                }
                .to_owned(),
                customer_id: Some(request.customer_id),
                detail: serde_json::json!({
                    "correction_id": id,
                    "kind": draft.kind.as_str(),
                    "role": user.role.to_string(),
                    "before": draft.base,
                    "after": draft.ours,
                    "systems": draft.targets.iter().map(|t| &t.system).collect::<Vec<_>>(),
                    "reverts": reverts,
                }),
            },
        )
        .context("writing the audit log")?;
        tx.commit().context("saving the correction")?;

        tracing::info!(kind = draft.kind.as_str(), held, "correction made");
        self.emit(crate::events::Event::StatusChanged);
        Ok(Submitted {
            correction_id: id,
            preview,
            state: if held { "held" } else { "queued" }.to_owned(),
            review_item_id,
        })
    }

    /// Outbox entries, newest first.
    pub fn outbox(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let conn = self.cache().read();
        let entries = outbox::recent(&conn, i64::from(limit)).context("reading the outbox")?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    /// What the next push would send: every waiting entry with its changes per system.
    pub fn push_preview(&self) -> Result<Vec<OutboxItem>> {
        let conn = self.cache().read();
        let entries = outbox::waiting(&conn).context("reading the outbox")?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    /// How many corrections some system has not confirmed yet: the status bar's count.
    pub fn pending_pushes(&self) -> Result<u32> {
        let conn = self.cache().read();
        let count: i64 = conn
            .query_row(
                "SELECT count(DISTINCT correction_id) FROM outbox
                 WHERE state IN ('pending', 'in_flight')",
                [],
                |r| r.get(0),
            )
            .context("counting the outbox")?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Sends every waiting entry to the systems in `systems`. Uses its own connection to the
    /// cache, so lookups and other writes go on while requests are in flight.
    pub async fn push(&self, systems: &Systems, settings: &PushSettings) -> Result<PushReport> {
        let mut conn = concord_store::open(self.cache_path())
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let report = concord_sync::push::push_pending(&mut conn, systems, settings).await?;
        // The outbox count and possibly the review queue changed.
        self.emit(crate::events::Event::StatusChanged);
        Ok(report)
    }

    /// Pushes every waiting entry to the configured systems (the embedded sandbox when none is
    /// configured). A system that cannot be reached keeps its entries queued for later.
    #[tracing::instrument(skip_all, err)]
    pub fn push_now(&self, settings: &PushSettings) -> Result<PushReport> {
        let (configs, _) = self.system_configs()?;
        let mut systems = Systems::default();
        for (config, password) in &configs {
            let connected = crate::systems::connect(config, password)?;
            match connected.source {
                Source::Tryton { client, .. } => systems.tryton = Some(client),
                Source::Vendure { client, .. } => systems.vendure = Some(client),
            }
        }
        let report = self.run(self.push(&systems, settings))??;
        tracing::info!(
            confirmed = report.confirmed,
            failed = report.failed,
            conflicts = report.conflicts,
            waiting = report.waiting,
            "push finished"
        );
        Ok(report)
    }

    /// A customer's corrections, oldest first, each with its outcome in every system.
    pub fn correction_history(&self, customer_id: i64) -> Result<Vec<HistoryEntry>> {
        let conn = self.cache().read();
        let corrections =
            correction::for_customer(&conn, customer_id).context("reading the history")?;
        let mut history = Vec::new();
        for c in corrections {
            let systems = outbox::for_correction(&conn, &c.id)
                .context("reading the outbox")?
                .into_iter()
                .map(Into::into)
                .collect();
            history.push(HistoryEntry {
                changes: diff(&c.base, &c.ours).into_iter().map(Into::into).collect(),
                correction_id: c.id,
                kind: c.kind,
                actor: c.actor,
                at: c.created_at,
                keep_as_entered: c.keep_as_entered,
                state: c.state,
                reverts: c.reverts,
                systems,
            });
        }
        Ok(history)
    }

    /// Undoes an applied correction with a new correction that sets its fields back, pushed
    /// like any other. The original stays in the history.
    #[tracing::instrument(skip_all, err)]
    pub fn revert_correction(&self, correction_id: &str) -> Result<Submitted> {
        let request = {
            let conn = self.cache().read();
            let c = correction::get(&conn, correction_id)
                .context("reading the correction")?
                .ok_or_else(|| {
                    ServiceError::not_found(format!("there is no correction {correction_id}"))
                })?;
            if c.state != "active" {
                return Err(ServiceError::invalid_input(
                    "this correction was never applied (it waits for a supervisor), so there is \
                     nothing to revert",
                ));
            }
            let customer_id = c.customer_id.ok_or_else(|| {
                ServiceError::not_found("the customer of this correction no longer exists")
            })?;
            let (seen, back) = revert(&c.base, &c.ours);
            let address_id = c
                .subject
                .get("address_id")
                .and_then(serde_json::Value::as_i64);
            let change = match CorrectionKind::parse(&c.kind) {
                Some(CorrectionKind::EditAddress) => {
                    let id = address_id.ok_or_else(|| ServiceError::internal("no address"))?;
                    let mut fields = correction::address_fields(&conn, id)
                        .context("reading the address")?
                        .ok_or_else(|| ServiceError::not_found("the address no longer exists"))?
                        .to_map();
                    fields.extend(back.clone());
                    Change::EditAddress {
                        address_id: id,
                        address: (&AddressFields::from_map(&fields)).into(),
                        // The previous values are restored exactly as they were.
                        keep_as_entered: Some(format!("reverting correction {correction_id}")),
                    }
                }
                Some(CorrectionKind::AddAddress) => Change::RemoveAddress {
                    address_id: address_id
                        .ok_or_else(|| ServiceError::internal("no address was added"))?,
                },
                Some(CorrectionKind::RemoveAddress) => Change::AddAddress {
                    address: (&AddressFields::from_map(&c.base)).into(),
                    keep_as_entered: Some(format!("reverting correction {correction_id}")),
                },
                Some(CorrectionKind::EditContact) => {
                    let (field, value) = back
                        .iter()
                        .next()
                        .ok_or_else(|| ServiceError::invalid_input("nothing changed"))?;
                    Change::EditContact {
                        medium: if field == "email" {
                            ContactMedium::Email
                        } else {
                            ContactMedium::Phone
                        },
                        value: value.clone(),
                    }
                }
                Some(CorrectionKind::EditAccount) => {
                    let get = |f: &str| back.get(f).cloned();
                    Change::EditAccount {
                        customer_type: get(account_field::CUSTOMER_TYPE),
                        price_level: get(account_field::PRICE_LEVEL),
                        tax_exempt: get(account_field::TAX_EXEMPT).map(|v| v == "true"),
                        tax_certificate_number: get(account_field::TAX_CERTIFICATE_NUMBER),
                        tax_certificate_expiry: get(account_field::TAX_CERTIFICATE_EXPIRY),
                    }
                }
                Some(CorrectionKind::SetDefaultAddress) | None => {
                    return Err(ServiceError::invalid_input(
                        "a change of default cannot be reverted by itself; make the previous \
                         address the default instead",
                    ))
                }
            };
            CorrectionRequest {
                customer_id,
                change,
                seen: Some(seen),
            }
        };
        self.submit(&request, Some(correction_id))
    }
}

/// The standardizer's proposal for what was typed, and the address to use. A rejected
/// address can only be kept as entered, with a reason.
/// Whether a correction is being looked at or saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Preview,
    Submit,
}

fn standardized(
    typed: &AddressInput,
    keep_as_entered: &Option<String>,
    purpose: Purpose,
) -> Result<(AddressProposal, AddressFields, Option<String>)> {
    let typed = AddressFields::from(typed);
    if typed.line1.trim().is_empty() || typed.country.trim().is_empty() {
        return Err(ServiceError::invalid_input(
            "an address needs at least a street line and a country",
        ));
    }
    let reason = match keep_as_entered {
        Some(reason) if reason.trim().is_empty() => {
            return Err(ServiceError::invalid_input(
                "keeping an address as entered needs a reason",
            ))
        }
        Some(reason) => Some(reason.trim().to_owned()),
        None => None,
    };
    let proposal = propose_address(&typed);
    if purpose == Purpose::Preview && proposal.standardized.is_none() {
        // The rep sees why and what would change if it were kept as typed; saving it still
        // needs the reason.
        let chosen = proposal.chosen(true).clone();
        return Ok((proposal, chosen, reason));
    }
    if reason.is_none() && proposal.standardized.is_none() {
        return Err(ServiceError::invalid_input(format!(
            "the address cannot be standardized: {}; correct it, or keep it as entered with a \
             reason",
            proposal
                .verdict
                .reason()
                .unwrap_or("not a deliverable address")
        )));
    }
    let chosen = proposal.chosen(reason.is_some()).clone();
    Ok((proposal, chosen, reason))
}

fn address_preview(p: &AddressProposal, reason: &Option<String>) -> AddressPreview {
    let verdict = match &p.verdict {
        concord_core::address::Verdict::Standardized => "standardized",
        concord_core::address::Verdict::NeedsReview { .. } => "needs_review",
        concord_core::address::Verdict::Rejected { .. } => "rejected",
    };
    AddressPreview {
        typed: (&p.typed).into(),
        standardized: p.standardized.as_ref().map(Into::into),
        verdict: verdict.to_owned(),
        reason: p.verdict.reason().map(str::to_owned),
        changes: p.changes.clone(),
        chosen: p.chosen(reason.is_some()).into(),
        kept_as_entered: reason.is_some(),
    }
}

/// An email or phone as the rep typed it, checked.
fn contact_value(medium: ContactMedium, value: &str) -> Result<(&'static str, String)> {
    let value = value.trim().to_owned();
    match medium {
        ContactMedium::Email => {
            concord_core::email::normalize_email(&value).map_err(|e| {
                ServiceError::invalid_input(format!("this email cannot be used: {e}"))
            })?;
            Ok(("email", value))
        }
        ContactMedium::Phone => {
            if value.chars().filter(char::is_ascii_digit).count() < 5 {
                return Err(ServiceError::invalid_input(
                    "a phone number needs at least five digits",
                ));
            }
            Ok(("phone", value))
        }
    }
}

/// The account fields a request sets, checked against the role and each other.
fn account_values(
    role: crate::Role,
    customer_type: &Option<String>,
    price_level: &Option<String>,
    tax_exempt: &Option<bool>,
    certificate: &Option<String>,
    expiry: &Option<String>,
) -> Result<FieldMap> {
    let mut ours = BTreeMap::new();
    if customer_type.is_some() || price_level.is_some() {
        require(role, Permission::EditAccountFields)?;
    }
    if tax_exempt.is_some() || certificate.is_some() || expiry.is_some() {
        require(role, Permission::MarkTaxExempt)?;
    }
    if let Some(t) = customer_type {
        let t = t.trim().to_lowercase();
        if !matches!(t.as_str(), "retail" | "wholesale") {
            return Err(ServiceError::invalid_input(format!(
                "the customer type must be retail or wholesale, not {t:?}"
            )));
        }
        ours.insert(account_field::CUSTOMER_TYPE.to_owned(), t);
    }
    if let Some(p) = price_level {
        ours.insert(account_field::PRICE_LEVEL.to_owned(), p.trim().to_owned());
    }
    if let Some(exempt) = tax_exempt {
        ours.insert(account_field::TAX_EXEMPT.to_owned(), exempt.to_string());
    }
    if *tax_exempt == Some(true) {
        let number = certificate.as_deref().map(str::trim).unwrap_or("");
        let until = expiry.as_deref().map(str::trim).unwrap_or("");
        if number.is_empty() || until.is_empty() {
            return Err(ServiceError::invalid_input(
                "a tax exemption needs the certificate number and its expiry date",
            ));
        }
        if chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d").is_err() {
            return Err(ServiceError::invalid_input(format!(
                "the certificate's expiry {until:?} is not a date like 2027-06-30"
            )));
        }
    }
    if let Some(n) = certificate {
        ours.insert(
            account_field::TAX_CERTIFICATE_NUMBER.to_owned(),
            n.trim().to_owned(),
        );
    }
    if let Some(e) = expiry {
        ours.insert(
            account_field::TAX_CERTIFICATE_EXPIRY.to_owned(),
            e.trim().to_owned(),
        );
    }
    if ours.is_empty() {
        return Err(ServiceError::invalid_input("nothing to change"));
    }
    Ok(ours)
}
