//! `/v1/auth/*`: signup, login and refresh.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, RefreshRequest, SignupRequest};
use uuid::Uuid;

use super::error::ApiError;
use super::extract::ApiJson;
use super::state::AppState;
use crate::auth::{self, TokenError};
use crate::db::TxMode;
use crate::users::{self, CreateError, NewUser};

/// Shortest and longest accepted password, in characters.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1024;

/// `POST /v1/auth/signup`.
pub async fn signup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<AuthResponse>), ApiError> {
    check_username(&req.username)?;
    check_password(&req.password)?;
    let name_len = req.display_name.chars().count();
    if req.display_name.trim().is_empty() || name_len > 100 {
        return Err(ApiError::bad_request(
            "invalid_request",
            "display_name must be 1–100 characters, not blank",
        ));
    }
    let password = req.password.clone();
    let hash = AppState::compute(move || auth::hash_password(&password))
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
            Ok(auth::issue(conn, user_id, ttl, now)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)))
}

/// `POST /v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    let username = req.username.clone();
    let found = state
        .run(TxMode::Read, move |conn| {
            Ok(users::credentials(conn, &username)?)
        })
        .await?;
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        )
    };
    let (user_id, hash) = found.ok_or_else(refused)?;
    let password = req.password;
    if !AppState::compute(move || auth::verify_password(&hash, &password)).await? {
        return Err(refused());
    }
    let ttl = state.token_ttl_seconds;
    let response = state
        .run(TxMode::Write, move |conn| {
            Ok(auth::issue(conn, user_id, ttl, Utc::now())?)
        })
        .await?;
    Ok(Json(response))
}

/// `POST /v1/auth/refresh`: the refresh token is used up and a new pair issued.
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    let ttl = state.token_ttl_seconds;
    let response = state
        .run(TxMode::Write, move |conn| {
            let now = Utc::now();
            let user =
                auth::redeem_refresh(conn, &req.refresh_token, now).map_err(|e| match e {
                    TokenError::Expired => ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "token_expired",
                        "the refresh token has expired; sign in again",
                    ),
                    TokenError::Invalid => {
                        ApiError::unauthorized("the refresh token is not valid or was already used")
                    }
                    TokenError::Db(e) => e.into(),
                })?;
            Ok(auth::issue(conn, user, ttl, now)?)
        })
        .await?;
    Ok(Json(response))
}

fn check_username(name: &str) -> Result<(), ApiError> {
    studymate_core::profile::check_username(name)
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))
}

fn check_password(password: &str) -> Result<(), ApiError> {
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
