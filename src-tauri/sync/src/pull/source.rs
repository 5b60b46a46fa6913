//! One system as the pull sees it: a page of customers or orders, already mapped into the
//! shape the cache stores, with the records that could not be read beside them.

use chrono::{DateTime, Utc};
use concord_core::source::{SourceCustomer, SourceOrder};
use serde::Serialize;
use serde_json::Value;

use super::{Stream, SystemKind};
use crate::connector::{ConnectorError, Page, PageCursor, Rejected};
use crate::mapping::{self, Mapping};
use crate::tryton::{TrytonClient, TrytonParty, TrytonSale};
use crate::vendure::{VendureClient, VendureCustomer, VendureOrder};

/// A connected system and how its records map.
pub enum Source {
    Tryton {
        client: TrytonClient,
        mapping: Mapping,
    },
    Vendure {
        client: VendureClient,
        mapping: Mapping,
    },
}

/// A record ready to store: its normalized form and what the system sent.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub record: T,
    pub raw_payload: String,
}

/// A record that could not be read, as it will be set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedItem {
    pub system_id: String,
    pub reason: String,
    pub raw_payload: String,
}

/// One page, mapped.
#[derive(Debug, Clone, Default)]
pub struct MappedPage {
    pub customers: Vec<Item<SourceCustomer>>,
    pub orders: Vec<Item<SourceOrder>>,
    pub rejected: Vec<RejectedItem>,
    /// Records the system sent that are no customer or order yet (a web store cart).
    pub skipped: usize,
    /// Every record ID on the page, read or not, to notice a page served twice.
    pub ids: Vec<String>,
    pub next: Option<PageCursor>,
    pub server_time: Option<DateTime<Utc>>,
}

impl MappedPage {
    /// Records the system sent on this page.
    pub fn received(&self) -> usize {
        self.customers.len() + self.orders.len() + self.rejected.len() + self.skipped
    }

    /// The rejected IDs, to compare two reads of the same page.
    pub fn rejected_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.rejected.iter().map(|r| r.system_id.as_str()).collect();
        ids.sort_unstable();
        ids
    }
}

impl Source {
    pub fn kind(&self) -> SystemKind {
        match self {
            Source::Tryton { .. } => SystemKind::Tryton,
            Source::Vendure { .. } => SystemKind::Vendure,
        }
    }

    /// Reads one page of `stream` changed since `since`, from `after`, without mapping it:
    /// the download alone, which the sync benchmark compares the pull against.
    pub async fn download(
        &self,
        stream: Stream,
        since: Option<DateTime<Utc>>,
        after: Option<PageCursor>,
    ) -> Result<(usize, Option<PageCursor>), ConnectorError> {
        Ok(match (self, stream) {
            (Source::Tryton { client, .. }, Stream::Customers) => {
                let p = client.parties_changed_since(since, after).await?;
                (p.records.len() + p.rejected.len(), p.next)
            }
            (Source::Tryton { client, .. }, Stream::Orders) => {
                let p = client.sales_changed_since(since, after).await?;
                (p.records.len() + p.rejected.len(), p.next)
            }
            (Source::Vendure { client, .. }, Stream::Customers) => {
                let p = client.customers_changed_since(since, after).await?;
                (p.records.len() + p.rejected.len(), p.next)
            }
            (Source::Vendure { client, .. }, Stream::Orders) => {
                let p = client.orders_changed_since(since, after).await?;
                (p.records.len() + p.rejected.len(), p.next)
            }
        })
    }

    /// Reads and maps one page of `stream` changed since `since`, from `after`.
    pub async fn page(
        &self,
        stream: Stream,
        since: Option<DateTime<Utc>>,
        after: Option<PageCursor>,
    ) -> Result<MappedPage, ConnectorError> {
        Ok(match (self, stream) {
            (Source::Tryton { client, mapping }, Stream::Customers) => {
                let page = client.parties_changed_since(since, after).await?;
                map_page(page, |party| {
                    let raw = party_payload(&party);
                    Mapped::Customer(Box::new(mapping::tryton_customer(&party, mapping)), raw)
                })
            }
            (Source::Tryton { client, mapping }, Stream::Orders) => {
                let page = client.sales_changed_since(since, after).await?;
                map_page(page, |sale| {
                    let raw = sale_payload(&sale);
                    match mapping::tryton_order(&sale, mapping) {
                        Ok(order) => Mapped::Order(Box::new(order), raw),
                        Err(reason) => Mapped::Rejected(sale.id.to_string(), reason, raw),
                    }
                })
            }
            (Source::Vendure { client, mapping }, Stream::Customers) => {
                let page = client.customers_changed_since(since, after).await?;
                map_page(page, |customer: VendureCustomer| {
                    let raw = customer.raw.to_string();
                    Mapped::Customer(Box::new(mapping::vendure_customer(&customer, mapping)), raw)
                })
            }
            (Source::Vendure { client, .. }, Stream::Orders) => {
                let page = client.orders_changed_since(since, after).await?;
                map_page(page, |order: VendureOrder| {
                    match mapping::vendure_order(&order) {
                        Some(mapped) => Mapped::Order(Box::new(mapped), order.raw.to_string()),
                        None => Mapped::Skipped(order.id.clone()),
                    }
                })
            }
        })
    }
}

