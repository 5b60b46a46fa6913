//! Review items that resolving raises, and supervisors' decisions on them.
//!
//! A decision is an input of every later resolve (a pair kept apart or joined, a pinned
//! value), so applying one is "record it, then resolve the records it concerns". Before it is
//! applied, the state it can change (links, customers, pinned values, pair decisions of the
//! records concerned) is saved in `decision_snapshot`; undo puts that state back and resolves
//! again with the customer ids the records had, so the cache returns exactly to where it was.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::Context as _;
use concord_core::matching::{Decision, Linker, PairOutcome, Reason, RecordIx, SourceKey};
use concord_core::merge::{MergeField, MergedValue};
use rusqlite::{params, Connection, OptionalExtension as _};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::records::{self, Member};
use super::{mark_pending, pair_evidence, run, Overrides, ResolveSettings};
use crate::table::audit_log::{self, AuditEntry};
use crate::table::review_item::{self, ReviewItem};

/// What a supervisor decides on a review item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The two records of an uncertain match are the same customer.
    Link,
    /// The two records are not the same person: never in one customer.
    NotSamePerson,
    /// Move these source records (cache ids) out of the item's customer into a new one.
    Split { records: Vec<i64> },
    /// Show this value for the field, whatever the systems say, until undone.
    Pick { field: String, value: String },
    /// Leave things as shown (a disagreement where the owner's value is right).
    Keep,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Link => "link",
            Action::NotSamePerson => "not_same_person",
            Action::Split { .. } => "split",
            Action::Pick { .. } => "pick",
            Action::Keep => "keep",
        }
    }
}

/// Why a decision or undo was refused. Callers tell these apart to answer the person.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("review item {0} does not exist")]
    NotFound(i64),
    #[error("review item {id} is {state}, not open; reload it to see the decision taken")]
    NotOpen { id: i64, state: String },
    #[error("review item {id} is {state}; only a decided item can be undone")]
    NotDecided { id: i64, state: String },
    #[error("{0}")]
    InvalidAction(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<rusqlite::Error> for DecisionError {
    fn from(e: rusqlite::Error) -> Self {
        DecisionError::Other(e.into())
    }
}

/// A stored pair decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PairDecision {
    pub left: SourceKey,
    pub right: SourceKey,
    /// `same` or `apart`.
    pub verdict: String,
    pub left_fingerprint: String,
    pub right_fingerprint: String,
    pub review_item_id: Option<i64>,
    pub decided_at: String,
}

pub(crate) fn pair_decisions(conn: &Connection) -> anyhow::Result<Vec<PairDecision>> {
    let mut stmt = conn.prepare(
        "SELECT left_system, left_id, right_system, right_id, verdict, left_fingerprint,
             right_fingerprint, review_item_id, decided_at
         FROM pair_decision ORDER BY left_system, left_id, right_system, right_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PairDecision {
            left: SourceKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            right: SourceKey::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
            verdict: r.get(4)?,
            left_fingerprint: r.get(5)?,
            right_fingerprint: r.get(6)?,
            review_item_id: r.get(7)?,
            decided_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn write_pair_decision(conn: &Connection, d: &PairDecision) -> anyhow::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO pair_decision (left_system, left_id, right_system, right_id,
             verdict, left_fingerprint, right_fingerprint, review_item_id, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            d.left.system,
            d.left.id,
            d.right.system,
            d.right.id,
            d.verdict,
            d.left_fingerprint,
            d.right_fingerprint,
            d.review_item_id,
            d.decided_at
        ],
    )
    .context("recording a pair decision")?;
    Ok(())
}

fn ordered(a: SourceKey, b: SourceKey) -> (SourceKey, SourceKey) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn pair_key(a: &SourceKey, b: &SourceKey) -> String {
    format!("pair:{}/{}|{}/{}", a.system, a.id, b.system, b.id)
}

/// Whether an item with this key already covers the question: an open one, or a decided one
/// taken on the same facts (`same_facts` tells from its subject).
fn covered(
    conn: &Connection,
    kind: &str,
    key: &str,
    same_facts: impl Fn(&Value) -> bool,
) -> anyhow::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, subject FROM review_item
         WHERE kind = ?1 AND json_extract(subject, '$.key') = ?2 AND state IN ('open', 'decided')",
    )?;
    let rows: Vec<(String, String)> = stmt
        .query_map(params![kind, key], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.iter().any(|(state, subject)| {
        state == "open" || serde_json::from_str::<Value>(subject).is_ok_and(|s| same_facts(&s))
    }))
}

