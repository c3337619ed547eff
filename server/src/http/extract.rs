//! Request extractors that answer in the protocol's error format: JSON bodies, the bearer token,
//! and the protocol version header.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use studymate_core::sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use uuid::Uuid;

use super::error::ApiError;
use super::state::AppState;
use crate::auth::{self, TokenError};
use crate::db::TxMode;

/// A JSON body; malformed, oversized or non-JSON bodies are answered with a 4xx error body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(&rejection)),
        }
    }
}

fn json_error(rejection: &JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = rejection.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "payload_too_large", message),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "unsupported_media_type", message)
        }
        _ => ApiError::bad_request("malformed_request", message),
    }
}

/// The signed-in user, from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy)]
pub struct Authed(pub Uuid);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?
            .to_owned();
        let user = state
            .run(TxMode::Read, move |conn| {
                Ok(auth::authenticate(conn, &token, Utc::now()))
            })
            .await?;
        match user {
            Ok(user) => Ok(Authed(user)),
            Err(TokenError::Expired) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "the access token has expired; refresh it",
            )),
            Err(TokenError::Invalid) => {
                Err(ApiError::unauthorized("the access token is not valid"))
            }
            Err(TokenError::Db(e)) => Err(e.into()),
        }
    }
}

/// Middleware: a request carrying a `StudyMate-Protocol` header with another version than this
/// server's is refused before anything runs.
pub async fn check_protocol_header(req: Request, next: Next) -> Response {
    match protocol_header(req.headers()) {
        Ok(_) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// The version named by the protocol header: `None` if absent, an error if it is not ours.
pub fn protocol_header(headers: &axum::http::HeaderMap) -> Result<Option<u32>, ApiError> {
    let Some(value) = headers.get(PROTOCOL_HEADER) else {
        return Ok(None);
    };
    let version = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok());
    match version {
        Some(v) if v == PROTOCOL_VERSION => Ok(Some(v)),
        _ => Err(unsupported(&format!("{value:?}"))),
    }
}

/// 400 `unsupported_protocol`.
pub fn unsupported(got: &str) -> ApiError {
    ApiError::bad_request(
        "unsupported_protocol",
        format!(
            "this server speaks protocol version {PROTOCOL_VERSION}, the request asked for {got}"
        ),
    )
}
