//! What the status bar shows: the state of sync, the pushes still waiting, and who is at the
//! keyboard.
//!
//! Every value here is computed from what exists; a state Concord cannot know yet is reported
//! as such, never guessed.

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
#[serde(tag = "state", rename_all = "camelCase")]
#[ts(export)]
pub enum SyncState {
    /// No pull from any system has completed in this data folder.
    NeverSynced,
}

impl SyncState {
    /// Words for the status bar and the command line.
    pub fn describe(&self) -> &'static str {
        match self {
            SyncState::NeverSynced => "never synced",
        }
    }
}
