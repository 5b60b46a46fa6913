//! `concord status`: what the desktop app's status bar shows, and where each system stands.

use std::io::Write as _;

use concord_service::{AppStatus, SystemStatus};
use serde::Serialize;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the status as JSON: the status bar's fields as the desktop app receives them,
    /// plus `systems`.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Everything {
    #[serde(flatten)]
    app: AppStatus,
    systems: Vec<SystemStatus>,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let service = ctx.open_service()?;
    let status = service.status()?;
    let systems = service.sync_status()?;

    let text = if args.json {
        serde_json::to_string_pretty(&Everything {
            app: status,
            systems,
        })?
    } else {
        let mut text = describe(&status);
        for system in &systems {
            text.push_str("\n\n");
            text.push_str(&describe_system(system));
        }
        text
    };

    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

fn describe(status: &AppStatus) -> String {
    format!(
        "Sync:            {}\nPending pushes:  {}\nUser:            {} ({})",
        status.sync.describe(),
        status.pending_pushes,
        status.user,
        status.role,
    )
}

fn describe_system(system: &SystemStatus) -> String {
    let never = || "never".to_owned();
    let mut lines = vec![format!(
        "{} ({}{})",
        system.name,
        system.kind,
        if system.embedded_sandbox {
            ", embedded sandbox"
        } else {
            ""
        }
    )];
    if let Some(url) = &system.url {
        lines.push(format!("  url:           {url}"));
        lines.push(format!("  password:      {}", system.secret.describe()));
    }
    lines.push(format!(
        "  last attempt:  {}",
        system.last_attempt_at.clone().unwrap_or_else(never)
    ));
    lines.push(format!(
        "  last success:  {}",
        system.last_success_at.clone().unwrap_or_else(never)
    ));
    lines.push(format!(
        "  last error:    {}",
        system.last_error.as_deref().unwrap_or("none")
    ));
    lines.push(format!("  records:       {} pulled", system.records_pulled));
    lines.push(format!("  set aside:     {}", system.set_aside));
    for stream in &system.streams {
        lines.push(format!(
            "  {:<14} since {}{}",
            format!("{}:", stream.stream),
            stream
                .since
                .clone()
                .unwrap_or_else(|| "the beginning".to_owned()),
            if stream.unfinished {
                " (an interrupted listing will be resumed)"
            } else {
                ""
            }
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_service::{Role, SyncState};

    #[test]
    fn the_human_status_names_every_field() {
        let status = AppStatus {
            sync: SyncState::NeverSynced,
            pending_pushes: 3,
            user: "Dana Reyes".into(),
            role: Role::Supervisor,
        };

        let text = describe(&status);

        assert_eq!(
            text,
            "Sync:            never synced\nPending pushes:  3\nUser:            Dana Reyes \
             (supervisor)",
            "a person reads the same four facts the status bar shows"
        );
    }
}
