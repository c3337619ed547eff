//! The signed-in user's profile, languages, interests and onboarding progress, and the public
//! profiles of the people they chat with.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, Entity, Operation};
use crate::client::{Client, DEFAULT_DISPLAY_NAME};
use crate::error::{Error, Result};
use crate::notify::{DataArea, DataChange};
use crate::store::{MultiRow, uuid_col};
use crate::time;
use crate::validate::{self, string_enum};

string_enum! {
    /// The learner's overall level (seed 000 `language_level`), also a situation's difficulty.
    #[cfg_attr(feature = "uniffi", uniffi(name = "LanguageLevel"))]
    pub enum Level {
        /// New to the language.
        Beginner => "beginner",
        /// Gets by in everyday situations.
        Intermediate => "intermediate",
        /// Comfortable in most situations.
        Advanced => "advanced",
    }
}

string_enum! {
    /// The fluency the learner is aiming for (seed 000 `target_fluency_level`).
    pub enum FluencyTarget {
        /// Everyday conversation.
        Conversational => "conversational",
        /// Work and business settings.
        Business => "business",
        /// As close to a native speaker as possible.
        NativeLike => "native_like",
    }
}

string_enum! {
    /// How a language relates to the user (seed 001 `language_type`).
    pub enum LanguageRole {
        /// A language the user speaks natively.
        Native => "NATIVE",
        /// A language the user helps others learn.
        Teaching => "TEACHING",
        /// A language the user is learning.
        Learning => "LEARNING",
    }
}

string_enum! {
    /// A CEFR proficiency level (seed 001 `proficiency_level`).
    pub enum Cefr {
        /// Breakthrough.
        A1 => "A1",
        /// Waystage.
        A2 => "A2",
        /// Threshold.
        B1 => "B1",
        /// Vantage.
        B2 => "B2",
        /// Effective operational proficiency.
        C1 => "C1",
        /// Mastery.
        C2 => "C2",
    }
}

/// A user's profile: the signed-in user's own, or a chat partner's public one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "UserProfile"))]
pub struct Profile {
    /// The user's id.
    pub user_id: Uuid,
    /// Unique handle, if the user chose one.
    pub username: Option<String>,
    /// The name shown in the app.
    pub display_name: String,
    /// The name in Korean, if given (seed 001 `korean_name`).
    pub korean_name: Option<String>,
    /// Avatar address.
    pub profile_image_url: Option<String>,
    /// A short self-introduction.
    pub intro: Option<String>,
    /// City of residence.
    pub city: Option<String>,
    /// District within the city.
    pub district: Option<String>,
    /// Overall level.
    pub language_level: Level,
    /// The fluency the learner aims for.
    pub target_fluency_level: Option<FluencyTarget>,
    /// Learning goals such as `"travel"` or `"business_english"`.
    pub learning_goals: Vec<String>,
    /// App preferences (learning style, notifications, privacy) as a JSON object.
    pub preferences: serde_json::Value,
    /// Preferred practice length in minutes.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u16, _>")]
    pub preferred_session_minutes: i32,
    /// IANA time zone, e.g. `"Asia/Seoul"`: streaks and "today" are counted in it.
    pub time_zone: String,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}

/// The part of a profile other members of the user's rooms may see: what the server publishes
/// as a `public_profile` change and the device keeps for its contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PublicProfile {
    /// The user's id.
    pub user_id: Uuid,
    /// Unique handle, if set.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub username: Option<String>,
    /// The name shown in the app.
    pub display_name: String,
    /// The name in Korean, if given.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub korean_name: Option<String>,
    /// Avatar address.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub profile_image_url: Option<String>,
    /// A short self-introduction.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub intro: Option<String>,
    /// City of residence.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub city: Option<String>,
    /// Overall level.
    pub language_level: Level,
    /// The fluency the learner aims for.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub target_fluency_level: Option<FluencyTarget>,
    /// Learning goals.
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub learning_goals: Vec<String>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}

