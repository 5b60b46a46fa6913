//! What the status bar shows: the state of sync, the pushes still waiting, and who is at the
//! keyboard.
//!
//! Every value here is computed from what exists; a state Concord cannot know yet is reported
//! as such, never guessed.

use concord_store::table::sync_status::{self, SyncStatus};
use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::config::Role;

/// The state of the app as a rep sees it at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    pub sync: SyncState,
    /// Corrections queued in the outbox and not yet confirmed by every target system.
    pub pending_pushes: u32,
    pub user: String,
    pub role: Role,
}

/// Where synchronization with the external systems stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum SyncState {
    /// No pull from any system has completed in this data folder.
    NeverSynced,
    /// The last pull of every system succeeded; `at` is the oldest of those pulls, so the
    /// cache is at least that fresh.
    Synced { at: String },
    /// The last pull of `system` failed with `error`.
    Failed {
        system: String,
        error: String,
        /// When that system last synced without an error, if ever.
        last_success_at: Option<String>,
    },
}

impl SyncState {
    /// The state from the systems' recorded pulls.
    pub fn from_systems(systems: &[SyncStatus]) -> SyncState {
        if let Some(failed) = systems.iter().find(|s| s.last_error.is_some()) {
            return SyncState::Failed {
                system: failed.system.clone(),
                error: failed.last_error.clone().unwrap_or_default(),
                last_success_at: failed.last_success_at.clone(),
            };
        }
        // The cache is as fresh as its stalest system; one never synced tells nothing yet.
        match systems
            .iter()
            .filter_map(|s| s.last_success_at.as_ref())
            .min()
        {
            Some(at) => SyncState::Synced { at: at.clone() },
            None => SyncState::NeverSynced,
        }
    }

    /// The state recorded in the cache.
    pub fn read(conn: &Connection) -> rusqlite::Result<SyncState> {
        Ok(Self::from_systems(&sync_status::all(conn)?))
    }

    /// Words for the status bar and the command line.
    pub fn describe(&self) -> String {
        match self {
            SyncState::NeverSynced => "never synced".to_owned(),
            SyncState::Synced { at } => format!("synced (oldest system at {at})"),
            SyncState::Failed {
                system,
                error,
                last_success_at,
            } => match last_success_at {
                Some(at) => format!("{system} failed: {error} (last synced at {at})"),
                None => format!("{system} failed: {error} (never synced)"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(name: &str, success: Option<&str>, error: Option<&str>) -> SyncStatus {
        SyncStatus {
            system: name.into(),
            last_attempt_at: Some("t9".into()),
            last_success_at: success.map(Into::into),
            last_error: error.map(Into::into),
            records_pulled: 0,
        }
    }

    #[test]
    fn no_recorded_pull_means_never_synced() {
        assert_eq!(SyncState::from_systems(&[]), SyncState::NeverSynced);
    }

    #[test]
    fn the_cache_is_as_fresh_as_its_stalest_system() {
        let systems = [
            system("tryton", Some("t2"), None),
            system("vendure", Some("t1"), None),
        ];

        let state = SyncState::from_systems(&systems);

        assert_eq!(state, SyncState::Synced { at: "t1".into() });
    }

    #[test]
    fn a_failing_system_is_shown_with_its_error_and_last_success() {
        let systems = [
            system("tryton", Some("t2"), None),
            system("vendure", Some("t1"), Some("HTTP 503")),
        ];

        let state = SyncState::from_systems(&systems);

        assert_eq!(
            state.describe(),
            "vendure failed: HTTP 503 (last synced at t1)",
            "a rep must see that data from the web store may be old"
        );
    }
}
