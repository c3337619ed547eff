//! Accounts and profiles. A profile is stored whole as a JSON document; every change to it is
//! published twice: in full to its owner, and as a [`PublicProfile`] to the people who share a
//! room with them. The sequences of both changes are kept so a user joining a room can be given
//! the current public profiles of its members.

use chrono::{DateTime, Utc};
use studymate_core::changelog::Operation;
use studymate_core::profile::{Profile, PublicProfile};
use studymate_protocol::ServerEntity;
use uuid::Uuid;

use crate::db::{Conn, DbError, params};
use crate::feed::{self, Audience, NewChange};
use crate::records::to_json;

/// A new account's details, checked by the caller.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// The id (device-made or fresh).
    pub user_id: Uuid,
    /// Unique handle.
    pub username: &'a str,
    /// Argon2 PHC string.
    pub password_hash: &'a str,
    /// Name shown in the app.
    pub display_name: &'a str,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The handle belongs to someone else.
    #[error("username is taken")]
    UsernameTaken,
    /// The id belongs to an existing account.
    #[error("user id already exists")]
    UserExists,
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates an account with a default profile, publishes the profile and gives the new user the
/// catalog.
pub fn create(
    conn: &mut dyn Conn,
    user: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<(), CreateError> {
    if username_owner(conn, user.username)?.is_some() {
        return Err(CreateError::UsernameTaken);
    }
    if exists(conn, user.user_id)? {
        return Err(CreateError::UserExists);
    }
    let profile = Profile {
        username: Some(user.username.to_owned()),
        ..Profile::new(user.user_id, user.display_name, now)
    };
    let id = user.user_id.to_string();
    conn.execute(
        "INSERT INTO users (user_id, username, password_hash, profile, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![&id, user.username, user.password_hash, to_json(&profile)?.to_string(), studymate_core::time::to_db(now)],
    )?;
    feed::open_feed(conn, &id)?;
    save_profile(conn, &profile, None)?;
    feed::grant_catalog(conn, &id)?;
    Ok(())
}

/// Locks `user`'s account row until the transaction ends (PostgreSQL; SQLite's single writer
/// implies it): their decisions — a push's rules against their balance, awards, records and
/// decision record, an adjustment, the account's deletion — are then made one transaction at
/// a time, whichever server process runs them, while other users' writes run beside them.
pub fn lock(conn: &mut dyn Conn, user: Uuid) -> Result<(), DbError> {
    conn.query(
        "SELECT user_id FROM users WHERE user_id = $1 FOR UPDATE",
        params![user],
    )?;
    Ok(())
}

/// Whether an account with this id exists.
pub fn exists(conn: &mut dyn Conn, user_id: Uuid) -> Result<bool, DbError> {
    Ok(!conn
        .query("SELECT 1 FROM users WHERE user_id = $1", params![user_id])?
        .is_empty())
}

/// The account holding a handle, if any.
pub fn username_owner(conn: &mut dyn Conn, username: &str) -> Result<Option<Uuid>, DbError> {
    conn.query(
        "SELECT user_id FROM users WHERE username = $1",
        params![username],
    )?
    .first()
    .map(|row| parse_id(&row.text(0)?))
    .transpose()
}

/// The id and password hash stored for a handle.
pub fn credentials(conn: &mut dyn Conn, username: &str) -> Result<Option<(Uuid, String)>, DbError> {
    conn.query(
        "SELECT user_id, password_hash FROM users WHERE username = $1",
        params![username],
    )?
    .first()
    .map(|row| Ok((parse_id(&row.text(0)?)?, row.text(1)?)))
    .transpose()
}

/// Loads a user's full profile.
pub fn load_profile(conn: &mut dyn Conn, user_id: Uuid) -> Result<Option<Profile>, DbError> {
    conn.query(
        "SELECT profile FROM users WHERE user_id = $1",
        params![user_id],
    )?
    .first()
    .map(|row| {
        serde_json::from_str(&row.text(0)?)
            .map_err(|e| DbError::Decode(format!("profile of {user_id}: {e}")))
    })
    .transpose()
}

/// Stores a profile and publishes it: in full to its owner, publicly to their contacts.
/// Returns the sequence of the owner's change.
pub fn save_profile(
    conn: &mut dyn Conn,
    profile: &Profile,
    origin: Option<Uuid>,
) -> Result<i64, DbError> {
    let id = profile.user_id.to_string();
    let own = to_json(profile)?;
    let own_seq = feed::append(
        conn,
        NewChange {
            entity: ServerEntity::Profile,
            entity_id: &id,
            operation: Operation::Update,
            payload: &own,
            origin,
        },
    )?;
    feed::deliver(conn, own_seq, Audience::User(&id))?;
    let public = to_json(&public_profile(profile))?;
    let public_seq = feed::append(
        conn,
        NewChange {
            entity: ServerEntity::PublicProfile,
            entity_id: &id,
            operation: Operation::Update,
            payload: &public,
            origin,
        },
    )?;
    feed::deliver(conn, public_seq, Audience::Contacts(&id))?;
    conn.execute(
        "UPDATE users SET profile = $1, username = coalesce($2, username), profile_seq = $3, public_seq = $4
         WHERE user_id = $5",
        params![own.to_string(), profile.username.as_deref(), own_seq, public_seq, &id],
    )?;
    Ok(own_seq)
}

/// The part of a profile other people may see.
pub fn public_profile(p: &Profile) -> PublicProfile {
    PublicProfile {
        user_id: p.user_id,
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        korean_name: p.korean_name.clone(),
        profile_image_url: p.profile_image_url.clone(),
        intro: p.intro.clone(),
        city: p.city.clone(),
        language_level: p.language_level,
        target_fluency_level: p.target_fluency_level,
        learning_goals: p.learning_goals.clone(),
        updated_at: p.updated_at,
    }
}

fn parse_id(text: &str) -> Result<Uuid, DbError> {
    Uuid::parse_str(text).map_err(|e| DbError::Decode(format!("stored id {text:?}: {e}")))
}
