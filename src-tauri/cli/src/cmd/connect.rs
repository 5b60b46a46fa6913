//! `concord connect`: adds a real system. It logs in first (so a wrong URL, database or
//! password is reported before anything is written), then keeps the password in the OS
//! keyring and adds the system to config.toml.

use std::io::{BufRead as _, Write as _};

use concord_service::config::{MappingConfig, SystemConfig, SystemKind};

use super::Context;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    /// The ERP, over JSON-RPC.
    Tryton,
    /// The web store, over its Admin GraphQL API.
    Vendure,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the system is.
    #[arg(long, value_enum)]
    kind: Kind,

    /// What to call it (`concord sync --system NAME`); the kind when not given.
    #[arg(long)]
    name: Option<String>,

    /// Tryton: the server root (`https://erp.example.com/`). Vendure: the Admin API
    /// (`https://shop.example.com/admin-api`).
    #[arg(long)]
    url: String,

    /// Tryton's database.
    #[arg(long, required_if_eq("kind", "tryton"))]
    database: Option<String>,

    /// The user Concord logs in as.
    #[arg(long)]
    login: String,

    /// Read the password from standard input (one line) instead of asking for it.
    #[arg(long)]
    password_stdin: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let kind = match args.kind {
        Kind::Tryton => SystemKind::Tryton,
        Kind::Vendure => SystemKind::Vendure,
    };
    let system = SystemConfig {
        name: args.name.unwrap_or_else(|| kind.as_str().to_owned()),
        kind,
        url: args.url,
        database: args.database,
        login: args.login,
        page_size: None,
        full_listing_hours: None,
        mapping: MappingConfig::default(),
    };
    let password = read_password(args.password_stdin, &system.login)?;
    let service = ctx.open_service()?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "Logging in to {} at {} ...", system.name, system.url)?;
    let report = service.connect(system, &password)?;
    writeln!(out, "Connected: the login works.")?;
    writeln!(out, "Password kept {}.", report.secret.describe())?;
    writeln!(out, "Added {:?} to {}.", report.name, report.config_file)?;
    writeln!(out, "Run `concord sync` to pull its customers and orders.")?;
    Ok(())
}

fn read_password(from_stdin: bool, login: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let interactive = !from_stdin && is_terminal();
    if interactive {
        eprint!("Password for {login}: ");
        std::io::stderr().flush()?;
    }
    let _echo = interactive.then(EchoOff::new);
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if interactive {
        eprintln!();
    }
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!("no password was given");
    }
    Ok(password)
}

fn is_terminal() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdin().is_terminal()
}

/// Keeps a typed password off the screen until dropped.
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new() -> Self {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr/tcsetattr on standard input with a zeroed termios that
            // tcgetattr fills; nothing else holds a pointer to it.
            unsafe {
                let mut term: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(libc::STDIN_FILENO, &mut term) != 0 {
                    return Self { saved: None };
                }
                let saved = term;
                term.c_lflag &= !libc::ECHO;
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &term);
                Self { saved: Some(saved) }
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: restores the settings read in `new` on the same descriptor.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
            }
        }
    }
}