/// A partial profile update: fields left absent keep their value. For the optional text fields,
/// an empty string clears the field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProfilePatch {
    /// New handle (1–50 characters; empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub username: Option<String>,
    /// New display name (1–100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub display_name: Option<String>,
    /// New Korean name (empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub korean_name: Option<String>,
    /// New avatar address (empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub profile_image_url: Option<String>,
    /// New introduction (empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub intro: Option<String>,
    /// New city (empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub city: Option<String>,
    /// New district (empty clears).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub district: Option<String>,
    /// New overall level.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub language_level: Option<Level>,
    /// New fluency target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub target_fluency_level: Option<FluencyTarget>,
    /// New learning goals (replaces the list).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub learning_goals: Option<Vec<String>>,
    /// New preferences object (replaces it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub preferences: Option<serde_json::Value>,
    /// New preferred practice length, 1–240 minutes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u16, _>"
    )]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub preferred_session_minutes: Option<i32>,
    /// New IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub time_zone: Option<String>,
}

/// One of the user's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UserLanguage {
    /// ISO 639-1 code such as `"ko"` or `"en"`.
    pub language_code: String,
    /// Native, teaching or learning.
    pub role: LanguageRole,
    /// CEFR level, if known.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub proficiency: Option<Cefr>,
    /// Whether this is the user's main language of its role.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub is_primary: bool,
}

/// Where the user is in onboarding (six steps, as in seed 001).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Onboarding {
    /// The step the user is on, 1–6.
    pub current_step: u8,
    /// Whether onboarding is finished.
    pub is_completed: bool,
    /// When it was finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// The data saved for each step so far, as `(step, JSON)` in step order.
    pub step_data: Vec<(u8, serde_json::Value)>,
}

impl Profile {
    /// A new profile with only an id and a name, and the defaults of a new account (beginner,
    /// 30-minute sessions, UTC): what the server makes at signup and what an app shows for a
    /// person met outside the app until sync brings their real profile.
    pub fn new(user_id: Uuid, display_name: &str, updated_at: DateTime<Utc>) -> Profile {
        Profile {
            user_id,
            username: None,
            display_name: display_name.to_owned(),
            korean_name: None,
            profile_image_url: None,
            intro: None,
            city: None,
            district: None,
            language_level: Level::Beginner,
            target_fluency_level: None,
            learning_goals: Vec::new(),
            preferences: serde_json::json!({}),
            preferred_session_minutes: 30,
            time_zone: "UTC".to_owned(),
            updated_at,
        }
    }
}

/// A contact's profile from their public one; the private fields take a new account's defaults.
impl From<crate::sync::protocol::PublicProfile> for Profile {
    fn from(p: crate::sync::protocol::PublicProfile) -> Profile {
        Profile {
            username: p.username,
            korean_name: p.korean_name,
            profile_image_url: p.profile_image_url,
            intro: p.intro,
            city: p.city,
            language_level: p.language_level,
            target_fluency_level: p.target_fluency_level,
            learning_goals: p.learning_goals,
            ..Profile::new(p.user_id, &p.display_name, p.updated_at)
        }
    }
}

impl ProfilePatch {
    /// Checks every field the patch sets against the same limits a local update enforces, so the
    /// server refuses exactly what the device would.
    pub fn validate(&self) -> Result<()> {
        check_patch(self)
    }

