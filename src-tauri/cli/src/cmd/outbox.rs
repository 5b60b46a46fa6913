//! `concord outbox`: every correction's state in each system (queued, sent, confirmed, failed
//! with the system's message, conflict), newest first.

use std::fmt::Write as _;
use std::io::Write as _;

use concord_service::corrections::OutboxItem;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many entries to show.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Print the entries as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let service = ctx.open_service()?;
    let items = service.outbox(args.limit)?;
    let text = if args.json {
        serde_json::to_string_pretty(&items)?
    } else if items.is_empty() {
        "The outbox is empty.".to_owned()
    } else {
        describe(&items)
    };
    writeln!(std::io::stdout().lock(), "{}", text.trim_end())?;
    Ok(())
}

/// One block per entry: its state, where it goes, what it changes.
pub fn describe(items: &[OutboxItem]) -> String {
    let mut out = String::new();
    for item in items {
        let _ = writeln!(
            out,
            "{} {} -> {}: {} (customer {}, {} attempt{})",
            item.correction_id,
            item.operation,
            item.system,
            item.state,
            item.customer_id.map_or("-".to_owned(), |c| c.to_string()),
            item.attempts,
            if item.attempts == 1 { "" } else { "s" }
        );
        if let Some(error) = &item.error {
            let _ = writeln!(out, "  {error}");
        }
        for c in &item.changes {
            let _ = writeln!(
                out,
                "  {}: {} -> {}",
                c.field,
                c.from.as_deref().unwrap_or("(empty)"),
                c.to.as_deref().unwrap_or("(empty)")
            );
        }
    }
    out
}
