//! The points ledger. Every change to a learner's points is an appended entry; the balance,
//! lifetime total, level and streak are derived from the entries and never stored as numbers.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, Entity, Operation};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::notify::{DataArea, DataChange};
use crate::rewards::{self, Award};
pub use crate::rewards::{PointSource, TransactionType};
use crate::store::uuid_col;
use crate::time;
use crate::validate;

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointTransaction {
    /// Entry id.
    pub id: Uuid,
    /// Direction.
    pub transaction_type: TransactionType,
    /// Signed amount: positive for earned and bonus, negative for spent and penalty.
    pub points: i64,
    /// Why.
    pub source: PointSource,
    /// The session, achievement or purchase it came from.
    pub source_reference_id: Option<Uuid>,
    /// The reward rule that granted it, for awards.
    pub rule: Option<String>,
    /// The period the award is for (a local day, a week, a session); with `rule`, the idempotency key.
    pub period_key: Option<String>,
    /// Text for the history screen.
    pub description: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// Largest number of points one ledger entry may move, either way. Every amount a rule grants or
/// sells is far below it; the bound keeps every sum of entries far from overflow.
pub const MAX_POINTS_PER_ENTRY: i64 = 1_000_000;

/// Longest `rule` and `period_key` of an entry, in characters.
const MAX_KEY_CHARS: usize = 100;

/// Longest description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 500;

impl PointTransaction {
    /// Checks the entry's shape, the same on the device and the server: the sign matches the
    /// type (earned and bonus add, spent and penalty take), the amount is at most
    /// [`MAX_POINTS_PER_ENTRY`], `rule` and `period_key` come together and are at most 100
    /// characters without control or invisible characters, the description at most 500.
    pub fn validate(&self) -> Result<()> {
        let sign_ok = if self.transaction_type.is_credit() {
            self.points > 0
        } else {
            self.points < 0
        };
        if !sign_ok {
            return Err(Error::invalid(
                "points",
                format!(
                    "{} entries need a {} amount, got {}",
                    self.transaction_type,
                    if self.transaction_type.is_credit() {
                        "positive"
                    } else {
                        "negative"
                    },
                    self.points
                ),
            ));
        }
        if !(-MAX_POINTS_PER_ENTRY..=MAX_POINTS_PER_ENTRY).contains(&self.points) {
            return Err(Error::invalid(
                "points",
                format!("one entry moves at most {MAX_POINTS_PER_ENTRY} points"),
            ));
        }
        if self.rule.is_some() != self.period_key.is_some() {
            return Err(Error::invalid(
                "rule",
                "rule and period_key come together or not at all",
            ));
        }
        for (field, value) in [("rule", &self.rule), ("period_key", &self.period_key)] {
            if let Some(value) = value {
                validate::name(field, value, MAX_KEY_CHARS)?;
            }
        }
        if let Some(description) = &self.description {
            validate::text_len("description", description, 0, MAX_DESCRIPTION_CHARS)?;
        }
        Ok(())
    }
}

/// A ledger entry the app records directly. Awards come from the practice engine and freezes
/// from `buyStreakFreeze`; the server grants points only by its reward rules and
/// sells only what they sell, so an entry recorded here is a local prediction that a sync
/// refuses (`not_earned`, `not_for_sale`, `forbidden_source`) and removes from the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewPoints {
    /// Direction; decides the sign.
    pub transaction_type: TransactionType,
    /// How many points, always positive.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub amount: i32,
    /// Why.
    pub source: PointSource,
    /// What it relates to.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub source_reference_id: Option<Uuid>,
    /// Text for the history screen (at most 500 characters).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub description: Option<String>,
}

/// The learner's points, derived from the ledger (all zero before the first entry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "PointsBalance"))]
pub struct Balance {
    /// Points available to spend.
    pub available: i64,
    /// Every point ever earned (levels are based on this; spending never lowers it).
    pub lifetime_earned: i64,
    /// Every point spent or taken away, as a positive number.
    pub used: i64,
}

