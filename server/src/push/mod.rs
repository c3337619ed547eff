//! Push: applies a device's batch of change-log entries in one transaction.
//!
//! Each entry is decided once. Its change id (and its device sequence) is recorded with the
//! decision in the same transaction as its effects, so a retried batch is answered from the
//! record; the record is read once for the whole batch and written with multi-row statements
//! ([`decisions`]). A rejected entry leaves nothing behind and the entries behind it still run:
//! a rule that checks everything before it writes ([`Rule::Checked`]) needs nothing more, any
//! other runs in a savepoint that undoes its writes. The kinds a device pushes by the thousand
//! (chat message sends, interests added) are decided together, a run of them at a time, against
//! state read once and written with multi-row statements ([`set`]).
//!
//! A device's predictions — its awards (ledger credits) and achievement unlocks — are decided
//! after the other entries of their batch, so the sessions that earn them are already accepted
//! whatever order an older device logged them in. Results still come back in request order.

mod accounts;
mod chat;
mod decisions;
mod ledger;
mod payload;
mod practice;
mod profile;
mod set;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use studymate_core::changelog::{Entity, Operation, wire_kind};
use studymate_core::ledger::TransactionType;
use studymate_protocol::{ChangeResult, ChangeStatus, WireChange};
use uuid::Uuid;

use studymate_protocol::ServerEntity;

use self::decisions::Decisions;
use crate::db::{Conn, DbError, in_savepoint};
use crate::feed::{self, Audience};
use crate::progress::Learner;
use crate::records::Target;

/// A pushed entry as the server reads it: its payload kept as the JSON text it came as, decoded
/// once, straight into the type its rule needs ([`Ctx::payload`]).
pub type Pushed = WireChange<Box<RawValue>>;

/// A refusal: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Machine-readable code, e.g. `insufficient_points`.
    pub code: &'static str,
    /// Why, for developers.
    pub reason: String,
}

/// Why an entry was not applied: refused by a rule, or the store failed (which fails the batch).
#[derive(Debug)]
pub enum ApplyError {
    /// A rule refused the entry; the batch goes on.
    Reject(Reject),
    /// The store failed; the whole batch is rolled back.
    Db(DbError),
}

impl From<DbError> for ApplyError {
    fn from(e: DbError) -> Self {
        ApplyError::Db(e)
    }
}

/// Longest rejection reason stored and answered, in characters.
const MAX_REASON_CHARS: usize = 500;

/// Builds a rejection. A reason may quote what the client sent, so it is made safe to store and
/// show: control characters (NUL among them, which PostgreSQL text cannot hold) are written as
/// escapes, and it is cut at [`MAX_REASON_CHARS`].
pub fn reject(code: &'static str, reason: impl Into<String>) -> ApplyError {
    let reason: String = reason
        .into()
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .take(MAX_REASON_CHARS)
        .collect();
    ApplyError::Reject(Reject { code, reason })
}

/// Refuses an entry whose payload breaks a field rule (the core's validation error says which).
pub fn invalid(e: impl std::fmt::Display) -> ApplyError {
    reject("invalid_payload", e.to_string())
}

/// What applying an entry produced: the server sequence of its main change, if it made one
/// (an entry that changes nothing, like a read marker moving backwards, makes none).
pub type Applied = Result<Option<i64>, ApplyError>;

/// The writes of an entry whose rule has run all its checks: they can fail only in the store
/// (which fails the batch), never refuse the entry, so they need no savepoint to undo them.
pub type Writes<'a> = Box<dyn FnOnce(&mut dyn Conn) -> Result<Option<i64>, DbError> + 'a>;

/// How an entry's rule runs.
enum Rule {
    /// Checks first, then writes that cannot refuse: no savepoint needed.
    Checked(for<'a> fn(&mut dyn Conn, &'a Ctx<'a>) -> Result<Writes<'a>, ApplyError>),
    /// Checks and writes interleaved: run in a savepoint, so a refusal after a write undoes it.
    Mixed(fn(&mut dyn Conn, &Ctx<'_>) -> Applied),
}

/// The entry being applied and who pushed it.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The token's user.
    pub user: Uuid,
    /// The same, as stored.
    pub user_key: String,
    /// The entry.
    pub change: &'a Pushed,
    /// Its kind of record, parsed.
    pub entity: Entity,
    /// Its operation, parsed.
    pub operation: Operation,
    /// The server's clock at the push.
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    /// Parses the payload as `T`, refusing it as `invalid_payload` if it has another shape.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, ApplyError> {
        payload::decode(self.change, self.entity, self.operation)
    }

