//! The practice session: a state machine from start to completion, scoring each answer on the
//! device and, on completion, writing the final scores, every award, the streak and level
//! change and achievement unlocks in one transaction.
//!
//! ```text
//! start ─► in_progress ◄─► paused
//!              │   └────────────┐
//!              ▼                ▼
//!          completed        abandoned   (abandon also from paused)
//! ```
//!
//! An open session is device-local state, like a draft: it lives in the database (so it
//! survives the app being killed) and enters the change log once, when it ends, before the
//! awards it earns (so the server, which derives awards from sessions, sees it first).
//! The server scores the session again from its answers ([`verify`]); the device's scores and
//! awards are predictions that converge to the server's.

mod verify;

pub use verify::{MAX_CLOCK_AHEAD, MAX_TURNS, best_answer, rescored, session_scores};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{self, HintLevel};
use crate::changelog::{self, Entity, Operation};
use crate::client::Client;
use crate::days::{high_water, parse_day, raise_high_water, self_time_zone};
use crate::error::{Error, Result};
use crate::ledger::{self, Balance, PointTransaction};
use crate::notify::{DataArea, DataChange};
use crate::rewards::{self, LevelInfo, StreakInfo, Unlock};
use crate::scoring::{Answer, RecognizedWord, Score, Scorer};
use crate::store::{json_col_opt, uuid_col};
use crate::time;
use crate::validate::{self, string_enum};

string_enum! {
    /// Where a practice session is in its lifecycle.
    pub enum SessionStatus {
        /// The learner is practising.
        InProgress => "in_progress",
        /// Put aside; can be resumed.
        Paused => "paused",
        /// Finished and scored; rewards granted.
        Completed => "completed",
        /// Given up; no score, no rewards.
        Abandoned => "abandoned",
    }
}

string_enum! {
    /// Who said a line of the dialogue.
    pub enum Speaker {
        /// The app's character.
        Character => "character",
        /// The learner.
        Learner => "learner",
    }
}

/// A session's final scores (seed 000 score columns, 0–100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionScores {
    /// Overall.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub overall: i32,
    /// Appropriateness to the situation.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub appropriateness: i32,
    /// Fluency.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub fluency: i32,
    /// Pronunciation, for spoken answers.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u8, _>"
    )]
    pub pronunciation: Option<i32>,
}

/// The scorer's input for a learner's answer besides its text, kept with the turn so the
/// server can score the answer again exactly as the device did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnswerRecord {
    /// The recogniser's words of a spoken answer; absent for a typed one.
    #[serde(default)]
    pub spoken: Option<Vec<RecognizedWord>>,
    /// How long the learner took to answer, in milliseconds.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>"
    )]
    pub response_time_ms: i32,
    /// Hints revealed in the session when the answer was given.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>"
    )]
    pub hints_used: i32,
}

impl AnswerRecord {
    /// The scorer's input for this record and the answer's `text`. A negative response time
    /// or hint count (only a caller can pass one: decoding refuses them) is `InvalidInput`.
    pub(crate) fn answer(&self, text: &str) -> Result<Answer> {
        Ok(Answer {
            text: text.to_owned(),
            spoken: self.spoken.clone(),
            response_time_ms: validate::unsigned_from("response_time_ms", self.response_time_ms)?,
            hints_used: validate::unsigned_from("hints_used", self.hints_used)?,
        })
    }
}

/// One line of the dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "DialogueTurn"))]
pub struct Turn {
    /// Position in the dialogue, from 0.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub index: i32,
    /// Who said it.
    pub speaker: Speaker,
    /// What was said.
    pub text: String,
    /// The score of a learner's answer.
    #[serde(default)]
    pub score: Option<Score>,
    /// The rest of a learner's answer (absent for the character's lines, and for answers
    /// recorded before this field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerRecord>,
    /// When it was said.
    pub created_at: DateTime<Utc>,
}

