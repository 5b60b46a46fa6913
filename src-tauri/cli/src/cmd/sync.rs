//! `concord sync`: pull from the systems with a progress bar, then print what was done.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use concord_service::events::{Event, EventSink};
use concord_service::{SyncOptions, SyncSummary};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this system (its name in config.toml, or `tryton` / `vendure`).
    #[arg(long, value_name = "NAME")]
    system: Option<String>,

    /// List every record, not only what changed since the last sync (finds edits a system
    /// does not date, such as an address edited in the web store).
    #[arg(long)]
    full: bool,

    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// One spinner per stream, fed by the service's progress events. Without a terminal the bars
/// draw nothing and only the summary is printed.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<(String, String), ProgressBar>>,
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        Self {
            multi,
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl EventSink for Bars {
    fn emit(&self, event: Event) {
        let Event::SyncProgress {
            system,
            stream,
            records,
            pages,
            rate_per_sec,
            done,
        } = event
        else {
            return;
        };
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars
            .entry((system.clone(), stream.clone()))
            .or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:<18} {msg}")
                        .expect("the template is valid"),
                );
                bar.set_prefix(format!("{system} {stream}"));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            });
        let message = format!("{records} records, {pages} pages, {rate_per_sec:.0}/s");
        if done {
            bar.finish_with_message(format!("{message}, done"));
        } else {
            bar.set_message(message);
        }
    }
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let service = ctx.open_service()?;
    let bars = Arc::new(Bars::new());
    if !args.json {
        service.set_event_sink(bars.clone());
    }

    let summary = service.sync(SyncOptions {
        system: args.system,
        full: args.full,
    })?;
    let _ = bars.multi.clear();

    let text = if args.json {
        serde_json::to_string_pretty(&summary)?
    } else {
        describe(&summary)
    };
    writeln!(std::io::stdout().lock(), "{text}")?;
    if !summary.complete {
        anyhow::bail!("the sync did not read every system to the end; see the errors above");
    }
    Ok(())
}

fn describe(summary: &SyncSummary) -> String {
    let mut lines = Vec::new();
    if summary.embedded_sandbox {
        lines.push(
            "No system is configured: synced from the embedded sandbox (invented people). \
             `concord connect` adds a real system."
                .to_owned(),
        );
    }
    for stream in &summary.streams {
        let how = match (stream.full, stream.resumed) {
            (_, true) => "resumed",
            (true, false) => "full",
            (false, false) => "changes",
        };
        let mut line = format!(
            "{:<8} {:<9} {how:<8} {:>8} records, {:>6} changed, {:>4} set aside, {} pages",
            stream.system,
            stream.stream,
            stream.records,
            stream.changed,
            stream.set_aside,
            stream.pages
        );
        if let Some(error) = &stream.error {
            line.push_str(&format!("\n         stopped: {error}"));
        }
        lines.push(line);
    }
    lines.push(format!(
        "Pulled {} records ({} set aside) in {:.1} s; matched {} into customers ({} new) in \
         {:.1} s. Total {:.1} s.",
        summary.records_pulled,
        summary.set_aside,
        summary.pull_seconds,
        summary.resolve.records,
        summary.resolve.customers_created,
        summary.resolve.seconds,
        summary.seconds
    ));
    if summary.set_aside > 0 {
        lines.push(
            "Records set aside could not be read; `concord status` counts them per system."
                .to_owned(),
        );
    }
    lines.join("\n")
}
