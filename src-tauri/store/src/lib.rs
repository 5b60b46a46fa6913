//! The local SQLite cache: schema migrations, one module per table, the search index, the
//! outbox and the audit log.
//!
//! The cache never talks to an external system; the search index is a rebuildable copy of the
//! authoritative tables. Every connection is made by [`connection::open`] or
//! [`connection::open_reader`], so every connection has the same settings.

pub mod connection;
pub mod fixture;
pub mod graph;
pub mod resolve;
pub mod search;
pub mod synth;
pub mod table;

pub use connection::{open, open_in_memory, open_reader, OpenError};
