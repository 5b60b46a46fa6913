//! `concord sandbox serve`: runs the sandbox ERP and web store on loopback until Ctrl+C, for
//! demos, for trying Concord without real systems, and for running the contract tests against
//! the sandbox by hand.

use std::io::Write as _;

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions, TrytonAccess, VendureAccess};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SandboxCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SandboxCommand {
    /// Serve a sandbox ERP (Tryton JSON-RPC) and web store (Vendure Admin API) until Ctrl+C.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// People in the sandbox population; 0 starts both systems empty.
    #[arg(long, default_value_t = 1000)]
    customers: usize,

    /// Decides the population and nothing else: the same seed gives the same people.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Network faults to inject, e.g. `latency=20ms,429=0.1,retry-after=1,5xx=0.05,seed=7`
    /// (kinds: latency, 429, retry-after, 5xx, drop, truncate, malformed, duplicate-page,
    /// seed, login).
    #[arg(long, default_value = "none", value_parser = FaultSpec::parse)]
    faults: FaultSpec,

    /// Port for the ERP on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    tryton_port: u16,

    /// Port for the web store on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    vendure_port: u16,
}

pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<()> {
    match args.command {
        SandboxCommand::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let options = SandboxOptions {
            customers: args.customers,
            seed: args.seed,
            faults: args.faults.clone(),
        };
        let sandbox = Sandbox::start_on(options, args.tryton_port, args.vendure_port).await?;

        let text = describe(&args, &sandbox.tryton(), &sandbox.vendure());
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        drop(out);

        tokio::signal::ctrl_c().await?;
        sandbox.shutdown().await;
        writeln!(std::io::stdout().lock(), "Sandbox stopped.")?;
        Ok(())
    })
}

/// What a person needs to point a client at the sandbox, and one line for a shell.
fn describe(args: &ServeArgs, tryton: &TrytonAccess, vendure: &VendureAccess) -> String {
    let exports = [
        ("CONCORD_TEST_TRYTON_URL", tryton.url.as_str()),
        ("CONCORD_TEST_TRYTON_DB", tryton.database.as_str()),
        ("CONCORD_TEST_TRYTON_USER", tryton.login.as_str()),
        ("CONCORD_TEST_TRYTON_PASSWORD", tryton.password.as_str()),
        ("CONCORD_TEST_VENDURE_URL", vendure.url.as_str()),
        ("CONCORD_TEST_VENDURE_USER", vendure.username.as_str()),
        ("CONCORD_TEST_VENDURE_PASSWORD", vendure.password.as_str()),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={}", shell_quote(value)))
    .collect::<Vec<_>>()
    .join(" ");
    format!(
        "Sandbox running: {customers} people from seed {seed}, faults: {faults}. Ctrl+C stops \
         it.\n\
         \n\
         ERP (Tryton JSON-RPC)\n  \
           url:       {t_url}\n  \
           database:  {t_db}\n  \
           login:     {t_login}\n  \
           password:  {t_password}\n\
         Web store (Vendure Admin API)\n  \
           url:       {v_url}\n  \
           username:  {v_user}\n  \
           password:  {v_password}\n\
         \n\
         For the contract tests:\n\
         export {exports}",
        customers = args.customers,
        seed = args.seed,
        faults = args.faults,
        t_url = tryton.url,
        t_db = tryton.database,
        t_login = tryton.login,
        t_password = tryton.password,
        v_url = vendure.url,
        v_user = vendure.username,
        v_password = vendure.password,
    )
}

/// Quotes a value for a POSIX shell when it holds anything beyond plain characters.
fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn serve_args(extra: &[&str]) -> Result<ServeArgs, clap::Error> {
        let argv = ["sandbox", "serve"].iter().chain(extra).copied();
        let SandboxCommand::Serve(args) = Cli::try_parse_from(argv)?.args.command;
        Ok(args)
    }

    #[test]
    fn serve_takes_size_seed_faults_and_ports() {
        let args = serve_args(&[
            "--customers",
            "50",
            "--seed",
            "9",
            "--faults",
            "429=0.1,retry-after=2",
            "--tryton-port",
            "8000",
            "--vendure-port",
            "3000",
        ])
        .unwrap();

        assert_eq!((args.customers, args.seed), (50, 9));
        assert_eq!(args.faults.rate_limit, 0.1);
        assert_eq!(args.faults.retry_after_secs, 2);
        assert_eq!((args.tryton_port, args.vendure_port), (8000, 3000));
    }

    #[test]
    fn an_unknown_fault_is_refused_with_its_name() {
        let error = serve_args(&["--faults", "flood=0.5"]).unwrap_err();

        assert!(
            error.to_string().contains("unknown fault `flood`"),
            "the person sees which entry is wrong: {error}"
        );
    }

    #[test]
    fn the_export_line_sets_every_contract_test_variable() {
        let args = serve_args(&[]).unwrap();
        let tryton = TrytonAccess {
            url: "http://127.0.0.1:1/".into(),
            database: "concord".into(),
            login: "admin".into(),
            password: "pa ss".into(),
        };
        let vendure = VendureAccess {
            url: "http://127.0.0.1:2/admin-api".into(),
            username: "superadmin".into(),
            password: "it's".into(),
        };

        let text = describe(&args, &tryton, &vendure);

        let export = text.lines().last().unwrap();
        assert!(export.starts_with("export CONCORD_TEST_TRYTON_URL=http://127.0.0.1:1/ "));
        assert!(
            export.contains("CONCORD_TEST_TRYTON_PASSWORD='pa ss'"),
            "{export}"
        );
        assert!(
            export.contains(r"CONCORD_TEST_VENDURE_PASSWORD='it'\''s'"),
            "{export}"
        );
        assert!(export.contains("CONCORD_TEST_VENDURE_URL=http://127.0.0.1:2/admin-api"));
    }
}
