//! Catalog calls: situations by category, difficulty and location, their variations, the
//! achievement definitions, and importing catalog JSON (the server's or the bundled one).

use studymate_core::catalog::{
    Achievement, CatalogBatch, CommonMistake, HintLevel, ImportSummary, Rarity, Situation,
    SituationFilter, Variation, VocabularyItem,
};
use studymate_core::profile::Level;
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::offload::offload;
use crate::types::Json;

#[uniffi::remote(Enum)]
pub enum Rarity {
    Common,
    Rare,
    Epic,
    Legendary,
}

/// A situation the learner can practise (ordering at a café, asking for directions).
#[uniffi::remote(Record)]
pub struct Situation {
    /// Its id.
    pub id: Uuid,
    /// Short name.
    pub name: String,
    /// Category, e.g. `"food"`.
    pub category: String,
    /// How hard it is.
    pub difficulty: Level,
    /// Typical length of a session, in seconds.
    pub estimated_duration_seconds: u32,
    /// Longer description.
    pub description: Option<String>,
    /// What the learner practises.
    pub learning_objectives: Vec<String>,
    /// Whether it only makes sense in one place.
    pub location_specific: bool,
    /// That place, when location-specific.
    pub target_location: Option<String>,
    /// What the app says to set the scene.
    pub initial_prompt: String,
    /// Background for the scene.
    pub context_description: Option<String>,
    /// Whether it is offered.
    pub is_active: bool,
    /// Content version.
    pub version: u32,
}

/// A concrete variation of a situation, with the references answers are scored against.
#[uniffi::remote(Record)]
pub struct Variation {
    /// Its id.
    pub id: Uuid,
    /// The situation it belongs to.
    pub situation_id: Uuid,
    /// Short name.
    pub name: String,
    /// The specific context.
    pub specific_context: String,
    /// The character the app plays.
    pub ai_character_role: Option<String>,
    /// The character's first line.
    pub opening_line: String,
    /// Extra support text.
    pub support_text: Option<String>,
    /// Language of the answers, e.g. `"ko"`.
    pub language: String,
    /// Local details, a JSON object.
    pub local_context: Json,
    /// Cultural notes.
    pub cultural_notes: Option<String>,
    /// Best answers.
    pub ideal_responses: Vec<String>,
    /// Answers that are fine but not ideal.
    pub acceptable_responses: Vec<String>,
    /// Mistakes learners often make here.
    pub common_mistakes: Vec<CommonMistake>,
    /// Hints, levels 1–3.
    pub hint_levels: Vec<HintLevel>,
    /// Words and phrases the answer should use.
    pub vocabulary: Vec<VocabularyItem>,
}

/// A mistake learners often make in a variation, and how to fix it.
#[uniffi::remote(Record)]
pub struct CommonMistake {
    /// The wrong wording.
    pub pattern: String,
    /// What to say instead.
    pub correction: String,
    /// Why.
    pub explanation: String,
}

/// One hint level (1–3; higher helps more).
#[uniffi::remote(Record)]
pub struct HintLevel {
    /// 1, 2 or 3.
    pub level: u8,
    /// The hint shown.
    pub text: String,
}

/// A vocabulary item of a variation.
#[uniffi::remote(Record)]
pub struct VocabularyItem {
    /// The word or phrase.
    pub term: String,
    /// Its meaning, for display.
    pub meaning: Option<String>,
    /// Whether answers are expected to use it.
    pub key: bool,
}

/// An achievement the learner can unlock.
#[uniffi::remote(Record)]
pub struct Achievement {
    /// Its id.
    pub id: Uuid,
    /// Internal name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Title shown.
    pub title: String,
    /// Description shown.
    pub description: String,
    /// The requirement, a JSON object (see `docs/rewards.md`).
    pub requirements: Json,
    /// Points granted on unlock.
    pub points_reward: u32,
    /// Icon address.
    pub icon_url: Option<String>,
    /// Badge colour, `#RRGGBB`.
    pub badge_color: Option<String>,
    /// How rare it is.
    pub rarity: Rarity,
    /// Whether it can still be unlocked.
    pub is_active: bool,
}

/// Which situations to list; every field narrows the list, `null`/`nil` does not.
#[uniffi::remote(Record)]
pub struct SituationFilter {
    /// Only this category.
    #[uniffi(default = None)]
    pub category: Option<String>,
    /// Only this difficulty.
    #[uniffi(default = None)]
    pub difficulty: Option<Level>,
    /// Only situations at this location (exact `target_location`, e.g. `"Daegu"`).
    #[uniffi(default = None)]
    pub location: Option<String>,
    /// Include situations no longer offered.
    #[uniffi(default = false)]
    pub include_inactive: bool,
}

/// How many catalog items an import wrote.
#[uniffi::remote(Record)]
pub struct ImportSummary {
    /// Situations written.
    pub situations: u32,
    /// Variations written.
    pub variations: u32,
    /// Achievements written.
    pub achievements: u32,
}

#[uniffi::export]
impl Client {
    /// Imports catalog JSON (`{"situations": [...], "variations": [...], "achievements": [...]}`)
    /// in one transaction: all of it or none. Runs on a worker thread (async); cancelling the
    /// caller does not stop it, and the data observer hears of it once it has committed.
    pub async fn import_catalog(&self, json: String) -> Result<ImportSummary> {
        let core = self.core()?;
        let notifier = self.notifier();
        offload("import", move || {
            let batch = CatalogBatch::from_json(&json)?;
            let summary = core.import_catalog(&batch)?;
            notifier.changed(DataChange::of(&[DataArea::Catalog]));
            Ok(summary)
        })
        .await
    }

    /// Situations matching `filter`, easiest first, then by name.
    pub fn situations(&self, filter: SituationFilter) -> Result<Vec<Situation>> {
        Ok(self.core()?.situations(&filter)?)
    }

    /// One situation.
    pub fn situation(&self, id: Uuid) -> Result<Situation> {
        Ok(self.core()?.situation(id)?)
    }

    /// The variations of a situation, by name.
    pub fn variations(&self, situation_id: Uuid) -> Result<Vec<Variation>> {
        Ok(self.core()?.variations(situation_id)?)
    }

    /// One variation.
    pub fn variation(&self, id: Uuid) -> Result<Variation> {
        Ok(self.core()?.variation(id)?)
    }

    /// Every achievement definition, by title.
    pub fn achievements(&self) -> Result<Vec<Achievement>> {
        Ok(self.core()?.achievements()?)
    }
}