/// Raises an uncertain-match item for each pair the engine could not settle, and for each
/// pair kept apart whose compared fields changed since the decision. Returns how many.
pub(crate) fn raise_uncertain_matches(
    conn: &Connection,
    linker: &Linker,
    pairs: &[PairOutcome],
    members: &[Member],
    fingerprints: &HashMap<SourceKey, String>,
    decisions: &[PairDecision],
    now: &str,
) -> anyhow::Result<usize> {
    let mut questions: Vec<PairOutcome> = pairs
        .iter()
        .filter(|p| p.decision == Decision::Review && p.reason != Reason::KeptApart)
        .cloned()
        .collect();
    let asked: HashSet<(RecordIx, RecordIx)> =
        questions.iter().map(|p| (p.left, p.right)).collect();
    for d in decisions {
        let (Some(l), Some(r)) = (linker.index_of(&d.left), linker.index_of(&d.right)) else {
            continue;
        };
        let changed = fingerprints.get(&d.left) != Some(&d.left_fingerprint)
            || fingerprints.get(&d.right) != Some(&d.right_fingerprint);
        let (l, r) = (l.min(r), l.max(r));
        if changed && !asked.contains(&(l, r)) {
            questions.push(PairOutcome {
                left: l,
                right: r,
                explanation: linker.score(l, r),
                decision: Decision::Review,
                reason: Reason::KeptApart,
            });
        }
    }

    let record_ids: HashMap<SourceKey, i64> = members.iter().map(|m| (m.key(), m.id)).collect();
    let mut raised = 0;
    for p in questions {
        let (a, b) = (linker.key(p.left).clone(), linker.key(p.right).clone());
        let (a, b) = ordered(a, b);
        let (fa, fb) = (
            fingerprints.get(&a).cloned().unwrap_or_default(),
            fingerprints.get(&b).cloned().unwrap_or_default(),
        );
        // A standing decision on these very facts answers the question already.
        let decided = decisions.iter().any(|d| {
            d.left == a && d.right == b && d.left_fingerprint == fa && d.right_fingerprint == fb
        });
        let key = pair_key(&a, &b);
        let same_facts = |s: &Value| {
            s["records"][0]["fingerprint"] == json!(fa)
                && s["records"][1]["fingerprint"] == json!(fb)
        };
        if decided || covered(conn, "uncertain_match", &key, same_facts)? {
            continue;
        }
        let record = |k: &SourceKey, fp: &str| {
            let customer = linker.index_of(k).map(|ix| linker.customer_of(ix).0);
            json!({
                "system": k.system,
                "systemId": k.id,
                "sourceRecordId": record_ids.get(k),
                "customerId": customer,
                "fingerprint": fp,
            })
        };
        // The evidence lists fields left to right as the subject lists records.
        let p = if linker.key(p.left) == &a {
            p
        } else {
            PairOutcome {
                left: p.right,
                right: p.left,
                explanation: linker.score(p.right, p.left),
                ..p
            }
        };
        let subject = json!({ "key": key, "records": [record(&a, &fa), record(&b, &fb)] });
        let customer_id = linker.customer_of(p.left).0 as i64;
        review_item::insert(
            conn,
            &ReviewItem::open(
                "uncertain_match",
                Some(customer_id),
                subject,
                pair_evidence(linker, &p),
                now,
            ),
        )
        .context("raising an uncertain match")?;
        raised += 1;
    }
    Ok(raised)
}

