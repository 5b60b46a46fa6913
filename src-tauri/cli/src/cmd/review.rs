//! `concord review`: the supervisor's queue of uncertain matches, disagreements and colliding
//! edits. Anyone may list and show; deciding and undoing need the supervisor role in the
//! settings file.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::bail;
use concord_service::review::{ReviewDecision, ReviewDetail, ReviewState, ReviewSummary};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// The items waiting for a decision (or, with --decided, the decided ones).
    List {
        /// List decided items instead of open ones.
        #[arg(long)]
        decided: bool,
        /// Print the items as JSON, in the shape the desktop app receives.
        #[arg(long)]
        json: bool,
    },
    /// One item with its evidence.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Decide an item: link, not-same-person, split, pick or keep.
    Decide {
        id: i64,
        /// link | not-same-person | split | pick | keep
        action: String,
        /// The field a `pick` sets (e.g. price_level).
        #[arg(long)]
        field: Option<String>,
        /// The value a `pick` shows; for `split`, the source record ids to move out,
        /// separated by commas.
        #[arg(long)]
        value: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Undo the decision on an item; the item is open again.
    Undo {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let service = ctx.open_service()?;
    let text = match args.command {
        Sub::List { decided, json } => {
            let state = if decided {
                ReviewState::Decided
            } else {
                ReviewState::Open
            };
            let items = service.review_list(Some(state))?;
            if json {
                serde_json::to_string_pretty(&items)?
            } else {
                list(&items)
            }
        }
        Sub::Show { id, json } => output(&service.review_show(id)?, json)?,
        Sub::Decide {
            id,
            action,
            field,
            value,
            json,
        } => {
            let decision = parse_decision(&action, field, value)?;
            output(&service.review_decide(id, &decision)?, json)?
        }
        Sub::Undo { id, json } => output(&service.review_undo(id)?, json)?,
    };
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// Reads the decision from the command line's words.
fn parse_decision(
    action: &str,
    field: Option<String>,
    value: Option<String>,
) -> anyhow::Result<ReviewDecision> {
    Ok(match action {
        "link" => ReviewDecision::Link,
        "not-same-person" | "not_same_person" => ReviewDecision::NotSamePerson,
        "keep" => ReviewDecision::Keep,
        "pick" => match (field, value) {
            (Some(field), Some(value)) => ReviewDecision::Pick { field, value },
            _ => bail!("pick needs --field F and --value V"),
        },
        "split" => {
            let Some(value) = value else {
                bail!("split needs --value with the source record ids to move, e.g. --value 12,13")
            };
            let records = value
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse::<i64>()
                        .map_err(|_| anyhow::anyhow!("{s:?} is not a source record id"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            ReviewDecision::Split { records }
        }
        other => {
            bail!("{other:?} is not a decision; use link, not-same-person, split, pick or keep")
        }
    })
}

fn output(detail: &ReviewDetail, json: bool) -> anyhow::Result<String> {
    Ok(if json {
        serde_json::to_string_pretty(detail)?
    } else {
        describe(detail)
    })
}

fn list(items: &[ReviewSummary]) -> String {
    if items.is_empty() {
        return "Nothing to review.".into();
    }
    let mut s = String::new();
    for i in items {
        // Writing to a String cannot fail.
        let _ = writeln!(s, "{:>6}  {}", i.id, i.headline);
    }
    s.trim_end().to_string()
}

fn describe(d: &ReviewDetail) -> String {
    let mut s = String::new();
    let i = &d.summary;
    let _ = writeln!(s, "Review item {}: {}", i.id, i.headline);
    if let (Some(id), Some(name)) = (i.customer_id, &i.customer_name) {
        let _ = writeln!(s, "Customer:  {name} (customer {id})");
    }
    if let Some(m) = &d.match_evidence {
        let _ = writeln!(
            s,
            "Records:   {} {}  |  {} {}",
            m.left.system, m.left.system_id, m.right.system, m.right.system_id
        );
        let _ = writeln!(s, "  {:<14}{:>8}", "prior", format!("{:+.2}", m.prior_bits));
        for f in &m.fields {
            let _ = writeln!(
                s,
                "  {:<14}{:>8}  {:<10} {} | {}",
                f.field,
                format!("{:+.2}", f.bits),
                f.level,
                f.left.as_deref().unwrap_or("-"),
                f.right.as_deref().unwrap_or("-")
            );
        }
        let _ = writeln!(
            s,
            "  {:<14}{:>8}  probability {:.4}",
            "total",
            format!("{:+.2}", m.total_bits),
            m.probability
        );
    }
    if let Some(g) = &d.disagreement {
        let _ = writeln!(s, "Field:     {}", g.field);
        let _ = writeln!(s, "Shown:     {} (from {})", g.shown.value, g.shown.system);
        for o in &g.others {
            let _ = writeln!(s, "Other:     {} (from {})", o.value, o.system);
        }
    }
    match (&i.decided_by, &d.decision) {
        (Some(by), Some(decision)) => {
            let _ = writeln!(
                s,
                "Decided:   {} by {by} at {}",
                decision["action"].as_str().unwrap_or("?"),
                i.decided_at.as_deref().unwrap_or("?")
            );
        }
        _ => {
            let _ = writeln!(s, "Decide:    {}", d.actions.join(", "));
        }
    }
    s.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_needs_both_field_and_value() {
        let refused = parse_decision("pick", Some("price_level".into()), None);

        assert!(refused.is_err(), "a pick without a value would pin nothing");
    }

    #[test]
    fn a_split_reads_its_record_ids_and_refuses_anything_else() {
        let split = parse_decision("split", None, Some("12, 13".into())).unwrap();
        let bad = parse_decision("split", None, Some("12,x".into()));

        assert_eq!(
            split,
            ReviewDecision::Split {
                records: vec![12, 13]
            }
        );
        assert!(
            bad.unwrap_err().to_string().contains("\"x\""),
            "the bad id is named"
        );
    }

    #[test]
    fn an_unknown_action_names_the_known_ones() {
        let err = parse_decision("merge", None, None).unwrap_err();

        assert!(err.to_string().contains("not-same-person"), "{err}");
    }
}
