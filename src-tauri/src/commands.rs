//! The commands the UI invokes. Each body is one call into the service layer, run on a
//! blocking thread so that SQLite and file work never stall the window's main thread.
//!
//! Register a new command here, in `main.rs`'s `generate_handler!`, give it an `allow-`
//! permission in `src-tauri/permissions/commands.toml`, and grant that in tauri.conf.json.

use concord_service::{AppStatus, CustomerView, LookupResults, Result, Service, ServiceError};
use tauri::State;

/// What the status bar shows.
#[tauri::command]
pub async fn app_status(service: State<'_, Service>) -> Result<AppStatus> {
    off_main_thread(&service, Service::status).await
}

/// The customers the search box's text may mean, best first.
#[tauri::command]
pub async fn lookup(
    service: State<'_, Service>,
    query: String,
    limit: u32,
) -> Result<LookupResults> {
    off_main_thread(&service, move |s| s.lookup(&query, limit)).await
}

/// One merged account, for the account pane.
#[tauri::command]
pub async fn show(service: State<'_, Service>, customer_id: i64) -> Result<CustomerView> {
    off_main_thread(&service, move |s| s.show(customer_id)).await
}

/// Runs a service operation on Tauri's blocking pool with its own handle to the service.
async fn off_main_thread<T, F>(service: &Service, operation: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Service) -> Result<T> + Send + 'static,
{
    let service = service.clone();
    tauri::async_runtime::spawn_blocking(move || operation(&service))
        .await
        .map_err(|err| {
            ServiceError::internal(format!("the operation stopped unexpectedly: {err}"))
        })?
}
