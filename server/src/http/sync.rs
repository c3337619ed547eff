//! `/v1/sync/*`: push and pull, and `/v1/health`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde::Deserialize;
use serde_json::value::RawValue;
use studymate_protocol::{
    DEFAULT_PULL_LIMIT, HealthResponse, MAX_PULL_BYTES, MAX_PULL_LIMIT, MAX_PUSH_CHANGES,
    PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
};

use super::error::ApiError;
use super::extract::{ApiJson, Authed, require_protocol_header, unsupported};
use super::state::AppState;
use crate::db::{TxMode, params};
use crate::{devices, feed, push};

/// Query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullParams {
    /// The `next_cursor` of the previous page; absent or empty for the beginning.
    #[serde(default)]
    cursor: Option<String>,
    /// Page size, 1–5000 (default 500).
    #[serde(default)]
    limit: Option<u32>,
    /// `true`: also count the changes after the page (the answer's `remaining`).
    #[serde(default)]
    count: bool,
    /// Most bytes of payloads the client wants in the page, at least 1; the server's own budget
    /// (`MAX_PULL_BYTES`) caps it. Absent: that budget.
    #[serde(default)]
    max_bytes: Option<usize>,
}

/// `POST /v1/sync/push`.
pub async fn push(
    State(state): State<AppState>,
    Authed(user): Authed,
    ApiJson(req): ApiJson<PushRequest<Box<RawValue>>>,
) -> Result<Json<PushResponse>, ApiError> {
    if req.protocol_version != PROTOCOL_VERSION {
        return Err(unsupported(&req.protocol_version.to_string()));
    }
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("a push carries at most {MAX_PUSH_CHANGES} changes"),
        ));
    }
    let results = state
        .run(TxMode::Write, move |conn| {
            devices::claim(conn, req.device_id, user)?;
            let results = push::push(conn, user, req.device_id, &req.changes, Utc::now())?;
            #[cfg(feature = "fault-injection")]
            studymate_server::panic_if_poisoned(req.changes.iter().map(|c| c.entity_id.as_str()));
            Ok(results)
        })
        .await?;
    Ok(Json(PushResponse { results }))
}

/// `GET /v1/sync/pull?cursor=…&limit=…`.
pub async fn pull(
    State(state): State<AppState>,
    Authed(user): Authed,
    headers: HeaderMap,
    query: Result<Query<PullParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse<Box<RawValue>>>, ApiError> {
    require_protocol_header(&headers)?;
    let Query(params) =
        query.map_err(|e| ApiError::bad_request("malformed_request", e.body_text()))?;
    let limit = params.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("limit must be 1–{MAX_PULL_LIMIT}"),
        ));
    }
    let max_bytes = match params.max_bytes {
        None => MAX_PULL_BYTES,
        Some(0) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "max_bytes must be at least 1",
            ));
        }
        Some(n) => n.min(MAX_PULL_BYTES),
    };
    let after = params
        .cursor
        .filter(|c| !c.is_empty())
        .map(|c| parse_cursor(&c))
        .transpose()?;
    let page = state
        .run(TxMode::Read, move |conn| {
            let epoch = feed::epoch(conn)?;
            let after = match &after {
                Some((cursor_epoch, _)) if *cursor_epoch != epoch => {
                    return Err(ApiError::new(
                        StatusCode::GONE,
                        "history_reset",
                        "the server's history was reset; drop the cursor and pull from the beginning",
                    ));
                }
                Some((_, position)) => *position,
                None => 0,
            };
            let user = user.to_string();
            let page = feed::pull(conn, &user, after, limit, max_bytes)?;
            let checks = if page.has_more {
                None
            } else {
                Some(feed::checks(conn, &user)?)
            };
            let remaining = match (params.count, page.has_more) {
                (false, _) => None,
                (true, false) => Some(0),
                (true, true) => Some(feed::count_after(conn, &user, page.last_position)?),
            };
            Ok((epoch, page, checks, remaining))
        })
        .await;
    let (epoch, page, checks, remaining) = page?;
    Ok(Json(PullResponse {
        changes: page.changes,
        next_cursor: cursor(&epoch, page.last_position),
        has_more: page.has_more,
        checks,
        remaining,
    }))
}

/// `GET /v1/health`.
pub async fn health(State(state): State<AppState>) -> Result<Json<HealthResponse>, ApiError> {
    state
        .run(TxMode::Read, |conn| Ok(conn.query("SELECT 1", params![])?))
        .await?;
    Ok(Json(HealthResponse {
        status: "ok".into(),
        protocol_version: PROTOCOL_VERSION,
    }))
}

/// The cursor of feed `position` in history `epoch`: `<epoch>:<position>`.
pub fn cursor(epoch: &str, position: i64) -> String {
    format!("{epoch}:{position}")
}

/// Splits a cursor `<epoch>:<position>`.
fn parse_cursor(cursor: &str) -> Result<(String, i64), ApiError> {
    let invalid =
        || ApiError::bad_request("invalid_cursor", "the cursor is not one this server made");
    let (epoch, position) = cursor.rsplit_once(':').ok_or_else(invalid)?;
    let position = position
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(invalid)?;
    uuid::Uuid::parse_str(epoch).map_err(|_| invalid())?;
    Ok((epoch.to_owned(), position))
}
