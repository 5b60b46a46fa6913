//! `concord status`: what the desktop app's status bar shows, on the command line.

use std::io::Write as _;

use concord_service::AppStatus;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the status as JSON, in the shape the desktop app receives.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let status = ctx.open_service()?.status()?;

    let text = if args.json {
        serde_json::to_string_pretty(&status)?
    } else {
        describe(&status)
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