/// Raises a disagreement item for each owned field on which another system differs, unless
/// an open or decided item covers the same values. Returns how many.
pub(crate) fn raise_disagreements(
    conn: &Connection,
    disagreements: &[(i64, MergedValue)],
    now: &str,
) -> anyhow::Result<usize> {
    let mut raised = 0;
    for (customer_id, v) in disagreements {
        let mut values: Vec<String> = v
            .others
            .iter()
            .map(|o| format!("{}={}", o.system, o.value))
            .collect();
        values.sort();
        values.dedup();
        let key = format!(
            "disagreement:{customer_id}:{}:{}={}|{}",
            v.field.name(),
            v.provenance.system,
            v.value,
            values.join("|")
        );
        if covered(conn, "disagreement", &key, |_| true)? {
            continue;
        }
        let subject = json!({ "key": key, "customerId": customer_id, "field": v.field.name() });
        let evidence = json!({
            "shown": { "value": v.value, "provenance": v.provenance },
            "others": v.others,
        });
        review_item::insert(
            conn,
            &ReviewItem::open("disagreement", Some(*customer_id), subject, evidence, now),
        )
        .context("raising a disagreement")?;
        raised += 1;
    }
    Ok(raised)
}

/// The state a decision may change, for the records and customers it concerns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Snapshot {
    records: Vec<i64>,
    customers: Vec<Value>,
    links: Vec<Value>,
    pins: Vec<Value>,
    pair_decisions: Vec<PairDecision>,
}

fn rows_as_json(conn: &Connection, sql: &str, ids: &[i64]) -> anyhow::Result<Vec<Value>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let rows = stmt.query_map([serde_json::to_string(ids)?], |r| {
        let mut obj = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let v: rusqlite::types::Value = r.get(i)?;
            let v = match v {
                rusqlite::types::Value::Null => Value::Null,
                rusqlite::types::Value::Integer(i) => json!(i),
                rusqlite::types::Value::Real(f) => json!(f),
                rusqlite::types::Value::Text(t) => json!(t),
                rusqlite::types::Value::Blob(_) => Value::Null,
            };
            obj.insert(n.clone(), v);
        }
        Ok(Value::Object(obj))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn take_snapshot(conn: &Connection, records: &[i64]) -> anyhow::Result<Snapshot> {
    let links = rows_as_json(
        conn,
        "SELECT source_record_id, customer_id, rule, linked_at FROM link
         WHERE source_record_id IN (SELECT value FROM json_each(?1)) ORDER BY source_record_id",
        records,
    )?;
    let customers: Vec<i64> = links
        .iter()
        .filter_map(|l| l["customer_id"].as_i64())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let keys: HashSet<SourceKey> = keys_of(conn, records)?.into_values().collect();
    Ok(Snapshot {
        records: records.to_vec(),
        customers: rows_as_json(
            conn,
            "SELECT * FROM customer WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
            &customers,
        )?,
        links,
        pins: rows_as_json(
            conn,
            "SELECT * FROM pinned_value WHERE customer_id IN (SELECT value FROM json_each(?1))
             ORDER BY customer_id, field",
            &customers,
        )?,
        pair_decisions: pair_decisions(conn)?
            .into_iter()
            .filter(|d| keys.contains(&d.left) || keys.contains(&d.right))
            .collect(),
    })
}

fn keys_of(conn: &Connection, records: &[i64]) -> anyhow::Result<HashMap<i64, SourceKey>> {
    let mut stmt =
        conn.prepare_cached("SELECT system, system_id FROM source_record WHERE id = ?1")?;
    let mut keys = HashMap::new();
    for &id in records {
        if let Some(k) = stmt
            .query_row([id], |r| {
                Ok(SourceKey::new(
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                ))
            })
            .optional()?
        {
            keys.insert(id, k);
        }
    }
    Ok(keys)
}

fn record_id(conn: &Connection, key: &SourceKey) -> anyhow::Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM source_record WHERE system = ?1 AND system_id = ?2",
            params![key.system, key.id],
            |r| r.get(0),
        )
        .optional()?)
}

