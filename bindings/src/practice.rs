//! Practice calls: a session's lifecycle (start, current, answer with text or spoken words,
//! hint, pause, resume, abandon, complete), history, and the scores with their feedback.

use studymate_core::catalog::HintLevel;
use studymate_core::ledger::{Balance, PointTransaction};
use studymate_core::practice::{
    AnswerInput, AnswerRecord, Completion, PracticeSession, SessionScores, SessionStatus, Speaker,
    Turn,
};
use studymate_core::rewards::{LevelInfo, StreakInfo, Unlock};
use studymate_core::scoring::{
    FluencyDetail, FoundMistake, MatchedReference, PronunciationDetail, RecognizedWord,
    ReferenceKind, Score,
};
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::offload::offload;
use crate::types::{LocalDate, Timestamp};

#[uniffi::remote(Enum)]
pub enum SessionStatus {
    InProgress,
    Paused,
    Completed,
    Abandoned,
}

#[uniffi::remote(Enum)]
pub enum Speaker {
    Character,
    Learner,
}

#[uniffi::remote(Enum)]
pub enum ReferenceKind {
    Ideal,
    Acceptable,
}

/// A session's final scores, 0–100.
#[uniffi::remote(Record)]
pub struct SessionScores {
    /// Overall.
    pub overall: u8,
    /// How well the answers fit the situation.
    pub appropriateness: u8,
    /// Fluency.
    pub fluency: u8,
    /// Pronunciation, when answers were spoken.
    pub pronunciation: Option<u8>,
}

/// One line of the dialogue.
#[uniffi::remote(Record)]
pub struct Turn {
    /// Position, 0 first.
    pub index: u32,
    /// Who said it.
    pub speaker: Speaker,
    /// What was said.
    pub text: String,
    /// The score of a learner's line.
    pub score: Option<Score>,
    /// The rest of a learner's answer (the scorer's input besides the text), so the server can
    /// score it again; absent on the character's lines.
    pub answer: Option<AnswerRecord>,
    /// When.
    pub created_at: Timestamp,
}

/// The scorer's input for a learner's answer besides its text.
#[uniffi::remote(Record)]
pub struct AnswerRecord {
    /// The recogniser's words of a spoken answer; absent for a typed one.
    pub spoken: Option<Vec<RecognizedWord>>,
    /// How long the learner took, ms.
    pub response_time_ms: u32,
    /// Hints revealed when the answer was given.
    pub hints_used: u8,
}

/// A practice session with its dialogue.
#[uniffi::remote(Record)]
pub struct PracticeSession {
    /// Its id.
    pub id: Uuid,
    /// The situation practised.
    pub situation_id: Uuid,
    /// The variation practised.
    pub variation_id: Uuid,
    /// Where it is in its lifecycle.
    pub status: SessionStatus,
    /// When it started.
    pub started_at: Timestamp,
    /// When it was completed or abandoned.
    pub ended_at: Option<Timestamp>,
    /// Active time, pauses excluded, once ended.
    pub total_duration_seconds: Option<u32>,
    /// The learner's time zone when it started.
    pub time_zone: String,
    /// Its UTC offset then, in seconds.
    pub utc_offset_seconds: i32,
    /// The practice day it counted for, once completed.
    pub local_day: Option<LocalDate>,
    /// Hints revealed.
    pub hints_used: u8,
    /// Final scores, once completed.
    pub scores: Option<SessionScores>,
    /// Feedback of the session's best-scored answer, once completed.
    pub feedback: Option<Score>,
    /// The dialogue.
    pub turns: Vec<Turn>,
}

/// One word from the platform speech recogniser.
#[uniffi::remote(Record)]
pub struct RecognizedWord {
    /// The word.
    pub word: String,
    /// Confidence, 0 to 1.
    pub confidence: f32,
    /// Start, ms from the start of the recording.
    pub start_ms: u32,
    /// End, ms.
    pub end_ms: u32,
}

/// A learner's answer: typed text, or a spoken one with the recogniser's words.
#[uniffi::remote(Record)]
pub struct AnswerInput {
    /// The typed text or the recogniser's transcript.
    pub text: String,
    /// The recognised words, for a spoken answer (enables pronunciation and fluency scoring).
    #[uniffi(default = None)]
    pub spoken: Option<Vec<RecognizedWord>>,
    /// How long the learner took, in milliseconds.
    #[uniffi(default = 0)]
    pub response_time_ms: u32,
}

/// The reference answer the learner's answer matched best.
#[uniffi::remote(Record)]
pub struct MatchedReference {
    /// Ideal or acceptable.
    pub kind: ReferenceKind,
    /// Its index in that list.
    pub index: u32,
    /// Its text.
    pub text: String,
    /// Similarity, 0–1000.
    pub similarity_permille: u16,
}

/// A common mistake found in the answer, with its span for highlighting.
#[uniffi::remote(Record)]
pub struct FoundMistake {
    /// Start, in Unicode scalar values.
    pub start: u32,
    /// End (exclusive), in Unicode scalar values.
    pub end: u32,
    /// Start in UTF-16 code units (Kotlin `String`, `NSString`).
    pub start_utf16: u32,
    /// End (exclusive) in UTF-16 code units.
    pub end_utf16: u32,
    /// The answer text in that span.
    pub found: String,
    /// What to say instead.
    pub correction: String,
    /// Why.
    pub explanation: String,
}

