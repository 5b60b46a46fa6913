//! `concord demo load`: fills a real Tryton and a real Vendure with FEBRL people through their
//! own APIs (see `concord_sync::load`), for anyone who wants to see Concord on real systems.
//! `tests/systems/demo` starts the systems, runs this, connects Concord and opens the app.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use concord_sync::load;
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// Load FEBRL dataset 4 people into the real systems an env file names.
    Load(LoadArgs),
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// The systems' variables as `tests/systems/up` writes them (CONCORD_TEST_*=...).
    #[arg(long, value_name = "FILE")]
    env: PathBuf,
    /// How many people (at most 5,000: FEBRL dataset 4's size).
    #[arg(long, default_value_t = 300)]
    people: usize,
    /// The folder holding dataset4a.csv and dataset4b.csv.
    #[arg(long, value_name = "DIR", default_value = "../shared/data/febrl")]
    febrl: PathBuf,
    /// Write the truth (which party and which customer are one person) here, as JSON.
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
}

pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<()> {
    let What::Load(args) = args.what;
    let env = read_env(&args.env)?;
    let var = |name: &str| {
        env.get(name)
            .cloned()
            .with_context(|| format!("{} does not set {name}", args.env.display()))
    };
    let tryton = TrytonClient::new(TrytonSettings::new(
        var("CONCORD_TEST_TRYTON_URL")?,
        var("CONCORD_TEST_TRYTON_DB")?,
        var("CONCORD_TEST_TRYTON_USER")?,
        var("CONCORD_TEST_TRYTON_PASSWORD")?,
    ))?;
    let vendure = VendureClient::new(VendureSettings::new(
        var("CONCORD_TEST_VENDURE_URL")?,
        var("CONCORD_TEST_VENDURE_USER")?,
        var("CONCORD_TEST_VENDURE_PASSWORD")?,
    ))?;
    let people = load::febrl_people(&args.febrl, args.people)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = std::time::Instant::now();
    let total = people.len();
    let truth = runtime.block_on(load::load(&tryton, &vendure, &people, |system, done| {
        if done == total || done % 100 == 0 {
            eprintln!("{system}: {done} of {total} people");
        }
    }))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Loaded {total} people into Tryton and Vendure in {:.0} s.",
        started.elapsed().as_secs_f64()
    )?;
    if let Some(path) = args.truth {
        std::fs::write(&path, serde_json::to_string_pretty(&truth)?)
            .with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "Truth written to {}.", path.display())?;
    }
    Ok(())
}

/// Reads `NAME=value` lines; blank lines and `#` comments are skipped.
fn read_env(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the systems' env file {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.trim_start_matches("export ").split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_are_read_with_or_without_export() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        std::fs::write(&file, "# systems\nA=1\nexport B=http://x/?a=b\n\n").unwrap();

        let env = read_env(&file).unwrap();

        assert_eq!(env["A"], "1");
        assert_eq!(env["B"], "http://x/?a=b", "only the first = splits");
        assert_eq!(env.len(), 2);
    }

    #[test]
    fn a_missing_env_file_names_itself() {
        let error = read_env(Path::new("/nonexistent/env")).unwrap_err();

        assert!(format!("{error:#}").contains("/nonexistent/env"));
    }
}
