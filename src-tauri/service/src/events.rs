//! What the service tells its host while it works: sync progress, a finished sync, and "the
//! status bar is out of date". The desktop shell forwards each event to the UI; the command
//! line draws a progress bar from them; tests collect them.
//!
//! Events carry no personal data: counts, system and stream names, and messages about the
//! systems only.

use serde::Serialize;
use ts_rs::TS;

use crate::sync::SyncSummary;

/// Something the UI may want to redraw for.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum Event {
    /// A page of one stream was stored (or the stream ended: `done`).
    SyncProgress {
        /// `tryton` or `vendure`.
        system: String,
        /// `customers` or `orders`.
        stream: String,
        /// Records received so far in this stream's listing.
        #[ts(type = "number")]
        records: u64,
        #[ts(type = "number")]
        pages: u64,
        rate_per_sec: f64,
        done: bool,
    },
    /// A sync ended; what it did.
    SyncFinished { summary: SyncSummary },
    /// Something the status bar shows changed (sync state, outbox, review counts).
    StatusChanged,
}

/// Receives the service's events. Implementations must return quickly: events are emitted
/// from the thread doing the work.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// Drops every event: the default until a host sets its own.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: Event) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_crosses_ipc_tagged_and_in_camel_case() {
        let event = Event::SyncProgress {
            system: "vendure".into(),
            stream: "customers".into(),
            records: 200,
            pages: 2,
            rate_per_sec: 100.0,
            done: false,
        };

        let json = serde_json::to_value(&event).unwrap();

        assert_eq!(
            json,
            serde_json::json!({"kind": "syncProgress", "system": "vendure",
                "stream": "customers", "records": 200, "pages": 2, "ratePerSec": 100.0,
                "done": false}),
            "the UI switches on `kind` and reads camelCase fields"
        );
    }

    #[test]
    fn a_status_change_is_only_its_kind() {
        let json = serde_json::to_value(Event::StatusChanged).unwrap();

        assert_eq!(json, serde_json::json!({"kind": "statusChanged"}));
    }
}
