//! `concord bench lookup`: how fast the search box answers as a rep types, on a cache of N
//! synthetic customers.
//!
//! Builds the cache in a temporary folder (bulk inserts in large transactions, then one
//! search-index rebuild), opens it through the service as the desktop does, and types sample
//! queries of each kind one keystroke at a time, timing every lookup. Prints per-kind p50 and
//! p99, build time, cache size and peak memory, and on its last line the same as one JSON
//! object. A benchmark, not a test: it asserts nothing about time.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use concord_service::{Paths, Service, CACHE_FILE_NAME};
use concord_store::graph::{self, Indexing};
use concord_store::search::{index, keys};
use concord_store::synth::{Rng, Synth};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many customers the cache holds.
    #[arg(long, default_value_t = 100_000)]
    customers: u64,

    /// Orders per customer.
    #[arg(long, default_value_t = 3)]
    orders_per_customer: u64,

    /// Seed of the synthetic population and of the sample queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Customers looked up per query kind, each typed keystroke by keystroke.
    #[arg(long, default_value_t = 100)]
    samples: usize,

    /// Keep the cache in DIR, and reuse it when it was built with the same parameters
    /// (useful to re-measure without re-building a large cache).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Print every keystroke whose lookup took longer than MS milliseconds (wall clock) to
    /// standard error, with its kind and its CPU time, to find what is slow.
    #[arg(long, value_name = "MS")]
    trace_slower_than: Option<f64>,
}

/// Customers per write transaction while building.
const BATCH: u64 = 20_000;
/// Page cache for the bulk load, in MiB.
const BULK_CACHE_MIB: u32 = 512;
/// Results asked for per keystroke, as the desktop's result list.
const LIMIT: u32 = 20;

#[derive(Debug, Serialize)]
struct KindReport {
    samples: usize,
    keystrokes: usize,
    /// Wall-clock time per keystroke, as the rep waits for it.
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// CPU time of the looking-up thread per keystroke: the work itself, without the time
    /// the thread waited for a core (other processes on a shared machine inflate wall time).
    cpu_p50_ms: f64,
    cpu_p99_ms: f64,
    /// Samples whose customer was among the results once the whole query was typed.
    found: usize,
}

#[derive(Debug, Serialize)]
struct Report {
    customers: u64,
    orders_per_customer: u64,
    seed: u64,
    /// None when an existing cache was reused.
    build_seconds: Option<f64>,
    cache_bytes: u64,
    peak_rss_bytes: Option<u64>,
    kinds: BTreeMap<&'static str, KindReport>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.cache_dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("creating a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let synth = Synth::new(args.seed, args.orders_per_customer);
    let mut out = std::io::stdout().lock();

    let build_seconds = build(&dir, &args, &synth)?;
    match build_seconds {
        Some(s) => writeln!(out, "built {} customers in {s:.1} s", args.customers)?,
        None => writeln!(out, "reused the cache in {}", dir.display())?,
    }

    let service = Service::open(Paths::in_data_dir(&dir)).context("opening the cache")?;
    let queries = sample_queries(&args, &synth);
    let mut kinds = BTreeMap::new();
    for (kind, samples) in &queries {
        let report = measure(&service, kind, samples, args.trace_slower_than)?;
        writeln!(
            out,
            "{kind:<15} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  \
             cpu p50 {:>7.3} ms  cpu p99 {:>7.3} ms  ({} keystrokes, found {}/{})",
            report.p50_ms,
            report.p99_ms,
            report.max_ms,
            report.cpu_p50_ms,
            report.cpu_p99_ms,
            report.keystrokes,
            report.found,
            report.samples
        )?;
        kinds.insert(*kind, report);
    }

    let report = Report {
        customers: args.customers,
        orders_per_customer: args.orders_per_customer,
        seed: args.seed,
        build_seconds,
        cache_bytes: folder_bytes(&dir)?,
        peak_rss_bytes: peak_rss_bytes(),
        kinds,
    };
    writeln!(
        out,
        "cache {:.1} MiB on disk, peak memory {}",
        report.cache_bytes as f64 / 1_048_576.0,
        report
            .peak_rss_bytes
            .map(|b| format!("{:.1} MiB", b as f64 / 1_048_576.0))
            .unwrap_or_else(|| "unknown".into())
    )?;
    writeln!(out, "{}", serde_json::to_string(&report)?)?;
    Ok(())
}

/// Builds the cache unless `dir` already holds one built with the same parameters; returns
/// the build time.
fn build(dir: &Path, args: &Args, synth: &Synth) -> anyhow::Result<Option<f64>> {
    let path = dir.join(CACHE_FILE_NAME);
    let params = format!(
        "{} {} {}",
        args.customers, args.orders_per_customer, args.seed
    );
    const PARAMS_KEY: &str = "bench_parameters";
    if path.exists() {
        let conn = concord_store::open(&path)?;
        let built = concord_store::table::cache_setting::get(&conn, PARAMS_KEY)?;
        if built.as_deref() == Some(params.as_str()) {
            return Ok(None);
        }
        anyhow::bail!(
            "{} holds a different cache; remove it or choose another --cache-dir",
            path.display()
        );
    }

    let started = Instant::now();
    let mut conn = concord_store::open(&path)?;
    concord_store::connection::tune_for_bulk_load(&conn, BULK_CACHE_MIB)?;
    let mut next = 0;
    while next < args.customers {
        let end = (next + BATCH).min(args.customers);
        let tx = conn.transaction()?;
        for i in next..end {
            graph::insert(&tx, &synth.customer(i), "US", Indexing::Later)
                .with_context(|| format!("writing synthetic customer {i}"))?;
        }
        tx.commit()?;
        next = end;
        eprint!("\rwrote {next} of {} customers", args.customers);
    }
    eprintln!("\rindexing {} customers...", args.customers);
    index::rebuild(&conn)?;
    conn.execute_batch("PRAGMA optimize")?;
    concord_store::table::cache_setting::set(&conn, PARAMS_KEY, &params)?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(Some(started.elapsed().as_secs_f64()))
}

