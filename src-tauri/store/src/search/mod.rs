//! Caller lookup: one search box, many ways to write the same customer.
//!
//! What was typed is first made harmless (control characters dropped, length capped), then
//! classified ([`query`]): it may be a phone number, an email, an order number, a postcode with
//! or without a house number, or words of a name, company or street. Each plausible reading
//! runs its own query ([`lookup`]): exact identifiers on indexed normalized columns, words on
//! the FTS5 index ([`index`]) with a symmetric-deletion vocabulary for one-typo tolerance.
//! User text never reaches an FTS5 `MATCH` as written: queries are built from folded tokens,
//! each quoted.

pub mod index;
pub mod keys;
pub mod lookup;
pub mod query;

pub use lookup::{lookup, Hit, MatchQuality, MatchedField};
