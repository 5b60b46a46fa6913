//! Fills a real ERP and a real web store with people none of Concord's code made up, through
//! the systems' own APIs: FEBRL dataset 4a as web-store customers, 4b as ERP parties (the same
//! people, entered again with errors), each with orders (the ERP's by phone, mail or shop, the
//! web store's online) and an email and a phone derived from the person's number, with the
//! typing errors two systems fed by different forms show.
//!
//! Used by the end-to-end suite on real systems and by `concord demo --real`. The truth (which
//! ERP party and which web-store customer are the same person) comes back from [`load`] so
//! links can be scored. A load goes into fresh systems: one that finds its first person
//! already there stops rather than create everyone twice.

pub mod people;
mod tryton;
mod vendure;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::connector::ConnectorError;
use crate::tryton::TrytonClient;
use crate::vendure::VendureClient;
pub use people::{febrl_people, OrderChannel, Person};

/// Why a load stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    System(#[from] ConnectorError),
    #[error("{0}")]
    Unexpected(String),
    #[error(
        "{system} already holds person {number} of this load: load into fresh systems \
         (tests/systems/down, then tests/systems/up)"
    )]
    AlreadyLoaded { system: &'static str, number: u32 },
}

/// One person's record in one system: its ID and its orders' numbers as the system shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loaded {
    pub id: String,
    pub orders: Vec<String>,
}

/// What a load made, per person: the truth links are scored against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub people: BTreeMap<u32, LoadedPerson>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedPerson {
    /// The Tryton party ID.
    pub erp: Loaded,
    /// The Vendure customer ID.
    pub web: Loaded,
    /// The name as the web store holds it.
    pub web_name: String,
    pub web_email: String,
    pub erp_email: Option<String>,
    pub web_phone: Option<String>,
    pub erp_phone: Option<String>,
}

/// Loads `people` into both systems (the ERP first: it is the faster of the two). `progress`
/// hears (system, people done so far) after every batch.
pub async fn load(
    tryton: &TrytonClient,
    vendure: &VendureClient,
    people: &[Person],
    mut progress: impl FnMut(&'static str, usize),
) -> Result<Truth, LoadError> {
    let Some(first) = people.first() else {
        return Ok(Truth::default());
    };
    if tryton::holds(tryton, first).await? {
        return Err(LoadError::AlreadyLoaded {
            system: "Tryton",
            number: first.number,
        });
    }
    if vendure::holds(vendure, first).await? {
        return Err(LoadError::AlreadyLoaded {
            system: "Vendure",
            number: first.number,
        });
    }
    let mut done = 0;
    let mut erp = tryton::load(tryton, people, |n| {
        done += n;
        progress("Tryton", done);
    })
    .await?;
    let mut done = 0;
    let mut web = vendure::load(vendure, people, |n| {
        done += n;
        progress("Vendure", done);
    })
    .await?;

    let mut truth = Truth::default();
    for person in people {
        let (Some(erp), Some(web)) = (erp.remove(&person.number), web.remove(&person.number))
        else {
            return Err(LoadError::Unexpected(format!(
                "person {} was not created in both systems",
                person.number
            )));
        };
        truth.people.insert(
            person.number,
            LoadedPerson {
                erp,
                web,
                web_name: person.web.full_name(),
                web_email: person.web_email.clone(),
                erp_email: person.erp_email.clone(),
                web_phone: person.web_phone.clone(),
                erp_phone: person.erp_phone.clone(),
            },
        );
    }
    Ok(truth)
}