fn linked_records(conn: &Connection, customers: &BTreeSet<i64>) -> anyhow::Result<Vec<i64>> {
    let mut out = BTreeSet::new();
    let mut stmt =
        conn.prepare_cached("SELECT source_record_id FROM link WHERE customer_id = ?1")?;
    for &c in customers {
        for id in stmt.query_map([c], |r| r.get::<_, i64>(0))? {
            out.insert(id?);
        }
    }
    Ok(out.into_iter().collect())
}

fn customer_of(conn: &Connection, record: i64) -> anyhow::Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT customer_id FROM link WHERE source_record_id = ?1",
            [record],
            |r| r.get(0),
        )
        .optional()?)
}

/// The two records of an uncertain-match item.
fn pair_of(item: &ReviewItem) -> Result<(SourceKey, SourceKey), DecisionError> {
    let key = |i: usize| {
        let r = &item.subject["records"][i];
        Some(SourceKey::new(
            r["system"].as_str()?,
            r["systemId"].as_str()?,
        ))
    };
    match (key(0), key(1)) {
        (Some(a), Some(b)) => Ok(ordered(a, b)),
        _ => Err(DecisionError::InvalidAction(format!(
            "review item {} does not name two records",
            item.id
        ))),
    }
}

/// The current fingerprint of every record that takes part in resolving.
fn fingerprints(conn: &Connection) -> anyhow::Result<HashMap<SourceKey, String>> {
    let region = crate::table::cache_setting::default_region(conn)?;
    let (members, _) = records::load(conn)?;
    Ok(members
        .iter()
        .map(|m| {
            (
                m.key(),
                records::fingerprint(&records::match_record(m, &region)),
            )
        })
        .collect())
}

