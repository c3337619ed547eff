//! `/v1/account`: the user's export (`GET /v1/account/export`) and the deletion of the account
//! (`DELETE /v1/account` with the password), as docs/privacy.md describes them.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use studymate_core::privacy::AccountExport;

use super::auth::{Refusal, check_password};
use super::error::ApiError;
use super::extract::{ApiJson, Authed, account_deleted};
use super::state::AppState;
use crate::auth::password;
use crate::db::{TxMode, params};
use crate::privacy::{delete, export};

/// The body of `DELETE /v1/account`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's password, asked again so a stolen token alone cannot delete an account.
    pub password: String,
}

/// `GET /v1/account/export`: everything the server holds about the signed-in user.
pub async fn export(
    State(state): State<AppState>,
    Authed(user): Authed,
) -> Result<Json<AccountExport>, ApiError> {
    let found = state
        .run(TxMode::Read, move |conn| {
            Ok(export::export(conn, user, Utc::now())?)
        })
        .await?;
    found.map(Json).ok_or_else(account_deleted)
}

/// `DELETE /v1/account`: erases the signed-in user's account after checking the password.
/// Wrong passwords count against the username's login failures, like a login.
pub async fn delete_account(
    State(state): State<AppState>,
    Authed(user): Authed,
    ApiJson(req): ApiJson<DeleteAccountRequest>,
) -> Result<StatusCode, Refusal> {
    check_password(&req.password).map_err(|_| wrong_password())?;
    let account = state
        .run(TxMode::Read, move |conn| {
            let rows = conn.query(
                "SELECT username, password_hash FROM users WHERE user_id = $1",
                params![user],
            )?;
            rows.first()
                .map(|row| Ok((row.text(0)?, row.text(1)?)))
                .transpose()
        })
        .await?;
    let Some((username, stored)) = account else {
        return Err(account_deleted().into());
    };
    let guards = &state.guards;
    guards.login_failures.check(&username, Instant::now())?;
    let secret = req.password;
    let matches = guards
        .hashing
        .run(move || password::verify(Some(&stored), &secret))
        .await?;
    if !matches {
        guards.login_failures.failed(&username, Instant::now());
        return Err(wrong_password().into());
    }
    let deleted = state
        .run(TxMode::Write, move |conn| {
            Ok(delete::delete_account(conn, user, Utc::now())?)
        })
        .await?;
    if !deleted {
        return Err(account_deleted().into());
    }
    tracing::info!(%user, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// 403 `invalid_credentials`: not 401, which would make a client refresh its token and retry.
fn wrong_password() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "invalid_credentials",
        "the password is wrong",
    )
}
