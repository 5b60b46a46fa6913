//! The plan: from where each stream of each system stands, what this pull will list.
//!
//! Pure: it reads stored positions and the options and returns the listings to run, so what a
//! sync will do can be shown and tested without a network.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Stream, SystemKind};
use crate::connector::PageCursor;

/// Where one stream of one system stands, as stored in `sync_cursor.position` (JSON).
///
/// `since` is where the next listing starts; `listing` is a listing in progress, written with
/// every page it stores, so a pull killed between two pages resumes after the last page it
/// stored instead of starting over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Position {
    /// Records changed at or after this moment (server clock) have not all been read yet.
    pub since: Option<DateTime<Utc>>,
    /// When the last full listing started, if one ever completed.
    pub last_full: Option<DateTime<Utc>>,
    pub listing: Option<Listing>,
}

/// A listing: "everything changed since" (or everything), read page after page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// `None` lists every record.
    pub since: Option<DateTime<Utc>>,
    pub full: bool,
    /// The server's clock when the first page was answered: the next listing starts from it.
    pub started_at: Option<DateTime<Utc>>,
    /// Where the next page starts; `None` before the first page.
    pub after: Option<After>,
    /// The largest record ID stored so far in this listing, to notice a page served twice.
    pub last_id: Option<String>,
}

/// [`PageCursor`] in a form that survives JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum After {
    Id(i64),
    Skip(u64),
}

impl From<PageCursor> for After {
    fn from(cursor: PageCursor) -> Self {
        match cursor {
            PageCursor::AfterId(id) => After::Id(id),
            PageCursor::Skip(skip) => After::Skip(skip),
        }
    }
}

impl From<After> for PageCursor {
    fn from(after: After) -> Self {
        match after {
            After::Id(id) => PageCursor::AfterId(id),
            After::Skip(skip) => PageCursor::Skip(skip),
        }
    }
}

impl Position {
    /// Reads a stored position; one this build cannot read means "start from scratch", which
    /// costs a full listing and loses nothing.
    pub fn parse(text: Option<&str>) -> Position {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a position always serializes")
    }
}

/// What the plan knows about one stream.
#[derive(Debug, Clone)]
pub struct StreamState {
    pub system: SystemKind,
    pub stream: Stream,
    pub position: Position,
    /// How often a full listing is due (`None`: only when asked).
    pub full_every: Option<Duration>,
}

/// One listing the pull will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPlan {
    pub system: SystemKind,
    pub stream: Stream,
    /// The position the listing starts from (its `listing` is the one to run).
    pub position: Position,
    /// True when this continues a listing an earlier pull did not finish.
    pub resumed: bool,
}

impl StreamPlan {
    pub fn listing(&self) -> &Listing {
        self.position
            .listing
            .as_ref()
            .expect("a planned stream always has a listing")
    }
}

/// Decides, for every stream, which listing to run: an unfinished one is resumed (unless a
/// full listing is asked for and it is not one); otherwise a full listing when asked, when
/// the stream was never read, or when the last full listing is older than `full_every`;
/// otherwise the records changed since the stored `since`.
pub fn plan(states: &[StreamState], force_full: bool, now: DateTime<Utc>) -> Vec<StreamPlan> {
    states
        .iter()
        .map(|state| {
            let mut position = state.position.clone();
            if let Some(listing) = &position.listing {
                if listing.full || !force_full {
                    return StreamPlan {
                        system: state.system,
                        stream: state.stream,
                        position,
                        resumed: true,
                    };
                }
            }
            let due = match (state.full_every, position.last_full) {
                (_, None) => true,
                (Some(every), Some(last)) => now - last >= every,
                (None, Some(_)) => false,
            };
            let full = force_full || position.since.is_none() || due;
            position.listing = Some(Listing {
                since: if full { None } else { position.since },
                full,
                started_at: None,
                after: None,
                last_id: None,
            });
            StreamPlan {
                system: state.system,
                stream: state.stream,
                position,
                resumed: false,
            }
        })
        .collect()
}