/// A practice session with its dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PracticeSession {
    /// Session id.
    pub id: Uuid,
    /// The situation practised.
    pub situation_id: Uuid,
    /// The variation practised.
    pub variation_id: Uuid,
    /// Lifecycle state.
    pub status: SessionStatus,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it was completed or abandoned.
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// Practice time in seconds, pauses excluded (set when it ends).
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u32, _>"
    )]
    pub total_duration_seconds: Option<i32>,
    /// The IANA time zone the learner was in when it started.
    pub time_zone: String,
    /// That zone's UTC offset at the start, in seconds.
    pub utc_offset_seconds: i32,
    /// The local calendar day it counts for (streaks, daily awards), fixed on completion.
    #[serde(default)]
    pub local_day: Option<NaiveDate>,
    /// Hints used so far, 0–3.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>"
    )]
    pub hints_used: i32,
    /// Final scores (completed sessions).
    #[serde(default)]
    pub scores: Option<SessionScores>,
    /// The full feedback of the best answer (completed sessions).
    #[serde(default)]
    pub feedback: Option<Score>,
    /// The dialogue.
    #[serde(default)]
    pub turns: Vec<Turn>,
}

/// A learner's answer as the app captures it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnswerInput {
    /// The typed text, or the recogniser's transcript of a spoken answer.
    pub text: String,
    /// The recogniser's words with confidence and timings, for a spoken answer.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub spoken: Option<Vec<RecognizedWord>>,
    /// How long the learner took to answer, in milliseconds.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub response_time_ms: i32,
}

/// What completing a session did.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "PracticeCompletion"))]
pub struct Completion {
    /// The completed session.
    pub session: PracticeSession,
    /// Ledger entries written by this completion (none twice, ever).
    pub awards: Vec<PointTransaction>,
    /// The balance afterwards.
    pub balance: Balance,
    /// The level afterwards.
    pub level: LevelInfo,
    /// Levels reached by this completion (empty when none).
    pub level_ups: Vec<i32>,
    /// The streak including this session.
    pub streak: StreakInfo,
    /// Achievements unlocked by this completion.
    pub unlocked: Vec<Unlock>,
}

const SESSION_COLUMNS: &str = "session_id, situation_id, variation_id, status, started_at, ended_at, \
     total_duration_seconds, time_zone, utc_offset_seconds, local_day, hints_used, overall_score, \
     appropriateness_score, fluency_score, pronunciation_score, feedback";

