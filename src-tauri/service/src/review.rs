//! The review queue: uncertain matches, disagreements between systems and colliding edits,
//! each waiting for a supervisor, with the evidence to decide on.
//!
//! Anyone may list and read items; only a role with [`Permission::DecideReview`] may decide
//! or undo, checked here whatever the host shows. A decision changes the cache through
//! `concord_store::resolve` (links, pinned values, pairs kept apart), is audited with who,
//! when, before and after, and can be undone to exactly the state before it.
//!
//! The match evidence shown is the engine's explanation as stored when the item was raised:
//! prior, each field's weight in bits with both values, the total and the probability. It is
//! never recomputed here.

use anyhow::Context as _;
use concord_store::resolve::{self, Action, DecisionError};
use concord_store::table::{customer, review_item};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, ServiceError};
use crate::events::Event;
use crate::roles::{require, Permission};
use crate::Service;

/// The most items one listing returns.
pub const MAX_ITEMS: i64 = 500;

/// What kind of question an item asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewKind {
    /// Two source records may or may not be the same customer.
    UncertainMatch,
    /// The system that owns a field and another system hold different values.
    Disagreement,
    /// Two people changed the same field from the same base.
    CollidingEdit,
    /// A system refused a push because its copy changed since.
    Conflict,
}

impl ReviewKind {
    fn parse(s: &str) -> Option<ReviewKind> {
        Some(match s {
            "uncertain_match" => ReviewKind::UncertainMatch,
            "disagreement" => ReviewKind::Disagreement,
            "colliding_edit" => ReviewKind::CollidingEdit,
            "conflict" => ReviewKind::Conflict,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewState {
    /// Waiting for a supervisor (again, after an undo).
    Open,
    Decided,
}

impl ReviewState {
    fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Decided => "decided",
        }
    }

    /// Undoing a decision reopens its item, so an item is either open or decided.
    fn parse(s: &str) -> ReviewState {
        match s {
            "decided" => ReviewState::Decided,
            _ => ReviewState::Open,
        }
    }
}

/// A supervisor's decision, as the UI and the command line send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "camelCase")]
#[ts(export)]
pub enum ReviewDecision {
    /// The two records are one customer.
    Link,
    /// The two records are different people; asked again if a compared field changes.
    NotSamePerson,
    /// Move these source records (cache ids) out of the item's customer into a new one.
    Split {
        #[ts(type = "number[]")]
        records: Vec<i64>,
    },
    /// Show this value for the field until the decision is undone.
    Pick { field: String, value: String },
    /// Keep what is shown.
    Keep,
}

impl From<&ReviewDecision> for Action {
    fn from(d: &ReviewDecision) -> Action {
        match d {
            ReviewDecision::Link => Action::Link,
            ReviewDecision::NotSamePerson => Action::NotSamePerson,
            ReviewDecision::Split { records } => Action::Split {
                records: records.clone(),
            },
            ReviewDecision::Pick { field, value } => Action::Pick {
                field: field.clone(),
                value: value.clone(),
            },
            ReviewDecision::Keep => Action::Keep,
        }
    }
}

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ReviewKind,
    pub state: ReviewState,
    #[ts(type = "number | null")]
    pub customer_id: Option<i64>,
    /// The customer's name as shown now, when the item is about one.
    pub customer_name: Option<String>,
    /// One line saying what is to be decided.
    pub headline: String,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// A record of an uncertain match, as the supervisor sees it named.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordRef {
    pub system: String,
    pub system_id: String,
    #[ts(type = "number | null")]
    pub source_record_id: Option<i64>,
}

/// One field's line in a match explanation.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldWeight {
    pub field: String,
    /// How the two values compared (exact, one edit, phonetic, different, missing, ...).
    pub level: String,
    pub left: Option<String>,
    pub right: Option<String>,
    /// This field's contribution to the match weight, in bits (negative counts against).
    pub bits: f64,
    /// The weight was raised because the value is rare (or lowered because common).
    pub frequency_adjusted: bool,
}

/// Why two records may be the same customer: prior + every field's bits = total; the
/// probability follows from the total alone.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MatchEvidence {
    pub left: RecordRef,
    pub right: RecordRef,
    pub prior_bits: f64,
    pub fields: Vec<FieldWeight>,
    pub total_bits: f64,
    pub probability: f64,
    /// Why the engine asked a person instead of deciding, in words a supervisor reads.
    pub held_because: String,
}

/// A value a system holds, with where and when.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HeldValue {
    pub value: String,
    pub system: String,
    pub system_id: Option<String>,
    pub at: Option<String>,
}

/// Two systems disagreeing on a field the first one owns.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisagreementEvidence {
    pub field: String,
    /// What the account shows: the owner's value.
    pub shown: HeldValue,
    /// What the other systems say.
    pub others: Vec<HeldValue>,
}

