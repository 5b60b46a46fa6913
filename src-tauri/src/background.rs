//! The desktop's background work: pushing waiting corrections to the systems and pulling
//! what changed there, on a schedule, on a thread of its own so the window never waits.
//!
//! Both steps are service operations; this module only decides when to run them. A system
//! that cannot be reached is not an error here: its corrections stay queued in the outbox
//! and the next round tries again, which is how a correction made offline goes out once the
//! network is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use concord_service::events::{Event, EventSink};
use concord_service::{Service, SyncOptions};
use concord_sync::push::PushSettings;

/// How often the outbox is looked at; a correction waits at most this long to go out.
const PUSH_EVERY: Duration = Duration::from_secs(2);

/// How often the systems are asked what changed.
const SYNC_EVERY: Duration = Duration::from_secs(60);

/// How often while a system is unreachable (a sync failed, or pushes stay queued): the status
/// bar's "offline" and "online" come from sync attempts, so they follow the network within
/// this long.
const SYNC_EVERY_WHILE_OFFLINE: Duration = Duration::from_secs(10);

/// Starts the schedule. It runs until the process ends; `events` hears when the outbox or a
/// pull may have changed what the window shows.
pub fn start(service: Service, events: Arc<dyn EventSink>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("sync-and-push".into())
        .spawn(move || {
            let mut last_sync: Option<Instant> = None;
            let mut offline = false;
            loop {
                let still_waiting = push_waiting(&service, events.as_ref());
                let every = if offline || still_waiting {
                    SYNC_EVERY_WHILE_OFFLINE
                } else {
                    SYNC_EVERY
                };
                if last_sync.is_none_or(|at| at.elapsed() >= every) {
                    last_sync = Some(Instant::now());
                    offline = match service.sync(SyncOptions::default()) {
                        Ok(summary) => summary.streams.iter().any(|s| s.error.is_some()),
                        Err(err) => {
                            // The status bar reads the failure from the sync status; the log
                            // keeps it for the operator.
                            tracing::warn!("background sync failed: {err}");
                            true
                        }
                    };
                    // A pull may bring confirmations of pushed corrections.
                    events.emit(Event::StatusChanged);
                }
                std::thread::sleep(PUSH_EVERY);
            }
        })
        .map(|_| ())
}

/// Pushes what waits in the outbox; says whether something still waits afterwards.
fn push_waiting(service: &Service, events: &dyn EventSink) -> bool {
    match service.pending_pushes() {
        Ok(0) => false,
        Ok(_) => {
            if let Err(err) = service.push_now(&PushSettings::default()) {
                tracing::warn!("background push failed: {err}");
            }
            events.emit(Event::StatusChanged);
            service.pending_pushes().map_or(true, |left| left > 0)
        }
        Err(err) => {
            tracing::warn!("could not count the outbox: {err}");
            false
        }
    }
}
