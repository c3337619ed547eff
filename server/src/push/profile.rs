//! Pushed changes to the user's own profile, languages, interests and onboarding. The server's
//! order decides: each applied patch writes its fields over the stored profile.

use serde::{Deserialize, Serialize};
use studymate_core::changelog::Operation;
use studymate_core::profile::{
    LanguageRole, ProfilePatch, UserLanguage, check_interest_tag, check_onboarding_step,
};
use studymate_protocol::ServerEntity;

use super::set::Known;
use super::{Applied, ApplyError, Ctx, Writes, invalid, reject};
use crate::db::{Conn, params};
use crate::records;
use crate::users;

/// Key of a language removal.
#[derive(Debug, Deserialize)]
struct LanguageKey {
    language_code: String,
    role: LanguageRole,
}

/// An interest tag.
#[derive(Debug, Serialize, Deserialize)]
pub struct Interest {
    /// The tag, also the entity id the device knows it by.
    pub interest_tag: String,
}

/// One onboarding step's data.
#[derive(Debug, Serialize, Deserialize)]
struct OnboardingStep {
    step: u8,
    data: serde_json::Value,
}

/// `profile` update: a [`ProfilePatch`] on the pushing user's own profile.
pub fn update(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    ctx.require_entity_id(&ctx.user_key)?;
    let patch: ProfilePatch = ctx.payload()?;
    patch.validate().map_err(invalid)?;
    if patch == ProfilePatch::default() {
        return Err(reject("invalid_payload", "the patch changes nothing"));
    }
    if let Some(name) = &patch.username {
        if name.is_empty() {
            return Err(reject(
                "invalid_payload",
                "username is the sign-in name and cannot be cleared",
            ));
        }
        if users::username_owner(conn, name)?.is_some_and(|owner| owner != ctx.user) {
            return Err(reject(
                "username_taken",
                format!("username {name:?} belongs to someone else"),
            ));
        }
    }
    let mut profile = users::load_profile(conn, ctx.user)?
        .ok_or_else(|| reject("not_found", "the account no longer exists"))?;
    patch.apply_to(&mut profile);
    profile.updated_at = ctx.now;
    Ok(Some(users::save_profile(
        conn,
        &profile,
        Some(ctx.change.change_id),
    )?))
}

/// `user_language` insert or update: adds a language or changes it. Making it primary clears the
/// flag on the user's other languages of the same role (each published as an update).
pub fn set_language(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let language: UserLanguage = ctx.payload()?;
    language.validate().map_err(invalid)?;
    let entity_id = language_id(&language.language_code, language.role);
    ctx.require_entity_id(&entity_id)?;
    if language.is_primary {
        let others = conn.query(
            "SELECT record_id FROM records WHERE kind = $1 AND owner_id = $2 AND record_id <> $3",
            params![
                ServerEntity::UserLanguage.as_str(),
                &ctx.user_key,
                own_key(ctx, &entity_id)
            ],
        )?;
        for row in others {
            let key = row.text(0)?;
            let Some(mut other) =
                records::get::<UserLanguage>(conn, ServerEntity::UserLanguage, &key)?
            else {
                continue;
            };
            if other.doc.role == language.role && other.doc.is_primary {
                other.doc.is_primary = false;
                let other_id = language_id(&other.doc.language_code, other.doc.role);
                let target = ctx.own(ServerEntity::UserLanguage, &key, &other_id);
                records::save(conn, &target, Operation::Update, &other.doc)?;
            }
        }
    }
    let key = own_key(ctx, &entity_id);
    let target = ctx.own(ServerEntity::UserLanguage, &key, &entity_id);
    Ok(Some(records::save(
        conn,
        &target,
        Operation::Insert,
        &language,
    )?))
}

/// `user_language` delete. Removing a language the server does not have changes nothing.
pub fn remove_language(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let key: LanguageKey = ctx.payload()?;
    let entity_id = language_id(&key.language_code, key.role);
    ctx.require_entity_id(&entity_id)?;
    let record_id = own_key(ctx, &entity_id);
    if records::get::<UserLanguage>(conn, ServerEntity::UserLanguage, &record_id)?.is_none() {
        return Ok(None);
    }
    let target = ctx.own(ServerEntity::UserLanguage, &record_id, &entity_id);
    let payload = serde_json::json!({ "language_code": key.language_code, "role": key.role });
    Ok(Some(records::remove(conn, &target, &payload)?))
}

/// `user_interest` insert: the checks of a tag, against what is `known` of the store (and of the
/// entries of the batch accepted before it). Interests are a set: adding one the server has
/// changes nothing (`None`); otherwise returns the interest and its record id, to be written
/// (by [`super::set`]).
pub fn check_interest(
    ctx: &Ctx<'_>,
    known: &Known,
) -> Result<Option<(Interest, String)>, ApplyError> {
    let (interest, record_id) = interest(ctx)?;
    check_interest_tag(&interest.interest_tag).map_err(invalid)?;
    if known.has_interest(&record_id) {
        return Ok(None);
    }
    Ok(Some((interest, record_id)))
}

/// `user_interest` delete. Removing one the server does not have changes nothing (so the tag is
/// not checked: only a stored, checked tag is ever published again).
pub fn remove_interest<'a>(
    conn: &mut dyn Conn,
    ctx: &'a Ctx<'a>,
) -> Result<Writes<'a>, ApplyError> {
    let (interest, record_id) = interest(ctx)?;
    if records::get::<Interest>(conn, ServerEntity::UserInterest, &record_id)?.is_none() {
        return Ok(Box::new(|_| Ok(None)));
    }
    Ok(Box::new(move |conn| {
        let target = ctx.own(
            ServerEntity::UserInterest,
            &record_id,
            &interest.interest_tag,
        );
        Ok(Some(records::remove(conn, &target, &interest)?))
    }))
}

/// `onboarding` update: saves one step's data (the device's rule: step 1–6, data a JSON object
/// within the size limit).
pub fn save_onboarding_step<'a>(
    _conn: &mut dyn Conn,
    ctx: &'a Ctx<'a>,
) -> Result<Writes<'a>, ApplyError> {
    let step: OnboardingStep = ctx.payload()?;
    check_onboarding_step(step.step, &step.data).map_err(invalid)?;
    let entity_id = step.step.to_string();
    ctx.require_entity_id(&entity_id)?;
    let record_id = own_key(ctx, &entity_id);
    Ok(Box::new(move |conn| {
        let target = ctx.own(ServerEntity::Onboarding, &record_id, &entity_id);
        Ok(Some(records::save(
            conn,
            &target,
            Operation::Update,
            &step,
        )?))
    }))
}

/// The interest tag of the payload, which must also be the entry's entity id, with its record
/// id.
fn interest(ctx: &Ctx<'_>) -> Result<(Interest, String), ApplyError> {
    let interest: Interest = ctx.payload()?;
    ctx.require_entity_id(&interest.interest_tag)?;
    let record_id = own_key(ctx, &interest.interest_tag);
    Ok((interest, record_id))
}

/// The record id of one of the pushing user's own languages, interests or onboarding steps.
fn own_key(ctx: &Ctx<'_>, entity_id: &str) -> String {
    own_record_id(&ctx.user_key, entity_id)
}

/// The record id of one of `user`'s own records: `<user>:<entity id>`.
pub fn own_record_id(user: &str, entity_id: &str) -> String {
    format!("{user}:{entity_id}")
}

/// The entity id of a user's language: `<code>:<role>`.
fn language_id(code: &str, role: LanguageRole) -> String {
    format!("{code}:{role}")
}
