//! The Concord desktop shell: opens the service on the data folder, registers the commands
//! the UI invokes, holds the state they share, and forwards what happens outside the window
//! (the service's events, screen pops from telephony software) to the UI.
//!
//! It is a switchboard. Every operation lives in `concord_service`, which the command line
//! and the tests call the same way; nothing here reads the cache, talks to an external
//! system or decides anything a rep sees.

// Release builds on Windows open no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod background;
mod commands;
mod instance;
mod screen_pop;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use concord_service::events::{Event, EventSink};
use concord_service::logging::{self, Stderr};
use concord_service::{Paths, Service};
use tauri::{AppHandle, Emitter as _, Manager as _};

/// The event a screen pop reaches the UI under; its payload is the text to look up.
pub const SCREEN_POP_EVENT: &str = "concord://screen-pop";

/// The event the service's own events reach the UI under (sync progress, status changes).
pub const SERVICE_EVENT: &str = "concord://event";

/// Forwards the service's events to the window.
struct WindowEvents(AppHandle);

impl EventSink for WindowEvents {
    fn emit(&self, event: Event) {
        // A window that is closing cannot hear it; nothing is lost, the next read of the
        // status shows the same state.
        if let Err(err) = self.0.emit(SERVICE_EVENT, event) {
            tracing::debug!("an event did not reach the window: {err}");
        }
    }
}

/// The lookup asked for by a link the window has not yet shown.
#[derive(Default)]
pub struct PendingScreenPop(pub Mutex<Option<String>>);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Logging may not be set up yet, and a person starting the app from a terminal
            // must see why it did not open.
            // TODO(desktop): show this in a native dialog too; a person who started Concord
            // from a menu sees no terminal, so a refused start looks like nothing.
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
    let arguments: Vec<String> = std::env::args().skip(1).collect();

    let _instance = match instance::acquire(&paths.data_dir) {
        Ok(lock) => lock,
        Err(refusal @ instance::LockError::AlreadyRunning { .. }) => {
            // The window that holds the folder takes this start's link, if it listens.
            if instance::forward(&paths.data_dir, &arguments).is_ok() {
                eprintln!(
                    "Concord is already open for the data folder {}; the request went to \
                     that window.",
                    paths.data_dir.display()
                );
                tracing::info!("a second start handed its arguments to the running window");
                return Ok(());
            }
            return Err(refusal.into());
        }
        Err(err) => return Err(err.into()),
    };
    tracing::info!(data_dir = %paths.data_dir.display(), "desktop starting");

    let service = Service::open(paths.clone())?;
    let first_pop = screen_pop::from_arguments(arguments, |problem| {
        tracing::warn!("ignored a link given at start: {problem}");
    });

    tauri::Builder::default()
        .manage(service.clone())
        .manage(PendingScreenPop(Mutex::new(first_pop)))
        .setup(move |app| {
            let events: Arc<dyn EventSink> = Arc::new(WindowEvents(app.handle().clone()));
            service.set_event_sink(events.clone());
            background::start(service, events).context("starting the background sync")?;

            let handle = app.handle().clone();
            // Without the socket the window still works; only later starts cannot reach it.
            if let Err(err) = instance::listen(&paths.data_dir, move |arguments| {
                later_start(&handle, arguments)
            }) {
                tracing::warn!("later starts cannot hand links to this window: {err:#}");
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::lookup,
            commands::show,
            commands::address_form,
            commands::address_countries,
            commands::take_screen_pop,
            commands::sync_status,
            commands::preview_correction,
            commands::submit_correction,
            commands::correction_history,
            commands::review_list,
            commands::review_show,
            commands::review_decide,
            commands::review_undo,
            commands::settings,
            commands::add_system,
            commands::test_connection,
            commands::remove_system,
            commands::cache_info,
        ])
        .run(tauri::generate_context!())
        .context("running the desktop window")?;

    tracing::info!("desktop stopped");
    Ok(())
}

/// A later start handed over its arguments: bring the window forward and show the lookup its
/// link asked for. The lookup is also kept as pending, for a window whose page has not yet
/// started listening.
fn later_start(app: &AppHandle, arguments: Vec<String>) {
    let wanted = screen_pop::from_arguments(arguments, |problem| {
        tracing::warn!("ignored a link from a later start: {problem}");
    });

    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Some(query) = wanted {
        if let Some(pending) = app.try_state::<PendingScreenPop>() {
            *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(query.clone());
        }
        if let Err(err) = app.emit(SCREEN_POP_EVENT, query) {
            tracing::warn!("could not pass a screen pop to the window: {err}");
        }
    }
}
