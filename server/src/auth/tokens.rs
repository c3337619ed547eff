//! Access and refresh tokens, in families. Tokens are 256-bit random strings; the server stores
//! only their SHA-256, so a copy of the database does not let anyone sign in.
//!
//! Every sign-in (signup or login) starts a **family**; each refresh rotates within it: the
//! family's pair is spent and a new pair issued, so the previous access token stops working and
//! a refresh token is good once. A family has one live pair at a time, in `token_pairs` with
//! the refresh token that was redeemed for it (`parent_hash`) and whether it was ever used.
//!
//! A spent refresh token presented again is one of two things:
//! - a **retry** of a refresh whose answer was lost: the pair issued for it is still the live one
//!   and was never used (its access token authenticated nothing, its refresh token was not
//!   redeemed). That pair is revoked and a new one issued.
//! - a **replay** by someone else: the pair issued for it was used, or was itself rotated. The
//!   whole family is revoked, whoever holds it: the owner signs in again.
//!
//! Logout revokes the family. Revoked and spent pairs are kept until their refresh token
//! expires, so a replay is recognised as one.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use studymate_protocol::AuthResponse;
use uuid::Uuid;

use crate::db::{Conn, DbError, Row, params};

/// How long a refresh token stays valid.
pub const REFRESH_TTL_SECONDS: i64 = 30 * 24 * 3600;

/// How long a pair is kept after its refresh token expired, so expired tokens are answered
/// `token_expired` (refresh, or sign in again) rather than `unauthorized`.
const EXPIRED_TOKEN_GRACE_SECONDS: i64 = 24 * 3600;

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token was valid once but has expired.
    #[error("token has expired")]
    Expired,
    /// The server does not know the token, or it was spent or revoked.
    #[error("token is not valid")]
    Invalid,
    /// A spent refresh token was replayed after its successor was used: every token of that
    /// sign-in is now revoked.
    #[error("refresh token replayed; the sign-in is revoked")]
    Replayed(Uuid),
    /// The token belonged to an account that was deleted (every token of it is revoked).
    #[error("the account was deleted")]
    AccountDeleted,
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A pair's state: `live` (its access token works, its refresh token can be redeemed), `spent`
/// (its refresh token was redeemed), `revoked` (logout, replay, or replaced by a retry).
const LIVE: &str = "live";

/// An authenticated access token.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    /// Whose token it is.
    pub user: Uuid,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
    /// Whether this is the token's first use, to be recorded with [`record_use`].
    pub first_use: bool,
}

/// Why a token of `user` that is no longer live was refused: its account was deleted, or it
/// was spent or revoked.
fn not_live(conn: &mut dyn Conn, user: &str) -> Result<TokenError, DbError> {
    Ok(if crate::privacy::is_deleted(conn, user)? {
        TokenError::AccountDeleted
    } else {
        TokenError::Invalid
    })
}

/// Starts a new family (a sign-in) for `user` and issues its first pair.
pub fn sign_in(
    conn: &mut dyn Conn,
    user: Uuid,
    access_ttl_seconds: u64,
    now: DateTime<Utc>,
) -> Result<AuthResponse, DbError> {
    conn.execute(
        "DELETE FROM token_pairs WHERE refresh_expires_at < $1",
        params![now.timestamp().saturating_sub(EXPIRED_TOKEN_GRACE_SECONDS)],
    )?;
    let family = Uuid::now_v7();
    issue(conn, user, family, None, access_ttl_seconds, now)
}

