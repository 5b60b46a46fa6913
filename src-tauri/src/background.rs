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

/// Starts the schedule. It runs until the process ends; `events` hears when the outbox or a
/// pull may have changed what the window shows.
pub fn start(service: Service, events: Arc<dyn EventSink>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("sync-and-push".into())
        .spawn(move || {
            let mut last_sync: Option<Instant> = None;
            loop {
                push_waiting(&service, events.as_ref());
                if last_sync.is_none_or(|at| at.elapsed() >= SYNC_EVERY) {
                    last_sync = Some(Instant::now());
                    if let Err(err) = service.sync(SyncOptions::default()) {
                        // The status bar reads the failure from the sync status; the log
                        // keeps it for the operator.
                        tracing::warn!("background sync failed: {err}");
                    }
                    // A pull may bring confirmations of pushed corrections.
                    events.emit(Event::StatusChanged);
                }
                std::thread::sleep(PUSH_EVERY);
            }
        })
        .map(|_| ())
}

fn push_waiting(service: &Service, events: &dyn EventSink) {
    match service.pending_pushes() {
        Ok(0) => {}
        Ok(_) => {
            match service.push_now(&PushSettings::default()) {
                Ok(_) => {}
                Err(err) => tracing::warn!("background push failed: {err}"),
            }
            events.emit(Event::StatusChanged);
        }
        Err(err) => tracing::warn!("could not count the outbox: {err}"),
    }
}