/// Everything about one item.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewDetail {
    pub summary: ReviewSummary,
    pub match_evidence: Option<MatchEvidence>,
    pub disagreement: Option<DisagreementEvidence>,
    /// The item's subject and evidence as stored, for kinds without a typed view (colliding
    /// edits and conflicts carry base, ours and theirs here).
    #[ts(type = "unknown")]
    pub subject: serde_json::Value,
    #[ts(type = "unknown")]
    pub evidence: serde_json::Value,
    #[ts(type = "unknown")]
    pub decision: Option<serde_json::Value>,
    /// The decisions that fit this kind of item.
    pub actions: Vec<String>,
}

impl Service {
    /// The review queue, newest first: open items by default, or items in `state`.
    #[tracing::instrument(skip(self), err)]
    pub fn review_list(&self, state: Option<ReviewState>) -> Result<Vec<ReviewSummary>> {
        let conn = self.cache().read();
        let state = state.unwrap_or(ReviewState::Open);
        let items = review_item::list(&conn, Some(state.as_str()), MAX_ITEMS)
            .context("reading the review queue")?;
        items.iter().map(|i| summary(&conn, i)).collect()
    }

    /// One item with its evidence.
    #[tracing::instrument(skip(self), err)]
    pub fn review_show(&self, id: i64) -> Result<ReviewDetail> {
        let conn = self.cache().read();
        let item = review_item::get(&conn, id)
            .context("reading the review item")?
            .ok_or_else(|| ServiceError::not_found(format!("no review item {id}")))?;
        detail(&conn, &item)
    }

    /// Decides an open item. Supervisors only.
    #[tracing::instrument(skip(self, decision), err)]
    pub fn review_decide(&self, id: i64, decision: &ReviewDecision) -> Result<ReviewDetail> {
        let user = &self.config().user;
        require(user.role, Permission::DecideReview)?;
        let item = {
            let mut conn = self.cache().write();
            resolve::decide(
                &mut conn,
                id,
                &Action::from(decision),
                &user.name,
                &now(),
                &self.resolve_settings()?,
            )
            .map_err(decision_error)?
        };
        tracing::info!(id, "review item decided");
        // The open count on the status bar changed.
        self.emit(Event::StatusChanged);
        let conn = self.cache().read();
        detail(&conn, &item)
    }

