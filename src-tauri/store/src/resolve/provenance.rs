//! Reading where a merged customer's values came from, for the account view.

use anyhow::Context as _;
use concord_core::merge::OtherValue;
use rusqlite::Connection;
use serde::Serialize;

/// One field of a merged customer: the value shown, where it came from and by which rule, and
/// what the other linked records hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProvenance {
    pub field: String,
    pub value: String,
    pub system: String,
    /// `None` for a value a supervisor typed.
    pub source_record_id: Option<i64>,
    pub system_id: Option<String>,
    pub changed_at: Option<String>,
    /// owner, most_recent, most_complete or supervisor_choice.
    pub rule: String,
    pub others: Vec<OtherValue>,
    /// The field's owner and another system disagree.
    pub disagreement: bool,
}

/// Every field's provenance for one customer, in field-name order.
pub fn for_customer(conn: &Connection, customer_id: i64) -> anyhow::Result<Vec<FieldProvenance>> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, value, system, source_record_id, system_id, changed_at, rule, others,
             disagreement
         FROM field_provenance WHERE customer_id = ?1 ORDER BY field",
    )?;
    let rows = stmt.query_map([customer_id], |r| {
        Ok((
            FieldProvenance {
                field: r.get(0)?,
                value: r.get(1)?,
                system: r.get(2)?,
                source_record_id: r.get(3)?,
                system_id: r.get(4)?,
                changed_at: r.get(5)?,
                rule: r.get(6)?,
                others: Vec::new(),
                disagreement: r.get(8)?,
            },
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut p, others) = row.context("reading where a value came from")?;
        p.others = serde_json::from_str(&others)
            .with_context(|| format!("reading the other values of {}", p.field))?;
        out.push(p);
    }
    Ok(out)
}
