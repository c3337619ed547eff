//! What a practice session must look like, and its scores derived again from its answers.
//!
//! The device scores each answer as the learner gives it; the server does not take those scores
//! on trust. Every learner turn carries the scorer's whole input ([`AnswerRecord`]: the text, the
//! recogniser's words, the response time and the hints used so far), so the server scores every
//! answer again with the same deterministic code and the catalog's variation, and keeps its own
//! result. The rules here are shared by both sides: [`PracticeSession::validate`] for the shape,
//! [`rescored`] for the scores, [`best_answer`] for which answer counts.

use chrono::{DateTime, Duration, Utc};

use super::{PracticeSession, SessionScores, SessionStatus, Speaker};
use crate::error::{Error, Result};
use crate::profile::check_time_zone;
use crate::rewards;
use crate::scoring::{Answer, MAX_HINT_LEVEL, MAX_TEXT_CHARS, Score, Scorer, ScoringReference};
use crate::validate;

/// Most turns a session may hold (the opening line included). The device refuses answers
/// beyond it; the server refuses sessions with more.
pub const MAX_TURNS: usize = 200;

/// How far a device's clock may run ahead of the server's: a session may not end later than
/// this after the server receives it.
pub const MAX_CLOCK_AHEAD: Duration = Duration::hours(24);

/// A longest-possible UTC offset, in seconds (real zones stay within −12 h … +14 h).
const MAX_UTC_OFFSET_SECONDS: i32 = 86_400;

/// The best learner answer: highest overall, the later one on a tie.
pub fn best_answer(session: &PracticeSession) -> Option<&Score> {
    session
        .turns
        .iter()
        .filter_map(|t| t.score.as_ref())
        .reduce(|best, s| if s.overall >= best.overall { s } else { best })
}

/// The final scores a best answer gives a session.
pub fn session_scores(best: &Score) -> SessionScores {
    SessionScores {
        overall: best.overall,
        appropriateness: best.appropriateness,
        fluency: best.fluency,
        pronunciation: best.pronunciation,
    }
}

impl PracticeSession {
    /// Checks the session's shape as a device could have made it, given that it reached the
    /// server at `received_at`: hints 0–3, a real time zone and offset, at most [`MAX_TURNS`]
    /// turns numbered from 0 with 1–2000 characters each, learner turns only after the opening
    /// line with hints that never decrease and never exceed the session's, times in order, no
    /// end later than [`MAX_CLOCK_AHEAD`] after `received_at`, and a completed session with an
    /// end, a practice day (not before its end's local day, not after the day it was received)
    /// and at least one answer. The scores it carries are not checked: [`rescored`] replaces them.
    pub fn validate(&self, received_at: DateTime<Utc>) -> Result<()> {
        if !(0..=i32::from(MAX_HINT_LEVEL)).contains(&self.hints_used) {
            return Err(Error::invalid(
                "hints_used",
                format!("must be 0–{MAX_HINT_LEVEL}, got {}", self.hints_used),
            ));
        }
        if !(-MAX_UTC_OFFSET_SECONDS..=MAX_UTC_OFFSET_SECONDS).contains(&self.utc_offset_seconds) {
            return Err(Error::invalid("utc_offset_seconds", "must be within a day"));
        }
        check_time_zone(&self.time_zone)?;
        self.validate_turns()?;
        let latest_end = received_at + MAX_CLOCK_AHEAD;
        if let Some(ended) = self.ended_at {
            if ended < self.started_at {
                return Err(Error::invalid("ended_at", "is before started_at"));
            }
            if ended > latest_end {
                return Err(Error::invalid(
                    "ended_at",
                    "is more than a day after the server received the session",
                ));
            }
            let elapsed = (ended - self.started_at).num_seconds();
            if self
                .total_duration_seconds
                .is_some_and(|d| i64::from(d) > elapsed.saturating_add(1))
            {
                return Err(Error::invalid(
                    "total_duration_seconds",
                    "is longer than the time between start and end",
                ));
            }
        }
        match self.status {
            SessionStatus::Completed => self.validate_completed(latest_end),
            SessionStatus::Abandoned if self.ended_at.is_none() => Err(Error::invalid(
                "ended_at",
                "an abandoned session has an end",
            )),
            _ => Ok(()),
        }
    }