/// One page of ledger history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LedgerPage {
    /// The entries.
    pub entries: Vec<PointTransaction>,
    /// Pass this to get the next (older) page; absent when there is none.
    pub next_cursor: Option<String>,
}

pub(crate) const COLUMNS: &str = "transaction_id, transaction_type, points_amount, source_type, source_reference_id, rule, \
     period_key, description, created_at";

impl Client {
    /// Records a ledger entry. Spending or a penalty that would take the balance below zero is
    /// refused with [`Error::InsufficientPoints`] and writes nothing.
    pub fn record_points(&self, entry: &NewPoints) -> Result<PointTransaction> {
        let points = i64::from(entry.amount);
        if !(1..=MAX_POINTS_PER_ENTRY).contains(&points) {
            return Err(Error::invalid(
                "amount",
                format!("must be 1–{MAX_POINTS_PER_ENTRY}"),
            ));
        }
        let signed = if entry.transaction_type.is_credit() {
            points
        } else {
            -points
        };
        let tx_entry = PointTransaction {
            id: Uuid::now_v7(),
            transaction_type: entry.transaction_type,
            points: signed,
            source: entry.source,
            source_reference_id: entry.source_reference_id,
            rule: None,
            period_key: None,
            description: entry.description.clone(),
            created_at: self.now(),
        };
        tx_entry.validate()?;
        let user = self.user_id.to_string();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Points]),
            |tx| {
                if signed < 0 {
                    rewards::check_spend(balance_in(tx, &user)?.available, points)?;
                }
                insert(tx, &user, &tx_entry)?;
                Ok(tx_entry.clone())
            },
        )
    }

    /// The learner's balance, lifetime earnings and points used, derived from the ledger.
    pub fn balance(&self) -> Result<Balance> {
        let user = self.user_id.to_string();
        self.store.read(|tx| balance_in(tx, &user))
    }

    /// A page of ledger history, newest first. Pass the previous page's `next_cursor` to continue.
    pub fn point_history(&self, cursor: Option<&str>, limit: u32) -> Result<LedgerPage> {
        if !(1..=500).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be 1–500, got {limit}"),
            ));
        }
        let (before_time, before_id) = match cursor {
            Some(c) => {
                let (t, id) = c
                    .split_once('|')
                    .ok_or_else(|| Error::invalid("cursor", "is not a cursor this library made"))?;
                time::from_db(t)
                    .map_err(|_| Error::invalid("cursor", "is not a cursor this library made"))?;
                validate::parse_id("cursor", id)?;
                (Some(t.to_owned()), Some(id.to_owned()))
            }
            None => (None, None),
        };
        let user = self.user_id.to_string();
        self.store.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM point_transactions
                 WHERE user_id = ?1 AND (?2 IS NULL OR (created_at, transaction_id) < (?2, ?3))
                 ORDER BY created_at DESC, transaction_id DESC LIMIT ?4"
            ))?;
            let rows = stmt.query_map(params![user, before_time, before_id, limit], |row| {
                Ok(from_row(row))
            })?;
            let entries: Vec<PointTransaction> = rows.map(|r| r?).collect::<Result<_>>()?;
            let next_cursor = if entries.len() == limit as usize {
                entries
                    .last()
                    .map(|e| format!("{}|{}", time::to_db(e.created_at), e.id))
            } else {
                None
            };
            Ok(LedgerPage {
                entries,
                next_cursor,
            })
        })
    }
}

