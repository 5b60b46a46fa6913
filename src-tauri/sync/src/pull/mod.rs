//! The pull: reads every customer and order that changed in each system into the cache.
//!
//! It plans first ([`plan`]: which listing of which stream of which system, from which
//! position), then runs the listings: each system in its own task, its streams (customers,
//! then orders) one after the other, pages fetched while the previous page is being stored.
//! One writer stores the pages in order, each page in one transaction with the stream's new
//! position, so a pull killed at any point resumes after the last page it stored and ends
//! with the same cache as a pull never interrupted.
//!
//! What it must never do: advance a position past a page it did not store, stop every system
//! because one failed, or stop a stream because one record is odd (that record is set aside
//! with its reason, and cleared when a later pull reads it fine).
//!
//! Each system's "changed since" has its own gaps, covered here:
//! - Tryton stamps a change before its transaction commits, and Vendure's `updatedAt` has
//!   whole seconds: the next listing starts a margin ([`SystemPull::commit_margin`]) before
//!   the previous one started (by the server's clock), and records read again unchanged are
//!   not written again.
//! - Vendure does not date an address edit on its customer, and neither system lists
//!   deletions: a full listing runs every [`SystemPull::full_every`] (and on `--full`).
//! - A page can come back garbled, cut off, or served twice: transient failures are retried
//!   with backoff (honouring `Retry-After`), a page whose IDs all lie before the listing's
//!   position is asked for again (and when it keeps coming back, the listing is read again
//!   from its start, once), and a page with unreadable records is read again before they are
//!   set aside, since a related record missing from a broken answer looks like a bad record.
//!
//! TODO(sync): an earlier answer served in place of a listing's first page is noticed only
//! when the next page falls before it; one that falls in order is stored, and if it held older
//! versions they stay until those records change again or a full listing reads them.
//!
//! TODO(sync): records deleted in a system stay in the cache; a full listing could remove the
//! ones it no longer sees once the merged account can drop a source record.

pub mod plan;
pub mod source;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use concord_store::table::{sync_cursor, sync_status};
use rusqlite::Connection;
use serde::Serialize;

use crate::connector::ConnectorError;
use plan::{Listing, Position, StreamPlan, StreamState};
pub use source::{MappedPage, Source};
pub use store::{store_page, Stored};

/// The systems the cache knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SystemKind {
    Tryton,
    Vendure,
}

impl SystemKind {
    /// The name in the cache's `system` columns.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Tryton => "tryton",
            SystemKind::Vendure => "vendure",
        }
    }
}

/// What is pulled from each system, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Customers,
    Orders,
}

impl Stream {
    pub const ALL: [Stream; 2] = [Stream::Customers, Stream::Orders];

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Customers => "customers",
            Stream::Orders => "orders",
        }
    }
}

/// A system to pull from, and how its listings overlap.
pub struct SystemPull {
    pub source: Source,
    /// How often a full listing is due; `None` lists everything only when asked.
    pub full_every: Option<chrono::Duration>,
    /// How far before the previous listing's start the next one begins.
    pub commit_margin: chrono::Duration,
}

