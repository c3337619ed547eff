//! Profile calls: the signed-in user's profile (read, partial update), languages, interests and
//! onboarding, and the contacts' public profiles.

use studymate_core::ffi::types::{Json, Timestamp};
use studymate_core::profile::{
    LanguageRole, Onboarding as CoreOnboarding, Profile, ProfilePatch, UserLanguage,
};
use studymate_core::sync::protocol::PublicProfile;
use uuid::Uuid;

use crate::Result;
use crate::client::{StudyMateClient, count};

/// The data saved for one onboarding step.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OnboardingStep {
    /// The step, 1–6.
    pub step: i32,
    /// What the app saved for it, a JSON object.
    pub data: Json,
}

/// Where the user is in onboarding (six steps).
///
/// Written here rather than derived in core: core keeps the steps as `(step, data)` pairs, a
/// shape the foreign languages have no type for, so they cross as a list of `OnboardingStep`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Onboarding {
    /// The step the user is on, 1–6.
    pub current_step: i32,
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
            current_step: i32::from(o.current_step),
            is_completed: o.is_completed,
            completed_at: o.completed_at,
            steps: o
                .step_data
                .into_iter()
                .map(|(step, data)| OnboardingStep {
                    step: i32::from(step),
                    data,
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl StudyMateClient {
    /// The signed-in user's profile.
    pub fn profile(&self) -> Result<Profile> {
        Ok(self.core()?.profile()?)
    }

    /// Another user's public profile, as known on this device.
    pub fn user_profile(&self, user_id: Uuid) -> Result<Profile> {
        Ok(self.core()?.user_profile(user_id)?)
    }

    /// Applies a partial update to the profile and returns the result.
    pub async fn update_profile(&self, patch: ProfilePatch) -> Result<Profile> {
        self.background("profile", move |core| core.update_profile(&patch))
            .await
    }

    /// Adds or replaces one of the user's languages; returns them all.
    pub async fn set_language(&self, language: UserLanguage) -> Result<Vec<UserLanguage>> {
        self.background("language", move |core| core.set_language(&language))
            .await
    }

    /// Removes one of the user's languages; returns the rest.
    pub async fn remove_language(
        &self,
        language_code: String,
        role: LanguageRole,
    ) -> Result<Vec<UserLanguage>> {
        self.background("language", move |core| {
            core.remove_language(&language_code, role)
        })
        .await
    }

    /// The user's languages.
    pub fn languages(&self) -> Result<Vec<UserLanguage>> {
        Ok(self.core()?.languages()?)
    }

    /// Adds an interest tag; returns them all.
    pub async fn add_interest(&self, tag: String) -> Result<Vec<String>> {
        self.background("interest", move |core| core.add_interest(&tag))
            .await
    }

    /// Removes an interest tag; returns the rest.
    pub async fn remove_interest(&self, tag: String) -> Result<Vec<String>> {
        self.background("interest", move |core| core.remove_interest(&tag))
            .await
    }

    /// The user's interest tags.
    pub fn interests(&self) -> Result<Vec<String>> {
        Ok(self.core()?.interests()?)
    }

    /// Saves the data (a JSON object) of onboarding step `step` (1–6) and moves the user to
    /// that step; step 6 completes onboarding.
    pub async fn save_onboarding_step(&self, step: i32, data: Json) -> Result<Onboarding> {
        let step: u8 = count("step", step)?;
        self.background("onboarding", move |core| {
            core.save_onboarding_step(step, &data)
        })
        .await
        .map(Into::into)
    }

    /// The user's onboarding progress.
    pub fn onboarding(&self) -> Result<Onboarding> {
        Ok(self.core()?.onboarding()?.into())
    }

    /// Stores the public profile of someone the user chats with (from the server or the app's
    /// matching screen). Not synced back: the server owns it.
    pub async fn save_contact(&self, contact: PublicProfile) -> Result<()> {
        self.background("contact", move |core| {
            core.save_contact(&Profile::from(contact))
        })
        .await
    }
}
