//! Profile calls: the signed-in user's profile (read, partial update), languages, interests and
//! onboarding, and the contacts' public profiles.

use studymate_core::profile::{
    Cefr, FluencyTarget, LanguageRole, Level, Onboarding as CoreOnboarding, Profile, ProfilePatch,
    UserLanguage,
};
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::types::{Json, Timestamp};

#[uniffi::remote(Enum)]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

#[uniffi::remote(Enum)]
pub enum FluencyTarget {
    Conversational,
    Business,
    NativeLike,
}

#[uniffi::remote(Enum)]
pub enum LanguageRole {
    Native,
    Teaching,
    Learning,
}

#[uniffi::remote(Enum)]
pub enum Cefr {
    A1,
    A2,
    B1,
    B2,
    C1,
    C2,
}

/// A user's profile: the signed-in user's own, or a chat partner's public one.
#[uniffi::remote(Record)]
pub struct Profile {
    /// The user's id.
    pub user_id: Uuid,
    /// Unique handle, if chosen.
    pub username: Option<String>,
    /// Name shown to others.
    pub display_name: String,
    /// Korean name, if given.
    pub korean_name: Option<String>,
    /// Avatar address.
    pub profile_image_url: Option<String>,
    /// Short introduction.
    pub intro: Option<String>,
    /// City.
    pub city: Option<String>,
    /// District.
    pub district: Option<String>,
    /// Overall level.
    pub language_level: Level,
    /// Fluency the learner aims for.
    pub target_fluency_level: Option<FluencyTarget>,
    /// Learning goals.
    pub learning_goals: Vec<String>,
    /// App preferences, a JSON object.
    pub preferences: Json,
    /// Preferred practice length in minutes.
    pub preferred_session_minutes: u16,
    /// IANA time zone, e.g. `Asia/Seoul`: decides the learner's "today".
    pub time_zone: String,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A partial profile update: fields left `null`/`nil` keep their value; for the optional text
/// fields an empty string clears the field.
#[uniffi::remote(Record)]
pub struct ProfilePatch {
    /// New handle (1–50 characters; empty clears).
    #[uniffi(default = None)]
    pub username: Option<String>,
    /// New display name (1–100 characters).
    #[uniffi(default = None)]
    pub display_name: Option<String>,
    /// New Korean name (empty clears).
    #[uniffi(default = None)]
    pub korean_name: Option<String>,
    /// New avatar address (empty clears).
    #[uniffi(default = None)]
    pub profile_image_url: Option<String>,
    /// New introduction (empty clears).
    #[uniffi(default = None)]
    pub intro: Option<String>,
    /// New city (empty clears).
    #[uniffi(default = None)]
    pub city: Option<String>,
    /// New district (empty clears).
    #[uniffi(default = None)]
    pub district: Option<String>,
    /// New overall level.
    #[uniffi(default = None)]
    pub language_level: Option<Level>,
    /// New fluency target.
    #[uniffi(default = None)]
    pub target_fluency_level: Option<FluencyTarget>,
    /// New learning goals (replaces the list).
    #[uniffi(default = None)]
    pub learning_goals: Option<Vec<String>>,
    /// New preferences, a JSON object (replaces it).
    #[uniffi(default = None)]
    pub preferences: Option<Json>,
    /// New preferred practice length, 1–240 minutes.
    #[uniffi(default = None)]
    pub preferred_session_minutes: Option<u16>,
    /// New IANA time zone.
    #[uniffi(default = None)]
    pub time_zone: Option<String>,
}

/// One of the user's languages.
#[uniffi::remote(Record)]
pub struct UserLanguage {
    /// ISO 639-1 code such as `"ko"`.
    pub language_code: String,
    /// Native, teaching or learning.
    pub role: LanguageRole,
    /// CEFR level, if known.
    pub proficiency: Option<Cefr>,
    /// Whether this is the user's main language of its role.
    pub is_primary: bool,
}

/// The data saved for one onboarding step.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OnboardingStep {
    /// The step, 1–6.
    pub step: u8,
    /// What the app saved for it, a JSON object.
    pub data: Json,
}