/// The position once `listing` has read its last page: the next listing starts `margin`
/// before this one started, since a change may be stamped before it commits.
pub fn finished(position: &Position, listing: &Listing, margin: Duration) -> Position {
    let started = listing.started_at;
    Position {
        since: started.map(|s| s - margin).or(position.since),
        last_full: if listing.full {
            started
        } else {
            position.last_full
        },
        listing: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, hour, 0, 0).unwrap()
    }

    fn state(position: Position) -> StreamState {
        StreamState {
            system: SystemKind::Vendure,
            stream: Stream::Customers,
            position,
            full_every: Some(Duration::hours(6)),
        }
    }

    fn listing(full: bool) -> Listing {
        Listing {
            since: None,
            full,
            started_at: Some(at(1)),
            after: Some(After::Skip(200)),
            last_id: Some("200".into()),
        }
    }

    #[test]
    fn a_stream_never_read_is_listed_in_full() {
        let plans = plan(&[state(Position::default())], false, at(9));

        let listing = plans[0].listing();
        assert!(
            listing.full && listing.since.is_none(),
            "nothing is known yet"
        );
        assert!(!plans[0].resumed);
    }

    #[test]
    fn a_stream_read_recently_lists_only_what_changed_since() {
        let position = Position {
            since: Some(at(8)),
            last_full: Some(at(7)),
            listing: None,
        };

        let plans = plan(&[state(position)], false, at(9));

        let listing = plans[0].listing();
        assert_eq!(listing.since, Some(at(8)));
        assert!(!listing.full, "the last full listing is 2 h old, under 6 h");
    }

    #[test]
    fn a_full_listing_is_due_after_its_period_or_when_asked() {
        let position = Position {
            since: Some(at(8)),
            last_full: Some(at(1)),
            listing: None,
        };

        let due = plan(&[state(position.clone())], false, at(9));
        let mut recent = position.clone();
        recent.last_full = Some(at(8));
        let asked = plan(&[state(recent)], true, at(9));

        assert!(
            due[0].listing().full,
            "8 h since the last full listing, every 6 h"
        );
        assert!(asked[0].listing().full, "--full always lists everything");
    }

    #[test]
    fn an_unfinished_listing_is_resumed_where_it_stopped() {
        let position = Position {
            since: Some(at(0)),
            last_full: Some(at(0)),
            listing: Some(Listing {
                full: false,
                since: Some(at(0)),
                ..listing(false)
            }),
        };

        let plans = plan(&[state(position)], false, at(9));

        assert!(
            plans[0].resumed,
            "a killed pull goes on from its last stored page"
        );
        assert_eq!(plans[0].listing().after, Some(After::Skip(200)));
    }

    #[test]
    fn asking_for_full_replaces_an_unfinished_incremental_listing_but_not_a_full_one() {
        let incremental = Position {
            since: Some(at(0)),
            last_full: Some(at(0)),
            listing: Some(listing(false)),
        };
        let full = Position {
            listing: Some(listing(true)),
            ..incremental.clone()
        };

        let plans = plan(&[state(incremental), state(full)], true, at(9));

        assert!(
            !plans[0].resumed && plans[0].listing().after.is_none(),
            "starts over, full"
        );
        assert!(
            plans[1].resumed,
            "a full listing under way already is what was asked"
        );
    }

    #[test]
    fn a_finished_listing_moves_since_to_its_start_less_the_margin() {
        let position = Position::default();
        let done = listing(true);

        let next = finished(&position, &done, Duration::minutes(5));

        assert_eq!(next.since, Some(at(1) - Duration::minutes(5)));
        assert_eq!(
            next.last_full,
            Some(at(1)),
            "a full listing dates the next one"
        );
        assert_eq!(next.listing, None);
    }

    #[test]
    fn a_position_round_trips_and_an_unreadable_one_starts_over() {
        let position = Position {
            since: Some(at(3)),
            last_full: None,
            listing: Some(listing(true)),
        };

        let read = Position::parse(Some(&position.to_json()));
        let garbage = Position::parse(Some("2026-12-03T00:00:00Z"));

        assert_eq!(read, position);
        assert_eq!(
            garbage,
            Position::default(),
            "an old format means a full listing"
        );
    }
}
