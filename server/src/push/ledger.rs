//! Pushed ledger entries. The server grants points itself ([`crate::progress`]) from the sessions
//! it accepts, so a device's credit is a prediction: an award the server has granted under the
//! same key is confirmed (one grant, no refusal), any other credit is refused `not_earned`. The
//! only debit a device may push is what the rules sell — a streak freeze at its price — checked
//! against the balance and the freeze limit.

use studymate_core::ledger::{PointSource, PointTransaction, TransactionType};
use studymate_core::practice::MAX_CLOCK_AHEAD;
use studymate_core::rewards::{self, FREEZE_PRICE, FREEZE_RULE, RewardsError, RuleId};

use studymate_protocol::ServerEntity;

use super::{Applied, ApplyError, Ctx, invalid, reject};
use crate::db::Conn;
use crate::{ledger, records};

/// `point_transaction` insert.
pub fn record(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let entry: PointTransaction = ctx.payload()?;
    ctx.require_entity_id(&entry.id.to_string())?;
    entry.validate().map_err(invalid)?;
    if matches!(
        entry.source,
        PointSource::TutorSession
            | PointSource::Referral
            | PointSource::PremiumPurchase
            | PointSource::AdminAdjustment
    ) || entry.transaction_type == TransactionType::Penalty
    {
        return Err(reject(
            "forbidden_source",
            format!(
                "only the server records {} {} entries",
                entry.source, entry.transaction_type
            ),
        ));
    }
    if entry.transaction_type.is_credit() {
        confirm_award(conn, ctx, &entry)
    } else {
        buy_freeze(conn, ctx, &entry)
    }
}

/// A device's award: confirmed when the server granted the same `(rule, period_key)` (from
/// whichever session). Otherwise refused: `session_refused` when the practice session it names
/// was refused (the server holds no such session of the user), so the device can tell the user
/// what was taken back and why; `not_earned` for any other credit.
fn confirm_award(conn: &mut dyn Conn, ctx: &Ctx<'_>, entry: &PointTransaction) -> Applied {
    let key = entry
        .rule
        .as_deref()
        .and_then(RuleId::parse)
        .zip(entry.period_key.as_deref());
    if let Some((rule, period)) = key
        && let Some(granted) = ledger::granted(conn, &ctx.user_key, rule.as_str(), period)?
    {
        return Ok(Some(granted));
    }
    if let Some(refusal) = session_refused(conn, ctx, entry)? {
        return Err(refusal);
    }
    Err(match key {
        Some((rule, period)) => reject(
            "not_earned",
            format!(
                "{} for {period}: the sessions the server holds do not earn it",
                rule.as_str()
            ),
        ),
        None => reject(
            "not_earned",
            "points are granted only by the reward rules, for sessions the server holds",
        ),
    })
}

/// The refusal of an award made for a practice session the server does not hold for the user
/// (it refused it, or never received it): `session_refused`, naming the session and the points.
fn session_refused(
    conn: &mut dyn Conn,
    ctx: &Ctx<'_>,
    entry: &PointTransaction,
) -> Result<Option<ApplyError>, ApplyError> {
    // The awards the reward rules make for one session name it as their reference.
    let (PointSource::DailyPractice | PointSource::PerfectScore, Some(session)) =
        (entry.source, entry.source_reference_id)
    else {
        return Ok(None);
    };
    let held = records::get::<serde_json::Value>(
        conn,
        ServerEntity::PracticeSession,
        &session.to_string(),
    )?
    .is_some_and(|r| r.owner.as_deref() == Some(ctx.user_key.as_str()));
    Ok((!held).then(|| {
        reject(
            "session_refused",
            format!(
                "{} points ({}) taken back: practice session {session}, which earned them, was refused",
                entry.points,
                entry.rule.as_deref().unwrap_or("award")
            ),
        )
    }))
}

/// A streak freeze bought on the device: the only thing points buy.
fn buy_freeze(conn: &mut dyn Conn, ctx: &Ctx<'_>, entry: &PointTransaction) -> Applied {
    let for_sale = entry.transaction_type == TransactionType::Spent
        && entry.source == PointSource::StreakFreeze
        && entry.rule.as_deref() == Some(FREEZE_RULE)
        && entry.points == -FREEZE_PRICE;
    let (true, Some(period)) = (for_sale, entry.period_key.as_deref()) else {
        return Err(reject(
            "not_for_sale",
            format!(
                "points buy only a streak freeze ({FREEZE_RULE}, {FREEZE_PRICE} points, source streak_freeze)"
            ),
        ));
    };
    let day = rewards::freeze_day(period).map_err(invalid)?;
    let bought_on = entry.created_at.date_naive();
    if (day - bought_on).num_days().abs() > 1 || entry.created_at > ctx.now + MAX_CLOCK_AHEAD {
        return Err(reject(
            "invalid_payload",
            "a freeze's day is the local day it was bought on, not in the future",
        ));
    }
    if ledger::exists(conn, entry.id)?
        || ledger::granted(conn, &ctx.user_key, FREEZE_RULE, period)?.is_some()
    {
        return Err(reject(
            "duplicate_record",
            format!("freeze purchase {period} already exists"),
        ));
    }
    let available = ledger::totals(conn, &ctx.user_key)?.available;
    let held = ctx.learner().streak(conn, day)?.freezes_held.unsigned_abs();
    rewards::check_freeze_purchase(available, held).map_err(|e| match e {
        RewardsError::FreezeLimitReached { .. } => reject("freeze_limit", e.to_string()),
        _ => reject(
            "insufficient_points",
            format!("balance is {available}, this takes {FREEZE_PRICE}"),
        ),
    })?;
    Ok(Some(ledger::write(
        conn,
        &ctx.user_key,
        entry,
        Some(ctx.change.change_id),
    )?))
}