/// Applies a supervisor's decision on an open review item, resolves what it concerns, and
/// audits it. The item comes back decided.
pub fn decide(
    conn: &mut Connection,
    item_id: i64,
    action: &Action,
    by: &str,
    now: &str,
    settings: &ResolveSettings,
) -> Result<ReviewItem, DecisionError> {
    let tx = conn.transaction().map_err(anyhow::Error::from)?;
    let item = review_item::get(&tx, item_id)?.ok_or(DecisionError::NotFound(item_id))?;
    if item.state != "open" {
        return Err(DecisionError::NotOpen {
            id: item_id,
            state: item.state,
        });
    }

    // The records the decision concerns: the pair's, and everyone sharing a customer with them.
    let mut customers: BTreeSet<i64> = item.customer_id.into_iter().collect();
    let pair = if item.kind == "uncertain_match" {
        let (a, b) = pair_of(&item)?;
        for k in [&a, &b] {
            if let Some(id) = record_id(&tx, k)? {
                customers.extend(customer_of(&tx, id)?);
            }
        }
        Some((a, b))
    } else {
        None
    };
    let records = linked_records(&tx, &customers)?;
    let before = take_snapshot(&tx, &records)?;
    let prints = fingerprints(&tx)?;
    let print = |k: &SourceKey| prints.get(k).cloned().unwrap_or_default();

    match (action, item.kind.as_str(), &pair) {
        (Action::Link | Action::NotSamePerson, "uncertain_match", Some((a, b))) => {
            let verdict = if *action == Action::Link {
                "same"
            } else {
                "apart"
            };
            write_pair_decision(
                &tx,
                &PairDecision {
                    left: a.clone(),
                    right: b.clone(),
                    verdict: verdict.into(),
                    left_fingerprint: print(a),
                    right_fingerprint: print(b),
                    review_item_id: Some(item_id),
                    decided_at: now.into(),
                },
            )?;
        }
        (Action::Split { records: moved }, _, _) => {
            let customer = item.customer_id.ok_or_else(|| {
                DecisionError::InvalidAction("this item is not about one customer".into())
            })?;
            let members = linked_records(&tx, &BTreeSet::from([customer]))?;
            let moved: BTreeSet<i64> = moved.iter().copied().collect();
            if moved.is_empty() || !moved.iter().all(|m| members.contains(m)) {
                return Err(DecisionError::InvalidAction(format!(
                    "split names records that are not linked to customer {customer}; its records \
                     are {members:?}"
                )));
            }
            let stay: Vec<i64> = members
                .iter()
                .copied()
                .filter(|m| !moved.contains(m))
                .collect();
            if stay.is_empty() {
                return Err(DecisionError::InvalidAction(
                    "a split must leave at least one record in the customer".into(),
                ));
            }
            let keys = keys_of(&tx, &members)?;
            for m in &moved {
                for s in &stay {
                    let (a, b) = ordered(keys[m].clone(), keys[s].clone());
                    write_pair_decision(
                        &tx,
                        &PairDecision {
                            left_fingerprint: print(&a),
                            right_fingerprint: print(&b),
                            left: a,
                            right: b,
                            verdict: "apart".into(),
                            review_item_id: Some(item_id),
                            decided_at: now.into(),
                        },
                    )?;
                }
            }
        }
        // A colliding edit is about a held correction, whose fields are not all merged fields
        // (an address line): the choice is recorded on the item for the corrections to apply.
        // TODO(corrections): apply the chosen value of a held correction when its item is
        // decided; the item, audit and undo are handled here.
        (Action::Pick { field, .. }, "colliding_edit", _) if MergeField::parse(field).is_none() => {
        }
        (Action::Pick { field, value }, "disagreement" | "colliding_edit", _) => {
            let customer = item.customer_id.ok_or_else(|| {
                DecisionError::InvalidAction("this item is not about one customer".into())
            })?;
            let field = MergeField::parse(field).ok_or_else(|| {
                DecisionError::InvalidAction(format!("{field:?} is not a field of an account"))
            })?;
            tx.execute(
                "INSERT OR REPLACE INTO pinned_value (customer_id, field, value, review_item_id,
                     pinned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![customer, field.name(), value, item_id, now],
            )?;
        }
        (Action::Keep, "disagreement" | "colliding_edit" | "conflict", _) => {}
        (action, kind, _) => {
            return Err(DecisionError::InvalidAction(format!(
                "{} is not a decision for a {kind} item",
                action.name()
            )))
        }
    }

    mark_pending(&tx, &records)?;
    run(
        &tx,
        now,
        settings,
        &Overrides {
            touch: customers.clone(),
            ..Overrides::default()
        },
    )?;

    let decision = serde_json::to_value(action).map_err(anyhow::Error::from)?;
    review_item::decide(&tx, item_id, &decision, by, now)?;
    tx.execute(
        "INSERT OR REPLACE INTO decision_snapshot (review_item_id, before, taken_at)
         VALUES (?1, ?2, ?3)",
        params![
            item_id,
            serde_json::to_string(&before).map_err(anyhow::Error::from)?,
            now
        ],
    )?;
    let after = take_snapshot(&tx, &records)?;
    audit(
        &tx,
        by,
        now,
        "review.decide",
        item.customer_id,
        item_id,
        &decision,
        &before,
        &after,
    )?;
    let decided = review_item::get(&tx, item_id)?.ok_or(DecisionError::NotFound(item_id))?;
    tx.commit().map_err(anyhow::Error::from)?;
    Ok(decided)
}

#[allow(clippy::too_many_arguments)]
fn audit(
    conn: &Connection,
    by: &str,
    now: &str,
    action: &str,
    customer_id: Option<i64>,
    item_id: i64,
    decision: &Value,
    before: &Snapshot,
    after: &Snapshot,
) -> anyhow::Result<()> {
    audit_log::append(
        conn,
        &AuditEntry {
            id: 0,
            at: now.into(),
            actor: by.into(),
            action: action.into(),
            customer_id,
            detail: json!({
                "reviewItemId": item_id,
                "decision": decision,
                "before": before,
                "after": after,
            }),
        },
    )
    .context("auditing the decision")?;
    Ok(())
}

