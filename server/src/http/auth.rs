//! `/v1/auth/*`: signup, login, refresh and logout. Signup and login are guarded: attempts are
//! limited per client address (and failed logins per username), answered 429
//! `too_many_attempts`, and password hashing is bounded, answered 503 `busy` when no slot frees
//! up soon; both carry `Retry-After`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use studymate_protocol::{AuthResponse, LoginRequest, RefreshRequest, SignupRequest};
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{ApiJson, bearer};
use super::state::AppState;
use crate::auth::gate::GateError;
use crate::auth::throttle::Throttled;
use crate::auth::{TokenError, password, tokens};
use crate::db::TxMode;
use crate::users::{self, CreateError, NewUser};

/// Shortest and longest accepted password, in characters.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1024;

/// An auth endpoint's error answer, with a `Retry-After` (whole seconds) for 429 and 503.
#[derive(Debug)]
pub struct Refusal {
    error: ApiError,
    retry_after: Option<Duration>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal {
            error,
            retry_after: None,
        }
    }
}

impl From<Throttled> for Refusal {
    fn from(t: Throttled) -> Self {
        Refusal {
            error: ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many attempts; wait before trying again",
            ),
            retry_after: Some(t.retry_after),
        }
    }
}

impl From<GateError> for Refusal {
    fn from(e: GateError) -> Self {
        match e {
            GateError::Busy { retry_after } => Refusal {
                error: ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is busy checking passwords; try again shortly",
                ),
                retry_after: Some(retry_after),
            },
            GateError::Failed(detail) => ApiError::internal(detail).into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(wait) = self.retry_after {
            // Rounded up, so a client waiting this long finds the budget regained.
            let seconds = wait
                .as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0));
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `POST /v1/auth/signup`: counted against the client address's signup budget.
pub async fn signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<AuthResponse>), Refusal> {
    state.guards.signup_per_address.check(peer.ip())?;
    check_username(&req.username)?;
    check_password(&req.password)?;
    studymate_core::profile::check_display_name(&req.display_name)
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
    let secret = req.password.clone();
    let hash = state
        .guards
        .hashing
        .run(move || password::hash(&secret))
        .await?
        .map_err(ApiError::internal)?;
    let ttl = state.token_ttl_seconds;
    let user_id = req.user_id.unwrap_or_else(Uuid::now_v7);
    let response = state
        .run(TxMode::Write, move |conn| {
            let now = Utc::now();
            let user = NewUser {
                user_id,
                username: &req.username,
                password_hash: &hash,
                display_name: &req.display_name,
            };
            users::create(conn, &user, now).map_err(|e| match e {
                CreateError::UsernameTaken => ApiError::new(
                    StatusCode::CONFLICT,
                    "username_taken",
                    "that username is taken",
                ),
                CreateError::UserExists => ApiError::new(
                    StatusCode::CONFLICT,
                    "user_exists",
                    "an account with that user_id exists",
                ),
                CreateError::Db(e) => e.into(),
            })?;
            Ok(tokens::sign_in(conn, user_id, ttl, now)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)))
}

/// `POST /v1/auth/login`: counted against the client address's login budget; refused while the
/// username's failures have spent its budget. An unknown username is hashed like a known one.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<AuthResponse>, Refusal> {
    let guards = &state.guards;
    guards.login_per_address.check(peer.ip())?;
    // No account has such a name or password (signup refuses them): refused without hashing or
    // a failure count, which would keep an unbounded name in memory.
    if check_username(&req.username).is_err() || check_password(&req.password).is_err() {
        return Err(invalid_credentials().into());
    }
    guards.login_failures.check(&req.username, Instant::now())?;
    let username = req.username.clone();
    let found = state
        .run(TxMode::Read, move |conn| {
            Ok(users::credentials(conn, &username)?)
        })
        .await?;
    let (user_id, stored) = found.unzip();
    let secret = req.password.clone();
    let matches = guards
        .hashing
        .run(move || password::verify(stored.as_deref(), &secret))
        .await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        guards.login_failures.failed(&req.username, Instant::now());
        return Err(invalid_credentials().into());
    };
    guards.login_failures.succeeded(&req.username);
    let ttl = state.token_ttl_seconds;
    let response = state
        .run(TxMode::Write, move |conn| {
            Ok(tokens::sign_in(conn, user_id, ttl, Utc::now())?)
        })
        .await?;
    Ok(Json(response))
}

/// `POST /v1/auth/refresh`: the family's pair is spent and a new one issued; a spent token is
/// a lost answer's retry or a replay (see [`crate::auth::tokens`]).
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    let ttl = state.token_ttl_seconds;
    // Refusals are committed too: a replay's revocation must stick.
    let outcome = state
        .run(TxMode::Write, move |conn| {
            match tokens::refresh(conn, &req.refresh_token, ttl, Utc::now()) {
                Err(TokenError::Db(e)) => Err(e.into()),
                other => Ok(other),
            }
        })
        .await?;
    // A rotation spends the previous pair and a replay revokes the sign-in: either way the
    // user's live channels check their tokens.
    match &outcome {
        Ok(pair) => state.tokens_changed(pair.user_id).await?,
        Err(TokenError::Replayed(user)) => state.tokens_changed(*user).await?,
        Err(_) => {}
    }
    outcome.map(Json).map_err(|e| match e {
        TokenError::Expired => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "the refresh token has expired; sign in again",
        ),
        TokenError::Invalid => {
            ApiError::unauthorized("the refresh token is not valid or was already used")
        }
        TokenError::Replayed(_) => ApiError::unauthorized(
            "the refresh token was used before; every token of this sign-in is revoked",
        ),
        TokenError::AccountDeleted => super::extract::account_deleted(),
        TokenError::Db(e) => e.into(),
    })
}

/// `POST /v1/auth/logout`: revokes the sign-in of the bearer access token (every access and
/// refresh token of its family). The token may have expired, not been spent or revoked.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers)?;
    let user = state
        .run(TxMode::Write, move |conn| {
            tokens::log_out(conn, &token).map_err(|e| match e {
                TokenError::Db(e) => e.into(),
                _ => ApiError::unauthorized(
                    "the access token is not valid or was already signed out",
                ),
            })
        })
        .await?;
    state.tokens_changed(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 401 `invalid_credentials`, the same for an unknown username and a wrong password.
fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong username or password",
    )
}

fn check_username(name: &str) -> Result<(), ApiError> {
    studymate_core::profile::check_username(name)
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))
}

pub(super) fn check_password(password: &str) -> Result<(), ApiError> {
    if !PASSWORD_CHARS.contains(&password.chars().count()) {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "password must be {}–{} characters",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        ));
    }
    Ok(())
}
