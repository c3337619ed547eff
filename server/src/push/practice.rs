//! Pushed practice sessions and achievement progress. Scores stay 0–100, a session refers to a
//! catalog situation and one of its variations, and a completed or abandoned session no longer
//! changes.

use studymate_core::catalog::{Achievement, Variation};
use studymate_core::changelog::Operation;
use studymate_core::practice::{PracticeSession, SessionStatus};
use studymate_core::profile::check_time_zone;
use studymate_core::sync::protocol::{ServerEntity, UserAchievementRecord};

use super::{Applied, ApplyError, Ctx, invalid, reject};
use crate::db::Conn;
use crate::records;

/// `practice_session` insert or update: the whole session.
pub fn save_session(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let session: PracticeSession = ctx.payload()?;
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
    let existing = records::get::<PracticeSession>(conn, ServerEntity::PracticeSession, &id)?;
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

fn check_session(s: &PracticeSession) -> Result<(), ApplyError> {
    if let Some(scores) = s.scores {
        let named = [
            ("overall", Some(scores.overall)),
            ("appropriateness", Some(scores.appropriateness)),
            ("fluency", Some(scores.fluency)),
            ("pronunciation", scores.pronunciation),
        ];
        for (field, score) in named {
            if let Some(v) = score.filter(|v| *v > 100) {
                return Err(reject(
                    "score_out_of_range",
                    format!("{field} score must be 0–100, got {v}"),
                ));
            }
        }
    }
    if s.hints_used > 3 {
        return Err(reject(
            "invalid_payload",
            format!("hints_used must be 0–3, got {}", s.hints_used),
        ));
    }
    if !(-86_400..=86_400).contains(&s.utc_offset_seconds) {
        return Err(reject(
            "invalid_payload",
            "utc_offset_seconds must be within a day",
        ));
    }
    check_time_zone(&s.time_zone).map_err(invalid)?;
    if s.status == SessionStatus::Completed && (s.ended_at.is_none() || s.scores.is_none()) {
        return Err(reject(
            "invalid_payload",
            "a completed session needs ended_at and scores",
        ));
    }
    for turn in &s.turns {
        if !(1..=2000).contains(&turn.text.chars().count()) {
            return Err(reject(
                "invalid_payload",
                format!("turn {}: text must be 1–2000 characters", turn.index),
            ));
        }
    }
    Ok(())
}
