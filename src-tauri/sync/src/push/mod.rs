//! The pusher: sends outbox entries to their systems, each exactly once, and settles every
//! entry as confirmed, failed (with the system's message) or in conflict.
//!
//! For each entry it reads the record as the system holds it now, and lets the pure
//! [`concord_core::correction::plan`] decide: our values already there (a write that went
//! through before a crash, or the same change made by someone else) is confirmed without a
//! write; a field changed since the base the rep saw is a colliding edit, turned into a review
//! item with base, ours and theirs, and nothing is written; otherwise the fields still at
//! their base are written and read back to confirm.
//!
//! Concurrency: Tryton's write carries the `_timestamp` read with the record, so a change made
//! between the read and the write fails with `ConcurrencyException` and the entry is planned
//! again from a fresh read. Vendure has no version check: a change made in Vendure in the
//! moment between the pusher's read and its write (milliseconds) is overwritten. That window
//! remains; it is the reason the read and the write are made back to back.
//!
//! Exactly once: an entry is marked sent in the cache before its write leaves, and every write
//! request carries the entry's `Idempotency-Key`. A pusher that restarts after a crash finds
//! the entry sent, reads back first and, when the write went through, confirms it without
//! sending it again. Entries reach each system in the order they were made, per customer.
//!
//! Transient failures (timeouts, dropped connections, 5xx, 429) are retried with exponential
//! backoff, honouring `Retry-After`; when the retries of one run are used up the entry waits
//! for a later run. The cache is only touched between requests, never while one is in flight.

use std::time::Duration;

use anyhow::Context as _;
use backon::{ExponentialBuilder, Retryable};
use chrono::{SecondsFormat, Utc};
use concord_core::correction::{plan, Collision, FieldMap, PushPlan, TRYTON, VENDURE};
use concord_store::table::{audit_log, correction, outbox, review_item};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::connector::ConnectorError;
use crate::tryton::TrytonClient;
use crate::vendure::VendureClient;

/// What an outbox entry carries to its system: the record's IDs there, the values the rep saw
/// and the values to write, in correction field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The customer's ID in the target system (Tryton party, Vendure customer).
    pub customer: String,
    /// The address's ID in the target system, for operations on an existing address.
    #[serde(default)]
    pub address: Option<String>,
    pub base: FieldMap,
    pub ours: FieldMap,
}

/// What an entry does in its system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Write fields of an existing address (including its default flags).
    UpdateAddress,
    /// Add an address to the customer's address book.
    CreateAddress,
    /// Take an address out of the address book (Tryton deactivates, Vendure deletes).
    RemoveAddress,
    /// Customer type, price level, tax exemption.
    UpdateAccount,
    /// Email and phone.
    UpdateContact,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::UpdateAddress => "update_address",
            Operation::CreateAddress => "create_address",
            Operation::RemoveAddress => "remove_address",
            Operation::UpdateAccount => "update_account",
            Operation::UpdateContact => "update_contact",
        }
    }

    pub fn parse(text: &str) -> Option<Operation> {
        [
            Operation::UpdateAddress,
            Operation::CreateAddress,
            Operation::RemoveAddress,
            Operation::UpdateAccount,
            Operation::UpdateContact,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }
}

/// The systems a push can reach; a system left out keeps its entries queued.
#[derive(Debug, Default)]
pub struct Systems {
    pub tryton: Option<TrytonClient>,
    pub vendure: Option<VendureClient>,
}