    /// Undoes the decision on an item, which is open again afterwards. Supervisors only.
    #[tracing::instrument(skip(self), err)]
    pub fn review_undo(&self, id: i64) -> Result<ReviewDetail> {
        let user = &self.config().user;
        require(user.role, Permission::DecideReview)?;
        let item = {
            let mut conn = self.cache().write();
            resolve::undo(&mut conn, id, &user.name, &now(), &self.resolve_settings()?)
                .map_err(decision_error)?
        };
        tracing::info!(id, "review decision undone");
        self.emit(Event::StatusChanged);
        let conn = self.cache().read();
        detail(&conn, &item)
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn decision_error(e: DecisionError) -> ServiceError {
    match e {
        DecisionError::NotFound(_) => ServiceError::not_found(e.to_string()),
        DecisionError::NotOpen { .. }
        | DecisionError::NotDecided { .. }
        | DecisionError::InvalidAction(_) => ServiceError::invalid_input(e.to_string()),
        DecisionError::Other(e) => e.into(),
    }
}

fn summary(conn: &rusqlite::Connection, item: &review_item::ReviewItem) -> Result<ReviewSummary> {
    let kind = ReviewKind::parse(&item.kind).ok_or_else(|| {
        ServiceError::internal(format!(
            "review item {} has an unknown kind {:?}",
            item.id, item.kind
        ))
    })?;
    let customer_name = match item.customer_id {
        Some(id) => customer::get(conn, id)
            .context("reading the item's customer")?
            .map(|c| c.display_name),
        None => None,
    };
    Ok(ReviewSummary {
        id: item.id,
        kind,
        state: ReviewState::parse(&item.state),
        customer_id: item.customer_id,
        customer_name,
        headline: headline(kind, item),
        created_at: item.created_at.clone(),
        decided_by: item.decided_by.clone(),
        decided_at: item.decided_at.clone(),
    })
}

fn headline(kind: ReviewKind, item: &review_item::ReviewItem) -> String {
    match kind {
        ReviewKind::UncertainMatch => {
            let p = item.evidence["probability"].as_f64().unwrap_or(0.0);
            let name = |i: usize| {
                let r = &item.subject["records"][i];
                format!(
                    "{} {}",
                    r["system"].as_str().unwrap_or("?"),
                    r["systemId"].as_str().unwrap_or("?")
                )
            };
            // A rounded "100 %" would claim certainty the engine never has.
            let likely = if p >= 0.999 {
                "over 99.9 %".to_string()
            } else {
                format!("{:.0} %", p * 100.0)
            };
            format!(
                "Are {} and {} the same customer? ({likely} likely)",
                name(0),
                name(1),
            )
        }
        ReviewKind::Disagreement => {
            let field = item.subject["field"].as_str().unwrap_or("a field");
            let shown = &item.evidence["shown"];
            format!(
                "The systems disagree on {}: {} says {:?}",
                field.replace('_', " "),
                shown["provenance"]["system"].as_str().unwrap_or("?"),
                shown["value"].as_str().unwrap_or("")
            )
        }
        ReviewKind::CollidingEdit => "Two people changed the same field".into(),
        ReviewKind::Conflict => "A system changed this record since it was read".into(),
    }
}

fn detail(conn: &rusqlite::Connection, item: &review_item::ReviewItem) -> Result<ReviewDetail> {
    let summary = summary(conn, item)?;
    let match_evidence = (summary.kind == ReviewKind::UncertainMatch)
        .then(|| match_evidence(item))
        .flatten();
    let disagreement = (summary.kind == ReviewKind::Disagreement)
        .then(|| disagreement_evidence(item))
        .flatten();
    let actions: &[&str] = match summary.kind {
        ReviewKind::UncertainMatch => &["link", "notSamePerson"],
        ReviewKind::Disagreement => &["pick", "keep", "split"],
        ReviewKind::CollidingEdit => &["pick", "keep"],
        ReviewKind::Conflict => &["keep"],
    };
    Ok(ReviewDetail {
        summary,
        match_evidence,
        disagreement,
        subject: item.subject.clone(),
        evidence: item.evidence.clone(),
        decision: item.decision.clone(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
    })
}

fn record_ref(v: &serde_json::Value) -> RecordRef {
    RecordRef {
        system: v["system"].as_str().unwrap_or_default().to_string(),
        system_id: v["systemId"].as_str().unwrap_or_default().to_string(),
        source_record_id: v["sourceRecordId"].as_i64(),
    }
}

fn match_evidence(item: &review_item::ReviewItem) -> Option<MatchEvidence> {
    let e = &item.evidence;
    let fields = e["fields"]
        .as_array()?
        .iter()
        .map(|f| FieldWeight {
            field: f["field"].as_str().unwrap_or_default().to_string(),
            level: f["level"].as_str().unwrap_or_default().to_string(),
            left: f["left"].as_str().map(str::to_string),
            right: f["right"].as_str().map(str::to_string),
            bits: f["bits"].as_f64().unwrap_or_default(),
            frequency_adjusted: f["frequencyAdjusted"].as_bool().unwrap_or_default(),
        })
        .collect();
    Some(MatchEvidence {
        left: record_ref(&item.subject["records"][0]),
        right: record_ref(&item.subject["records"][1]),
        prior_bits: e["priorBits"].as_f64()?,
        fields,
        total_bits: e["totalBits"].as_f64()?,
        probability: e["probability"].as_f64()?,
        held_because: held_because(e["reason"].as_str().unwrap_or_default()).to_string(),
    })
}

/// The engine's reason for a review (`concord_core::matching::Reason`, as stored), as a
/// sentence. A pair can score high and still be held: the sentence says what stopped it.
fn held_because(reason: &str) -> &'static str {
    match reason {
        "score" => "The score falls between the thresholds for linking and for keeping apart.",
        "email_only" => "Only the email agrees, which is never enough to link on its own.",
        "shared_identifier" => {
            "An email or tax ID is the same although the rest differs; a person should look."
        }
        "one_record_per_system" => {
            "Linking would put two records of one system into one customer."
        }
        "strong_non_match_in_cluster" => {
            "Linking would join a record to another it strongly disagrees with, through a third."
        }
        "cluster_too_large" => {
            "Linking would make a customer larger than Concord builds without a person."
        }
        "kept_apart" => {
            "A supervisor said these are not the same person, and a compared field has changed since."
        }
        _ => "The engine could not settle this pair on its own.",
    }
}

fn held(v: &serde_json::Value, value: &serde_json::Value) -> HeldValue {
    HeldValue {
        value: value.as_str().unwrap_or_default().to_string(),
        system: v["system"].as_str().unwrap_or_default().to_string(),
        system_id: v["system_id"].as_str().map(str::to_string),
        at: v["at"].as_str().map(str::to_string),
    }
}

fn disagreement_evidence(item: &review_item::ReviewItem) -> Option<DisagreementEvidence> {
    let e = &item.evidence;
    Some(DisagreementEvidence {
        field: item.subject["field"].as_str()?.to_string(),
        shown: held(&e["shown"]["provenance"], &e["shown"]["value"]),
        others: e["others"]
            .as_array()?
            .iter()
            .map(|o| held(o, &o["value"]))
            .collect(),
    })
}
