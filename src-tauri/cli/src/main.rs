//! `concord`: the command line over the service layer.
//!
//! Every subcommand is one module under `cmd/` calling the same service operations the
//! desktop app calls. Output meant for people goes to standard output; `--json` gives the
//! same data for scripts. Log lines go to the log folder and, from `warn` up, to standard
//! error; the command line never prints personal data into logs.

mod cmd;
mod febrl;
mod synthetic;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use concord_service::config::DATA_DIR_ENV;
use concord_service::logging::{self, Stderr};
use concord_service::Paths;

/// Concord: one merged customer account from the web store and the ERP.
#[derive(Debug, Parser)]
#[command(name = "concord", version, propagate_version = true)]
struct Cli {
    /// Keep data, settings and logs in DIR instead of the platform's folders.
    #[arg(long, global = true, value_name = "DIR", env = DATA_DIR_ENV)]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("concord: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let paths = Paths::resolve(cli.data_dir)?;
    let _log = logging::init(&paths.log_dir, Stderr::Also)?;
    tracing::info!(command = cli.command.name(), "command started");

    let result = cli.command.run(&cmd::Context { paths });

    if let Err(err) = &result {
        // The message is printed for the person below; it may quote what was typed, so the
        // log keeps it at debug. At info the file still records that the command failed.
        tracing::info!("command failed");
        tracing::debug!("command failed: {err:#}");
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        let command = Cli::command();

        command.debug_assert();
    }

    #[test]
    fn the_data_folder_is_accepted_after_any_subcommand() {
        let args = [
            "concord",
            "status",
            "--json",
            "--data-dir",
            "/tmp/concord-x",
        ];

        let cli = Cli::try_parse_from(args).unwrap();

        assert_eq!(
            cli.data_dir.as_deref(),
            Some(std::path::Path::new("/tmp/concord-x")),
            "--data-dir is global so every subcommand can be pointed at another folder"
        );
    }

    #[test]
    fn an_unknown_subcommand_is_refused() {
        let args = ["concord", "frobnicate"];

        let result = Cli::try_parse_from(args);

        assert!(
            result.is_err(),
            "a typo must not silently run something else"
        );
    }
}
