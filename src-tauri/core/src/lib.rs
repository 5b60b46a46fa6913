//! Concord's pure domain: the customer model, normalization of addresses, phones, emails and
//! names, record matching and merge rules.
//!
//! This crate never does I/O: no files, no network, no clock, no database. Callers pass in
//! everything it needs, so every rule here is testable as a plain function.

pub mod address;
pub mod correction;
pub mod email;
pub mod matching;
pub mod merge;
pub mod name;
pub mod phone;
pub mod source;
