//! The commands the UI invokes. Each body is one call into the service layer, run on a
//! blocking thread so that SQLite and file work never stall the window's main thread.
//!
//! Register a new command here, in `main.rs`'s `generate_handler!`, give it an `allow-`
//! permission in `src-tauri/permissions/commands.toml`, and grant that in tauri.conf.json.

use concord_service::address_form::{AddressForm, CountryChoice};
use concord_service::corrections::{CorrectionRequest, HistoryEntry, Preview, Submitted};
use concord_service::review::ReviewState;
use concord_service::settings::{CacheInfo, ConnectionTest, NewSystem, Settings};
use concord_service::{
    AppStatus, CustomerView, LookupResults, Result, ReviewDecision, ReviewDetail, ReviewSummary,
    Service, ServiceError, SystemStatus,
};
use tauri::State;

use crate::PendingScreenPop;

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

/// The address form of a country, for the address editor.
#[tauri::command]
pub async fn address_form(service: State<'_, Service>, country: String) -> Result<AddressForm> {
    off_main_thread(&service, move |s| s.address_form(&country)).await
}

/// Every country an address can be entered for, for the editor's country list.
#[tauri::command]
pub async fn address_countries(service: State<'_, Service>) -> Result<Vec<CountryChoice>> {
    off_main_thread(&service, |s| Ok(s.address_countries())).await
}

/// The lookup a screen pop asked for that the window has not shown yet; each is handed out
/// once.
#[tauri::command]
pub fn take_screen_pop(pending: State<'_, PendingScreenPop>) -> Result<Option<String>> {
    Ok(pending.0.lock().unwrap_or_else(|p| p.into_inner()).take())
}

/// Where each connected system stands, for the status bar and the settings.
#[tauri::command]
pub async fn sync_status(service: State<'_, Service>) -> Result<Vec<SystemStatus>> {
    off_main_thread(&service, Service::sync_status).await
}

/// What a correction would change, in Concord and in each system; nothing is saved.
#[tauri::command]
pub async fn preview_correction(
    service: State<'_, Service>,
    request: CorrectionRequest,
) -> Result<Preview> {
    off_main_thread(&service, move |s| s.preview_correction(&request)).await
}

/// Makes a correction and queues its pushes; the background schedule sends them.
#[tauri::command]
pub async fn submit_correction(
    service: State<'_, Service>,
    request: CorrectionRequest,
) -> Result<Submitted> {
    off_main_thread(&service, move |s| s.submit_correction(&request)).await
}

/// A customer's corrections with each system's push state.
#[tauri::command]
pub async fn correction_history(
    service: State<'_, Service>,
    customer_id: i64,
) -> Result<Vec<HistoryEntry>> {
    off_main_thread(&service, move |s| s.correction_history(customer_id)).await
}

/// The review queue: items in `state`.
#[tauri::command]
pub async fn review_list(
    service: State<'_, Service>,
    state: ReviewState,
) -> Result<Vec<ReviewSummary>> {
    off_main_thread(&service, move |s| s.review_list(Some(state))).await
}

/// One review item with its evidence.
#[tauri::command]
pub async fn review_show(service: State<'_, Service>, id: i64) -> Result<ReviewDetail> {
    off_main_thread(&service, move |s| s.review_show(id)).await
}

/// A supervisor's decision on an item; the service refuses it for any other role.
#[tauri::command]
pub async fn review_decide(
    service: State<'_, Service>,
    id: i64,
    decision: ReviewDecision,
) -> Result<ReviewDetail> {
    off_main_thread(&service, move |s| s.review_decide(id, &decision)).await
}

/// Undoes a decision; supervisors only, checked by the service.
#[tauri::command]
pub async fn review_undo(service: State<'_, Service>, id: i64) -> Result<ReviewDetail> {
    off_main_thread(&service, move |s| s.review_undo(id)).await
}

/// What the Settings screen shows: the user and role, the systems in config.toml, the cache.
#[tauri::command]
pub async fn settings(service: State<'_, Service>) -> Result<Settings> {
    off_main_thread(&service, Service::settings).await
}

/// Adds a system after logging in to it; supervisors only, checked by the service. The
/// password goes to the keyring (or the named fallback file) and nowhere else.
#[tauri::command]
pub async fn add_system(
    service: State<'_, Service>,
    system: NewSystem,
    password: String,
) -> Result<Settings> {
    off_main_thread(&service, move |s| s.add_system(system, &password)).await
}

/// Logs in to a configured system and says how it went.
#[tauri::command]
pub async fn test_connection(service: State<'_, Service>, name: String) -> Result<ConnectionTest> {
    off_main_thread(&service, move |s| s.test_connection(&name)).await
}

/// Removes a system from config.toml with its password; supervisors only.
#[tauri::command]
pub async fn remove_system(service: State<'_, Service>, name: String) -> Result<Settings> {
    off_main_thread(&service, move |s| s.remove_system(&name)).await
}

/// Where the local cache is and how much room it takes.
#[tauri::command]
pub async fn cache_info(service: State<'_, Service>) -> Result<CacheInfo> {
    off_main_thread(&service, Service::cache_info).await
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
