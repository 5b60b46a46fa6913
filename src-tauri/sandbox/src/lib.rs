//! Embedded stand-ins for a web store (Vendure Admin GraphQL) and an ERP (Tryton JSON-RPC),
//! served on loopback with a deterministic, realistic population.

pub mod population;
pub mod tryton;
pub mod usps;