    /// Writes the patch's fields onto `profile` (an empty string clears an optional text field).
    pub fn apply_to(&self, profile: &mut Profile) {
        let set = |target: &mut Option<String>, value: &Option<String>| {
            if let Some(v) = value {
                *target = if v.is_empty() { None } else { Some(v.clone()) };
            }
        };
        set(&mut profile.username, &self.username);
        if let Some(name) = &self.display_name {
            profile.display_name = name.clone();
        }
        set(&mut profile.korean_name, &self.korean_name);
        set(&mut profile.profile_image_url, &self.profile_image_url);
        set(&mut profile.intro, &self.intro);
        set(&mut profile.city, &self.city);
        set(&mut profile.district, &self.district);
        if let Some(level) = self.language_level {
            profile.language_level = level;
        }
        if self.target_fluency_level.is_some() {
            profile.target_fluency_level = self.target_fluency_level;
        }
        if let Some(goals) = &self.learning_goals {
            profile.learning_goals = goals.clone();
        }
        if let Some(prefs) = &self.preferences {
            profile.preferences = prefs.clone();
        }
        if let Some(minutes) = self.preferred_session_minutes {
            profile.preferred_session_minutes = minutes;
        }
        if let Some(zone) = &self.time_zone {
            profile.time_zone = zone.clone();
        }
    }
}

impl UserLanguage {
    /// Checks the language code (lowercase ISO 639), as a local save does.
    pub fn validate(&self) -> Result<()> {
        check_language_code(&self.language_code)
    }
}

const PROFILE_COLUMNS: &str = "user_id, username, display_name, korean_name, profile_image_url, intro, city, \
     district, language_level, target_fluency_level, learning_goals, preferences, \
     preferred_session_minutes, time_zone, updated_at";

impl Client {
    /// The signed-in user's profile.
    pub fn profile(&self) -> Result<Profile> {
        let user_id = self.user_id;
        self.store.read(|tx| load_profile(tx, user_id))
    }

    /// A chat partner's (or the user's own) public profile.
    pub fn user_profile(&self, user_id: Uuid) -> Result<Profile> {
        self.store.read(|tx| load_profile(tx, user_id))
    }

    /// Applies a partial update to the signed-in user's profile and logs the changed fields.
    pub fn update_profile(&self, patch: &ProfilePatch) -> Result<Profile> {
        check_patch(patch)?;
        if patch == &ProfilePatch::default() {
            return Err(Error::invalid("patch", "changes nothing"));
        }
        let now = self.now();
        let user_id = self.user_id;
        self.write_announced(
            |_| DataChange::of(&[DataArea::Profile]),
            |tx| {
                apply_patch(tx, user_id, patch, now)?;
                changelog::append(
                    tx,
                    Entity::Profile,
                    &user_id.to_string(),
                    Operation::Update,
                    patch,
                    now,
                )?;
                load_profile(tx, user_id)
            },
        )
    }

    /// Adds a language or changes its level and primary flag. Making it primary clears the flag
    /// on the user's other languages of the same role.
    pub fn set_language(&self, language: &UserLanguage) -> Result<Vec<UserLanguage>> {
        check_language_code(&language.language_code)?;
        let now = self.now();
        let user = self.user_id.to_string();
        self.write_announced(|_| DataChange::of(&[DataArea::Languages]), |tx| {
            if language.is_primary {
                tx.execute(
                    "UPDATE user_languages SET is_primary = 0 WHERE user_id = ?1 AND language_type = ?2",
                    params![user, language.role],
                )?;
            }
            upsert_languages(tx, &user, std::slice::from_ref(language), now)?;
            let key = format!("{}:{}", language.language_code, language.role);
            changelog::append(tx, Entity::UserLanguage, &key, Operation::Insert, language, now)?;
            load_languages(tx, &user)
        })
    }