/// Undoes the decision on a review item: its pair decisions and pinned values are removed,
/// what they replaced is put back, the records are resolved again with the customer ids they
/// had, and the item is open again. Audited like the decision.
pub fn undo(
    conn: &mut Connection,
    item_id: i64,
    by: &str,
    now: &str,
    settings: &ResolveSettings,
) -> Result<ReviewItem, DecisionError> {
    let tx = conn.transaction().map_err(anyhow::Error::from)?;
    let item = review_item::get(&tx, item_id)?.ok_or(DecisionError::NotFound(item_id))?;
    if item.state != "decided" {
        return Err(DecisionError::NotDecided {
            id: item_id,
            state: item.state,
        });
    }
    let text: String = tx
        .query_row(
            "SELECT before FROM decision_snapshot WHERE review_item_id = ?1",
            [item_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| {
            DecisionError::InvalidAction(format!(
                "review item {item_id} was decided without a saved prior state; it cannot be \
                 undone here"
            ))
        })?;
    let before: Snapshot = serde_json::from_str(&text).map_err(anyhow::Error::from)?;
    let current = take_snapshot(&tx, &before.records)?;

    tx.execute(
        "DELETE FROM pair_decision WHERE review_item_id = ?1",
        [item_id],
    )?;
    for d in &before.pair_decisions {
        write_pair_decision(&tx, d)?;
    }
    let snapshot_customers: BTreeSet<i64> = before
        .customers
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    tx.execute(
        "DELETE FROM pinned_value WHERE review_item_id = ?1",
        [item_id],
    )?;
    for &c in &snapshot_customers {
        tx.execute("DELETE FROM pinned_value WHERE customer_id = ?1", [c])?;
    }
    // Pins are restored after the resolve below recreates any customer the decision removed.

    let keys = keys_of(&tx, &before.records)?;
    let mut overrides = Overrides::default();
    for l in &before.links {
        if let (Some(r), Some(c)) = (l["source_record_id"].as_i64(), l["customer_id"].as_i64()) {
            if let Some(k) = keys.get(&r) {
                overrides.ledger.insert(k.clone(), c);
            }
        }
    }
    overrides.touch.extend(snapshot_customers.iter().copied());
    for &r in &before.records {
        overrides.touch.extend(customer_of(&tx, r)?);
    }
    mark_pending(&tx, &before.records)?;
    run(&tx, now, settings, &overrides)?;

    for p in &before.pins {
        tx.execute(
            "INSERT OR REPLACE INTO pinned_value (customer_id, field, value, review_item_id,
                 pinned_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                p["customer_id"].as_i64(),
                p["field"].as_str(),
                p["value"].as_str(),
                p["review_item_id"].as_i64(),
                p["pinned_at"].as_str()
            ],
        )?;
    }
    if !before.pins.is_empty() {
        // The restored pins change what survives: materialize once more with them.
        mark_pending(&tx, &before.records)?;
        run(&tx, now, settings, &overrides)?;
    }
    for l in &before.links {
        tx.execute(
            "UPDATE link SET rule = ?3, linked_at = ?4
             WHERE source_record_id = ?1 AND customer_id = ?2",
            params![
                l["source_record_id"].as_i64(),
                l["customer_id"].as_i64(),
                l["rule"].as_str(),
                l["linked_at"].as_str()
            ],
        )?;
    }
    for c in &before.customers {
        tx.execute(
            "UPDATE customer SET created_at = ?2, updated_at = ?3 WHERE id = ?1",
            params![
                c["id"].as_i64(),
                c["created_at"].as_str(),
                c["updated_at"].as_str()
            ],
        )?;
    }

    tx.execute(
        "DELETE FROM decision_snapshot WHERE review_item_id = ?1",
        [item_id],
    )?;
    review_item::reopen(&tx, item_id)?;
    let after = take_snapshot(&tx, &before.records)?;
    let decision = item.decision.clone().unwrap_or(Value::Null);
    audit(
        &tx,
        by,
        now,
        "review.undo",
        item.customer_id,
        item_id,
        &decision,
        &current,
        &after,
    )?;
    let reopened = review_item::get(&tx, item_id)?.ok_or(DecisionError::NotFound(item_id))?;
    tx.commit().map_err(anyhow::Error::from)?;
    Ok(reopened)
}