    /// Where one of the pushing user's private records lives: only they receive its changes.
    pub fn own<'a>(
        &'a self,
        kind: ServerEntity,
        record_id: &'a str,
        entity_id: &'a str,
    ) -> Target<'a> {
        own_target(
            &self.user_key,
            self.change.change_id,
            kind,
            record_id,
            entity_id,
        )
    }

    /// The pushing user's progress, with this entry as the origin of what it grants.
    pub fn learner(&self) -> Learner<'_> {
        Learner {
            id: self.user,
            key: &self.user_key,
            origin: self.change.change_id,
        }
    }

    /// Refuses the entry unless its entity id is `expected`.
    pub fn require_entity_id(&self, expected: &str) -> Result<(), ApplyError> {
        if self.change.entity_id == expected {
            Ok(())
        } else {
            Err(reject(
                "invalid_payload",
                format!(
                    "entity_id {:?} does not match the payload's id {expected:?}",
                    self.change.entity_id
                ),
            ))
        }
    }
}

/// Where one of `user`'s private records lives: only they receive its changes, which
/// `origin` caused.
pub fn own_target<'a>(
    user: &'a str,
    origin: Uuid,
    kind: ServerEntity,
    record_id: &'a str,
    entity_id: &'a str,
) -> Target<'a> {
    Target {
        kind,
        record_id,
        entity_id,
        owner: Some(user),
        room: None,
        audience: Audience::User(user),
        origin: Some(origin),
    }
}

/// Who pushes a batch, from which device, and when.
#[derive(Debug)]
struct Pusher {
    user: Uuid,
    user_key: String,
    device: Uuid,
    now: DateTime<Utc>,
}

impl Pusher {
    /// The context of one of the batch's entries, of kind `entity` and `operation`.
    fn ctx<'a>(&self, change: &'a Pushed, entity: Entity, operation: Operation) -> Ctx<'a> {
        Ctx {
            user: self.user,
            user_key: self.user_key.clone(),
            change,
            entity,
            operation,
            now: self.now,
        }
    }
}

/// Applies a batch for `user` from `device` and returns one result per entry, in order. Each
/// run of consecutive entries (in the order they are decided) of the kinds decided together
/// ([`set`]) is decided as one; every other entry alone.
pub fn push(
    conn: &mut dyn Conn,
    user: Uuid,
    device: Uuid,
    changes: &[Pushed],
    now: DateTime<Utc>,
) -> Result<Vec<ChangeResult>, DbError> {
    // Everything below reads and decides on the user's state: one push of theirs at a time.
    // The other users' account rows the batch will share-lock are taken with it, in user
    // order, so racing pushes cannot wait on each other's rows in a cycle.
    accounts::lock_accounts(conn, user, changes)?;
    let pusher = Pusher {
        user,
        user_key: user.to_string(),
        device,
        now,
    };
    let (predictions, facts): (Vec<usize>, Vec<usize>) =
        (0..changes.len()).partition(|&i| is_prediction(&changes[i]));
    let order: Vec<usize> = facts.into_iter().chain(predictions).collect();
    let mut decisions = Decisions::load(conn, device, changes)?;
    let mut results: Vec<Option<ChangeResult>> = vec![None; changes.len()];
    let together = |&i: &usize| set::is_set_kind(&changes[i]);
    for group in order.chunk_by(|a, b| together(a) == together(b)) {
        if group.first().is_some_and(together) {
            set::decide_run(conn, &mut decisions, &pusher, changes, group, &mut results)?;
        } else {
            for &i in group {
                results[i] = Some(decide(conn, &mut decisions, &pusher, &changes[i])?);
            }
        }
    }
    decisions.write(conn)?;
    Ok(results.into_iter().flatten().collect())
}