/// How fluent a spoken answer was.
#[uniffi::remote(Record)]
pub struct FluencyDetail {
    /// Words per minute.
    pub speech_rate_per_minute: Option<u32>,
    /// Pauses long enough to count.
    pub long_pauses: u32,
    /// Filler words used.
    pub fillers: Vec<String>,
    /// Time the answer was expected to take, ms.
    pub time_allowance_ms: Option<u32>,
    /// How much of the reference was said, 0–1000.
    pub completeness_permille: Option<u16>,
}

/// Pronunciation findings of a spoken answer.
#[uniffi::remote(Record)]
pub struct PronunciationDetail {
    /// Reference words left out.
    pub omitted: Vec<String>,
    /// Words said that the reference does not have.
    pub inserted: Vec<String>,
    /// Words the recogniser was unsure of.
    pub low_confidence: Vec<String>,
}

/// The score of one answer, with feedback.
#[uniffi::remote(Record)]
pub struct Score {
    /// Overall, 0–100.
    pub overall: u8,
    /// Fit to the situation, 0–100.
    pub appropriateness: u8,
    /// Fluency, 0–100.
    pub fluency: u8,
    /// Pronunciation, 0–100, for spoken answers.
    pub pronunciation: Option<u8>,
    /// The best-matching reference.
    pub matched: Option<MatchedReference>,
    /// Common mistakes found.
    pub mistakes: Vec<FoundMistake>,
    /// Key vocabulary the answer lacks.
    pub missing_vocabulary: Vec<String>,
    /// Suggestions to show.
    pub suggestions: Vec<String>,
    /// Points taken off for hints.
    pub hint_penalty: u8,
    /// Fluency detail.
    pub fluency_detail: FluencyDetail,
    /// Pronunciation detail, for spoken answers.
    pub pronunciation_detail: Option<PronunciationDetail>,
}

/// What completing a session did: scores, points, level, streak, achievements.
#[uniffi::remote(Record)]
pub struct Completion {
    /// The completed session.
    pub session: PracticeSession,
    /// Ledger entries written by this completion.
    pub awards: Vec<PointTransaction>,
    /// The balance afterwards.
    pub balance: Balance,
    /// The level afterwards.
    pub level: LevelInfo,
    /// Levels reached by this completion.
    pub level_ups: Vec<u32>,
    /// The streak including this session.
    pub streak: StreakInfo,
    /// Achievements unlocked by this completion.
    pub unlocked: Vec<Unlock>,
}

#[uniffi::export]
impl Client {
    /// Starts practising a situation; with `variation_id` `null`/`nil`, the variation practised
    /// least recently. Refused (`Conflict`) while another session is open.
    pub fn start_practice(
        &self,
        situation_id: Uuid,
        variation_id: Option<Uuid>,
    ) -> Result<PracticeSession> {
        self.write(
            |core| core.start_practice(situation_id, variation_id),
            |_| DataChange::of(&[DataArea::Practice]),
        )
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
        limit: u32,
    ) -> Result<Vec<PracticeSession>> {
        Ok(self.core()?.practice_history(before, limit)?)
    }

    /// Reveals the next hint (levels 1 → 3); each lowers the score of later answers.
    pub fn use_hint(&self, session_id: Uuid) -> Result<HintLevel> {
        self.write(
            |core| core.use_hint(session_id),
            |_| DataChange::of(&[DataArea::Practice]),
        )
    }

    /// Scores an answer on the device and adds it to the dialogue.
    pub fn answer(&self, session_id: Uuid, input: AnswerInput) -> Result<Score> {
        self.write(
            |core| core.answer(session_id, &input),
            |_| DataChange::of(&[DataArea::Practice]),
        )
    }

    /// Pauses an in-progress session; its clock stops.
    pub fn pause_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.write(
            |core| core.pause_practice(session_id),
            |_| DataChange::of(&[DataArea::Practice]),
        )
    }

    /// Resumes a paused session.
    pub fn resume_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.write(
            |core| core.resume_practice(session_id),
            |_| DataChange::of(&[DataArea::Practice]),
        )
    }

    /// Gives a session up: no score, no points.
    pub fn abandon_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.write(
            |core| core.abandon_practice(session_id),
            |_| DataChange::of(&[DataArea::Practice]),
        )
    }

    /// Completes a session: final scores, points, level, streak and achievements, in one
    /// transaction. Runs on a worker thread (async); cancelling the caller does not stop it (it
    /// is one short transaction), and the data observer hears of it once it has committed.
    pub async fn complete_practice(&self, session_id: Uuid) -> Result<Completion> {
        let core = self.core()?;
        let notifier = self.notifier();
        offload("complete", move || {
            let completion = core.complete_practice(session_id)?;
            let mut areas = vec![DataArea::Practice, DataArea::Points];
            if !completion.unlocked.is_empty() {
                areas.push(DataArea::Achievements);
            }
            notifier.changed(DataChange::of(&areas));
            Ok(completion)
        })
        .await
    }
}
