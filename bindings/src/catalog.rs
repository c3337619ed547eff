//! Catalog calls: situations by category, difficulty and location, their variations, the
//! achievement definitions, and importing catalog JSON (the server's or the bundled one).

use studymate_core::catalog::{
    Achievement, CatalogBatch, ImportSummary, Situation, SituationFilter, Variation,
};
use uuid::Uuid;

use crate::Result;
use crate::client::StudyMateClient;

#[uniffi::export]
impl StudyMateClient {
    /// Imports catalog JSON (`{"situations": [...], "variations": [...], "achievements": [...]}`)
    /// in one transaction: all of it or none. Cancelling the caller does not stop it, and the
    /// data observers hear of it once it has committed.
    pub async fn import_catalog(&self, json: String) -> Result<ImportSummary> {
        self.background("import", move |core| {
            core.import_catalog(&CatalogBatch::from_json(&json)?)
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