    /// Removes one of the user's languages.
    pub fn remove_language(
        &self,
        language_code: &str,
        role: LanguageRole,
    ) -> Result<Vec<UserLanguage>> {
        let now = self.now();
        let user = self.user_id.to_string();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Languages]),
            |tx| {
                let removed = delete_language(tx, &user, language_code, role)?;
                let key = format!("{language_code}:{role}");
                if removed == 0 {
                    return Err(Error::not_found("user_language", key));
                }
                let payload = serde_json::json!({ "language_code": language_code, "role": role });
                changelog::append(
                    tx,
                    Entity::UserLanguage,
                    &key,
                    Operation::Delete,
                    &payload,
                    now,
                )?;
                load_languages(tx, &user)
            },
        )
    }

    /// The user's languages, ordered by role then code.
    pub fn languages(&self) -> Result<Vec<UserLanguage>> {
        let user = self.user_id.to_string();
        self.store.read(|tx| load_languages(tx, &user))
    }

    /// Adds an interest tag (1–100 characters); adding one the user already has is refused.
    pub fn add_interest(&self, tag: &str) -> Result<Vec<String>> {
        check_interest_tag(tag)?;
        let now = self.now();
        let user = self.user_id.to_string();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Interests]),
            |tx| {
                let added = insert_interests(tx, &user, &[tag], now)?;
                if added == 0 {
                    return Err(Error::Conflict(format!(
                        "interest {tag:?} is already in the list"
                    )));
                }
                changelog::append(
                    tx,
                    Entity::UserInterest,
                    tag,
                    Operation::Insert,
                    &serde_json::json!({ "interest_tag": tag }),
                    now,
                )?;
                load_interests(tx, &user)
            },
        )
    }

    /// Removes an interest tag.
    pub fn remove_interest(&self, tag: &str) -> Result<Vec<String>> {
        let now = self.now();
        let user = self.user_id.to_string();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Interests]),
            |tx| {
                let removed = delete_interest(tx, &user, tag)?;
                if removed == 0 {
                    return Err(Error::not_found("user_interest", tag));
                }
                changelog::append(
                    tx,
                    Entity::UserInterest,
                    tag,
                    Operation::Delete,
                    &serde_json::json!({ "interest_tag": tag }),
                    now,
                )?;
                load_interests(tx, &user)
            },
        )
    }

    /// The user's interest tags in alphabetical order.
    pub fn interests(&self) -> Result<Vec<String>> {
        let user = self.user_id.to_string();
        self.store.read(|tx| load_interests(tx, &user))
    }

    /// Saves the data of onboarding step `step` (1–6) and moves the user to that step.
    /// Saving step 6 completes onboarding.
    pub fn save_onboarding_step(&self, step: u8, data: &serde_json::Value) -> Result<Onboarding> {
        check_onboarding_step(step, data)?;
        let now = self.now();
        let user = self.user_id.to_string();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Onboarding]),
            |tx| {
                save_step(tx, &user, step, data, now)?;
                let payload = serde_json::json!({ "step": step, "data": data });
                changelog::append(
                    tx,
                    Entity::Onboarding,
                    &format!("{step}"),
                    Operation::Update,
                    &payload,
                    now,
                )?;
                load_onboarding(tx, &user)
            },
        )
    }

    /// The user's onboarding progress (step 1, nothing saved, for a new user).
    pub fn onboarding(&self) -> Result<Onboarding> {
        let user = self.user_id.to_string();
        self.store.read(|tx| load_onboarding(tx, &user))
    }

    /// Stores or refreshes the public profile of someone the user chats with, as the server or the
    /// app's matching screen provides it. Server-owned: nothing is logged for sync.
    pub fn save_contact(&self, contact: &Profile) -> Result<()> {
        if contact.user_id == self.user_id {
            return Err(Error::invalid(
                "user_id",
                "is the signed-in user; use update_profile",
            ));
        }
        check_profile(contact)?;
        self.write_announced(
            |_| DataChange::of(&[DataArea::Contacts]),
            |tx| upsert_public_profile(tx, contact),
        )
    }
}

