//! The JSON-RPC endpoint: decoding a request, checking the session, calling the model
//! method, and answering in Tryton's shapes (HTTP status codes for protocol and session
//! failures, `{"error": [name, detail]}` with HTTP 200 for application errors).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::db::{AppError, Database};
use super::ErpState;

/// What a call answers before it is a JSON-RPC reply.
enum Failure {
    /// 400: the body is not a JSON-RPC request.
    BadRequest(&'static str),
    /// 401 with an HTML body: the login was refused.
    LoginRefused,
    /// 401 with an empty body: no session, or one the server does not know.
    NoSession,
    /// 403: the method is not exposed over RPC.
    Forbidden,
    /// 422: the last parameter is not the context.
    NoContext,
    /// 404: no such database.
    NoDatabase,
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

fn html(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html>\n<html lang=en>\n<title>{} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n",
        status.as_u16()
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `POST /<db>/rpc/`.
pub(crate) async fn handle(
    State(state): State<Arc<ErpState>>,
    Path(database): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: Option<(Value, String, Vec<Value>)> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|request| {
            let method = request.get("method")?.as_str()?.to_owned();
            let params = request.get("params")?.as_array()?.clone();
            Some((
                request.get("id").cloned().unwrap_or(Value::Null),
                method,
                params,
            ))
        });
    let Some((id, method, params)) = request else {
        return failure_response(Failure::BadRequest("Unable to get RPC method"));
    };
    if database != state.database {
        return failure_response(Failure::NoDatabase);
    }
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    match dispatch(&state, &headers, &method, params) {
        Ok((result, wrote)) => {
            if wrote {
                if let Some(key) = idempotency_key {
                    state.count_write(&key);
                }
            }
            axum::Json(json!({"id": id, "result": result})).into_response()
        }
        Err(Failure::App(error)) => {
            axum::Json(json!({"id": id, "error": error.to_json()})).into_response()
        }
        Err(failure) => failure_response(failure),
    }
}

fn failure_response(failure: Failure) -> Response {
    match failure {
        Failure::BadRequest(text) => html(StatusCode::BAD_REQUEST, "Bad Request", text),
        Failure::LoginRefused => html(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The server could not verify that you are authorized to access the URL requested.",
        ),
        Failure::NoSession => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"Tryton\"")],
            "",
        )
            .into_response(),
        Failure::Forbidden => html(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You don't have the permission to access the requested resource.",
        ),
        Failure::NoContext => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Entity",
            "Missing context argument",
        ),
        Failure::NoDatabase => html(StatusCode::NOT_FOUND, "Not Found", "Database not found"),
        Failure::App(error) => axum::Json(json!({"error": error.to_json()})).into_response(),
    }
}

/// Runs one method; the flag says whether it wrote (for the `Idempotency-Key` count).
fn dispatch(
    state: &ErpState,
    headers: &HeaderMap,
    method: &str,
    mut params: Vec<Value>,
) -> Result<(Value, bool), Failure> {
    match method {
        "common.db.login" => return login(state, &params).map(|r| (r, false)),
        "common.server.version" => return Ok((json!(super::VERSION), false)),
        _ => {}
    }
    if !state.has_session(headers) {
        return Err(Failure::NoSession);
    }
    if method == "common.db.logout" {
        // Tryton's logout takes no context: a client that sends one gets Python's complaint.
        if !params.is_empty() {
            return Err(Failure::App(AppError::named(format!(
                "logout() takes 2 positional arguments but {} were given",
                params.len() + 2
            ))));
        }
        state.close_session(headers);
        return Ok((Value::Null, false));
    }
    let Some(rest) = method.strip_prefix("model.") else {
        return Err(Failure::Forbidden);
    };
    let Some((model, action)) = rest.rsplit_once('.') else {
        return Err(Failure::Forbidden);
    };
    let context = match params.pop() {
        Some(Value::Object(context)) => context,
        _ => return Err(Failure::NoContext),
    };

    if model == "res.user" && action == "get_preferences" {
        return Ok((state.preferences(), false));
    }
    let is_sale_button =
        model == "sale.sale" && matches!(action, "quote" | "confirm" | "cancel" | "draft");
    let writes = matches!(action, "create" | "write" | "delete") || is_sale_button;
    let reads = matches!(action, "search" | "search_read" | "search_count" | "read");
    if !(reads || writes) {
        return Err(Failure::Forbidden);
    }

    if reads {
        let db = state
            .db
            .read()
            .expect("the ERP database lock is never poisoned");
        let t = db.table(model).ok_or(Failure::Forbidden)?;
        // Tryton's `active_test` context key: off lists inactive records too.
        let active_test = context.get("active_test") != Some(&Value::Bool(false));
        return read_method(&db, t, action, &params, active_test)
            .map(|r| (r, false))
            .map_err(Failure::from);
    }
    let mut db = state
        .db
        .write()
        .expect("the ERP database lock is never poisoned");
    let t = db.table(model).ok_or(Failure::Forbidden)?;
    let mut stamps = match context.get("_timestamp") {
        Some(Value::Object(stamps)) => stamps.clone(),
        _ => Map::new(),
    };
    db.begin();
    let result = write_method(&mut db, t, action, &params, &mut stamps);
    match result {
        Ok(result) => {
            db.commit();
            Ok((result, true))
        }
        Err(error) => {
            db.rollback();
            Err(Failure::App(error))
        }
    }
}

