//! The local SQLite cache: schema migrations, one module per table, the search index, the
//! outbox and the audit log.
//!
//! The cache never talks to an external system; the search index is a rebuildable copy of the
//! authoritative tables.