/// Stores one onboarding step's data and moves progress forward (step 6 completes onboarding),
/// for a local save and a pulled step alike.
pub(crate) fn save_step(
    tx: &Transaction<'_>,
    user: &str,
    step: u8,
    data: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let completed = step == 6;
    let stamp = time::to_db(now);
    tx.execute(
        "INSERT INTO onboarding_step_data (user_id, step_num, data_json, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, step_num) DO UPDATE SET data_json = excluded.data_json, updated_at = excluded.updated_at",
        params![user, step, data.to_string(), stamp],
    )?;
    tx.execute(
        "INSERT INTO onboarding_progress (user_id, current_step, is_completed, completed_at, updated_at)
         VALUES (?1, ?2, ?3, CASE WHEN ?3 THEN ?4 END, ?4)
         ON CONFLICT (user_id) DO UPDATE SET
            current_step = max(current_step, excluded.current_step),
            is_completed = max(is_completed, excluded.is_completed),
            completed_at = coalesce(completed_at, excluded.completed_at),
            updated_at = excluded.updated_at",
        params![user, step, completed, stamp],
    )?;
    Ok(())
}

/// Adds or updates languages of `user` (level and primary flag), for a local change and pulled
/// languages alike; the rows are written in order, with one statement per chunk.
pub(crate) fn upsert_languages(
    tx: &Transaction<'_>,
    user: &str,
    languages: &[UserLanguage],
    now: DateTime<Utc>,
) -> Result<()> {
    const UPSERT: MultiRow<'static> = MultiRow {
        head: "INSERT INTO user_languages (user_id, language_code, language_type, proficiency_level, is_primary, created_at)",
        width: 6,
        tail: "ON CONFLICT (user_id, language_code, language_type)
               DO UPDATE SET proficiency_level = excluded.proficiency_level, is_primary = excluded.is_primary",
    };
    let stamp = time::to_db(now);
    UPSERT.write(tx, languages, |s, at, l| {
        s.raw_bind_parameter(at, user)?;
        s.raw_bind_parameter(at + 1, &l.language_code)?;
        s.raw_bind_parameter(at + 2, l.role)?;
        s.raw_bind_parameter(at + 3, l.proficiency)?;
        s.raw_bind_parameter(at + 4, l.is_primary)?;
        s.raw_bind_parameter(at + 5, &stamp)
    })?;
    Ok(())
}

/// Removes one language of `user`; returns how many rows went (0 or 1).
pub(crate) fn delete_language(
    tx: &Transaction<'_>,
    user: &str,
    language_code: &str,
    role: LanguageRole,
) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "DELETE FROM user_languages WHERE user_id = ?1 AND language_code = ?2 AND language_type = ?3",
        )?
        .execute(params![user, language_code, role])?)
}

/// Adds interest tags of `user` (a tag already there stays as it is), for a local change and
/// pulled tags alike; returns how many were new.
pub(crate) fn insert_interests(
    tx: &Transaction<'_>,
    user: &str,
    tags: &[&str],
    now: DateTime<Utc>,
) -> Result<usize> {
    const INSERT: MultiRow<'static> = MultiRow {
        head: "INSERT OR IGNORE INTO user_interests (user_id, interest_tag, created_at)",
        width: 3,
        tail: "",
    };
    let stamp = time::to_db(now);
    INSERT.write(tx, tags, |s, at, tag| {
        s.raw_bind_parameter(at, user)?;
        s.raw_bind_parameter(at + 1, tag)?;
        s.raw_bind_parameter(at + 2, &stamp)
    })
}

/// Removes one interest tag of `user`; returns how many rows went (0 or 1).
pub(crate) fn delete_interest(tx: &Transaction<'_>, user: &str, tag: &str) -> Result<usize> {
    Ok(tx
        .prepare_cached("DELETE FROM user_interests WHERE user_id = ?1 AND interest_tag = ?2")?
        .execute(params![user, tag])?)
}

/// Makes sure `user` has a row: the signed-in user's at open (`is_self`), or a placeholder for a
/// chat member or sender whose public profile has not arrived yet (it keeps the foreign keys
/// satisfied until it does). An existing row is left as it is.
pub(crate) fn ensure_user(
    tx: &Transaction<'_>,
    user: Uuid,
    is_self: bool,
    updated_at: DateTime<Utc>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO users (user_id, is_self, display_name, updated_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        user.to_string(),
        is_self,
        DEFAULT_DISPLAY_NAME,
        time::to_db(updated_at)
    ])?;
    Ok(())
}