impl SystemPull {
    /// The defaults for a system: Tryton's transactions may commit minutes after they stamp a
    /// change; Vendure's only need its whole seconds covered, but an address edit shows only in
    /// a full listing, so those run more often.
    pub fn new(source: Source) -> Self {
        let (full_hours, margin) = match source.kind() {
            SystemKind::Tryton => (24, chrono::Duration::minutes(5)),
            SystemKind::Vendure => (6, chrono::Duration::minutes(1)),
        };
        Self {
            source,
            full_every: Some(chrono::Duration::hours(full_hours)),
            commit_margin: margin,
        }
    }
}

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetrySettings {
    /// Attempts after the first for a failure that may heal (timeouts, 429, 5xx).
    pub transient: usize,
    /// Attempts after the first for a page that came back unreadable or served twice.
    pub suspect: usize,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` obeyed; a longer one waits this long.
    pub max_retry_after: Duration,
    /// Reads of a page with unreadable records before they are set aside.
    pub rereads: usize,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            transient: 8,
            suspect: 4,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            rereads: 4,
        }
    }
}

/// What a pull is asked to do.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// List every record, not only what changed.
    pub full: bool,
    pub retry: RetrySettings,
}

/// Progress of one stream, reported after every stored page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub system: SystemKind,
    pub stream: Stream,
    /// Records received so far in this listing.
    pub records: u64,
    pub pages: u64,
    pub rate_per_sec: f64,
    pub done: bool,
}

/// Where progress goes (a progress bar, UI events).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How one stream's listing went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamReport {
    pub system: SystemKind,
    pub stream: Stream,
    pub full: bool,
    pub resumed: bool,
    pub pages: u64,
    /// Records the system sent.
    pub received: u64,
    /// Records new or changed, now waiting to be matched.
    pub changed: u64,
    pub unchanged: u64,
    pub set_aside: u64,
    /// Records that are no customer or order yet (carts).
    pub skipped: u64,
    /// Why the stream stopped early, when it did.
    pub error: Option<String>,
    pub seconds: f64,
}

/// How a pull went, stream by stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PullReport {
    pub streams: Vec<StreamReport>,
    pub seconds: f64,
}

impl PullReport {
    pub fn received(&self) -> u64 {
        self.streams.iter().map(|s| s.received).sum()
    }

    pub fn set_aside(&self) -> u64 {
        self.streams.iter().map(|s| s.set_aside).sum()
    }

    /// True when every stream read its listing to the end.
    pub fn complete(&self) -> bool {
        self.streams.iter().all(|s| s.error.is_none())
    }
}

/// The plan a pull of `systems` would follow now, from the positions stored in `conn`.
pub fn plan_for(
    conn: &Connection,
    systems: &[&SystemPull],
    full: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<StreamPlan>> {
    let mut states = Vec::new();
    for system in systems {
        let kind = system.source.kind();
        for stream in Stream::ALL {
            let stored = sync_cursor::get(conn, kind.as_str(), stream.as_str())?;
            states.push(StreamState {
                system: kind,
                stream,
                position: Position::parse(stored.as_deref()),
                full_every: system.full_every,
            });
        }
    }
    Ok(plan::plan(&states, full, now))
}

enum Message {
    Page {
        index: usize,
        page: MappedPage,
        position: String,
    },
    Done {
        index: usize,
        error: Option<String>,
    },
}

/// Pulls from every system in `systems` into the cache behind `conn`. Fails only when the
/// cache itself cannot be written; a system that fails is recorded in `sync_status` and in
/// the report, and the others go on.
pub async fn pull(
    mut conn: Connection,
    systems: Vec<SystemPull>,
    options: PullOptions,
    progress: Option<ProgressFn>,
) -> anyhow::Result<PullReport> {
    let started = Instant::now();
    let now = Utc::now();
    let refs: Vec<&SystemPull> = systems.iter().collect();
    let plans = plan_for(&conn, &refs, options.full, now)?;
    for system in &systems {
        sync_status::attempt(&conn, system.source.kind().as_str(), &stamp(now))?;
    }
    for p in &plans {
        tracing::info!(
            system = p.system.as_str(),
            stream = p.stream.as_str(),
            full = p.listing().full,
            resumed = p.resumed,
            "pull planned"
        );
    }

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(4);
    let mut fetchers = Vec::new();
    for system in systems {
        let kind = system.source.kind();
        let mine: Vec<(usize, StreamPlan)> = plans
            .iter()
            .enumerate()
            .filter(|(_, p)| p.system == kind)
            .map(|(i, p)| (i, p.clone()))
            .collect();
        let tx = tx.clone();
        let retry = options.retry.clone();
        fetchers.push(tokio::spawn(async move {
            let system = Arc::new(system);
            for (index, plan) in mine {
                let outcome = run_stream(&system, index, &plan, &retry, &tx).await;
                let error = match outcome {
                    Ok(()) => None,
                    Err(StreamStop::StoreGone) => return,
                    Err(StreamStop::Failed(e)) => Some(e.to_string()),
                };
                if tx.send(Message::Done { index, error }).await.is_err() {
                    return;
                }
            }
        }));
    }
    drop(tx);

    let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<StreamReport>> {
        let mut reports: Vec<StreamReport> = plans
            .iter()
            .map(|p| StreamReport {
                system: p.system,
                stream: p.stream,
                full: p.listing().full,
                resumed: p.resumed,
                pages: 0,
                received: 0,
                changed: 0,
                unchanged: 0,
                set_aside: 0,
                skipped: 0,
                error: None,
                seconds: 0.0,
            })
            .collect();
        let mut clocks: HashMap<usize, Instant> = HashMap::new();
        while let Some(message) = rx.blocking_recv() {
            match message {
                Message::Page {
                    index,
                    page,
                    position,
                } => {
                    let report = &mut reports[index];
                    let clock = *clocks.entry(index).or_insert_with(Instant::now);
                    let stored = store_page(
                        &mut conn,
                        report.system.as_str(),
                        report.stream,
                        &page,
                        &position,
                        &stamp(Utc::now()),
                    )?;
                    report.pages += 1;
                    report.received += page.received() as u64;
                    report.changed += stored.changed as u64;
                    report.unchanged += stored.unchanged as u64;
                    report.set_aside += stored.set_aside as u64;
                    report.skipped += page.skipped as u64;
                    report.seconds = clock.elapsed().as_secs_f64();
                    if let Some(progress) = &progress {
                        progress(&progress_of(report, false));
                    }
                }
                Message::Done { index, error } => {
                    let report = &mut reports[index];
                    report.error = error;
                    if let Some(clock) = clocks.get(&index) {
                        report.seconds = clock.elapsed().as_secs_f64();
                    }
                    if let Some(progress) = &progress {
                        progress(&progress_of(report, true));
                    }
                }
            }
        }

        // Each system's status: a success only when all its streams read to the end.
        let at = stamp(Utc::now());
        let mut kinds: Vec<SystemKind> = reports.iter().map(|r| r.system).collect();
        kinds.dedup();
        for kind in kinds {
            let errors: Vec<String> = reports
                .iter()
                .filter(|r| r.system == kind)
                .filter_map(|r| {
                    r.error
                        .as_ref()
                        .map(|e| format!("{}: {e}", r.stream.as_str()))
                })
                .collect();
            if errors.is_empty() {
                sync_status::success(&conn, kind.as_str(), &at)?;
            } else {
                sync_status::failure(&conn, kind.as_str(), &at, &errors.join("; "))?;
            }
        }
        Ok(reports)
    });

    let reports = writer.await??;
    for fetcher in fetchers {
        fetcher.await?;
    }
    Ok(PullReport {
        streams: reports,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn progress_of(report: &StreamReport, done: bool) -> Progress {
    Progress {
        system: report.system,
        stream: report.stream,
        records: report.received,
        pages: report.pages,
        rate_per_sec: if report.seconds > 0.0 {
            report.received as f64 / report.seconds
        } else {
            0.0
        },
        done,
    }
}

/// The moment as the cache stores it.
pub fn stamp(when: DateTime<Utc>) -> String {
    when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

enum StreamStop {
    /// The writer stopped (the cache failed); nothing more can be stored.
    StoreGone,
    Failed(ConnectorError),
}

/// Reads one listing page by page and hands each page to the writer with the position it
/// moves the stream to.
async fn run_stream(
    system: &SystemPull,
    index: usize,
    plan: &StreamPlan,
    retry: &RetrySettings,
    tx: &tokio::sync::mpsc::Sender<Message>,
) -> Result<(), StreamStop> {
    let base = Position {
        listing: None,
        ..plan.position.clone()
    };
    let mut listing = plan.listing().clone();
    let mut restarted = false;
    loop {
        let page = match read_page(&system.source, plan.stream, &listing, retry).await {
            Ok(page) => page,
            // Pages that keep coming back before the listing's position mean an earlier page
            // of this listing was not what it claimed (an answer to another request served
            // in its place). Reading the listing again from its start is always safe: every
            // page is stored idempotently.
            Err(error) if is_repeat(&error) && !restarted => {
                tracing::warn!(
                    stream = plan.stream.as_str(),
                    "pages came back out of order; reading the listing again from its start"
                );
                restarted = true;
                listing.after = None;
                listing.last_id = None;
                continue;
            }
            Err(error) => return Err(StreamStop::Failed(error)),
        };
        if listing.started_at.is_none() {
            listing.started_at = Some(page.server_time.unwrap_or_else(Utc::now));
        }
        if let Some(largest) = page.ids.iter().max_by(|a, b| compare_ids(a, b)) {
            let larger = listing
                .last_id
                .as_deref()
                .is_none_or(|last| compare_ids(largest, last).is_gt());
            if larger {
                listing.last_id = Some(largest.clone());
            }
        }
        let next = page.next;
        let position = match next {
            Some(cursor) => {
                listing.after = Some(cursor.into());
                Position {
                    listing: Some(listing.clone()),
                    ..base.clone()
                }
            }
            None => plan::finished(&base, &listing, system.commit_margin),
        };
        tx.send(Message::Page {
            index,
            page,
            position: position.to_json(),
        })
        .await
        .map_err(|_| StreamStop::StoreGone)?;
        if next.is_none() {
            return Ok(());
        }
    }
}

/// How a repeated page is described, and recognized.
const REPEAT: &str = "page after the last one stored came back again";

fn is_repeat(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Permanent { message, .. } if message.ends_with(REPEAT))
}

/// Record IDs compare as numbers when both are numbers (both systems number their records).
fn compare_ids(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// True when a page after the first holds nothing past the listing's position: the previous
/// page served again.
fn repeated(page: &MappedPage, listing: &Listing) -> bool {
    let Some(last) = listing.last_id.as_deref() else {
        return false;
    };
    listing.after.is_some()
        && !page.ids.is_empty()
        && page.ids.iter().all(|id| compare_ids(id, last).is_le())
}

/// Reads one page, retrying what may heal, and reading a page with unreadable records again
/// until two reads agree on which records they are.
async fn read_page(
    source: &Source,
    stream: Stream,
    listing: &Listing,
    retry: &RetrySettings,
) -> Result<MappedPage, ConnectorError> {
    let mut page = read_once(source, stream, listing, retry).await?;
    for _ in 1..retry.rereads {
        if page.rejected.is_empty() {
            break;
        }
        let again = read_once(source, stream, listing, retry).await?;
        let agreed = again.rejected_ids() == page.rejected_ids();
        page = again;
        if agreed {
            break;
        }
    }
    Ok(page)
}

async fn read_once(
    source: &Source,
    stream: Stream,
    listing: &Listing,
    retry: &RetrySettings,
) -> Result<MappedPage, ConnectorError> {
    let system = match source.kind() {
        SystemKind::Tryton => crate::connector::System::Tryton,
        SystemKind::Vendure => crate::connector::System::Vendure,
    };
    let suspects = AtomicUsize::new(0);
    let transients = AtomicUsize::new(0);
    let backoff = ExponentialBuilder::default()
        .with_min_delay(retry.first_delay)
        .with_max_delay(retry.max_delay)
        .with_max_times(retry.transient + retry.suspect)
        .with_jitter();
    let max_wait = retry.max_retry_after;
    let attempt = || async {
        let page = source
            .page(stream, listing.since, listing.after.map(Into::into))
            .await?;
        if repeated(&page, listing) {
            return Err(ConnectorError::permanent(
                system,
                format!("the {} {REPEAT}", stream.as_str()),
            ));
        }
        Ok(page)
    };
    attempt
        .retry(backoff)
        .when(|error: &ConnectorError| match error {
            ConnectorError::Transient { .. } => {
                transients.fetch_add(1, Ordering::Relaxed) < retry.transient
            }
            // A read changes nothing, so reading again is safe; a body garbled on the way
            // reads fine the next time, while a truly bad request fails the same way again.
            ConnectorError::Permanent { .. } => {
                suspects.fetch_add(1, Ordering::Relaxed) < retry.suspect
            }
            ConnectorError::Conflict { .. } | ConnectorError::Authentication { .. } => false,
        })
        .adjust(move |error, planned| {
            planned.map(|delay| {
                error
                    .retry_after()
                    .map_or(delay, |asked| asked.min(max_wait))
            })
        })
        .notify(|error, delay| {
            tracing::debug!(%error, ?delay, "page read failed; trying again");
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert!(compare_ids("9", "10").is_lt(), "9 comes before 10");
        assert!(compare_ids("b", "a").is_gt(), "text IDs compare as text");
    }

    #[test]
    fn a_page_holding_only_records_already_passed_is_a_repeat() {
        let listing = Listing {
            since: None,
            full: true,
            started_at: None,
            after: Some(plan::After::Skip(2)),
            last_id: Some("20".into()),
        };
        let page = |ids: &[&str]| MappedPage {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            ..MappedPage::default()
        };

        assert!(
            repeated(&page(&["19", "20"]), &listing),
            "the previous page again"
        );
        assert!(
            !repeated(&page(&["20", "21"]), &listing),
            "a shift by one is progress"
        );
        assert!(
            !repeated(&page(&[]), &listing),
            "an empty last page is no repeat"
        );
    }
}
