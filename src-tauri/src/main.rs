//! The Concord desktop shell: opens the service on the data folder, registers the commands
//! the UI invokes, and holds the state they share.
//!
//! It is a switchboard. Every operation lives in `concord_service`, which the command line
//! and the tests call the same way; nothing here reads the cache, talks to an external
//! system or decides anything a rep sees.

// Release builds on Windows open no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod instance;

use std::process::ExitCode;

use anyhow::Context as _;
use concord_service::logging::{self, Stderr};
use concord_service::{Paths, Service};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Logging may not be set up yet, and a person starting the app from a terminal
            // must see why it did not open.
            // TODO(desktop): show this in a native dialog too; a person who started Concord
            // from a menu sees no terminal, so a refused second instance looks like nothing.
            eprintln!("Concord could not start: {err:#}");
            tracing::error!("desktop stopped: start failed");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let paths = Paths::resolve(None)?;
    let _log = logging::init(&paths.log_dir, Stderr::Off)?;
    std::fs::create_dir_all(&paths.data_dir)
        .with_context(|| format!("creating the data folder {}", paths.data_dir.display()))?;
    let _instance = instance::acquire(&paths.data_dir)?;
    tracing::info!(data_dir = %paths.data_dir.display(), "desktop starting");

    let service = Service::open(paths)?;

    tauri::Builder::default()
        .manage(service)
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::lookup,
            commands::show
        ])
        .run(tauri::generate_context!())
        .context("running the desktop window")?;

    tracing::info!("desktop stopped");
    Ok(())
}
