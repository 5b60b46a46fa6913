//! `concord bench KIND`: measurements that belong in a benchmark, not in a timed test.

use super::{bench_lookup, bench_match, bench_push, bench_sync, Context};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Matching quality (precision, recall, F1) and time on the FEBRL data, and at scale.
    Match(bench_match::Args),
    /// Lookup latency as a rep types, per query kind, on a cache of synthetic customers.
    Lookup(bench_lookup::Args),
    /// Pull rate against the rate at which the same pages merely download, on a sandbox.
    Sync(bench_sync::Args),
    /// Time from a correction to its confirmation by both systems, on a sandbox.
    Push(bench_push::Args),
}

pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<()> {
    match args.kind {
        Kind::Match(args) => bench_match::run(args),
        Kind::Lookup(args) => bench_lookup::run(args),
        Kind::Sync(args) => bench_sync::run(args),
        Kind::Push(args) => bench_push::run(args),
    }
}
