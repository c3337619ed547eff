//! The situation catalog: situations, their variations (what the character says, the expected
//! answers, mistakes, hints, vocabulary) and achievement definitions. Read-only on the device;
//! filled by [`Client::import_catalog`] from the server or a bundled file.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::notify::{DataArea, DataChange};
use crate::profile::Level;
use crate::store::{json_col, uuid_col};
use crate::validate::{self, string_enum};

use crate::rewards::{AchievementDef, Requirement, RewardsError};
use crate::scoring::ScoringReference;
pub use crate::scoring::{CommonMistake, HintLevel, VocabularyItem};

/// A practice situation, such as ordering at a café on Dongseong-ro.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Situation {
    /// Stable id (the server's).
    pub id: Uuid,
    /// Machine name, e.g. `"cafe_ordering"`.
    pub name: String,
    /// Category such as `"ordering"` or `"directions"`.
    pub category: String,
    /// How hard it is.
    pub difficulty: Level,
    /// Expected length in seconds.
    #[serde(
        default = "default_duration",
        deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>"
    )]
    pub estimated_duration_seconds: i32,
    /// What the situation is about.
    #[serde(default)]
    pub description: Option<String>,
    /// What the learner practises.
    #[serde(default)]
    pub learning_objectives: Vec<String>,
    /// Whether it is tied to a place.
    #[serde(default)]
    pub location_specific: bool,
    /// The place, e.g. `"Daegu"`.
    #[serde(default)]
    pub target_location: Option<String>,
    /// The scene as presented to the learner.
    pub initial_prompt: String,
    /// Background for the learner.
    #[serde(default)]
    pub context_description: Option<String>,
    /// Inactive situations stay for history but are not offered.
    #[serde(default = "yes")]
    pub is_active: bool,
    /// Content version, bumped by the server on edits.
    #[serde(
        default = "one",
        deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>"
    )]
    pub version: i32,
}

/// One concrete scenario of a situation, with everything needed to score an answer to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Variation {
    /// Stable id.
    pub id: Uuid,
    /// The situation it belongs to.
    pub situation_id: Uuid,
    /// Short name.
    pub name: String,
    /// The concrete scene.
    pub specific_context: String,
    /// The role the app's character plays (barista, passer-by …).
    #[serde(default)]
    pub ai_character_role: Option<String>,
    /// What the character says to open the dialogue.
    pub opening_line: String,
    /// Support text in the learner's language (Korean first).
    #[serde(default)]
    pub support_text: Option<String>,
    /// Language the learner answers in (ISO 639-1).
    #[serde(default = "english")]
    pub language: String,
    /// Local flavour (dialect, landmarks) as a JSON object.
    #[serde(default = "empty_object")]
    pub local_context: serde_json::Value,
    /// Cultural background.
    #[serde(default)]
    pub cultural_notes: Option<String>,
    /// Model answers.
    pub ideal_responses: Vec<String>,
    /// Answers that are fine but not ideal.
    #[serde(default)]
    pub acceptable_responses: Vec<String>,
    /// Mistakes learners make here, with corrections.
    #[serde(default)]
    pub common_mistakes: Vec<CommonMistake>,
    /// Hints, from gentle (1) to explicit (3).
    #[serde(default)]
    pub hint_levels: Vec<HintLevel>,
    /// Words and phrases the answer should use.
    #[serde(default)]
    pub vocabulary: Vec<VocabularyItem>,
}

impl Variation {
    /// What the scorer compares answers with. The device scores with it as the learner answers,
    /// and the server scores pushed sessions again with it.
    pub fn scoring_reference(&self) -> ScoringReference {
        ScoringReference {
            language: self.language.clone(),
            ideal_responses: self.ideal_responses.clone(),
            acceptable_responses: self.acceptable_responses.clone(),
            common_mistakes: self.common_mistakes.clone(),
            vocabulary: self.vocabulary.clone(),
            hint_levels: self.hint_levels.clone(),
            prompt: self.opening_line.clone(),
        }
    }
}