/// Inserts or replaces a public profile row (never the signed-in user's).
pub(crate) fn upsert_public_profile(tx: &Transaction<'_>, p: &Profile) -> Result<()> {
    write_user(tx, p, false)
}

/// Writes every field of `p` to its `users` row. `is_self` says which kind of row it may
/// replace: the signed-in user's (created at open) or a contact's, so a contact's profile can
/// never overwrite the user's own row, nor the other way round.
fn write_user(tx: &Transaction<'_>, p: &Profile, is_self: bool) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO users (user_id, username, display_name, korean_name, profile_image_url, intro, city,
                            district, language_level, target_fluency_level, learning_goals, preferences,
                            preferred_session_minutes, time_zone, updated_at, is_self)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (user_id) DO UPDATE SET
            username = excluded.username, display_name = excluded.display_name, korean_name = excluded.korean_name,
            profile_image_url = excluded.profile_image_url, intro = excluded.intro, city = excluded.city,
            district = excluded.district, language_level = excluded.language_level,
            target_fluency_level = excluded.target_fluency_level, learning_goals = excluded.learning_goals,
            preferences = excluded.preferences, preferred_session_minutes = excluded.preferred_session_minutes,
            time_zone = excluded.time_zone, updated_at = excluded.updated_at
         WHERE users.is_self = excluded.is_self",
    )?
    .execute(params![
        p.user_id.to_string(),
        p.username,
        p.display_name,
        p.korean_name,
        p.profile_image_url,
        p.intro,
        p.city,
        p.district,
        p.language_level,
        p.target_fluency_level,
        serde_json::to_string(&p.learning_goals)?,
        p.preferences.to_string(),
        p.preferred_session_minutes,
        p.time_zone,
        time::to_db(p.updated_at),
        is_self,
    ])?;
    Ok(())
}

/// Writes the patch's fields onto the user's row (through [`ProfilePatch::apply_to`], the one
/// definition of what a patch does, which the server uses too).
pub(crate) fn apply_patch(
    tx: &Transaction<'_>,
    user_id: Uuid,
    patch: &ProfilePatch,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut profile = load_profile(tx, user_id)?;
    patch.apply_to(&mut profile);
    profile.updated_at = now;
    store_self_profile(tx, &profile)
}

/// Overwrites the signed-in user's row with `profile` (every field), as a local patch or a
/// pulled profile does.
pub(crate) fn store_self_profile(tx: &Transaction<'_>, profile: &Profile) -> Result<()> {
    write_user(tx, profile, true)
}

/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 50;

/// Longest display name and Korean name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Longest avatar address, in characters.
pub const MAX_IMAGE_URL_CHARS: usize = 500;

/// Longest self-introduction, in characters.
pub const MAX_INTRO_CHARS: usize = 2000;

/// Longest city, district, learning goal and interest tag, in characters.
pub const MAX_PLACE_CHARS: usize = 100;

/// Largest preferences object, in bytes of compact JSON.
pub const MAX_PREFERENCES_BYTES: usize = 8192;

/// Largest data of one onboarding step, in bytes of compact JSON.
pub const MAX_ONBOARDING_DATA_BYTES: usize = 8192;

