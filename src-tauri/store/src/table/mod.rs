//! One module per table: its row type, and the reads and writes the rest of Concord needs.
//!
//! These functions take a plain `&Connection` (a `Transaction` derefs to one), so callers
//! decide the transaction boundaries. They never touch the search index; see
//! [`crate::search::index`] for keeping it in step ([`crate::graph::insert`] does).

// TODO(search): refresh a customer's search document from SQL triggers on customer, account
// and address, so a row-level write can never leave the index stale; today the caller must
// call `search::index::refresh_customer` after writing those tables directly.

pub mod account;
pub mod address;
pub mod audit_log;
pub mod cache_setting;
pub mod contact_point;
pub mod correction;
pub mod customer;
pub mod link;
pub mod order;
pub mod outbox;
pub mod pending_match;
pub mod review_item;
pub mod set_aside;
pub mod source_order;
pub mod source_record;
pub mod sync_cursor;
pub mod sync_status;

/// Reads a JSON text column into a value, turning malformed JSON into a row error.
pub(crate) fn json_column(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Like [`json_column`] for a column that may be NULL.
pub(crate) fn json_column_opt(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<serde_json::Value>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

#[cfg(test)]
pub(crate) mod test_support {
    use rusqlite::Connection;

    use super::customer::{self, Customer};

    /// A migrated in-memory cache.
    pub fn cache() -> Connection {
        crate::open_in_memory().expect("an in-memory cache always opens")
    }

    /// A cache holding one customer, and that customer's id.
    pub fn cache_with_customer() -> (Connection, i64) {
        let conn = cache();
        let id = customer::insert(
            &conn,
            &Customer::named("Ada Lovelace", "2026-01-01T00:00:00Z"),
        )
        .expect("a plain customer inserts");
        (conn, id)
    }
}