impl Client {
    /// Starts practising `situation_id`. With `variation_id` `None`, the variation practised least
    /// recently (never practised first) is chosen. Refused while another session is open.
    pub fn start_practice(
        &self,
        situation_id: Uuid,
        variation_id: Option<Uuid>,
    ) -> Result<PracticeSession> {
        let now = self.now();
        let me = self.user_id;
        self.write_announced(|_| DataChange::of(&[DataArea::Practice]), |tx| {
            if let Some(open) = open_session_id(tx)? {
                return Err(Error::SessionOpen { session_id: open });
            }
            let situation = catalog::load_situation(tx, situation_id)?;
            if !situation.is_active {
                return Err(Error::invalid("situation_id", "the situation is no longer offered"));
            }
            let variation = match variation_id {
                Some(id) => {
                    let v = catalog::load_variation(tx, id)?;
                    if v.situation_id != situation_id {
                        return Err(Error::invalid("variation_id", "belongs to another situation"));
                    }
                    v
                }
                None => least_recent_variation(tx, situation_id)?,
            };
            let zone = self_time_zone(tx)?;
            let offset = utc_offset_seconds(now, &zone)?;
            let id = Uuid::now_v7();
            let stamp = time::to_db(now);
            tx.execute(
                "INSERT INTO practice_sessions (session_id, user_id, situation_id, variation_id, status, started_at,
                     time_zone, utc_offset_seconds, resumed_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'in_progress', ?5, ?6, ?7, ?5, ?5)",
                params![id.to_string(), me.to_string(), situation_id.to_string(), variation.id.to_string(), stamp, zone, offset],
            )?;
            let opening = Turn {
                index: 0,
                speaker: Speaker::Character,
                text: variation.opening_line,
                score: None,
                answer: None,
                created_at: now,
            };
            insert_turn(tx, id, &opening)?;
            load_session(tx, id)
        })
    }

    /// The open (in progress or paused) session, if any: what the app resumes after a restart.
    pub fn current_practice(&self) -> Result<Option<PracticeSession>> {
        self.store.read(|tx| {
            open_session_id(tx)?
                .map(|id| load_session(tx, id))
                .transpose()
        })
    }

    /// One session with its dialogue.
    pub fn practice_session(&self, session_id: Uuid) -> Result<PracticeSession> {
        self.store.read(|tx| load_session(tx, session_id))
    }

    /// Ended sessions, newest first: up to `limit` started before the session `before` (`None` for the newest).
    pub fn practice_history(
        &self,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<PracticeSession>> {
        if !(1..=200).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be 1–200, got {limit}"),
            ));
        }
        self.store.read(|tx| {
            let anchor = before.map(|id| load_session(tx, id)).transpose()?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT session_id FROM practice_sessions
                     WHERE status IN ('completed', 'abandoned')
                       AND (?1 IS NULL OR (started_at, session_id) < (?1, ?2))
                     ORDER BY started_at DESC, session_id DESC LIMIT ?3",
                )?
                .query_map(
                    params![
                        anchor.as_ref().map(|a| time::to_db(a.started_at)),
                        before.map(|id| id.to_string()),
                        limit
                    ],
                    |row| row.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            ids.iter()
                .map(|id| {
                    load_session(
                        tx,
                        Uuid::parse_str(id).map_err(|e| Error::Storage(e.to_string()))?,
                    )
                })
                .collect()
        })
    }

    /// Reveals the next hint (levels 1 → 3). Each hint lowers the score of later answers.
    pub fn use_hint(&self, session_id: Uuid) -> Result<HintLevel> {
        let now = self.now();
        self.write_announced(|_| DataChange::of(&[DataArea::Practice]), |tx| {
            let session = load_session(tx, session_id)?;
            require_status(&session, &[SessionStatus::InProgress], "use a hint")?;
            let variation = catalog::load_variation(tx, session.variation_id)?;
            let next = session.hints_used + 1;
            let hint = variation
                .hint_levels
                .iter()
                .find(|h| h.level == next)
                .cloned()
                .ok_or_else(|| Error::Conflict(format!("no hint at level {next} for this variation")))?;
            tx.execute(
                "UPDATE practice_sessions SET hints_used = ?2, updated_at = ?3 WHERE session_id = ?1",
                params![session_id.to_string(), next, time::to_db(now)],
            )?;
            Ok(hint)
        })
    }

    /// Scores an answer against the variation, records it as a turn and returns the score.
    /// The learner may answer several times; the best answer counts on completion.
    pub fn answer(&self, session_id: Uuid, input: &AnswerInput) -> Result<Score> {
        let now = self.now();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Practice]),
            |tx| {
                let session = load_session(tx, session_id)?;
                require_status(&session, &[SessionStatus::InProgress], "answer")?;
                if session.turns.len() >= MAX_TURNS {
                    return Err(Error::Conflict(format!(
                        "a session holds at most {MAX_TURNS} turns: complete this one"
                    )));
                }
                let variation = catalog::load_variation(tx, session.variation_id)?;
                let reference = variation.scoring_reference();
                let record = AnswerRecord {
                    spoken: input.spoken.clone(),
                    response_time_ms: input.response_time_ms,
                    hints_used: session.hints_used,
                };
                let score = Scorer::new(&reference)?.score(&record.answer(&input.text)?)?;
                let index = i32::try_from(session.turns.len())
                    .map_err(|_| Error::Conflict("too many turns".into()))?;
                insert_turn(
                    tx,
                    session_id,
                    &Turn {
                        index,
                        speaker: Speaker::Learner,
                        text: input.text.clone(),
                        score: Some(score.clone()),
                        answer: Some(record),
                        created_at: now,
                    },
                )?;
                tx.execute(
                    "UPDATE practice_sessions SET updated_at = ?2 WHERE session_id = ?1",
                    params![session_id.to_string(), time::to_db(now)],
                )?;
                Ok(score)
            },
        )
    }

    /// Pauses an in-progress session; its clock stops.
    pub fn pause_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        let now = self.now();
        self.write_announced(|_| DataChange::of(&[DataArea::Practice]), |tx| {
            let session = load_session(tx, session_id)?;
            require_status(&session, &[SessionStatus::InProgress], "pause")?;
            tx.execute(
                "UPDATE practice_sessions SET status = 'paused', active_seconds = ?2, resumed_at = NULL, updated_at = ?3
                 WHERE session_id = ?1",
                params![session_id.to_string(), active_seconds(tx, session_id, now)?, time::to_db(now)],
            )?;
            load_session(tx, session_id)
        })
    }

    /// Resumes a paused session.
    pub fn resume_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        let now = self.now();
        self.write_announced(|_| DataChange::of(&[DataArea::Practice]), |tx| {
            let session = load_session(tx, session_id)?;
            require_status(&session, &[SessionStatus::Paused], "resume")?;
            tx.execute(
                "UPDATE practice_sessions SET status = 'in_progress', resumed_at = ?2, updated_at = ?2 WHERE session_id = ?1",
                params![session_id.to_string(), time::to_db(now)],
            )?;
            load_session(tx, session_id)
        })
    }

    /// Gives up a session: no score, no rewards. It is logged so other devices see it ended.
    pub fn abandon_practice(&self, session_id: Uuid) -> Result<PracticeSession> {
        let now = self.now();
        self.write_announced(|_| DataChange::of(&[DataArea::Practice]), |tx| {
            let session = load_session(tx, session_id)?;
            require_status(&session, &[SessionStatus::InProgress, SessionStatus::Paused], "abandon")?;
            tx.execute(
                "UPDATE practice_sessions SET status = 'abandoned', ended_at = ?2, total_duration_seconds = ?3,
                        active_seconds = ?3, resumed_at = NULL, updated_at = ?2
                 WHERE session_id = ?1",
                params![session_id.to_string(), time::to_db(now), active_seconds(tx, session_id, now)?],
            )?;
            let ended = load_session(tx, session_id)?;
            changelog::append(tx, Entity::PracticeSession, &session_id.to_string(), Operation::Insert, &ended, now)?;
            Ok(ended)
        })
    }

    /// Completes a session in one transaction: final scores (the best answer), the local day,
    /// every award it earns, the streak and level change, achievement progress and unlocks, and
    /// their change-log entries. Refused unless the session is in progress with an answer.
    pub fn complete_practice(&self, session_id: Uuid) -> Result<Completion> {
        let now = self.now();
        let user = self.user_id.to_string();
        let completion = self.write_announced(completion_change, |tx| {
            let session = load_session(tx, session_id)?;
            require_status(&session, &[SessionStatus::InProgress], "complete")?;
            let best = best_answer(&session)
                .ok_or_else(|| Error::Conflict("answer at least once before completing the session".into()))?
                .clone();
            let zone = self_time_zone(tx)?;
            let high_water = high_water(tx)?;
            let day = rewards::practice_day(now, &zone, high_water)?;
            let before = ledger::balance_in(tx, &user)?;

            tx.execute(
                "UPDATE practice_sessions SET status = 'completed', ended_at = ?2, total_duration_seconds = ?3,
                        active_seconds = ?3, resumed_at = NULL, local_day = ?4, overall_score = ?5,
                        appropriateness_score = ?6, fluency_score = ?7, pronunciation_score = ?8, feedback = ?9,
                        updated_at = ?2
                 WHERE session_id = ?1",
                params![
                    session_id.to_string(),
                    time::to_db(now),
                    active_seconds(tx, session_id, now)?,
                    rewards::day_key(day),
                    best.overall,
                    best.appropriateness,
                    best.fluency,
                    best.pronunciation,
                    serde_json::to_string(&best)?,
                ],
            )?;
            raise_high_water(tx, day)?;

            let streak = crate::progress::streak_in(tx, day)?;
            let (week_start, week_end) = rewards::iso_week_bounds(day);
            let sessions_in_week: u32 = tx.query_row(
                "SELECT coalesce(sum(sessions), 0) FROM practice_days WHERE local_day BETWEEN ?1 AND ?2",
                params![rewards::day_key(week_start), rewards::day_key(week_end)],
                |r| r.get(0),
            )?;
            let awarded_milestones = crate::progress::awarded_streak_milestones(tx)?;
            let candidates = rewards::awards_for_completion(&rewards::CompletionContext {
                session_id,
                overall: best.overall,
                practice_day: day,
                streak,
                sessions_in_week,
                awarded_streak_milestones: &awarded_milestones,
            });
            let completed = load_session(tx, session_id)?;
            changelog::append(tx, Entity::PracticeSession, &session_id.to_string(), Operation::Insert, &completed, now)?;
            let mut awards = Vec::new();
            for award in &candidates {
                awards.extend(ledger::insert_award(tx, self.user_id, award, now)?);
            }
            let unlocked = crate::progress::evaluate_achievements(tx, &user, streak, now)?;
            for award in &rewards::awards_for_unlocks(&unlocked) {
                awards.extend(ledger::insert_award(tx, self.user_id, award, now)?);
            }

            let balance = ledger::balance_in(tx, &user)?;
            Ok(Completion {
                session: completed,
                awards,
                balance,
                level: rewards::level_for(balance.lifetime_earned),
                level_ups: rewards::level_ups(before.lifetime_earned, balance.lifetime_earned),
                streak,
                unlocked,
            })
        });
        match &completion {
            Ok(done) => tracing::info!(
                session = %session_id,
                overall = done.session.scores.map(|s| s.overall),
                awards = done.awards.len(),
                unlocked = done.unlocked.len(),
                "practice completed"
            ),
            Err(e) => tracing::debug!(session = %session_id, error = %e, "practice not completed"),
        }
        completion
    }
}