/// Whether the entry is a device's prediction of something the server derives itself: an award
/// (a ledger credit) or an achievement unlock.
fn is_prediction(change: &Pushed) -> bool {
    match wire_kind(change).map(|(entity, _)| entity) {
        Some(Entity::UserAchievement) => true,
        Some(Entity::PointTransaction) => serde_json::from_str::<Direction>(change.payload.get())
            .is_ok_and(|d| {
                matches!(
                    d.transaction_type,
                    Some(TransactionType::Earned | TransactionType::Bonus)
                )
            }),
        _ => false,
    }
}

/// The one field of a point transaction's payload that tells an award: its direction (a
/// payload without one of this version's directions is no award, and its rule refuses it).
#[derive(Deserialize)]
struct Direction {
    transaction_type: Option<TransactionType>,
}

/// Decides one entry: answered from the record if its change id was decided before, otherwise
/// applied or refused by its rule and recorded.
fn decide(
    conn: &mut dyn Conn,
    decisions: &mut Decisions,
    pusher: &Pusher,
    change: &Pushed,
) -> Result<ChangeResult, DbError> {
    if let Some(answer) = answered(decisions, pusher, change) {
        return Ok(answer);
    }
    let (outcome, known) = match parse(change) {
        Ok((entity, operation)) => {
            let ctx = pusher.ctx(change, entity, operation);
            (apply(conn, &ctx), Some(entity))
        }
        Err(refusal) => (Err(refusal), None),
    };
    conclude(conn, decisions, pusher, change, outcome, known)
}

/// The answer to an entry decided before it reached its rule: its change id's recorded decision,
/// or a refusal of a device sequence already taken by another change. (Neither is recorded
/// again.)
fn answered(decisions: &Decisions, pusher: &Pusher, change: &Pushed) -> Option<ChangeResult> {
    if let Some(earlier) = decisions.earlier(change, &pusher.user_key) {
        return Some(earlier);
    }
    decisions.seq_taken(change.seq).then(|| {
        result(
            change,
            ChangeStatus::Rejected,
            Some(Reject {
                code: "sequence_conflict",
                reason: format!(
                    "device {} already pushed another change with seq {}",
                    pusher.device, change.seq
                ),
            }),
            None,
        )
    })
}

/// The entry's kind, parsed here, at the edge: an unknown one is refused like any rule, and an
/// entry whose id no record can have never reaches a query (nor a redelivery).
fn parse(change: &Pushed) -> Result<(Entity, Operation), ApplyError> {
    check_entity_id(change).and_then(|()| wire_kind(change).ok_or_else(|| unsupported(change)))
}

/// Turns an entry's outcome into its result and records it. A refused entry of a `known` kind
/// has the record it was about delivered again to the pusher, so the device corrects its copy.
fn conclude(
    conn: &mut dyn Conn,
    decisions: &mut Decisions,
    pusher: &Pusher,
    change: &Pushed,
    outcome: Applied,
    known: Option<Entity>,
) -> Result<ChangeResult, DbError> {
    let user_key = pusher.user_key.as_str();
    let decided = match outcome {
        Ok(server_seq) => result(change, ChangeStatus::Applied, None, server_seq),
        Err(ApplyError::Reject(r)) => {
            if let Some((kind, record_id)) =
                known.and_then(|entity| refused_record(entity, change, user_key))
            {
                feed::redeliver(conn, user_key, kind, &record_id)?;
            }
            result(change, ChangeStatus::Rejected, Some(r), None)
        }
        Err(ApplyError::Db(e)) => return Err(e),
    };
    decisions.record(change, user_key, &decided);
    Ok(decided)
}

/// Refuses a kind of record or an operation this server does not know: one refused entry, so a
/// device of a newer version still gets the rest of its batch applied.
fn unsupported(change: &Pushed) -> ApplyError {
    reject(
        "unsupported_operation",
        format!(
            "{:?} of {:?} is not something a device may push to this server",
            change.operation, change.entity
        ),
    )
}

/// Longest entity id a device may send, in characters (ids are UUIDs or short keys).
const MAX_ENTITY_ID_CHARS: usize = 200;