impl Achievement {
    /// What the rewards engine evaluates: the requirement parsed from the catalog's JSON, with
    /// the title and points reward. The device and the server unlock from the same definition.
    pub fn definition(&self) -> Result<AchievementDef, RewardsError> {
        Ok(AchievementDef {
            id: self.id,
            title: self.title.clone(),
            requirement: Requirement::from_json(&self.requirements)?,
            points_reward: i64::from(self.points_reward),
        })
    }
}

string_enum! {
    /// How rare an achievement is (seed 000).
    pub enum Rarity {
        /// Most learners get it.
        Common => "common",
        /// Takes some effort.
        Rare => "rare",
        /// Takes a lot of effort.
        Epic => "epic",
        /// Few learners get it.
        Legendary => "legendary",
    }
}

/// An achievement the learner can unlock, with its requirement as JSON (seed 000 `achievements`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Achievement {
    /// Stable id.
    pub id: Uuid,
    /// Unique machine name.
    pub name: String,
    /// `"learning"`, `"social"`, `"milestone"` …
    pub category: String,
    /// Title shown to the learner.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// The condition, e.g. `{"type": "sessions_completed", "count": 10}`.
    pub requirements: serde_json::Value,
    /// Points awarded on unlock.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>"
    )]
    pub points_reward: i32,
    /// Icon address.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// Badge colour as `#RRGGBB`.
    #[serde(default)]
    pub badge_color: Option<String>,
    /// Rarity.
    #[serde(default = "common")]
    pub rarity: Rarity,
    /// Inactive achievements are no longer evaluated.
    #[serde(default = "yes")]
    pub is_active: bool,
}

/// A batch of catalog content, as the server sends it and the bundled catalog file holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatch {
    /// Situations to add or replace.
    #[serde(default)]
    pub situations: Vec<Situation>,
    /// Variations to add or replace (their situation must be in the batch or already stored).
    #[serde(default)]
    pub variations: Vec<Variation>,
    /// Achievement definitions to add or replace.
    #[serde(default)]
    pub achievements: Vec<Achievement>,
}

/// Which situations to list; every field left absent matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SituationFilter {
    /// Only this category.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub category: Option<String>,
    /// Only this difficulty.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub difficulty: Option<Level>,
    /// Only situations at this location (exactly their `targetLocation`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub location: Option<String>,
    /// Include inactive situations too.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub include_inactive: bool,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportSummary {
    /// Situations written.
    pub situations: i32,
    /// Variations written.
    pub variations: i32,
    /// Achievements written.
    pub achievements: i32,
}

impl CatalogBatch {
    /// Parses a batch from JSON text, refusing malformed JSON or unknown values with a typed error.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::invalid("catalog", e))
    }
}

impl CatalogBatch {
    /// Checks every item against the catalog's limits (names, responses, hint levels, colours).
    pub fn validate(&self) -> Result<()> {
        self.situations.iter().try_for_each(check_situation)?;
        self.variations.iter().try_for_each(check_variation)?;
        self.achievements.iter().try_for_each(check_achievement)
    }
}

impl Client {
    /// Adds or replaces catalog content in one transaction: all of the batch or none of it.
    pub fn import_catalog(&self, batch: &CatalogBatch) -> Result<ImportSummary> {
        batch.validate()?;
        let summary = self.write_announced(
            |_| DataChange::of(&[DataArea::Catalog]),
            |tx| import(tx, batch),
        );
        match &summary {
            Ok(s) => tracing::info!(
                situations = s.situations,
                variations = s.variations,
                achievements = s.achievements,
                "catalog imported"
            ),
            Err(e) => tracing::warn!(error = %e, "catalog import failed"),
        }
        summary
    }