/// Checks a username, the one rule for signup (on the server) and for profile changes (on the
/// device and the server): 1–50 characters, each a Unicode letter or digit or one of `_`, `.`,
/// `-`. So no spaces (leading, inner or trailing), no control characters (NUL …), no invisible
/// or format characters (zero-width space U+200B, byte-order mark U+FEFF …), no Hangul fillers,
/// no combining marks: two usernames that differ only in such characters cannot look alike.
pub fn check_username(name: &str) -> Result<()> {
    validate::text_len("username", name, 1, MAX_USERNAME_CHARS)?;
    let allowed = |c: char| {
        (c.is_alphanumeric() && !validate::is_forbidden_in_name(c)) || matches!(c, '_' | '.' | '-')
    };
    match name.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(Error::invalid(
            "username",
            format!(
                "may hold only letters, digits, '_', '.' and '-', not U+{:04X}",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// Checks a display name: 1–100 characters, not blank, no control or invisible characters.
pub fn check_display_name(name: &str) -> Result<()> {
    validate::name("display_name", name, MAX_NAME_CHARS)
}

/// Checks an interest tag: 1–100 characters, not blank, no control or invisible characters.
pub fn check_interest_tag(tag: &str) -> Result<()> {
    validate::name("interest_tag", tag, MAX_PLACE_CHARS)
}

/// Checks one onboarding step: step 1–6, data a JSON object of at most
/// [`MAX_ONBOARDING_DATA_BYTES`].
pub fn check_onboarding_step(step: u8, data: &serde_json::Value) -> Result<()> {
    if !(1..=6).contains(&step) {
        return Err(Error::invalid(
            "step",
            format!("must be between 1 and 6, got {step}"),
        ));
    }
    validate::json_object_within("data", data, MAX_ONBOARDING_DATA_BYTES)
}

/// A field's rule, given its value.
type TextRule = fn(&str) -> Result<()>;

/// The rules of the optional text fields, shared by patches and whole profiles.
fn optional_texts<'a>(
    username: &'a Option<String>,
    korean_name: &'a Option<String>,
    profile_image_url: &'a Option<String>,
    intro: &'a Option<String>,
    city: &'a Option<String>,
    district: &'a Option<String>,
) -> [(&'a Option<String>, TextRule); 6] {
    [
        (username, check_username),
        (korean_name, |v| {
            validate::name("korean_name", v, MAX_NAME_CHARS)
        }),
        (profile_image_url, |v| {
            validate::https_url("profile_image_url", v, MAX_IMAGE_URL_CHARS)
        }),
        (intro, |v| validate::non_blank("intro", v, MAX_INTRO_CHARS)),
        (city, |v| validate::non_blank("city", v, MAX_PLACE_CHARS)),
        (district, |v| {
            validate::non_blank("district", v, MAX_PLACE_CHARS)
        }),
    ]
}

fn check_patch(p: &ProfilePatch) -> Result<()> {
    let texts = optional_texts(
        &p.username,
        &p.korean_name,
        &p.profile_image_url,
        &p.intro,
        &p.city,
        &p.district,
    );
    for (value, rule) in texts {
        match value {
            Some(v) if !v.is_empty() => rule(v)?,
            _ => {}
        }
    }
    if let Some(name) = &p.display_name {
        check_display_name(name)?;
    }
    if let Some(goals) = &p.learning_goals {
        check_goals(goals)?;
    }
    if let Some(prefs) = &p.preferences {
        validate::json_object_within("preferences", prefs, MAX_PREFERENCES_BYTES)?;
    }
    if let Some(minutes) = p.preferred_session_minutes {
        check_minutes(minutes)?;
    }
    if let Some(zone) = &p.time_zone {
        check_time_zone(zone)?;
    }
    Ok(())
}

fn check_profile(p: &Profile) -> Result<()> {
    check_display_name(&p.display_name)?;
    let texts = optional_texts(
        &p.username,
        &p.korean_name,
        &p.profile_image_url,
        &p.intro,
        &p.city,
        &p.district,
    );
    for (value, rule) in texts {
        if let Some(v) = value {
            rule(v)?;
        }
    }
    check_goals(&p.learning_goals)?;
    validate::json_object_within("preferences", &p.preferences, MAX_PREFERENCES_BYTES)?;
    check_minutes(p.preferred_session_minutes)?;
    check_time_zone(&p.time_zone)
}

fn check_goals(goals: &[String]) -> Result<()> {
    if goals.len() > 20 {
        return Err(Error::invalid("learning_goals", "at most 20 goals"));
    }
    goals
        .iter()
        .try_for_each(|g| validate::non_blank("learning_goals", g, MAX_PLACE_CHARS))
}

fn check_minutes(minutes: i32) -> Result<()> {
    if (1..=240).contains(&minutes) {
        Ok(())
    } else {
        Err(Error::invalid(
            "preferred_session_minutes",
            format!("must be 1–240, got {minutes}"),
        ))
    }
}

/// Accepts only IANA time-zone names the library can compute local days in.
pub fn check_time_zone(zone: &str) -> Result<()> {
    zone.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| Error::invalid("time_zone", format!("{zone:?} is not an IANA time zone")))
}

fn check_language_code(code: &str) -> Result<()> {
    let ok = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "language_code",
            format!("{code:?} is not a lowercase ISO 639 code"),
        ))
    }
}

