//! Passwords and tokens. Passwords are kept only as Argon2id hashes with a random salt.
//! Tokens are 256-bit random strings; the server stores only their SHA-256, so a copy of the
//! database does not let anyone sign in. Access tokens expire after the configured TTL; a
//! refresh token is good for one refresh and is replaced by a new one each time.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use studymate_core::sync::protocol::AuthResponse;
use uuid::Uuid;

use crate::db::{Conn, DbError, params};

/// How long a refresh token stays valid.
pub const REFRESH_TTL_SECONDS: i64 = 30 * 24 * 3600;

/// How long an expired token is remembered, so it is answered `token_expired` (refresh and
/// retry) rather than `unauthorized` (sign in again).
const EXPIRED_TOKEN_GRACE_SECONDS: i64 = 24 * 3600;

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token was valid once but has expired.
    #[error("token has expired")]
    Expired,
    /// The server does not know the token (or it was already used, for a refresh token).
    #[error("token is not valid")]
    Invalid,
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Hashes a password with Argon2id and a fresh salt (a PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a stored hash (a malformed hash never matches).
pub fn verify_password(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Issues a new access and refresh token pair for `user`.
pub fn issue(
    conn: &mut dyn Conn,
    user: Uuid,
    access_ttl_seconds: u64,
    now: DateTime<Utc>,
) -> Result<AuthResponse, DbError> {
    let access = new_token()?;
    let refresh = new_token()?;
    let now_s = now.timestamp();
    let access_ttl = i64::try_from(access_ttl_seconds).unwrap_or(i64::MAX / 2);
    conn.execute(
        "DELETE FROM tokens WHERE expires_at < $1",
        params![now_s - EXPIRED_TOKEN_GRACE_SECONDS],
    )?;
    conn.execute(
        "INSERT INTO tokens (token_hash, user_id, kind, expires_at) VALUES ($1, $2, 'access', $3), ($4, $2, 'refresh', $5)",
        params![digest(&access), user, now_s.saturating_add(access_ttl), digest(&refresh), now_s + REFRESH_TTL_SECONDS],
    )?;
    Ok(AuthResponse {
        user_id: user,
        access_token: access,
        refresh_token: refresh,
        expires_in_seconds: access_ttl_seconds,
    })
}

/// The user an access token belongs to.
pub fn authenticate(
    conn: &mut dyn Conn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, TokenError> {
    let rows = conn.query(
        "SELECT user_id, expires_at FROM tokens WHERE token_hash = $1 AND kind = 'access'",
        params![digest(token)],
    )?;
    let row = rows.first().ok_or(TokenError::Invalid)?;
    if row.int(1)? <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    let user = row.text(0)?;
    Uuid::parse_str(&user)
        .map_err(|e| TokenError::Db(DbError::Decode(format!("token owner {user:?}: {e}"))))
}

/// Uses up a refresh token and returns the user it was issued to.
pub fn redeem_refresh(
    conn: &mut dyn Conn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, TokenError> {
    let hash = digest(token);
    let rows = conn.query(
        "SELECT user_id, expires_at, used FROM tokens WHERE token_hash = $1 AND kind = 'refresh'",
        params![&hash],
    )?;
    let row = rows.first().ok_or(TokenError::Invalid)?;
    if row.int(2)? != 0 {
        return Err(TokenError::Invalid);
    }
    if row.int(1)? <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    conn.execute(
        "UPDATE tokens SET used = 1 WHERE token_hash = $1",
        params![&hash],
    )?;
    let user = row.text(0)?;
    Uuid::parse_str(&user)
        .map_err(|e| TokenError::Db(DbError::Decode(format!("token owner {user:?}: {e}"))))
}

fn new_token() -> Result<String, DbError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DbError::Database(format!("no randomness for a token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