    /// Lists situations matching `filter`, easiest first, then by name.
    pub fn situations(&self, filter: &SituationFilter) -> Result<Vec<Situation>> {
        self.store.read(|tx| load_situations(tx, filter))
    }

    /// One situation by id.
    pub fn situation(&self, id: Uuid) -> Result<Situation> {
        self.store.read(|tx| load_situation(tx, id))
    }

    /// The variations of a situation, by name.
    pub fn variations(&self, situation_id: Uuid) -> Result<Vec<Variation>> {
        self.store.read(|tx| {
            load_situation(tx, situation_id)?;
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {VARIATION_COLUMNS} FROM situation_variations WHERE situation_id = ?1 ORDER BY variation_name, variation_id"
            ))?;
            let rows = stmt.query_map([situation_id.to_string()], |row| Ok(variation_from_row(row)))?;
            rows.map(|r| r?).collect()
        })
    }

    /// One variation by id.
    pub fn variation(&self, id: Uuid) -> Result<Variation> {
        self.store.read(|tx| load_variation(tx, id))
    }

    /// Every achievement definition, by title.
    pub fn achievements(&self) -> Result<Vec<Achievement>> {
        self.store.read(load_achievements)
    }
}

const SITUATION_COLUMNS: &str = "situation_id, situation_name, category, difficulty_level, estimated_duration_seconds, \
     description, learning_objectives, location_specific, target_location, initial_prompt, context_description, \
     is_active, version";
const VARIATION_COLUMNS: &str = "variation_id, situation_id, variation_name, specific_context, ai_character_role, \
     opening_line, support_text, language, local_context, cultural_notes, ideal_responses, acceptable_responses, \
     common_mistakes, hint_levels, vocabulary_support";
const ACHIEVEMENT_COLUMNS: &str = "achievement_id, achievement_name, achievement_category, title, description, \
     requirements, points_reward, icon_url, badge_color, rarity, is_active";

pub(crate) fn import(tx: &Transaction<'_>, batch: &CatalogBatch) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    for s in &batch.situations {
        tx.prepare_cached(&format!(
            "INSERT INTO situations ({SITUATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (situation_id) DO UPDATE SET situation_name = excluded.situation_name,
                category = excluded.category, difficulty_level = excluded.difficulty_level,
                estimated_duration_seconds = excluded.estimated_duration_seconds, description = excluded.description,
                learning_objectives = excluded.learning_objectives, location_specific = excluded.location_specific,
                target_location = excluded.target_location, initial_prompt = excluded.initial_prompt,
                context_description = excluded.context_description, is_active = excluded.is_active,
                version = excluded.version"
        ))?
        .execute(params![
            s.id.to_string(),
            s.name,
            s.category,
            s.difficulty,
            s.estimated_duration_seconds,
            s.description,
            serde_json::to_string(&s.learning_objectives)?,
            s.location_specific,
            s.target_location,
            s.initial_prompt,
            s.context_description,
            s.is_active,
            s.version,
        ])
        .map_err(|e| crate::store::constraint_to_invalid(e, "situations"))?;
        summary.situations += 1;
    }
    for v in &batch.variations {
        tx.prepare_cached(&format!(
            "INSERT INTO situation_variations ({VARIATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (variation_id) DO UPDATE SET situation_id = excluded.situation_id,
                variation_name = excluded.variation_name, specific_context = excluded.specific_context,
                ai_character_role = excluded.ai_character_role, opening_line = excluded.opening_line,
                support_text = excluded.support_text, language = excluded.language, local_context = excluded.local_context,
                cultural_notes = excluded.cultural_notes, ideal_responses = excluded.ideal_responses,
                acceptable_responses = excluded.acceptable_responses, common_mistakes = excluded.common_mistakes,
                hint_levels = excluded.hint_levels, vocabulary_support = excluded.vocabulary_support"
        ))?
        .execute(params![
            v.id.to_string(),
            v.situation_id.to_string(),
            v.name,
            v.specific_context,
            v.ai_character_role,
            v.opening_line,
            v.support_text,
            v.language,
            v.local_context.to_string(),
            v.cultural_notes,
            serde_json::to_string(&v.ideal_responses)?,
            serde_json::to_string(&v.acceptable_responses)?,
            serde_json::to_string(&v.common_mistakes)?,
            serde_json::to_string(&v.hint_levels)?,
            serde_json::to_string(&v.vocabulary)?,
        ])
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => Error::invalid(
                "variations",
                format!("variation {} refers to an unknown situation {} or breaks a constraint", v.id, v.situation_id),
            ),
            _ => Error::from(e),
        })?;
        summary.variations += 1;
    }
    for a in &batch.achievements {
        tx.prepare_cached(&format!(
            "INSERT INTO achievements ({ACHIEVEMENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (achievement_id) DO UPDATE SET achievement_name = excluded.achievement_name,
                achievement_category = excluded.achievement_category, title = excluded.title,
                description = excluded.description, requirements = excluded.requirements,
                points_reward = excluded.points_reward, icon_url = excluded.icon_url,
                badge_color = excluded.badge_color, rarity = excluded.rarity, is_active = excluded.is_active"
        ))?
        .execute(params![
            a.id.to_string(),
            a.name,
            a.category,
            a.title,
            a.description,
            a.requirements.to_string(),
            a.points_reward,
            a.icon_url,
            a.badge_color,
            a.rarity,
            a.is_active,
        ])
        .map_err(|e| crate::store::constraint_to_invalid(e, "achievements"))?;
        summary.achievements += 1;
    }
    Ok(summary)
}