/// How hard one run tries before leaving an entry for a later run.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Retries of one entry within a run, after its first attempt.
    pub retries: usize,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` obeyed within a run; a longer one ends the run's attempts.
    pub max_retry_after: Duration,
    /// When an entry whose retries ran out is tried again.
    pub later: Duration,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self {
            retries: 6,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            later: Duration::from_secs(30),
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    pub confirmed: usize,
    pub failed: usize,
    pub conflicts: usize,
    /// Entries still queued: their system was unreachable or not configured.
    pub waiting: usize,
}

/// How an entry ended in one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Confirmed {
        version: Option<String>,
        record_key: String,
    },
    Conflict(Vec<Collision>),
    Failed(String),
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Pushes every entry that is ready, until none is left that this run can settle.
#[tracing::instrument(skip_all, err)]
pub async fn push_pending(
    conn: &mut Connection,
    systems: &Systems,
    settings: &PushSettings,
) -> anyhow::Result<PushReport> {
    let mut report = PushReport::default();
    // Entries left waiting in this run are skipped for the rest of it, as are later entries
    // of the same customer and system (they must not overtake).
    let mut deferred: Vec<(Option<i64>, String)> = Vec::new();
    loop {
        let ready = outbox::ready(conn, &now(), 500).context("reading the outbox")?;
        let next = ready.into_iter().find(|e| {
            !deferred
                .iter()
                .any(|(c, s)| *c == e.customer_id && *s == e.target_system)
        });
        let Some(entry) = next else { break };

        let settled = push_entry(conn, systems, settings, &entry).await?;
        match settled {
            Some(Outcome::Confirmed { .. }) => report.confirmed += 1,
            Some(Outcome::Conflict(_)) => report.conflicts += 1,
            Some(Outcome::Failed(_)) => report.failed += 1,
            None => {
                report.waiting += 1;
                deferred.push((entry.customer_id, entry.target_system.clone()));
            }
        }
    }
    Ok(report)
}

/// Settles one entry, or leaves it waiting (`None`) when its system cannot be reached now.
async fn push_entry(
    conn: &mut Connection,
    systems: &Systems,
    settings: &PushSettings,
    entry: &outbox::OutboxEntry,
) -> anyhow::Result<Option<Outcome>> {
    let Some(operation) = Operation::parse(&entry.operation) else {
        let outcome = Outcome::Failed(format!("unknown operation {:?}", entry.operation));
        settle(conn, entry, &outcome)?;
        return Ok(Some(outcome));
    };
    let payload: Payload = match serde_json::from_value(entry.payload.clone()) {
        Ok(p) => p,
        Err(e) => {
            let outcome = Outcome::Failed(format!("the queued entry cannot be read: {e}"));
            settle(conn, entry, &outcome)?;
            return Ok(Some(outcome));
        }
    };
    let remote = match entry.target_system.as_str() {
        TRYTON => systems.tryton.as_ref().map(Remote::Tryton),
        VENDURE => systems.vendure.as_ref().map(Remote::Vendure),
        _ => None,
    };
    let Some(remote) = remote else {
        // Not configured here: the entry waits for an installation that can reach it.
        return Ok(None);
    };
    let key = entry
        .idempotency_key
        .clone()
        .unwrap_or_else(|| format!("{}:{}", entry.correction_id, entry.target_system));

    let backoff = ExponentialBuilder::default()
        .with_min_delay(settings.first_backoff)
        .with_max_delay(settings.max_backoff)
        .with_max_times(settings.retries);
    let max_wait = settings.max_retry_after;
    // A mutex, not a RefCell: the attempt's future must be Send for hosts that push from a
    // runtime thread. Only one attempt runs at a time, so it is never contended.
    let conn_cell = std::sync::Mutex::new(&mut *conn);
    let once = || async { attempt(&conn_cell, &remote, entry, operation, &payload, &key).await };
    let result = once
        .retry(backoff)
        .when(|e: &AttemptError| e.retry())
        .adjust(move |e, planned| match e.retry_after() {
            Some(wait) => planned.and((wait <= max_wait).then_some(wait)),
            None => planned,
        })
        .await;

    let conn = conn_cell
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match result {
        Ok(outcome) => {
            settle(conn, entry, &outcome)?;
            Ok(Some(outcome))
        }
        Err(AttemptError::Cache(e)) => Err(e),
        Err(AttemptError::System(error)) => match error {
            ConnectorError::Permanent { .. } => {
                let outcome = Outcome::Failed(error.to_string());
                settle(conn, entry, &outcome)?;
                Ok(Some(outcome))
            }
            other => {
                // Transient (retries used up), a conflict that kept coming back, or refused
                // credentials: the entry keeps its place and its state (a sent entry stays
                // sent, so the next run reads back before writing) and waits.
                let later =
                    Utc::now() + chrono::Duration::from_std(settings.later).unwrap_or_default();
                let fresh = outbox::get(conn, entry.id)?.map(|e| e.state);
                let state = fresh.unwrap_or_else(|| entry.state.clone());
                outbox::record_attempt(
                    conn,
                    entry.id,
                    &state,
                    Some(&other.to_string()),
                    Some(&later.to_rfc3339_opts(SecondsFormat::Micros, true)),
                    &now(),
                )?;
                tracing::info!(system = %entry.target_system, entry = entry.id, "push deferred");
                Ok(None)
            }
        },
    }
}

/// Why an attempt did not settle its entry.
#[derive(Debug)]
enum AttemptError {
    System(ConnectorError),
    Cache(anyhow::Error),
}

impl AttemptError {
    fn retry(&self) -> bool {
        match self {
            // A Tryton conflict means the record changed between read and write: a fresh read
            // decides again.
            AttemptError::System(e) => {
                e.is_transient() || matches!(e, ConnectorError::Conflict { .. })
            }
            AttemptError::Cache(_) => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            AttemptError::System(e) => e.retry_after(),
            AttemptError::Cache(_) => None,
        }
    }
}

impl From<ConnectorError> for AttemptError {
    fn from(e: ConnectorError) -> Self {
        AttemptError::System(e)
    }
}

/// One attempt: read, plan, and write when the plan says so, then read back.
async fn attempt(
    conn: &std::sync::Mutex<&mut Connection>,
    remote: &Remote<'_>,
    entry: &outbox::OutboxEntry,
    operation: Operation,
    payload: &Payload,
    key: &str,
) -> Result<Outcome, AttemptError> {
    let Some(current) = remote.read(operation, payload).await? else {
        return Ok(Outcome::Failed(format!(
            "{} no longer has the record this correction changes",
            remote.name()
        )));
    };
    match plan(&payload.base, &payload.ours, &current.fields) {
        PushPlan::AlreadyApplied => {
            return Ok(Outcome::Confirmed {
                version: current.version,
                record_key: current.record_key,
            })
        }
        PushPlan::Conflict(collisions) => return Ok(Outcome::Conflict(collisions)),
        PushPlan::Write(fields) => {
            {
                let conn = conn
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                outbox::mark_sent(&conn, entry.id, &now())
                    .map_err(|e| AttemptError::Cache(e.into()))?;
            }
            remote
                .write(operation, payload, &current, &fields, key)
                .await?;
        }
    }

    let Some(after) = remote.read(operation, payload).await? else {
        return Ok(Outcome::Failed(format!(
            "{} lost the record right after the write",
            remote.name()
        )));
    };
    match plan(&payload.base, &payload.ours, &after.fields) {
        PushPlan::AlreadyApplied => Ok(Outcome::Confirmed {
            version: after.version,
            record_key: after.record_key,
        }),
        PushPlan::Conflict(collisions) => Ok(Outcome::Conflict(collisions)),
        PushPlan::Write(unkept) => Ok(Outcome::Failed(format!(
            "{} accepted the write but does not keep {}",
            remote.name(),
            unkept.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Records how an entry ended, in one transaction: its state, what was written (for echo
/// recognition), a review item for a conflict, and the audit entry.
fn settle(
    conn: &mut Connection,
    entry: &outbox::OutboxEntry,
    outcome: &Outcome,
) -> anyhow::Result<()> {
    let at = now();
    let tx = conn.transaction()?;
    let payload: Option<Payload> = serde_json::from_value(entry.payload.clone()).ok();
    let (action, detail) = match outcome {
        Outcome::Confirmed {
            version,
            record_key,
        } => {
            outbox::mark_confirmed(&tx, entry.id, version.as_deref(), &at)?;
            if let Some(p) = &payload {
                correction::record_pushed_write(
                    &tx,
                    &entry.target_system,
                    record_key,
                    &entry.correction_id,
                    &p.ours,
                    version.as_deref(),
                    &at,
                )?;
            }
            (
                "correction.confirmed",
                serde_json::json!({ "version": version }),
            )
        }
        Outcome::Failed(message) => {
            outbox::record_attempt(&tx, entry.id, "failed", Some(message), None, &at)?;
            ("correction.failed", serde_json::json!({ "error": message }))
        }
        Outcome::Conflict(collisions) => {
            outbox::record_attempt(
                &tx,
                entry.id,
                "conflict",
                Some("changed in the system since the rep's base"),
                None,
                &at,
            )?;
            let item = colliding_edit(entry, collisions, &at);
            let item_id = review_item::insert(&tx, &item)?;
            (
                "correction.conflict",
                serde_json::json!({ "review_item_id": item_id, "collisions": collisions }),
            )
        }
    };
    let mut detail = detail;
    detail["correction_id"] = serde_json::json!(entry.correction_id);
    detail["system"] = serde_json::json!(entry.target_system);
    if let Some(p) = &payload {
        detail["before"] = serde_json::json!(p.base);
        detail["after"] = serde_json::json!(p.ours);
    }
    let actor = correction::get(&tx, &entry.correction_id)?
        .map(|c| c.actor)
        .unwrap_or_else(|| "concord".to_owned());
    audit_log::append(
        &tx,
        &audit_log::AuditEntry {
            id: 0,
            at: at.clone(),
            actor,
            action: action.to_owned(),
            customer_id: entry.customer_id,
            detail,
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// A colliding edit for a supervisor: which correction, which system, and per field the base
/// the rep saw, the rep's value and the system's.
pub fn colliding_edit(
    entry: &outbox::OutboxEntry,
    collisions: &[Collision],
    at: &str,
) -> review_item::ReviewItem {
    review_item::ReviewItem {
        id: 0,
        kind: "colliding_edit".into(),
        customer_id: entry.customer_id,
        subject: serde_json::json!({
            "correction_id": entry.correction_id,
            "system": entry.target_system,
            "operation": entry.operation,
        }),
        evidence: serde_json::json!({ "fields": collisions }),
        state: "open".into(),
        decision: None,
        decided_by: None,
        decided_at: None,
        created_at: at.to_owned(),
    }
}

/// A record as read for a push, in correction field names.
#[derive(Debug, Clone)]
struct Current {
    fields: FieldMap,
    version: Option<String>,
    /// Names the record for echo recognition, e.g. `address:42`.
    record_key: String,
}

/// The system an entry goes to.
enum Remote<'a> {
    Tryton(&'a TrytonClient),
    Vendure(&'a VendureClient),
}

fn tryton_id(id: &str) -> Result<i64, ConnectorError> {
    id.parse().map_err(|_| {
        ConnectorError::permanent(
            crate::connector::System::Tryton,
            format!("{id:?} is not a Tryton ID"),
        )
    })
}

fn missing_address(system: crate::connector::System) -> ConnectorError {
    ConnectorError::permanent(system, "the entry names no address")
}

/// The address of ours among `addresses`: one holding every value we set.
fn find_created(addresses: &[(String, FieldMap)], ours: &FieldMap) -> Option<(String, FieldMap)> {
    addresses
        .iter()
        .find(|(_, fields)| {
            matches!(
                plan(&FieldMap::new(), ours, fields),
                PushPlan::AlreadyApplied
            )
        })
        .cloned()
}

impl Remote<'_> {
    fn name(&self) -> &'static str {
        match self {
            Remote::Tryton(_) => "Tryton",
            Remote::Vendure(_) => "Vendure",
        }
    }

    async fn read(&self, op: Operation, p: &Payload) -> Result<Option<Current>, ConnectorError> {
        use crate::connector::System;
        let address_key = |id: &str| format!("address:{id}");
        let customer_key = format!("customer:{}", p.customer);
        Ok(match (self, op) {
            (Remote::Tryton(c), Operation::UpdateAddress | Operation::RemoveAddress) => {
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Tryton))?;
                c.read_address_fields(tryton_id(id)?)
                    .await?
                    .map(|r| Current {
                        fields: r.fields,
                        version: Some(r.timestamp),
                        record_key: address_key(id),
                    })
            }
            (Remote::Vendure(c), Operation::UpdateAddress) => {
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Vendure))?;
                c.read_address_fields(&p.customer, id)
                    .await?
                    .map(|r| Current {
                        fields: r.fields,
                        version: r.version,
                        record_key: address_key(id),
                    })
            }
            (Remote::Vendure(c), Operation::RemoveAddress) => {
                // A deleted Vendure address is simply gone: read as inactive.
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Vendure))?;
                let found = c.read_address_fields(&p.customer, id).await?;
                let mut fields = found.as_ref().map(|r| r.fields.clone()).unwrap_or_default();
                fields.insert("active".into(), found.is_some().to_string());
                Some(Current {
                    fields,
                    version: found.and_then(|r| r.version),
                    record_key: address_key(id),
                })
            }
            (Remote::Tryton(c), Operation::CreateAddress) => {
                let party = tryton_id(&p.customer)?;
                let addresses: Vec<(String, FieldMap)> = c
                    .party_addresses(party)
                    .await?
                    .into_iter()
                    .map(|(id, f)| (id.to_string(), f))
                    .collect();
                Some(created(&addresses, p))
            }
            (Remote::Vendure(c), Operation::CreateAddress) => c
                .customer_addresses(&p.customer)
                .await?
                .map(|addresses| created(&addresses, p)),
            (Remote::Tryton(c), Operation::UpdateAccount) => c
                .read_party_account(tryton_id(&p.customer)?)
                .await?
                .map(|r| Current {
                    fields: r.fields,
                    version: Some(r.timestamp),
                    record_key: customer_key,
                }),
            (Remote::Vendure(c), Operation::UpdateAccount) => c
                .read_customer_account(&p.customer)
                .await?
                .map(|r| Current {
                    fields: r.fields,
                    version: r.version,
                    record_key: customer_key,
                }),
            (Remote::Tryton(c), Operation::UpdateContact) => c
                .read_party_contacts(tryton_id(&p.customer)?)
                .await?
                .map(|r| Current {
                    fields: r.fields,
                    version: Some(r.timestamp),
                    record_key: customer_key,
                }),
            (Remote::Vendure(c), Operation::UpdateContact) => c
                .read_customer_contacts(&p.customer)
                .await?
                .map(|r| Current {
                    fields: r.fields,
                    version: r.version,
                    record_key: customer_key,
                }),
        })
    }

    async fn write(
        &self,
        op: Operation,
        p: &Payload,
        current: &Current,
        fields: &FieldMap,
        key: &str,
    ) -> Result<(), ConnectorError> {
        use crate::connector::System;
        let stamp = current.version.as_deref().unwrap_or_default();
        match (self, op) {
            (Remote::Tryton(c), Operation::UpdateAddress | Operation::RemoveAddress) => {
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Tryton))?;
                let mut values = fields.clone();
                if op == Operation::UpdateAddress {
                    // The country decides how the region is looked up; send it along.
                    if let Some(country) = p.ours.get("country").or(current.fields.get("country")) {
                        if values.contains_key("region") {
                            values.insert("country".into(), country.clone());
                        }
                    }
                }
                c.write_address(tryton_id(id)?, stamp, &values, key).await
            }
            (Remote::Vendure(c), Operation::UpdateAddress) => {
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Vendure))?;
                c.write_address(id, fields, key).await
            }
            (Remote::Vendure(c), Operation::RemoveAddress) => {
                let id = p
                    .address
                    .as_deref()
                    .ok_or_else(|| missing_address(System::Vendure))?;
                c.delete_address(id, key).await
            }
            (Remote::Tryton(c), Operation::CreateAddress) => c
                .create_address(tryton_id(&p.customer)?, &p.ours, key)
                .await
                .map(|_| ()),
            (Remote::Vendure(c), Operation::CreateAddress) => c
                .create_address(&p.customer, &p.ours, key)
                .await
                .map(|_| ()),
            (Remote::Tryton(c), Operation::UpdateAccount) => {
                c.write_party_account(tryton_id(&p.customer)?, stamp, fields, key)
                    .await
            }
            (Remote::Vendure(c), Operation::UpdateAccount) => {
                c.write_customer_account(&p.customer, fields, key).await
            }
            (Remote::Tryton(c), Operation::UpdateContact) => {
                c.write_party_contacts(tryton_id(&p.customer)?, fields, key)
                    .await
            }
            (Remote::Vendure(c), Operation::UpdateContact) => {
                c.write_customer_contacts(&p.customer, fields, key).await
            }
        }
    }
}

/// A customer's address book as a "created address" record: our address when it is there
/// (the create went through), otherwise the base (nothing yet), so the plan writes it.
fn created(addresses: &[(String, FieldMap)], p: &Payload) -> Current {
    match find_created(addresses, &p.ours) {
        Some((id, fields)) => Current {
            fields,
            version: None,
            record_key: format!("address:{id}"),
        },
        None => Current {
            fields: p.base.clone(),
            version: None,
            record_key: format!("customer:{}", p.customer),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_name_round_trips() {
        for op in [
            Operation::UpdateAddress,
            Operation::CreateAddress,
            Operation::RemoveAddress,
            Operation::UpdateAccount,
            Operation::UpdateContact,
        ] {
            assert_eq!(
                Operation::parse(op.as_str()),
                Some(op),
                "stored in the outbox"
            );
        }
    }

    #[test]
    fn a_created_address_is_recognized_by_its_values_so_it_is_never_created_twice() {
        let ours: FieldMap = [("line1", "2 New Rd"), ("city", "Springfield")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut theirs = ours.clone();
        theirs.insert("country".into(), "US".into());
        let book = vec![("7".to_owned(), theirs)];
        let payload = Payload {
            customer: "1".into(),
            address: None,
            base: FieldMap::new(),
            ours: ours.clone(),
        };

        let current = created(&book, &payload);

        assert_eq!(
            plan(&payload.base, &payload.ours, &current.fields),
            PushPlan::AlreadyApplied,
            "a crash after the create must not add the address a second time"
        );
        assert_eq!(current.record_key, "address:7");
    }

    #[test]
    fn a_missing_created_address_is_planned_as_a_write() {
        let ours: FieldMap = [("line1".to_owned(), "2 New Rd".to_owned())]
            .into_iter()
            .collect();
        let payload = Payload {
            customer: "1".into(),
            address: None,
            base: FieldMap::new(),
            ours: ours.clone(),
        };

        let current = created(&[], &payload);

        assert_eq!(
            plan(&payload.base, &payload.ours, &current.fields),
            PushPlan::Write(ours)
        );
    }
}