/// A query to type, and the customer it should find.
struct Sample {
    text: String,
    customer_id: i64,
}

/// Swaps two neighbouring letters in the middle of the last word: a typical typing slip.
fn with_typo(name: &str) -> Option<String> {
    let (head, last) = name.rsplit_once(' ')?;
    let chars: Vec<char> = last.chars().collect();
    if chars.len() < 5 {
        return None;
    }
    let i = chars.len() / 2;
    if chars[i] == chars[i + 1] {
        return None;
    }
    let mut swapped = chars.clone();
    swapped.swap(i, i + 1);
    Some(format!(
        "{head} {}",
        swapped.into_iter().collect::<String>()
    ))
}

fn sample_queries(args: &Args, synth: &Synth) -> Vec<(&'static str, Vec<Sample>)> {
    let kinds = [
        "phone",
        "email",
        "name",
        "name_typo",
        "company",
        "order_number",
        "postcode",
        "postcode_house",
    ];
    let mut rng = Rng::new(args.seed ^ 0x5EED_0F10_0C0B);
    let mut out: Vec<(&'static str, Vec<Sample>)> = kinds.iter().map(|k| (*k, vec![])).collect();
    // Give up on a kind the population cannot supply (e.g. orders with zero per customer).
    let mut attempts = 0;
    while out.iter().any(|(_, s)| s.len() < args.samples) && attempts < args.samples * 100 {
        attempts += 1;
        let index = rng.below(args.customers.max(1));
        let g = synth.customer(index);
        // Customers are written in order into a fresh cache, so ids count from 1.
        let customer_id = index as i64 + 1;
        let address = &g.addresses[0];
        let postcode = address.postcode.clone().unwrap_or_default();
        for (kind, samples) in out.iter_mut() {
            if samples.len() >= args.samples {
                continue;
            }
            let text = match *kind {
                "phone" => g.phones.first().map(|p| p.1.clone()),
                "email" => g.emails.first().map(|e| e.1.clone()),
                "name" => Some(g.customer.display_name.clone()),
                "name_typo" => with_typo(&g.customer.display_name),
                "company" => g.account.company.clone(),
                "order_number" => g.orders.first().map(|o| o.number.clone()),
                "postcode" => Some(postcode.clone()),
                _ => keys::house_number(&address.line1).map(|h| format!("{h} {postcode}")),
            };
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                samples.push(Sample { text, customer_id });
            }
        }
    }
    out
}

/// Types each sample one keystroke at a time and times every lookup.
fn measure(
    service: &Service,
    kind: &str,
    samples: &[Sample],
    trace_slower_than: Option<f64>,
) -> anyhow::Result<KindReport> {
    let mut wall: Vec<Duration> = Vec::new();
    let mut cpu: Vec<Duration> = Vec::new();
    let mut found = 0;
    for sample in samples {
        let ends = sample.text.char_indices().map(|(i, c)| i + c.len_utf8());
        let mut last = None;
        for end in ends {
            let typed = &sample.text[..end];
            let cpu_started = thread_cpu_time();
            let started = Instant::now();
            let results = service.lookup(typed, LIMIT)?;
            let took = started.elapsed();
            let cpu_took = thread_cpu_time().saturating_sub(cpu_started);
            if trace_slower_than.is_some_and(|limit| took.as_secs_f64() * 1000.0 > limit) {
                eprintln!(
                    "slow {kind}: {:.3} ms wall, {:.3} ms cpu: {typed:?}",
                    took.as_secs_f64() * 1000.0,
                    cpu_took.as_secs_f64() * 1000.0
                );
            }
            wall.push(took);
            cpu.push(cpu_took);
            last = Some(results);
        }
        if last.is_some_and(|r| r.hits.iter().any(|h| h.customer_id == sample.customer_id)) {
            found += 1;
        }
    }
    Ok(KindReport {
        samples: samples.len(),
        keystrokes: wall.len(),
        p50_ms: percentile(&mut wall, 0.50),
        p99_ms: percentile(&mut wall, 0.99),
        max_ms: percentile(&mut wall, 1.0),
        cpu_p50_ms: percentile(&mut cpu, 0.50),
        cpu_p99_ms: percentile(&mut cpu, 0.99),
        found,
    })
}

/// The `q` quantile (nearest rank) of `times`, in milliseconds; 0 when there are none.
fn percentile(times: &mut [Duration], q: f64) -> f64 {
    times.sort();
    let rank = ((times.len() as f64 * q).ceil() as usize).saturating_sub(1);
    times
        .get(rank)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// CPU time consumed so far by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we own; CLOCK_THREAD_CPUTIME_ID exists on
    // every platform this benchmark reports CPU time for (Linux, macOS).
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn folder_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

/// The process's peak resident memory (VmHWM), where the platform reports it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();

        assert_eq!(percentile(&mut times, 0.50), 50.0, "the 50th of 100 values");
        assert_eq!(percentile(&mut times, 0.99), 99.0, "the 99th of 100 values");
        assert_eq!(percentile(&mut [], 0.99), 0.0, "no keystrokes, no time");
    }

    #[test]
    fn a_typo_swaps_two_different_neighbours_of_the_last_word() {
        assert_eq!(
            with_typo("Mary Johnson").as_deref(),
            Some("Mary Johsnon"),
            "swap at 3/4"
        );
        assert_eq!(
            with_typo("Ann Lee"),
            None,
            "too short to slip in the middle"
        );
    }
}
