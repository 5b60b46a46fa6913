//! Connectors to the external systems (one client per system) and the engine that pulls from
//! them into the cache and pushes corrections back.

pub mod connector;
pub mod load;
pub mod mapping;
pub mod pull;
pub mod push;
pub mod tryton;
pub mod usps;
pub mod vendure;
