//! Resolving: turning source records into merged customers, in the cache.
//!
//! [`resolve_pending`] matches the source records, keeps customer ids stable, writes `link`,
//! re-materializes every customer whose records or orders changed, raises review items
//! (uncertain matches, disagreements between systems) and clears `pending_match`, all in one
//! transaction: a crash leaves either the old state with the records still pending, or the
//! new one.
//!
//! # Full build, every time
//!
//! Each run matches all source records from scratch ([`Linker::build_keeping_apart`]) with
//! the ledger of the previous run read back from `link`; the engine gives each customer the
//! id most of its records had, so ids are stable across runs, and a new customer takes an id
//! above every id ever handed out (kept in `cache_setting`), so a removed customer's id is
//! never reused. Building from scratch gives the same customers for the same records whatever
//! order and batches they arrived in (interleaved, or one offline and synced later), which
//! incremental matching cannot promise (a record that leaves a customer does not split the
//! rest). Supervisors' decisions are inputs of every build: "not the same person" pairs are
//! kept apart, "the same person" pairs are joined like a stored cross-reference.
//!
//! TODO(perf): every run re-reads, re-parses and re-matches all source records; on 20,000
//! web-store records a run with one pending record takes about 3 s (release build). Keeping the
//! `Linker` between runs and calling `Linker::add` for pending records, with a periodic full
//! build, would make a small sync proportional to its size.
//!
//! Records whose normalized form is not a customer from a pull (fixtures, the benchmark
//! generator) and their customers are left untouched.
//!
//! This module never talks to a system and never changes a source record.

mod decision;
mod materialize;
pub mod provenance;
mod records;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use anyhow::Context as _;
use concord_core::matching::{
    CustomerId, Decision, Ledger, Linker, MatchConfig, PairOutcome, Reason, SourceKey,
};
use concord_core::merge::{MergedValue, SurvivorshipSettings};
use rusqlite::{params, Connection, OptionalExtension as _};
use serde::{Deserialize, Serialize};

pub use decision::{decide, undo, Action, DecisionError};
pub use materialize::{materialize_customer, Materialized};
pub use records::{fingerprint, Member};

/// The `cache_setting` key holding the next customer id to hand out.
const NEXT_CUSTOMER_ID: &str = "resolve.next_customer_id";

/// How resolving matches and merges. Carried in the service's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ResolveSettings {
    pub matching: MatchConfig,
    pub survivorship: SurvivorshipSettings,
}

/// The web store holds duplicates of one person (every guest checkout is a customer record of
/// its own); the ERP is kept deduplicated by its users.
pub const DEDUPLICATED_SYSTEMS: [&str; 1] = ["vendure"];

impl Default for ResolveSettings {
    fn default() -> Self {
        ResolveSettings {
            matching: MatchConfig {
                dedupe_systems: DEDUPLICATED_SYSTEMS.iter().map(|s| s.to_string()).collect(),
                ..MatchConfig::default()
            },
            survivorship: SurvivorshipSettings::default(),
        }
    }
}

/// What one resolve did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResolveReport {
    /// Pending source records taken up (and removed from `pending_match`).
    pub pending: usize,
    /// Source records whose normalized form could not be read as a customer; they stay in the
    /// cache as received and are not matched.
    pub unreadable: Vec<i64>,
    /// Customers created, re-materialized, and removed (no records left).
    pub customers_created: usize,
    pub customers_updated: usize,
    pub customers_removed: usize,
    /// Review items raised.
    pub uncertain_matches: usize,
    pub disagreements: usize,
    /// Orders that could not be attached (their system and ID).
    pub orders_skipped: Vec<String>,
}

/// Matches every pending source record into customers and re-materializes what changed.
#[tracing::instrument(skip_all, err)]
pub fn resolve_pending(
    conn: &mut Connection,
    now: &str,
    settings: &ResolveSettings,
) -> anyhow::Result<ResolveReport> {
    let tx = conn.transaction().context("starting to resolve")?;
    let report = run(&tx, now, settings, &Overrides::default())?;
    tx.commit().context("committing the resolved customers")?;
    tracing::info!(
        pending = report.pending,
        created = report.customers_created,
        updated = report.customers_updated,
        removed = report.customers_removed,
        "resolved"
    );
    Ok(report)
}

/// Inputs an undo adds to a run: the customer each record had before the decision, so the
/// ids come back exactly, and customers to re-materialize even though nothing is pending.
#[derive(Debug, Default)]
pub(crate) struct Overrides {
    pub ledger: HashMap<SourceKey, i64>,
    pub touch: BTreeSet<i64>,
}

