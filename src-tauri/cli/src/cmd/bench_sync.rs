//! `concord bench sync`: how fast the pull stores what it downloads.
//!
//! Starts an in-process sandbox of N people, then (1) downloads every page of every stream
//! with the same connector calls the pull makes, storing nothing, (2) pulls the same listings
//! into an empty cache in a temporary folder, and (3) downloads again, keeping the faster of
//! the two downloads. The ratio of the two rates is the
//! target (at least 0.7 at N = 100,000). Matching the pulled records into customers is timed
//! on its own and is not part of either rate. The last line is JSON.

use std::io::Write as _;
use std::time::Instant;

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_sync::connector::PageCursor;
use concord_sync::mapping::Mapping;
use concord_sync::pull::{self, PullOptions, Source, Stream, SystemPull};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// People in the sandbox.
    #[arg(long, default_value_t = 100_000)]
    customers: usize,

    /// Decides the population.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Leave out matching the pulled records into customers (it is timed apart from the
    /// pull anyway, and at large sizes takes longer than the pull).
    #[arg(long)]
    skip_matching: bool,
}

#[derive(Debug, Serialize)]
struct Figures {
    customers: usize,
    records: u64,
    download_seconds: f64,
    download_records_per_sec: f64,
    pull_seconds: f64,
    pull_records_per_sec: f64,
    ratio: f64,
    /// Matching is not part of the pull's rate; it is reported here on its own.
    resolve_included: bool,
    /// `None` when matching was skipped.
    resolve_seconds: Option<f64>,
    resolve_records: Option<usize>,
}

fn sources(sandbox: &Sandbox) -> anyhow::Result<Vec<Source>> {
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    // As the service configures it: orders come from the orders listing only.
    let mut vendure = VendureSettings::new(v.url, v.username, v.password);
    vendure.orders_per_customer = 0;
    Ok(vec![
        Source::Tryton {
            client: TrytonClient::new(TrytonSettings::new(t.url, t.database, t.login, t.password))?,
            mapping: Mapping::default(),
        },
        Source::Vendure {
            client: VendureClient::new(vendure)?,
            mapping: Mapping::default(),
        },
    ])
}

/// Every page of every stream of one system, downloaded and decoded, then dropped.
async fn download(source: Source) -> anyhow::Result<u64> {
    let mut records = 0;
    for stream in Stream::ALL {
        let mut after: Option<PageCursor> = None;
        loop {
            let (count, next) = source.download(stream, None, after).await?;
            records += count as u64;
            match next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
    }
    Ok(records)
}

/// Downloads every listing of both systems at once, as the pull does; records and seconds.
fn download_all(
    runtime: &tokio::runtime::Runtime,
    sandbox: &Sandbox,
) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let records = runtime.block_on(async {
        let tasks: Vec<_> = sources(sandbox)?
            .into_iter()
            .map(|source| tokio::spawn(download(source)))
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await??;
        }
        anyhow::Ok(total)
    })?;
    Ok((records, started.elapsed().as_secs_f64()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Starting a sandbox of {} people (seed {}) ...",
        args.customers, args.seed
    )?;
    let sandbox = runtime.block_on(Sandbox::start(SandboxOptions {
        customers: args.customers,
        seed: args.seed,
        faults: FaultSpec::none(),
    }))?;

    writeln!(out, "Downloading every page without storing ...")?;
    let (downloaded, first_download) = download_all(&runtime, &sandbox)?;
    writeln!(out, "Pulling the same listings into an empty cache ...")?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite");
    let conn = concord_store::open(&path)?;
    let systems: Vec<SystemPull> = sources(&sandbox)?
        .into_iter()
        .map(SystemPull::new)
        .collect();
    let report = runtime.block_on(pull::pull(conn, systems, PullOptions::default(), None))?;
    anyhow::ensure!(
        report.complete(),
        "the pull did not finish: {:?}",
        report.streams
    );

    // The download is timed again after the pull and the faster time kept, so a busy moment
    // during one of them cannot flatter the pull.
    writeln!(out, "Downloading every page again ...")?;
    let (_, second_download) = download_all(&runtime, &sandbox)?;
    let download_seconds = first_download.min(second_download);

    let resolved = if args.skip_matching {
        None
    } else {
        writeln!(out, "Matching the pulled records into customers ...")?;
        let mut conn = concord_store::open(&path)?;
        let started = Instant::now();
        let report = concord_store::resolve::resolve_pending(
            &mut conn,
            &pull::stamp(chrono::Utc::now()),
            &concord_store::resolve::ResolveSettings::default(),
        )?;
        Some((report.pending, started.elapsed().as_secs_f64()))
    };
    runtime.block_on(sandbox.shutdown());

    let records = report.received();
    let download_rate = downloaded as f64 / download_seconds;
    let pull_rate = records as f64 / report.seconds;
    let figures = Figures {
        customers: args.customers,
        records,
        download_seconds,
        download_records_per_sec: download_rate,
        pull_seconds: report.seconds,
        pull_records_per_sec: pull_rate,
        ratio: pull_rate / download_rate,
        resolve_included: false,
        resolve_seconds: resolved.map(|(_, seconds)| seconds),
        resolve_records: resolved.map(|(records, _)| records),
    };
    writeln!(
        out,
        "download only: {downloaded} records in {download_seconds:.1} s ({download_rate:.0}/s)"
    )?;
    writeln!(
        out,
        "pull:          {records} records in {:.1} s ({pull_rate:.0}/s), ratio {:.2} \
         (target 0.7); matching not included",
        report.seconds, figures.ratio
    )?;
    match resolved {
        Some((records, seconds)) => {
            writeln!(out, "matching:      {records} records in {seconds:.1} s")?
        }
        None => writeln!(out, "matching:      skipped (--skip-matching)")?,
    }
    writeln!(out, "{}", serde_json::to_string(&figures)?)?;
    Ok(())
}