/// Refuses an entity id no record can have (empty, too long, with control characters) before it
/// reaches a query: PostgreSQL text cannot even hold a NUL.
fn check_entity_id(change: &Pushed) -> Result<(), ApplyError> {
    let id = &change.entity_id;
    if id.is_empty() || id.chars().count() > MAX_ENTITY_ID_CHARS || id.chars().any(char::is_control)
    {
        return Err(reject(
            "invalid_payload",
            format!(
                "entity_id must be 1–{MAX_ENTITY_ID_CHARS} characters without control characters"
            ),
        ));
    }
    Ok(())
}

/// The stored record (kind, record id) a refused change was about, for the records whose current
/// state corrects the device's copy: the profile, the user's own records, and messages and read
/// markers it changed. Inserts of new ledger entries and rooms have nothing to correct from (the
/// device removes its copy itself).
fn refused_record(entity: Entity, change: &Pushed, user: &str) -> Option<(ServerEntity, String)> {
    let own = |kind| Some((kind, profile::own_record_id(user, &change.entity_id)));
    match entity {
        Entity::Profile => Some((ServerEntity::Profile, user.to_owned())),
        Entity::UserLanguage => own(ServerEntity::UserLanguage),
        Entity::UserInterest => own(ServerEntity::UserInterest),
        Entity::Onboarding => own(ServerEntity::Onboarding),
        Entity::UserAchievement => own(ServerEntity::UserAchievement),
        Entity::PracticeSession => Some((ServerEntity::PracticeSession, change.entity_id.clone())),
        Entity::ChatMessage => Some((ServerEntity::ChatMessage, change.entity_id.clone())),
        Entity::ReadMarker => Some((
            ServerEntity::ReadMarker,
            format!("{}:{user}", change.entity_id),
        )),
        Entity::PointTransaction | Entity::ChatRoom | Entity::ChatParticipant => None,
    }
}

/// Applies an entry by its rule: a refusal leaves nothing of it behind.
fn apply(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    match rule(ctx.entity, ctx.operation) {
        Some(Rule::Checked(rule)) => {
            let writes = rule(conn, ctx)?;
            Ok(writes(conn)?)
        }
        Some(Rule::Mixed(rule)) => in_savepoint(conn, |conn| rule(conn, ctx)),
        None => Err(reject(
            "unsupported_operation",
            format!(
                "{} of {} is not something a device may push",
                ctx.operation, ctx.entity
            ),
        )),
    }
}

/// The rule of an entity and operation decided alone, if a device may push it (chat message
/// sends and interests added are decided in runs, by [`set`]).
fn rule(entity: Entity, operation: Operation) -> Option<Rule> {
    use Operation::{Delete, Insert, Update};
    use Rule::{Checked, Mixed};
    Some(match (entity, operation) {
        (Entity::Profile, Update) => Mixed(profile::update),
        (Entity::UserLanguage, Insert | Update) => Mixed(profile::set_language),
        (Entity::UserLanguage, Delete) => Mixed(profile::remove_language),
        (Entity::UserInterest, Delete) => Checked(profile::remove_interest),
        (Entity::Onboarding, Insert | Update) => Checked(profile::save_onboarding_step),
        (Entity::PracticeSession, Insert | Update) => Mixed(practice::save_session),
        (Entity::UserAchievement, Insert | Update) => Mixed(practice::save_achievement),
        (Entity::PointTransaction, Insert) => Mixed(ledger::record),
        (Entity::ChatRoom, Insert) => Mixed(chat::create_room),
        (Entity::ChatParticipant, Insert) => Mixed(chat::add_member),
        (Entity::ChatParticipant, Delete) => Mixed(chat::remove_member),
        (Entity::ChatMessage, Update) => Mixed(chat::edit),
        (Entity::ChatMessage, Delete) => Mixed(chat::delete),
        (Entity::ReadMarker, Insert | Update) => Mixed(chat::mark_read),
        _ => return None,
    })
}

/// An entry's result as answered.
fn result(
    change: &Pushed,
    status: ChangeStatus,
    refusal: Option<Reject>,
    server_seq: Option<i64>,
) -> ChangeResult {
    let (code, reason) = match refusal {
        Some(r) => (Some(r.code.to_owned()), Some(r.reason)),
        None => (None, None),
    };
    ChangeResult {
        change_id: change.change_id,
        seq: change.seq,
        status,
        reason,
        code,
        server_seq,
    }
}