/// One resolve inside the caller's transaction.
pub(crate) fn run(
    conn: &Connection,
    now: &str,
    settings: &ResolveSettings,
    overrides: &Overrides,
) -> anyhow::Result<ResolveReport> {
    let default_region = crate::table::cache_setting::default_region(conn)?;
    let (members, mut unreadable) = records::load(conn)?;
    let pending = pending_ids(conn)?;
    // Only records a pull just stored are news; older rows of another shape are not resolve's.
    unreadable.retain(|id| pending.contains(id));
    let old_links = links_of(conn)?;

    let mut ledger = Ledger::default();
    for m in &members {
        if let Some(&c) = old_links.get(&m.id) {
            ledger.customers.insert(m.key(), CustomerId(c as u64));
        }
    }
    for (key, &c) in &overrides.ledger {
        ledger.customers.insert(key.clone(), CustomerId(c as u64));
    }
    ledger.next_id = next_customer_id(conn)?;

    let mut match_records: Vec<_> = members
        .iter()
        .map(|m| records::match_record(m, &default_region))
        .collect();
    let decisions = decision::pair_decisions(conn)?;
    let index_of: HashMap<SourceKey, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.key(), i))
        .collect();
    let mut apart = Vec::new();
    for d in &decisions {
        match d.verdict.as_str() {
            "apart" => apart.push((d.left.clone(), d.right.clone())),
            // A supervisor's "same person" joins the two like a stored cross-reference.
            _ => {
                if let Some(&i) = index_of.get(&d.left) {
                    match_records[i].cross_refs.push(d.right.clone());
                }
            }
        }
    }
    let fingerprints: HashMap<SourceKey, String> = match_records
        .iter()
        .map(|r| (r.key.clone(), records::fingerprint(r)))
        .collect();

    let (linker, result) =
        Linker::build_keeping_apart(settings.matching.clone(), match_records, &ledger, &apart)
            .context("matching source records")?;

    let new_next = linker.ledger().next_id.max(ledger.next_id);
    crate::table::cache_setting::set(conn, NEXT_CUSTOMER_ID, &new_next.to_string())?;

    // Which customer each record belongs to now, and why it was linked.
    let mut rule_of: HashMap<u32, String> = HashMap::new();
    for p in result.pairs.iter().filter(|p| p.decision == Decision::Link) {
        let rule = link_rule(p.reason);
        for ix in [p.left, p.right] {
            rule_of.entry(ix).or_insert_with(|| rule.to_string());
        }
    }
    let mut customers: BTreeMap<i64, Vec<&Member>> = BTreeMap::new();
    let mut touched: BTreeSet<i64> = overrides.touch.clone();
    let mut created: HashSet<i64> = HashSet::new();
    for (ix, m) in members.iter().enumerate() {
        let ix = ix as u32;
        let customer = linker.customer_of(ix).0 as i64;
        customers.entry(customer).or_default().push(m);
        let old = old_links.get(&m.id).copied();
        if old != Some(customer) {
            // The customer row must exist before the link points at it; a new one is filled
            // in when it is materialized below.
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO customer (id, display_name, created_at, updated_at,
                         resolved)
                     VALUES (?1, '', ?2, ?2, 1)",
                )?
                .execute(params![customer, now])?;
            if inserted == 1 {
                created.insert(customer);
            }
            let rule = rule_of
                .get(&ix)
                .map(String::as_str)
                .unwrap_or("only_record");
            crate::table::link::insert(
                conn,
                &crate::table::link::Link::new(m.id, customer, rule, now),
            )
            .context("linking a source record")?;
            touched.insert(customer);
            touched.extend(old);
        }
        if pending.contains(&m.id) {
            touched.insert(customer);
        }
    }
    touched.extend(customers_with_unattached_orders(conn)?);
    // A source record removed from the cache takes its link with it; its customer is left
    // with no records and goes.
    touched.extend(customers_without_records(conn)?);

    // A customer whose records all joined another lives on in it: what a supervisor pinned
    // on it, and the items about it, follow (a pin already set on the survivor wins).
    for (old, new) in &result.stats.merged_ids {
        let (old, new) = (old.0 as i64, new.0 as i64);
        conn.execute(
            "UPDATE OR IGNORE pinned_value SET customer_id = ?2 WHERE customer_id = ?1",
            params![old, new],
        )
        .context("moving pinned values to the merged customer")?;
        conn.execute(
            "UPDATE review_item SET customer_id = ?2 WHERE customer_id = ?1",
            params![old, new],
        )
        .context("moving review items to the merged customer")?;
    }

    let mut existing: HashSet<i64> = existing_customers(conn, &touched)?;
    existing.retain(|c| !created.contains(c));
    let mut report = ResolveReport {
        pending: pending.len(),
        unreadable,
        ..ResolveReport::default()
    };
    let mut disagreements: Vec<(i64, MergedValue)> = Vec::new();
    for &customer in &touched {
        let Some(records) = customers.get(&customer) else {
            continue;
        };
        if existing.contains(&customer) {
            report.customers_updated += 1;
        } else {
            report.customers_created += 1;
        }
        let done = materialize_customer(
            conn,
            customer,
            records,
            &settings.survivorship,
            &default_region,
            now,
        )?;
        report.orders_skipped.extend(done.orders_skipped);
        disagreements.extend(done.disagreements.into_iter().map(|d| (customer, d)));
    }
    // A customer's search document reads the addresses linked to it, and a record moving
    // between two touched customers changes both; the first one written may have been indexed
    // before the record left it.
    for &customer in &touched {
        if customers.contains_key(&customer) {
            crate::search::index::refresh_customer(conn, customer)?;
        }
    }
    // Emptied customers go last, after their records and orders moved to where they belong.
    for &customer in &touched {
        if !customers.contains_key(&customer) && existing.contains(&customer) {
            let has_links: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM link WHERE customer_id = ?1)",
                    [customer],
                    |r| r.get(0),
                )
                .context("checking a customer's links")?;
            if !has_links {
                conn.execute("DELETE FROM customer WHERE id = ?1", [customer])
                    .context("removing a customer with no records left")?;
                crate::search::index::refresh_customer(conn, customer)?;
                report.customers_removed += 1;
            }
        }
    }

    report.uncertain_matches = decision::raise_uncertain_matches(
        conn,
        &linker,
        &result.pairs,
        &members,
        &fingerprints,
        &decisions,
        now,
    )?;
    report.disagreements = decision::raise_disagreements(conn, &disagreements, now)?;

    conn.execute(
        "DELETE FROM pending_match WHERE source_record_id IN (SELECT value FROM json_each(?1))",
        [serde_json::to_string(&pending.iter().collect::<Vec<_>>())?],
    )
    .context("clearing matched records from pending_match")?;
    Ok(report)
}