/// Writes an award unless one with the same `(rule, period_key)` exists (from this device or
/// another, via sync); returns the entry if it was written. Its id is
/// [`rewards::award_id`], the id the server's grant of the same award has.
pub(crate) fn insert_award(
    tx: &Transaction<'_>,
    user: Uuid,
    award: &Award,
    now: DateTime<Utc>,
) -> Result<Option<PointTransaction>> {
    let exists: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM point_transactions WHERE rule = ?1 AND period_key = ?2")?
        .query_row(params![award.rule.as_str(), award.period_key], |row| {
            row.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    let entry = PointTransaction {
        id: rewards::award_id(user, award.rule, &award.period_key),
        transaction_type: award.transaction_type,
        points: award.points,
        source: award.source_type,
        source_reference_id: award.source_reference,
        rule: Some(award.rule.as_str().to_owned()),
        period_key: Some(award.period_key.clone()),
        description: Some(award.description.clone()),
        created_at: now,
    };
    insert(tx, &user.to_string(), &entry)?;
    Ok(Some(entry))
}

/// Inserts an entry and its change-log record.
pub(crate) fn insert(tx: &Transaction<'_>, user: &str, e: &PointTransaction) -> Result<()> {
    write_row(tx, user, e)?;
    changelog::append(
        tx,
        Entity::PointTransaction,
        &e.id.to_string(),
        Operation::Insert,
        e,
        e.created_at,
    )?;
    Ok(())
}

/// Writes the ledger row of `e`.
fn write_row(tx: &Transaction<'_>, user: &str, e: &PointTransaction) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO point_transactions (user_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))?
    .execute(params![
        user,
        e.id.to_string(),
        e.transaction_type,
        e.points,
        e.source,
        e.source_reference_id.map(|id| id.to_string()),
        e.rule,
        e.period_key,
        e.description,
        time::to_db(e.created_at),
    ])?;
    Ok(())
}

/// Stores a ledger entry pulled from the server, which decides the ledger: the server's entry
/// replaces a local one with its id (an award the device predicted with other details) or with
/// its award key `(rule, period_key)` under another id (a prediction made before award ids were
/// derived from the key). Entries are never updated in place (the triggers keep the totals right
/// through the delete and insert). An entry the device could not have accepted from its own user
/// is a protocol error.
#[cfg(feature = "client")]
pub(crate) fn insert_pulled(tx: &Transaction<'_>, user: &str, e: &PointTransaction) -> Result<()> {
    e.validate()
        .map_err(|err| Error::Protocol(format!("pulled point transaction {}: {err}", e.id)))?;
    tx.prepare_cached(
        "DELETE FROM point_transactions WHERE transaction_id = ?1 OR (rule = ?2 AND period_key = ?3)",
    )?
    .execute(params![e.id.to_string(), e.rule, e.period_key])?;
    write_row(tx, user, e)
}

/// Removes a ledger entry the server refused or no longer holds (the triggers take it out of the
/// totals).
#[cfg(feature = "client")]
pub(crate) fn delete_entry(tx: &Transaction<'_>, transaction_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM point_transactions WHERE transaction_id = ?1")?
        .execute([transaction_id])?;
    Ok(())
}

/// The balance derived from the ledger (its running totals, kept by triggers), inside the
/// caller's transaction.
pub(crate) fn balance_in(tx: &Transaction<'_>, user: &str) -> Result<Balance> {
    let totals = tx
        .prepare_cached("SELECT available, earned, used FROM point_totals WHERE user_id = ?1")?
        .query_row([user], |row| {
            Ok(Balance {
                available: row.get(0)?,
                lifetime_earned: row.get(1)?,
                used: row.get(2)?,
            })
        })
        .optional()?;
    Ok(totals.unwrap_or_default())
}

pub(crate) fn from_row(row: &Row<'_>) -> Result<PointTransaction> {
    let reference: Option<String> = row.get(4)?;
    let created: String = row.get(8)?;
    Ok(PointTransaction {
        id: uuid_col(row, 0)?,
        transaction_type: row.get(1)?,
        points: row.get(2)?,
        source: row.get(3)?,
        source_reference_id: reference
            .as_deref()
            .map(|r| {
                Uuid::parse_str(r)
                    .map_err(|e| Error::Storage(format!("stored reference is malformed: {e}")))
            })
            .transpose()?,
        rule: row.get(5)?,
        period_key: row.get(6)?,
        description: row.get(7)?,
        created_at: time::from_db(&created)?,
    })
}