fn check_situation(s: &Situation) -> Result<()> {
    validate::non_blank("situation.name", &s.name, 100)?;
    validate::non_blank("situation.category", &s.category, 50)?;
    validate::non_blank("situation.initial_prompt", &s.initial_prompt, 4000)?;
    if s.estimated_duration_seconds < 1 {
        return Err(Error::invalid(
            "situation.estimated_duration_seconds",
            "must be positive",
        ));
    }
    if s.version < 1 {
        return Err(Error::invalid("situation.version", "must be at least 1"));
    }
    Ok(())
}

fn check_variation(v: &Variation) -> Result<()> {
    validate::non_blank("variation.name", &v.name, 100)?;
    validate::non_blank("variation.opening_line", &v.opening_line, 2000)?;
    validate::text_len("variation.language", &v.language, 2, 10)?;
    validate::json_object("variation.local_context", &v.local_context)?;
    if v.ideal_responses.is_empty() {
        return Err(Error::invalid(
            "variation.ideal_responses",
            "needs at least one response",
        ));
    }
    v.ideal_responses
        .iter()
        .chain(&v.acceptable_responses)
        .try_for_each(|r| validate::non_blank("variation.responses", r, 2000))?;
    for hint in &v.hint_levels {
        if !(1..=3).contains(&hint.level) {
            return Err(Error::invalid(
                "variation.hint_levels",
                format!("level {} is not 1–3", hint.level),
            ));
        }
    }
    Ok(())
}

