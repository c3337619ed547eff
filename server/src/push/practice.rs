//! Pushed practice sessions and achievement progress. Scores stay 0–100, a session refers to a
//! catalog situation and one of its variations, and a completed or abandoned session no longer
//! changes.

use studymate_core::catalog::{Achievement, Variation};
use studymate_core::changelog::Operation;
use studymate_core::profile::check_time_zone;
use studymate_core::sync::protocol::{
    PracticeSessionRecord, ServerEntity, SessionStatus, UserAchievementRecord,
};

use super::{Applied, ApplyError, Ctx, invalid, reject};
use crate::db::Conn;
use crate::records;

/// `practice_session` insert or update: the whole session.
pub fn save_session(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let session: PracticeSessionRecord = ctx.payload()?;
    let id = session.id.to_string();
    ctx.require_entity_id(&id)?;
    check_session(&session)?;
    let variation = records::get::<Variation>(
        conn,
        ServerEntity::Variation,
        &session.variation_id.to_string(),
    )?;
    if variation.is_none_or(|v| v.doc.situation_id != session.situation_id) {
        return Err(reject(
            "unknown_reference",
            format!(
                "variation {} of situation {} is not in the catalog",
                session.variation_id, session.situation_id
            ),
        ));
    }
    let existing = records::get::<PracticeSessionRecord>(conn, ServerEntity::PracticeSession, &id)?;
    let operation = match existing {
        None => Operation::Insert,
        Some(stored) if stored.owner.as_deref() != Some(ctx.user_key.as_str()) => {
            return Err(reject(
                "forbidden",
                format!("practice session {id} belongs to someone else"),
            ));
        }
        Some(stored)
            if matches!(
                stored.doc.status,
                SessionStatus::Completed | SessionStatus::Abandoned
            ) =>
        {
            return Err(reject(
                "session_closed",
                format!("practice session {id} is already finished"),
            ));
        }
        Some(_) => Operation::Update,
    };
    let target = ctx.own(ServerEntity::PracticeSession, &id, &id);
    Ok(Some(records::save(conn, &target, operation, &session)?))
}

/// `user_achievement` insert or update: progress on, or the unlock of, a catalog achievement.
/// The first unlock time is kept.
pub fn save_achievement(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let mut progress: UserAchievementRecord = ctx.payload()?;
    let id = progress.achievement_id.to_string();
    ctx.require_entity_id(&id)?;
    if !progress.progress.is_object() {
        return Err(reject("invalid_payload", "progress must be a JSON object"));
    }
    if records::get::<Achievement>(conn, ServerEntity::Achievement, &id)?.is_none() {
        return Err(reject(
            "unknown_reference",
            format!("achievement {id} is not in the catalog"),
        ));
    }
    let record_id = format!("{}:{id}", ctx.user_key);
    let existing =
        records::get::<UserAchievementRecord>(conn, ServerEntity::UserAchievement, &record_id)?;
    let operation = match existing {
        Some(stored) => {
            if stored.doc.completed_at.is_some() {
                progress.completed_at = stored.doc.completed_at;
            }
            Operation::Update
        }
        None => Operation::Insert,
    };
    let target = ctx.own(ServerEntity::UserAchievement, &record_id, &id);
    Ok(Some(records::save(conn, &target, operation, &progress)?))
}

fn check_session(s: &PracticeSessionRecord) -> Result<(), ApplyError> {
    let scores = [
        ("overall_score", s.overall_score),
        ("pronunciation_score", s.pronunciation_score),
        ("fluency_score", s.fluency_score),
        ("appropriateness_score", s.appropriateness_score),
    ];
    for (field, score) in scores {
        if let Some(v) = score.filter(|v| !(0..=100).contains(v)) {
            return Err(reject(
                "score_out_of_range",
                format!("{field} must be 0–100, got {v}"),
            ));
        }
    }
    if s.hints_used > 3 {
        return Err(reject(
            "invalid_payload",
            format!("hints_used must be 0–3, got {}", s.hints_used),
        ));
    }
    for (field, rating) in [
        ("user_difficulty_rating", s.user_difficulty_rating),
        ("user_satisfaction_rating", s.user_satisfaction_rating),
    ] {
        if let Some(v) = rating.filter(|v| !(1..=5).contains(v)) {
            return Err(reject(
                "invalid_payload",
                format!("{field} must be 1–5, got {v}"),
            ));
        }
    }
    if !(-86_400..=86_400).contains(&s.utc_offset_seconds) {
        return Err(reject(
            "invalid_payload",
            "utc_offset_seconds must be within a day",
        ));
    }
    check_time_zone(&s.time_zone).map_err(invalid)?;
    if s.status == SessionStatus::Completed && (s.ended_at.is_none() || s.overall_score.is_none()) {
        return Err(reject(
            "invalid_payload",
            "a completed session needs ended_at and overall_score",
        ));
    }
    for turn in &s.turns {
        let len = turn.text.chars().count();
        if !matches!(turn.speaker.as_str(), "character" | "learner") || !(1..=2000).contains(&len) {
            return Err(reject(
                "invalid_payload",
                format!(
                    "turn {}: speaker must be character or learner and text 1–2000 characters",
                    turn.turn_index
                ),
            ));
        }
    }
    Ok(())
}