enum Mapped {
    Customer(Box<SourceCustomer>, String),
    Order(Box<SourceOrder>, String),
    Rejected(String, String, String),
    Skipped(String),
}

fn map_page<T>(page: Page<T>, map: impl Fn(T) -> Mapped) -> MappedPage {
    let mut mapped = MappedPage {
        next: page.next,
        server_time: page.server_time,
        ..MappedPage::default()
    };
    for record in page.records {
        match map(record) {
            Mapped::Customer(record, raw_payload) => {
                mapped.ids.push(record.system_id.clone());
                mapped.customers.push(Item {
                    record: *record,
                    raw_payload,
                });
            }
            Mapped::Order(record, raw_payload) => {
                mapped.ids.push(record.system_id.clone());
                mapped.orders.push(Item {
                    record: *record,
                    raw_payload,
                });
            }
            Mapped::Rejected(system_id, reason, raw_payload) => {
                mapped.ids.push(system_id.clone());
                mapped.rejected.push(RejectedItem {
                    system_id,
                    reason,
                    raw_payload,
                });
            }
            Mapped::Skipped(id) => {
                mapped.ids.push(id);
                mapped.skipped += 1;
            }
        }
    }
    for rejected in page.rejected {
        let item = rejected_item(rejected);
        mapped.ids.push(item.system_id.clone());
        mapped.rejected.push(item);
    }
    mapped
}

/// A record the connector could not read. One whose ID could not be read either is keyed by
/// a digest of what was sent, so two such records never replace each other's set-aside row.
fn rejected_item(rejected: Rejected) -> RejectedItem {
    let raw_payload = rejected.raw.to_string();
    let system_id = rejected
        .source_id
        .unwrap_or_else(|| format!("unreadable-{:016x}", fnv1a(raw_payload.as_bytes())));
    RejectedItem {
        system_id,
        reason: rejected.reason,
        raw_payload,
    }
}

/// FNV-1a: a digest that stays the same across builds and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What Tryton sent for a party: the party and the records it names, each as received.
fn party_payload(party: &TrytonParty) -> String {
    #[derive(Serialize)]
    struct Payload<'a> {
        party: &'a Value,
        addresses: Vec<&'a Value>,
        contact_mechanisms: Vec<&'a Value>,
    }
    // Serialized from references: a copy of every value would cost as much as the download.
    serde_json::to_string(&Payload {
        party: &party.raw,
        addresses: party.addresses.iter().map(|a| &a.raw).collect(),
        contact_mechanisms: party.contacts.iter().map(|c| &c.raw).collect(),
    })
    .expect("JSON values always serialize")
}

/// What Tryton sent for a sale: the sale, its lines and its addresses, each as received.
fn sale_payload(sale: &TrytonSale) -> String {
    #[derive(Serialize)]
    struct Payload<'a> {
        sale: &'a Value,
        lines: Vec<&'a Value>,
        invoice_address: Option<&'a Value>,
        shipment_address: Option<&'a Value>,
    }
    serde_json::to_string(&Payload {
        sale: &sale.raw,
        lines: sale.lines.iter().map(|l| &l.raw).collect(),
        invoice_address: sale.invoice_address.as_ref().map(|a| &a.raw),
        shipment_address: sale.shipment_address.as_ref().map(|a| &a.raw),
    })
    .expect("JSON values always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_without_an_id_get_distinct_stable_keys() {
        let a = Rejected {
            source_id: None,
            raw: json!({"name": "a"}),
            reason: "id is missing".into(),
        };
        let b = Rejected {
            raw: json!({"name": "b"}),
            ..a.clone()
        };

        let keys = [rejected_item(a.clone()), rejected_item(b), rejected_item(a)]
            .map(|item| item.system_id);

        assert_ne!(keys[0], keys[1], "two unreadable records must both be kept");
        assert_eq!(
            keys[0], keys[2],
            "the same record read again replaces its own row"
        );
        assert!(keys[0].starts_with("unreadable-"), "{}", keys[0]);
    }
}