fn check_achievement(a: &Achievement) -> Result<()> {
    validate::non_blank("achievement.name", &a.name, 100)?;
    validate::non_blank("achievement.category", &a.category, 50)?;
    validate::non_blank("achievement.title", &a.title, 100)?;
    crate::rewards::Requirement::from_json(&a.requirements)
        .map_err(|e| Error::invalid("achievement.requirements", e))?;
    validate::non_negative("achievement.points_reward", a.points_reward)?;
    if let Some(color) = &a.badge_color {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(Error::invalid(
                "achievement.badge_color",
                format!("{color:?} is not #RRGGBB"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn load_situations(
    tx: &Transaction<'_>,
    filter: &SituationFilter,
) -> Result<Vec<Situation>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {SITUATION_COLUMNS} FROM situations
         WHERE (?1 IS NULL OR category = ?1) AND (?2 IS NULL OR difficulty_level = ?2)
           AND (?3 IS NULL OR target_location = ?3) AND (?4 OR is_active = 1)
         ORDER BY CASE difficulty_level WHEN 'beginner' THEN 0 WHEN 'intermediate' THEN 1 ELSE 2 END,
                  situation_name"
    ))?;
    let rows = stmt.query_map(
        params![
            filter.category,
            filter.difficulty,
            filter.location,
            filter.include_inactive
        ],
        |row| Ok(situation_from_row(row)),
    )?;
    rows.map(|r| r?).collect()
}

pub(crate) fn load_situation(tx: &Transaction<'_>, id: Uuid) -> Result<Situation> {
    let sql = format!("SELECT {SITUATION_COLUMNS} FROM situations WHERE situation_id = ?1");
    tx.query_row(&sql, [id.to_string()], |row| Ok(situation_from_row(row)))
        .optional()?
        .ok_or_else(|| Error::not_found("situation", id))?
}

pub(crate) fn load_variation(tx: &Transaction<'_>, id: Uuid) -> Result<Variation> {
    let sql =
        format!("SELECT {VARIATION_COLUMNS} FROM situation_variations WHERE variation_id = ?1");
    tx.query_row(&sql, [id.to_string()], |row| Ok(variation_from_row(row)))
        .optional()?
        .ok_or_else(|| Error::not_found("variation", id))?
}

pub(crate) fn load_achievements(tx: &Transaction<'_>) -> Result<Vec<Achievement>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {ACHIEVEMENT_COLUMNS} FROM achievements ORDER BY title"
    ))?;
    let rows = stmt.query_map([], |row| Ok(achievement_from_row(row)))?;
    rows.map(|r| r?).collect()
}

fn situation_from_row(row: &Row<'_>) -> Result<Situation> {
    Ok(Situation {
        id: uuid_col(row, 0)?,
        name: row.get(1)?,
        category: row.get(2)?,
        difficulty: row.get(3)?,
        estimated_duration_seconds: row.get(4)?,
        description: row.get(5)?,
        learning_objectives: json_col(row, 6)?,
        location_specific: row.get(7)?,
        target_location: row.get(8)?,
        initial_prompt: row.get(9)?,
        context_description: row.get(10)?,
        is_active: row.get(11)?,
        version: row.get(12)?,
    })
}

fn variation_from_row(row: &Row<'_>) -> Result<Variation> {
    Ok(Variation {
        id: uuid_col(row, 0)?,
        situation_id: uuid_col(row, 1)?,
        name: row.get(2)?,
        specific_context: row.get(3)?,
        ai_character_role: row.get(4)?,
        opening_line: row.get(5)?,
        support_text: row.get(6)?,
        language: row.get(7)?,
        local_context: json_col(row, 8)?,
        cultural_notes: row.get(9)?,
        ideal_responses: json_col(row, 10)?,
        acceptable_responses: json_col(row, 11)?,
        common_mistakes: json_col(row, 12)?,
        hint_levels: json_col(row, 13)?,
        vocabulary: json_col(row, 14)?,
    })
}

fn achievement_from_row(row: &Row<'_>) -> Result<Achievement> {
    Ok(Achievement {
        id: uuid_col(row, 0)?,
        name: row.get(1)?,
        category: row.get(2)?,
        title: row.get(3)?,
        description: row.get(4)?,
        requirements: json_col(row, 5)?,
        points_reward: row.get(6)?,
        icon_url: row.get(7)?,
        badge_color: row.get(8)?,
        rarity: row.get(9)?,
        is_active: row.get(10)?,
    })
}

fn default_duration() -> i32 {
    60
}
fn yes() -> bool {
    true
}
fn one() -> i32 {
    1
}
fn english() -> String {
    "en".to_owned()
}
fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}
fn common() -> Rarity {
    Rarity::Common
}