fn link_rule(reason: Reason) -> &'static str {
    match reason {
        Reason::CrossReference => "cross_reference",
        Reason::SameCustomer => "same_customer",
        _ => "score",
    }
}

fn pending_ids(conn: &Connection) -> anyhow::Result<HashSet<i64>> {
    let mut stmt = conn.prepare("SELECT source_record_id FROM pending_match")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
        .context("reading pending_match")?;
    Ok(ids)
}

fn links_of(conn: &Connection) -> anyhow::Result<HashMap<i64, i64>> {
    let mut stmt = conn.prepare("SELECT source_record_id, customer_id FROM link")?;
    let links = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()
        .context("reading links")?;
    Ok(links)
}

/// Above every id the cache holds and every id ever handed out, so no id is reused.
fn next_customer_id(conn: &Connection) -> anyhow::Result<u64> {
    let stored: Option<String> = crate::table::cache_setting::get(conn, NEXT_CUSTOMER_ID)?;
    let stored = stored.and_then(|s| s.parse::<u64>().ok()).unwrap_or(1);
    let max: Option<i64> = conn.query_row("SELECT max(id) FROM customer", [], |r| r.get(0))?;
    Ok(stored.max(max.map_or(1, |m| m as u64 + 1)))
}

fn existing_customers(conn: &Connection, ids: &BTreeSet<i64>) -> anyhow::Result<HashSet<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM customer WHERE id = ?1")?;
    let mut found = HashSet::new();
    for &id in ids {
        if stmt
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some()
        {
            found.insert(id);
        }
    }
    Ok(found)
}

fn customers_without_records(conn: &Connection) -> anyhow::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM customer c
         WHERE resolved = 1 AND NOT EXISTS (SELECT 1 FROM link WHERE customer_id = c.id)",
    )?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
        .context("finding customers with no records")?;
    Ok(ids)
}

/// Customers one of whose records placed an order not yet attached (orders arrive without a
/// change to the record, so they are not pending themselves).
fn customers_with_unattached_orders(conn: &Connection) -> anyhow::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT l.customer_id
         FROM source_order o
         JOIN source_record r ON r.system = o.system AND r.system_id = o.customer_system_id
         JOIN link l ON l.source_record_id = r.id
         LEFT JOIN customer_order c
             ON c.system = o.system AND c.system_order_id = o.system_id
         WHERE c.id IS NULL OR c.customer_id <> l.customer_id",
    )?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
        .context("finding orders to attach")?;
    Ok(ids)
}

/// Records the pair outcome's evidence as a supervisor reads it: prior, each field with both
/// values and its weight in bits, the total and the probability, all taken from the engine's
/// explanation (never recomputed here).
pub fn pair_evidence(linker: &Linker, pair: &PairOutcome) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = linker
        .evidence(pair)
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "field": e.field.name(),
                "level": e.level,
                "left": e.left,
                "right": e.right,
                "bits": e.bits,
                "frequencyAdjusted": e.frequency_adjusted,
            })
        })
        .collect();
    serde_json::json!({
        "priorBits": pair.explanation.prior_bits,
        "fields": fields,
        "totalBits": pair.explanation.total_bits(),
        "probability": pair.probability(),
        "reason": pair.reason,
    })
}

/// Marks source records for the next resolve, e.g. after a decision changed their customer.
pub(crate) fn mark_pending(conn: &Connection, ids: &[i64]) -> anyhow::Result<()> {
    for id in ids {
        conn.execute(
            "INSERT OR IGNORE INTO pending_match (source_record_id) VALUES (?1)",
            params![id],
        )?;
    }
    Ok(())
}