/// The user an access token belongs to. Reads only; on the token's first use the caller records
/// it with [`record_use`].
pub fn authenticate(
    conn: &mut dyn Conn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Access, TokenError> {
    let rows = conn.query(
        "SELECT user_id, state, access_expires_at, access_used FROM token_pairs WHERE access_hash = $1",
        params![digest(token)],
    )?;
    let row = rows.first().ok_or(TokenError::Invalid)?;
    if row.text(1)? != LIVE {
        return Err(not_live(conn, &row.text(0)?)?);
    }
    let expires_at = row.int(2)?;
    if expires_at <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(Access {
        user: owner(row, 0)?,
        expires_at,
        first_use: row.int(3)? == 0,
    })
}

/// Records that an access token authenticated a request, so its pair no longer counts as
/// unused for a refresh retry. `Invalid` if the pair stopped being live meanwhile.
pub fn record_use(conn: &mut dyn Conn, token: &str) -> Result<(), TokenError> {
    let changed = conn.execute(
        "UPDATE token_pairs SET access_used = 1 WHERE access_hash = $1 AND state = 'live'",
        params![digest(token)],
    )?;
    if changed == 0 {
        return Err(TokenError::Invalid);
    }
    Ok(())
}

/// Redeems a refresh token for a new pair of the same family, following the retry and replay
/// rules of the module documentation. [`TokenError::Replayed`] comes after the family was
/// revoked: the caller must commit that, not roll it back.
pub fn refresh(
    conn: &mut dyn Conn,
    token: &str,
    access_ttl_seconds: u64,
    now: DateTime<Utc>,
) -> Result<AuthResponse, TokenError> {
    let hash = digest(token);
    let rows = conn.query(
        "SELECT user_id, family_id, state, refresh_expires_at FROM token_pairs WHERE refresh_hash = $1",
        params![&hash],
    )?;
    let row = rows.first().ok_or(TokenError::Invalid)?;
    let user = owner(row, 0)?;
    let family = family_of(row, 1)?;
    let state = row.text(2)?;
    if state == "revoked" {
        return Err(not_live(conn, &user.to_string())?);
    }
    if row.int(3)? <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    if state == LIVE {
        conn.execute(
            "UPDATE token_pairs SET state = 'spent' WHERE refresh_hash = $1",
            params![&hash],
        )?;
        return Ok(issue(
            conn,
            user,
            family,
            Some(&hash),
            access_ttl_seconds,
            now,
        )?);
    }
    // Spent: a retry only if the family's live pair was issued for this token and never used.
    let unused_successor = conn.execute(
        "UPDATE token_pairs SET state = 'revoked'
         WHERE family_id = $1 AND state = 'live' AND parent_hash = $2 AND access_used = 0",
        params![family, &hash],
    )?;
    if unused_successor == 0 {
        revoke_family(conn, family)?;
        return Err(TokenError::Replayed(user));
    }
    Ok(issue(
        conn,
        user,
        family,
        Some(&hash),
        access_ttl_seconds,
        now,
    )?)
}

/// Logs out the sign-in an access token belongs to: revokes every token of its family. The
/// access token must be its family's live one; an expired one is enough, since logging out
/// only takes rights away. Returns the user signed out.
pub fn log_out(conn: &mut dyn Conn, access_token: &str) -> Result<Uuid, TokenError> {
    let rows = conn.query(
        "SELECT family_id, user_id FROM token_pairs WHERE access_hash = $1 AND state = 'live'",
        params![digest(access_token)],
    )?;
    let row = rows.first().ok_or(TokenError::Invalid)?;
    revoke_family(conn, family_of(row, 0)?)?;
    Ok(owner(row, 1)?)
}

fn revoke_family(conn: &mut dyn Conn, family: Uuid) -> Result<(), TokenError> {
    conn.execute(
        "UPDATE token_pairs SET state = 'revoked' WHERE family_id = $1",
        params![family],
    )?;
    Ok(())
}

/// Issues a live pair in `family`, redeemed for the refresh token hashed `parent` (`None` for a
/// sign-in's first pair).
fn issue(
    conn: &mut dyn Conn,
    user: Uuid,
    family: Uuid,
    parent: Option<&str>,
    access_ttl_seconds: u64,
    now: DateTime<Utc>,
) -> Result<AuthResponse, DbError> {
    let access = new_token()?;
    let refresh = new_token()?;
    let now_s = now.timestamp();
    let access_ttl = i64::try_from(access_ttl_seconds).unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO token_pairs (access_hash, refresh_hash, family_id, user_id, parent_hash, state,
             access_used, access_expires_at, refresh_expires_at)
         VALUES ($1, $2, $3, $4, $5, 'live', 0, $6, $7)",
        params![
            digest(&access),
            digest(&refresh),
            family,
            user,
            parent,
            now_s.saturating_add(access_ttl),
            now_s.saturating_add(REFRESH_TTL_SECONDS)
        ],
    )?;
    Ok(AuthResponse {
        user_id: user,
        access_token: access,
        refresh_token: refresh,
        expires_in_seconds: studymate_protocol::unsigned::to_i64(access_ttl_seconds),
    })
}

fn owner(row: &Row, column: usize) -> Result<Uuid, DbError> {
    let text = row.text(column)?;
    Uuid::parse_str(&text).map_err(|e| DbError::Decode(format!("token owner {text:?}: {e}")))
}

fn family_of(row: &Row, column: usize) -> Result<Uuid, DbError> {
    let text = row.text(column)?;
    Uuid::parse_str(&text).map_err(|e| DbError::Decode(format!("token family {text:?}: {e}")))
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