fn login(state: &ErpState, params: &[Value]) -> Result<Value, Failure> {
    let login = params.first().and_then(Value::as_str);
    let password = params
        .get(1)
        .and_then(|p| p.get("password"))
        .and_then(Value::as_str);
    match (login, password) {
        (Some(login), Some(password)) if login == state.login && password == state.password => {
            let token = state.open_session();
            Ok(json!([super::USER_ID, token, null]))
        }
        _ => Err(Failure::LoginRefused),
    }
}

/// Reads `Authorization: Session base64(login:user_id:token)`.
pub(crate) fn session_of(headers: &HeaderMap) -> Option<(String, i64, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Session ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let mut parts = text.splitn(3, ':');
    let login = parts.next()?.to_owned();
    let user = parts.next()?.parse().ok()?;
    let token = parts.next()?.to_owned();
    Some((login, user, token))
}

fn param(params: &[Value], i: usize) -> &Value {
    params.get(i).unwrap_or(&Value::Null)
}

fn usize_param(params: &[Value], i: usize) -> Result<Option<usize>, AppError> {
    match param(params, i) {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(n.as_i64().unwrap_or(0).max(0) as usize)),
        other => Err(AppError::named(format!("{other} is not a number"))),
    }
}

fn names_param(params: &[Value], i: usize) -> Result<Option<Vec<String>>, AppError> {
    match param(params, i) {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| AppError::named(format!("{v} is not a field name")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(AppError::named(format!(
            "{other} is not a list of field names"
        ))),
    }
}

fn ids_param(params: &[Value], i: usize) -> Result<Vec<i64>, AppError> {
    match param(params, i) {
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| AppError::named(format!("{v} is not an ID")))
            })
            .collect(),
        Value::Number(n) => Ok(n.as_i64().into_iter().collect()),
        other => Err(AppError::named(format!("{other} is not a list of IDs"))),
    }
}

fn read_method(
    db: &Database,
    t: usize,
    action: &str,
    params: &[Value],
    active_test: bool,
) -> Result<Value, AppError> {
    match action {
        "read" => {
            let ids = ids_param(params, 0)?;
            let names = names_param(params, 1)?;
            Ok(Value::Array(db.read(t, &ids, names.as_deref())?))
        }
        "search_count" => {
            let domain = db.parse_domain(t, param(params, 0))?;
            Ok(json!(db.count(t, &domain, active_test)))
        }
        _ => {
            let domain = db.parse_domain(t, param(params, 0))?;
            let offset = usize_param(params, 1)?.unwrap_or(0);
            let limit = usize_param(params, 2)?;
            let order = db.parse_order(t, param(params, 3))?;
            if action == "search" {
                return Ok(json!(db.search(
                    t,
                    &domain,
                    offset,
                    limit,
                    &order,
                    active_test
                )));
            }
            // search_read without a field list reads only the IDs, as Tryton 8.0 does.
            let names = names_param(params, 4)?.unwrap_or_default();
            let ids = db.search(t, &domain, offset, limit, &order, active_test);
            Ok(Value::Array(db.read(t, &ids, Some(&names))?))
        }
    }
}

fn write_method(
    db: &mut Database,
    t: usize,
    action: &str,
    params: &[Value],
    stamps: &mut Map<String, Value>,
) -> Result<Value, AppError> {
    match action {
        "create" => {
            let list = match param(params, 0) {
                Value::Array(list) => list.clone(),
                other => return Err(AppError::named(format!("create takes a list, not {other}"))),
            };
            Ok(json!(db.create(t, &list, None, stamps)?))
        }
        "write" => {
            // write(ids, values, [ids, values, ...])
            if params.len() < 2 || params.len() % 2 != 0 {
                return Err(AppError::named("write takes pairs of IDs and values"));
            }
            for pair in params.chunks(2) {
                let ids = ids_param(pair, 0)?;
                let Value::Object(values) = &pair[1] else {
                    return Err(AppError::named(format!(
                        "{} is not a set of values",
                        pair[1]
                    )));
                };
                db.write(t, &ids, values, stamps)?;
            }
            Ok(Value::Null)
        }
        "delete" => {
            let ids = ids_param(params, 0)?;
            db.delete(t, &ids, stamps)?;
            Ok(Value::Null)
        }
        button => {
            db.press(&ids_param(params, 0)?, button)?;
            Ok(Value::Null)
        }
    }
}
