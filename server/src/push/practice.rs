//! Pushed practice sessions and achievement unlocks. The server does not take a session's scores
//! on trust: it checks the session's shape, scores every answer again from its recorded input
//! against the catalog's variation, and stores and publishes its own scores (the device's copy
//! converges to them through the feed). A completed session then earns what the rules grant
//! ([`crate::progress`]). An unlock is accepted only when the server's own state meets the
//! achievement's requirement.

use studymate_core::catalog::{Achievement, Variation};
use studymate_core::changelog::Operation;
use studymate_core::practice::{self, PracticeSession, SessionStatus};
use studymate_protocol::{ServerEntity, UserAchievementRecord};

use super::{Applied, Ctx, invalid, reject};
use crate::db::Conn;
use crate::{feed, records};

/// `practice_session` insert or update: the whole session, scored again by the server.
pub fn save_session(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let pushed: PracticeSession = ctx.payload()?;
    let id = pushed.id.to_string();
    ctx.require_entity_id(&id)?;
    pushed.validate(ctx.now).map_err(invalid)?;
    let variation = records::get::<Variation>(
        conn,
        ServerEntity::Variation,
        &pushed.variation_id.to_string(),
    )?
    .filter(|v| v.doc.situation_id == pushed.situation_id)
    .ok_or_else(|| {
        reject(
            "unknown_reference",
            format!(
                "variation {} of situation {} is not in the catalog",
                pushed.variation_id, pushed.situation_id
            ),
        )
    })?;
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
    let session =
        practice::rescored(&pushed, &variation.doc.scoring_reference()).map_err(invalid)?;
    let target = ctx.own(ServerEntity::PracticeSession, &id, &id);
    let seq = records::save(conn, &target, operation, &session)?;
    if session.status == SessionStatus::Completed {
        ctx.learner().complete(conn, &session, ctx.now)?;
    }
    Ok(Some(seq))
}

/// `user_achievement` insert or update: a device's unlock, a prediction. An achievement the
/// server has unlocked already is confirmed (and its record delivered again if the device's copy
/// differs); one the server's own state now meets is unlocked, with its award; any other unlock
/// is refused `not_earned`. Progress without an unlock is the device's own estimate and changes
/// nothing.
pub fn save_achievement(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let claimed: UserAchievementRecord = ctx.payload()?;
    let id = claimed.achievement_id.to_string();
    ctx.require_entity_id(&id)?;
    if records::get::<Achievement>(conn, ServerEntity::Achievement, &id)?.is_none() {
        return Err(reject(
            "unknown_reference",
            format!("achievement {id} is not in the catalog"),
        ));
    }
    let record_id = format!("{}:{id}", ctx.user_key);
    let stored =
        records::get::<UserAchievementRecord>(conn, ServerEntity::UserAchievement, &record_id)?;
    if let Some(stored) = stored.filter(|s| s.doc.completed_at.is_some()) {
        if stored.doc != claimed {
            feed::redeliver(
                conn,
                &ctx.user_key,
                ServerEntity::UserAchievement,
                &record_id,
            )?;
        }
        return Ok(None);
    }
    if claimed.completed_at.is_none() {
        return Ok(None);
    }
    let learner = ctx.learner();
    let today = learner
        .last_practice_day(conn)?
        .unwrap_or_else(|| ctx.now.date_naive());
    let streak = learner.streak(conn, today)?;
    let unlocked = learner.unlock_earned(conn, streak, ctx.now, Some(claimed.achievement_id))?;
    if unlocked.is_empty() {
        return Err(reject(
            "not_earned",
            format!(
                "achievement {id}: the server's record of your practice does not meet its requirement"
            ),
        ));
    }
    Ok(None)
}
