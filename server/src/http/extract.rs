//! Request extractors that answer in the protocol's error format: JSON bodies, the bearer token,
//! and the protocol version header.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use studymate_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use uuid::Uuid;

use super::error::ApiError;
use super::state::AppState;
use crate::auth::{TokenError, tokens};
use crate::db::TxMode;

/// A JSON body; malformed, oversized or non-JSON bodies are answered with a 4xx error body.
///
/// A body of the content type clients send (`application/json`) is decoded without tracking
/// where in it the decoder is: only a body that fails is decoded again by [`axum::Json`], whose
/// message names the field at fault. (The tracking made decoding a push about 1.4 × slower, 0.3 µs
/// per chat message; docs/benchmarks.md.) Any other content type goes through [`axum::Json`]
/// from the start, so its checks and answers are axum's.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !plain_json(req.headers()) {
            return axum::Json::<T>::from_request(req, state)
                .await
                .map(|axum::Json(value)| ApiJson(value))
                .map_err(|rejection| json_error(&rejection));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| json_error(&rejection.into()))?;
        serde_json::from_slice(&bytes).map(ApiJson).or_else(|_| {
            axum::Json::<T>::from_bytes(&bytes)
                .map(|axum::Json(value)| ApiJson(value))
                .map_err(|rejection| json_error(&rejection))
        })
    }
}

/// Whether the request's content type is exactly `application/json` (in any case), without
/// parameters: what the clients send, and one that axum's JSON extractor accepts.
fn plain_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"application/json"))
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

/// The signed-in user, from `Authorization: Bearer <access token>`. A token's first use is
/// recorded, so its pair no longer passes for the unused answer of a lost refresh.
#[derive(Debug, Clone, Copy)]
pub struct Authed(pub Uuid);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        Ok(Authed(authenticate(state, token).await?.user))
    }
}

/// Checks an access token, and records its first use, so its pair no longer passes for the
/// unused answer of a lost refresh. Refused: 401 `token_expired` or `unauthorized`.
pub async fn authenticate(state: &AppState, token: String) -> Result<tokens::Access, ApiError> {
    let presented = token.clone();
    let access = state
        .run(TxMode::Read, move |conn| {
            Ok(tokens::authenticate(conn, &presented, Utc::now()))
        })
        .await?
        .map_err(access_refused)?;
    if access.first_use {
        state
            .run(TxMode::Write, move |conn| {
                match tokens::record_use(conn, &token) {
                    Err(TokenError::Db(e)) => Err(e.into()),
                    other => Ok(other),
                }
            })
            .await?
            .map_err(access_refused)?;
    }
    Ok(access)
}

/// The token of an `Authorization: Bearer` header; 401 `unauthorized` without one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))
}

/// The answer to an access token that was not accepted.
pub fn access_refused(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "the access token has expired; refresh it",
        ),
        TokenError::Invalid | TokenError::Replayed(_) => {
            ApiError::unauthorized("the access token is not valid")
        }
        TokenError::AccountDeleted => account_deleted(),
        TokenError::Db(e) => e.into(),
    }
}

/// 410 `account_deleted`: the token's account was deleted; the device erases its copy.
pub fn account_deleted() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "account_deleted",
        "this account was deleted; erase its data on this device",
    )
}

/// Middleware: a request announcing a body over [`super::BODY_LIMIT_BYTES`] is answered 413 at
/// once, before its body is read. (A body without a length is cut off at the limit while read.)
pub async fn reject_oversized(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(length) if length > super::BODY_LIMIT_BYTES as u64 => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the body is {length} bytes; the limit is {} bytes",
                super::BODY_LIMIT_BYTES
            ),
        )
        .into_response(),
        _ => next.run(req).await,
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

/// The version named by the protocol header: `None` if absent, an error if any value given is
/// not this server's version.
pub fn protocol_header(headers: &axum::http::HeaderMap) -> Result<Option<u32>, ApiError> {
    let mut named = None;
    for value in headers.get_all(PROTOCOL_HEADER) {
        match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            Some(v) if v == PROTOCOL_VERSION => named = Some(v),
            _ => return Err(unsupported(&format!("{value:?}"))),
        }
    }
    Ok(named)
}

/// The protocol header, required (a pull or a live channel must name the version it speaks):
/// 400 `unsupported_protocol` without it.
pub fn require_protocol_header(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    match protocol_header(headers)? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_request(
            "unsupported_protocol",
            format!("this request must name its protocol version in the {PROTOCOL_HEADER} header"),
        )),
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