/// What a completion changed: the session and the points, and the achievements when it
/// unlocked some.
fn completion_change(completion: &Completion) -> DataChange {
    let mut areas = vec![DataArea::Practice, DataArea::Points];
    if !completion.unlocked.is_empty() {
        areas.push(DataArea::Achievements);
    }
    DataChange::of(&areas)
}

fn require_status(
    session: &PracticeSession,
    allowed: &[SessionStatus],
    action: &str,
) -> Result<()> {
    if allowed.contains(&session.status) {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "cannot {action} session {}: it is {}",
            session.id, session.status
        )))
    }
}

fn open_session_id(tx: &Transaction<'_>) -> Result<Option<Uuid>> {
    let id: Option<String> = tx
        .prepare_cached("SELECT session_id FROM practice_sessions WHERE status IN ('in_progress', 'paused') LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    id.map(|id| {
        Uuid::parse_str(&id)
            .map_err(|e| Error::Storage(format!("stored session id is malformed: {e}")))
    })
    .transpose()
}

fn least_recent_variation(tx: &Transaction<'_>, situation_id: Uuid) -> Result<catalog::Variation> {
    let id: Option<String> = tx
        .query_row(
            "SELECT v.variation_id FROM situation_variations v
             WHERE v.situation_id = ?1
             ORDER BY coalesce((SELECT max(s.started_at) FROM practice_sessions s WHERE s.variation_id = v.variation_id), ''),
                      v.variation_name, v.variation_id
             LIMIT 1",
            [situation_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let id = id.ok_or_else(|| {
        Error::Conflict(format!("situation {situation_id} has no variations yet"))
    })?;
    catalog::load_variation(
        tx,
        Uuid::parse_str(&id).map_err(|e| Error::Storage(e.to_string()))?,
    )
}

fn utc_offset_seconds(now: DateTime<Utc>, zone: &str) -> Result<i32> {
    use chrono::Offset;
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| Error::invalid("time_zone", format!("{zone:?} is not an IANA time zone")))?;
    Ok(now.with_timezone(&tz).offset().fix().local_minus_utc())
}

/// Practice seconds so far: the stored total plus the current stretch (a clock set backwards counts 0).
fn active_seconds(tx: &Transaction<'_>, session_id: Uuid, now: DateTime<Utc>) -> Result<u32> {
    let (stored, resumed): (u32, Option<String>) = tx.query_row(
        "SELECT active_seconds, resumed_at FROM practice_sessions WHERE session_id = ?1",
        [session_id.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let stretch = match resumed {
        Some(text) => (now - time::from_db(&text)?).num_seconds().max(0),
        None => 0,
    };
    Ok(stored.saturating_add(u32::try_from(stretch).unwrap_or(u32::MAX)))
}

fn insert_turn(tx: &Transaction<'_>, session_id: Uuid, turn: &Turn) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO practice_turns (session_id, turn_index, speaker, text, score, answer, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        session_id.to_string(),
        turn.index,
        turn.speaker,
        turn.text,
        turn.score.as_ref().map(serde_json::to_string).transpose()?,
        turn.answer.as_ref().map(serde_json::to_string).transpose()?,
        time::to_db(turn.created_at)
    ])?;
    Ok(())
}

/// Stores a practice session pulled from the server (its whole state, turns included) as an
/// upsert. The aggregate triggers count it once when it arrives completed or turns completed.
///
/// It never moves this device's practice-day high-water mark: a day is the device's own (its
/// clock, its completions), so another device whose clock runs ahead cannot push this one's
/// "today" forward.
#[cfg(feature = "client")]
pub(crate) fn upsert_pulled(tx: &Transaction<'_>, user: &str, s: &PracticeSession) -> Result<()> {
    let scores = s.scores;
    tx.prepare_cached(
        "INSERT INTO practice_sessions (session_id, user_id, situation_id, variation_id, status, started_at, ended_at,
             total_duration_seconds, active_seconds, time_zone, utc_offset_seconds, local_day, hints_used,
             overall_score, appropriateness_score, fluency_score, pronunciation_score, feedback, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?8, 0), ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, coalesce(?7, ?6))
         ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at,
             total_duration_seconds = excluded.total_duration_seconds, active_seconds = excluded.active_seconds,
             resumed_at = NULL, local_day = excluded.local_day, hints_used = excluded.hints_used,
             overall_score = excluded.overall_score, appropriateness_score = excluded.appropriateness_score,
             fluency_score = excluded.fluency_score, pronunciation_score = excluded.pronunciation_score,
             feedback = excluded.feedback, updated_at = excluded.updated_at",
    )?
    .execute(params![
        s.id.to_string(),
        user,
        s.situation_id.to_string(),
        s.variation_id.to_string(),
        s.status,
        time::to_db(s.started_at),
        s.ended_at.map(time::to_db),
        s.total_duration_seconds,
        s.time_zone,
        s.utc_offset_seconds,
        s.local_day.map(rewards::day_key),
        s.hints_used,
        scores.map(|x| x.overall),
        scores.map(|x| x.appropriateness),
        scores.map(|x| x.fluency),
        scores.and_then(|x| x.pronunciation),
        s.feedback.as_ref().map(serde_json::to_string).transpose()?,
    ])?;
    tx.prepare_cached("DELETE FROM practice_turns WHERE session_id = ?1")?
        .execute([s.id.to_string()])?;
    for turn in &s.turns {
        insert_turn(tx, s.id, turn)?;
    }
    Ok(())
}