    fn validate_turns(&self) -> Result<()> {
        if self.turns.len() > MAX_TURNS {
            return Err(Error::invalid(
                "turns",
                format!("at most {MAX_TURNS} turns, got {}", self.turns.len()),
            ));
        }
        let mut hints = 0;
        for (position, turn) in self.turns.iter().enumerate() {
            let field = |name: &str| format!("turns[{position}].{name}");
            if usize::try_from(turn.index).ok() != Some(position) {
                return Err(Error::invalid(
                    field("index"),
                    "turns are numbered from 0 in order",
                ));
            }
            let chars = turn.text.chars().count();
            if !(1..=MAX_TEXT_CHARS).contains(&chars) {
                return Err(Error::invalid(
                    field("text"),
                    format!("must be 1–{MAX_TEXT_CHARS} characters"),
                ));
            }
            if turn.created_at < self.started_at {
                return Err(Error::invalid(
                    field("created_at"),
                    "is before the session started",
                ));
            }
            match turn.speaker {
                Speaker::Character if turn.answer.is_some() || turn.score.is_some() => {
                    return Err(Error::invalid(
                        field("answer"),
                        "the character's lines carry no answer or score",
                    ));
                }
                Speaker::Learner if position == 0 => {
                    return Err(Error::invalid(
                        field("speaker"),
                        "the character opens the dialogue",
                    ));
                }
                Speaker::Learner => {
                    let used = turn
                        .answer
                        .as_ref()
                        .map_or(self.hints_used, |a| a.hints_used);
                    if used < hints || used > self.hints_used {
                        return Err(Error::invalid(
                            field("answer.hints_used"),
                            "hints only grow during a session, up to the session's hints_used",
                        ));
                    }
                    hints = used;
                }
                Speaker::Character => {}
            }
        }
        Ok(())
    }

    fn validate_completed(&self, latest_end: DateTime<Utc>) -> Result<()> {
        let ended = self
            .ended_at
            .ok_or_else(|| Error::invalid("ended_at", "a completed session has an end"))?;
        let day = self
            .local_day
            .ok_or_else(|| Error::invalid("local_day", "a completed session has a practice day"))?;
        if !self.turns.iter().any(|t| t.speaker == Speaker::Learner) {
            return Err(Error::invalid(
                "turns",
                "a completed session has at least one answer",
            ));
        }
        let earliest = rewards::local_day(ended, &self.time_zone)?;
        let latest = rewards::local_day(latest_end, &self.time_zone)?;
        if day < earliest || day > latest {
            return Err(Error::invalid(
                "local_day",
                format!("must be between {earliest} (the end's local day) and {latest}"),
            ));
        }
        Ok(())
    }
}

/// The session as its answers score it against `reference` (the variation's): every learner
/// turn scored again from its [`AnswerRecord`](super::AnswerRecord) (a turn recorded before
/// answers kept their input is scored as typed, with the session's hints), and a completed
/// session's scores and feedback taken from its best answer. Scores of an unfinished or
/// abandoned session are dropped. Fails on an answer the scorer refuses.
pub fn rescored(
    session: &PracticeSession,
    reference: &ScoringReference,
) -> Result<PracticeSession> {
    let scorer = Scorer::new(reference)?;
    let mut checked = session.clone();
    for turn in &mut checked.turns {
        if turn.speaker != Speaker::Learner {
            continue;
        }
        let answer = match &turn.answer {
            Some(record) => record.answer(&turn.text)?,
            None => Answer {
                text: turn.text.clone(),
                hints_used: validate::unsigned_from("hints_used", session.hints_used)?,
                ..Answer::default()
            },
        };
        turn.score = Some(scorer.score(&answer)?);
    }
    let best = match checked.status {
        SessionStatus::Completed => best_answer(&checked).cloned(),
        _ => None,
    };
    checked.scores = best.as_ref().map(session_scores);
    checked.feedback = best;
    Ok(checked)
}