/// Where the user is in onboarding (six steps).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Onboarding {
    /// The step the user is on, 1–6.
    pub current_step: u8,
    /// Whether onboarding is finished.
    pub is_completed: bool,
    /// When it was finished.
    pub completed_at: Option<Timestamp>,
    /// The data saved for each step so far, in step order.
    pub steps: Vec<OnboardingStep>,
}

impl From<CoreOnboarding> for Onboarding {
    fn from(o: CoreOnboarding) -> Self {
        Onboarding {
            current_step: o.current_step,
            is_completed: o.is_completed,
            completed_at: o.completed_at,
            steps: o
                .step_data
                .into_iter()
                .map(|(step, data)| OnboardingStep { step, data })
                .collect(),
        }
    }
}

#[uniffi::export]
impl Client {
    /// The signed-in user's profile.
    pub fn profile(&self) -> Result<Profile> {
        Ok(self.core()?.profile()?)
    }

    /// Another user's public profile, as known locally.
    pub fn user_profile(&self, user_id: Uuid) -> Result<Profile> {
        Ok(self.core()?.user_profile(user_id)?)
    }

    /// Applies a partial update to the profile and returns the result.
    pub fn update_profile(&self, patch: ProfilePatch) -> Result<Profile> {
        self.write(
            |core| core.update_profile(&patch),
            |_| DataChange::of(&[DataArea::Profile]),
        )
    }

    /// Adds or replaces one of the user's languages; returns them all.
    pub fn set_language(&self, language: UserLanguage) -> Result<Vec<UserLanguage>> {
        self.write(
            |core| core.set_language(&language),
            |_| DataChange::of(&[DataArea::Languages]),
        )
    }

    /// Removes one of the user's languages; returns the rest.
    pub fn remove_language(
        &self,
        language_code: String,
        role: LanguageRole,
    ) -> Result<Vec<UserLanguage>> {
        self.write(
            |core| core.remove_language(&language_code, role),
            |_| DataChange::of(&[DataArea::Languages]),
        )
    }

    /// The user's languages.
    pub fn languages(&self) -> Result<Vec<UserLanguage>> {
        Ok(self.core()?.languages()?)
    }

    /// Adds an interest tag; returns them all.
    pub fn add_interest(&self, tag: String) -> Result<Vec<String>> {
        self.write(
            |core| core.add_interest(&tag),
            |_| DataChange::of(&[DataArea::Interests]),
        )
    }

    /// Removes an interest tag; returns the rest.
    pub fn remove_interest(&self, tag: String) -> Result<Vec<String>> {
        self.write(
            |core| core.remove_interest(&tag),
            |_| DataChange::of(&[DataArea::Interests]),
        )
    }

    /// The user's interest tags.
    pub fn interests(&self) -> Result<Vec<String>> {
        Ok(self.core()?.interests()?)
    }

    /// Saves the data (a JSON object) of onboarding step `step` (1–6) and moves the user to
    /// that step; step 6 completes onboarding.
    pub fn save_onboarding_step(&self, step: u8, data: Json) -> Result<Onboarding> {
        self.write(
            |core| core.save_onboarding_step(step, &data),
            |_| DataChange::of(&[DataArea::Onboarding]),
        )
        .map(Into::into)
    }

    /// The user's onboarding progress.
    pub fn onboarding(&self) -> Result<Onboarding> {
        Ok(self.core()?.onboarding()?.into())
    }

    /// Stores the public profile of someone the user chats with (from the server or the app's
    /// matching screen). Not synced back: the server owns it.
    pub fn save_contact(&self, contact: Profile) -> Result<()> {
        self.write(
            |core| core.save_contact(&contact),
            |_| DataChange::of(&[DataArea::Contacts]),
        )
    }
}