/// Deletes a session and its turns (a history-reset cleanup found the server no longer holds it).
#[cfg(feature = "client")]
pub(crate) fn delete_session(tx: &Transaction<'_>, session_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM practice_sessions WHERE session_id = ?1")?
        .execute([session_id])?;
    Ok(())
}

pub(crate) fn load_session(tx: &Transaction<'_>, id: Uuid) -> Result<PracticeSession> {
    let mut session = tx
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM practice_sessions WHERE session_id = ?1"
        ))?
        .query_row([id.to_string()], |row| Ok(session_from_row(row)))
        .optional()?
        .ok_or_else(|| Error::not_found("practice_session", id))??;
    let mut stmt = tx.prepare_cached(
        "SELECT turn_index, speaker, text, score, answer, created_at FROM practice_turns WHERE session_id = ?1 ORDER BY turn_index",
    )?;
    let rows = stmt.query_map([id.to_string()], |row| Ok(turn_from_row(row)))?;
    session.turns = rows.map(|r| r?).collect::<Result<_>>()?;
    Ok(session)
}

fn session_from_row(row: &Row<'_>) -> Result<PracticeSession> {
    let started: String = row.get(4)?;
    let ended: Option<String> = row.get(5)?;
    let day: Option<String> = row.get(9)?;
    let overall: Option<i32> = row.get(11)?;
    let scores = match overall {
        Some(overall) => Some(SessionScores {
            overall,
            appropriateness: row.get::<_, Option<i32>>(12)?.unwrap_or(0),
            fluency: row.get::<_, Option<i32>>(13)?.unwrap_or(0),
            pronunciation: row.get(14)?,
        }),
        None => None,
    };
    Ok(PracticeSession {
        id: uuid_col(row, 0)?,
        situation_id: uuid_col(row, 1)?,
        variation_id: uuid_col(row, 2)?,
        status: row.get(3)?,
        started_at: time::from_db(&started)?,
        ended_at: ended.as_deref().map(time::from_db).transpose()?,
        total_duration_seconds: row.get(6)?,
        time_zone: row.get(7)?,
        utc_offset_seconds: row.get(8)?,
        local_day: day.as_deref().map(parse_day).transpose()?,
        hints_used: row.get(10)?,
        scores,
        feedback: json_col_opt(row, 15)?,
        turns: Vec::new(),
    })
}

fn turn_from_row(row: &Row<'_>) -> Result<Turn> {
    let created: String = row.get(5)?;
    Ok(Turn {
        index: row.get(0)?,
        speaker: row.get(1)?,
        text: row.get(2)?,
        score: json_col_opt(row, 3)?,
        answer: json_col_opt(row, 4)?,
        created_at: time::from_db(&created)?,
    })
}
