//! Practice calls: a session's lifecycle (start, current, answer with text or spoken words,
//! hint, pause, resume, abandon, complete), history, and the scores with their feedback.

use studymate_core::catalog::HintLevel;
use studymate_core::practice::{AnswerInput, Completion, PracticeSession};
use studymate_core::scoring::Score;
use uuid::Uuid;

use crate::Result;
use crate::client::{StudyMateClient, count};

#[uniffi::export]
impl StudyMateClient {
    /// Starts practising a situation; without `variationId`, the variation practised least
    /// recently. Fails with `SessionOpen` while another session is open.
    pub async fn start_practice(
        &self,
        situation_id: Uuid,
        variation_id: Option<Uuid>,
    ) -> Result<PracticeSession> {
        self.background("practice", move |core| {
            core.start_practice(situation_id, variation_id)
        })
        .await
    }

    /// The open (in progress or paused) session, if any: what to resume after a restart.
    pub fn current_practice(&self) -> Result<Option<PracticeSession>> {
        Ok(self.core()?.current_practice()?)
    }

    /// One session with its dialogue.
    pub fn practice_session(&self, session_id: Uuid) -> Result<PracticeSession> {
        Ok(self.core()?.practice_session(session_id)?)
    }

    /// Ended sessions, newest first: up to `limit` (1–200) before session `before`.
    pub fn practice_history(
        &self,
        before: Option<Uuid>,
        limit: i32,
    ) -> Result<Vec<PracticeSession>> {
        Ok(self
            .core()?
            .practice_history(before, count("limit", limit)?)?)
    }

    /// Reveals the next hint (levels 1 to 3); each lowers the score of later answers.
    pub async fn use_hint(&self, session_id: Uuid) -> Result<HintLevel> {
        self.background("hint", move |core| core.use_hint(session_id))
            .await
    }

    /// Scores an answer on the device and adds it to the dialogue.
    pub async fn answer(&self, session_id: Uuid, input: AnswerInput) -> Result<Score> {
        self.background("answer", move |core| core.answer(session_id, &input))
            .await
    }

    /// Pauses an in-progress session; its clock stops.
    pub async fn pause_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.background("pause", move |core| core.pause_practice(session_id))
            .await
    }

    /// Resumes a paused session.
    pub async fn resume_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.background("resume", move |core| core.resume_practice(session_id))
            .await
    }

    /// Gives a session up: no score, no points.
    pub async fn abandon_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.background("abandon", move |core| core.abandon_practice(session_id))
            .await
    }

    /// Completes a session: final scores, points, level, streak and achievements, in one
    /// transaction. Cancelling the caller does not stop it (it is one short transaction), and
    /// the data observers hear of it once it has committed.
    pub async fn complete_practice(&self, session_id: Uuid) -> Result<Completion> {
        self.background("complete", move |core| core.complete_practice(session_id))
            .await
    }
}
