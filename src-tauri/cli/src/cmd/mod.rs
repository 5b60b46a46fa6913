//! The subcommands, one module each.
//!
//! To add one: write a module with an `Args` struct (clap derive) and
//! `fn run(args: Args, ctx: &Context) -> anyhow::Result<()>`, then add one variant to
//! [`Command`] and one line to each of its `match`es.

mod address;
mod bench;
mod bench_lookup;
mod bench_match;
mod bench_push;
mod bench_sync;
mod connect;
mod demo;
mod edit;
mod lookup;
mod match_cmd;
mod outbox;
mod push;
mod review;
mod sandbox;
mod show;
mod status;
mod sync;

use clap::Subcommand;
use concord_service::{Paths, Service};

/// What every subcommand gets from the command line's global options.
pub struct Context {
    pub paths: Paths,
}

impl Context {
    /// Opens the installation in the chosen data folder.
    pub fn open_service(&self) -> anyhow::Result<Service> {
        Ok(Service::open(self.paths.clone())?)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show sync state, pushes waiting, the configured user and role, and each system.
    Status(status::Args),
    /// Pull what changed from the systems, then match it into customers.
    Sync(sync::Args),
    /// Add a real system: test the login, keep the password in the keyring, add it to
    /// config.toml.
    Connect(connect::Args),
    /// Standardize an address, or check the standardizer against a cases file.
    Address(address::Args),
    /// Link two record files, or find duplicates within one, and write the pairs.
    Match(match_cmd::Args),
    /// Find the customers a phone, email, order number, postcode, name or company may mean.
    Lookup(lookup::Args),
    /// Show one merged account: account, contacts, addresses, orders, source records.
    Show(show::Args),
    /// The supervisor's review queue: list, show, decide, undo.
    Review(review::Args),
    /// Correct a customer's address; the change is standardized, shown, saved and queued.
    Edit(edit::Args),
    /// Load FEBRL people into real systems to try Concord on (see tests/systems/demo).
    Demo(demo::Args),
    /// Send queued corrections to the systems, or show what would be sent.
    Push(push::Args),
    /// Each correction's state in each system.
    Outbox(outbox::Args),
    /// Run a benchmark: `concord bench match`.
    Bench(bench::Args),
    /// Run the sandbox ERP and web store on loopback: `concord sandbox serve`.
    Sandbox(sandbox::Args),
}

impl Command {
    /// The subcommand's name, for the log.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Status(_) => "status",
            Command::Sync(_) => "sync",
            Command::Connect(_) => "connect",
            Command::Address(_) => "address",
            Command::Match(_) => "match",
            Command::Bench(_) => "bench",
            Command::Lookup(_) => "lookup",
            Command::Show(_) => "show",
            Command::Review(_) => "review",
            Command::Edit(_) => "edit",
            Command::Demo(_) => "demo",
            Command::Push(_) => "push",
            Command::Outbox(_) => "outbox",
            Command::Sandbox(_) => "sandbox",
        }
    }

    pub fn run(self, ctx: &Context) -> anyhow::Result<()> {
        match self {
            Command::Status(args) => status::run(args, ctx),
            Command::Sync(args) => sync::run(args, ctx),
            Command::Connect(args) => connect::run(args, ctx),
            Command::Address(args) => address::run(args, ctx),
            Command::Match(args) => match_cmd::run(args, ctx),
            Command::Bench(args) => bench::run(args, ctx),
            Command::Lookup(args) => lookup::run(args, ctx),
            Command::Show(args) => show::run(args, ctx),
            Command::Review(args) => review::run(args, ctx),
            Command::Edit(args) => edit::run(args, ctx),
            Command::Demo(args) => demo::run(args, ctx),
            Command::Push(args) => push::run(args, ctx),
            Command::Outbox(args) => outbox::run(args, ctx),
            Command::Sandbox(args) => sandbox::run(args, ctx),
        }
    }
}