pub(crate) fn load_profile(tx: &Transaction<'_>, user_id: Uuid) -> Result<Profile> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM users WHERE user_id = ?1");
    let found = tx
        .query_row(&sql, [user_id.to_string()], |row| Ok(profile_from_row(row)))
        .optional()?;
    found.ok_or_else(|| Error::not_found("profile", user_id))?
}

fn profile_from_row(row: &Row<'_>) -> Result<Profile> {
    let goals: String = row.get(10)?;
    let prefs: String = row.get(11)?;
    let updated: String = row.get(14)?;
    Ok(Profile {
        user_id: uuid_col(row, 0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        korean_name: row.get(3)?,
        profile_image_url: row.get(4)?,
        intro: row.get(5)?,
        city: row.get(6)?,
        district: row.get(7)?,
        language_level: row.get(8)?,
        target_fluency_level: row.get(9)?,
        learning_goals: serde_json::from_str(&goals)?,
        preferences: serde_json::from_str(&prefs)?,
        preferred_session_minutes: row.get(12)?,
        time_zone: row.get(13)?,
        updated_at: time::from_db(&updated)?,
    })
}

pub(crate) fn load_languages(tx: &Transaction<'_>, user: &str) -> Result<Vec<UserLanguage>> {
    let mut stmt = tx.prepare_cached(
        "SELECT language_code, language_type, proficiency_level, is_primary FROM user_languages
         WHERE user_id = ?1 ORDER BY language_type, language_code",
    )?;
    let rows = stmt.query_map([user], |row| {
        Ok(UserLanguage {
            language_code: row.get(0)?,
            role: row.get(1)?,
            proficiency: row.get(2)?,
            is_primary: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn load_interests(tx: &Transaction<'_>, user: &str) -> Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT interest_tag FROM user_interests WHERE user_id = ?1 ORDER BY interest_tag",
    )?;
    let rows = stmt.query_map([user], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn load_onboarding(tx: &Transaction<'_>, user: &str) -> Result<Onboarding> {
    let progress: Option<(u8, bool, Option<String>)> = tx
        .query_row(
            "SELECT current_step, is_completed, completed_at FROM onboarding_progress WHERE user_id = ?1",
            [user],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let (current_step, is_completed, completed_at) = progress.unwrap_or((1, false, None));
    let mut stmt = tx.prepare_cached(
        "SELECT step_num, data_json FROM onboarding_step_data WHERE user_id = ?1 ORDER BY step_num",
    )?;
    let rows = stmt.query_map([user], |row| {
        Ok((row.get::<_, u8>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut step_data = Vec::new();
    for row in rows {
        let (step, json) = row?;
        step_data.push((step, serde_json::from_str(&json)?));
    }
    Ok(Onboarding {
        current_step,
        is_completed,
        completed_at: completed_at.as_deref().map(time::from_db).transpose()?,
        step_data,
    })
}
