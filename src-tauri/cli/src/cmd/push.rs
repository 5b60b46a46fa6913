//! `concord push`: send queued corrections to the configured systems (the embedded sandbox
//! when none is configured), or with `--dry-run` show what would be sent.

use std::io::Write as _;

use concord_sync::push::PushSettings;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show what each waiting entry would change, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let service = ctx.open_service()?;
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        let waiting = service.push_preview()?;
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&waiting)?)?;
        } else if waiting.is_empty() {
            writeln!(out, "Nothing waits to be pushed.")?;
        } else {
            write!(out, "{}", super::outbox::describe(&waiting))?;
        }
        return Ok(());
    }

    let report = service.push_now(&PushSettings::default())?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(
            out,
            "Confirmed {}, failed {}, in conflict {}, still waiting {}.",
            report.confirmed, report.failed, report.conflicts, report.waiting
        )?;
    }
    if report.failed > 0 || report.conflicts > 0 {
        anyhow::bail!("some corrections were not applied: see `concord outbox`");
    }
    Ok(())
}
