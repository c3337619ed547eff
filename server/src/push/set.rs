//! Set-based decisions for the kinds a device pushes by the thousand: chat message sends and
//! interest tags added. A run of consecutive entries of these kinds (in the order the batch is
//! decided) reads the state its rules need once — the rooms it writes into with the pusher's
//! membership and their members, which of its message ids, reply targets and interest tags
//! exist — decides each entry in memory in request order, and writes the accepted ones with
//! multi-row statements per table (history, records, feed deliveries).
//!
//! The result is the one deciding the entries one by one would give. What the run accepts is
//! added to what it knows, so a duplicate or a reply within the run is decided as if the
//! earlier entry were stored. The accepted entries are written (flushed) before anything that
//! must see them in the store or follow them in a feed: a refusal (whose redelivery reads the
//! store and stages a delivery), an entry repeating the change id of one not yet written, and
//! the end of the run (the entries after it are decided against the store).

use std::collections::{HashMap, HashSet};

use studymate_core::changelog::{Entity, Operation, wire_kind};
use studymate_core::chat::Message;
use studymate_protocol::{ChangeResult, ChangeStatus, ServerEntity};
use uuid::Uuid;

use super::decisions::Decisions;
use super::payload::decode;
use super::{
    Applied, ApplyError, Pushed, Pusher, answered, chat, check_entity_id, conclude, own_target,
    parse, profile, result, unsupported,
};
use crate::db::{Conn, DbError};
use crate::feed::{self, Audience, BatchedChange};
use crate::records::{self, Target};

/// Whether the entry is of a kind decided in runs: a chat message sent or an interest added.
pub fn is_set_kind(change: &Pushed) -> bool {
    matches!(
        wire_kind(change),
        Some((
            Entity::ChatMessage | Entity::UserInterest,
            Operation::Insert
        ))
    )
}

/// What a run knows of the store: read once at its start, and grown by each entry it accepts.
#[derive(Debug)]
pub struct Known {
    /// The rooms the run writes into that the pusher is a member of, each with its members in
    /// user order.
    rooms: HashMap<String, Vec<String>>,
    /// The messages among the run's ids and reply targets that exist, each with its room.
    messages: HashMap<String, Option<String>>,
    /// The record ids of the pusher's interests among the run's that exist.
    interests: HashSet<String>,
}

impl Known {
    /// Reads what the rules of `run`'s entries need. Only ids that can reach a query are looked
    /// up: those of the messages sent (their ids, rooms and reply targets; a payload that is no
    /// message is refused before its rule looks anything up), and the tags of entries whose id
    /// passes the entity id check (the entries with other ids are refused before their rule runs).
    fn load(conn: &mut dyn Conn, user_key: &str, run: &[(&Pushed, Sent)]) -> Result<Self, DbError> {
        let (mut rooms, mut messages, mut interests) = (Vec::new(), Vec::new(), Vec::new());
        for (change, sent) in run {
            match (wire_kind(*change), sent) {
                (_, Some(Ok(msg))) => {
                    rooms.push(msg.room_id.to_string());
                    messages.push(msg.id.to_string());
                    messages.extend(msg.reply_to_id.map(|id| id.to_string()));
                }
                (Some((Entity::UserInterest, _)), _) if check_entity_id(change).is_ok() => {
                    interests.push(profile::own_record_id(user_key, &change.entity_id));
                }
                _ => {}
            }
        }
        for ids in [&mut rooms, &mut messages, &mut interests] {
            ids.sort();
            ids.dedup();
        }
        Ok(Known {
            rooms: chat::rooms_of_member(conn, &rooms, user_key)?,
            messages: records::existing(conn, ServerEntity::ChatMessage, &messages)?,
            interests: records::existing(conn, ServerEntity::UserInterest, &interests)?
                .into_keys()
                .collect(),
        })
    }

    /// The members of `room`, if the pusher is one of them.
    pub fn members(&self, room: &str) -> Option<&[String]> {
        self.rooms.get(room).map(Vec::as_slice)
    }

    /// The room of message `id`, if it exists.
    pub fn message_room(&self, id: &str) -> Option<&str> {
        self.messages.get(id).and_then(Option::as_deref)
    }

    /// Whether message `id` exists.
    pub fn message_exists(&self, id: &str) -> bool {
        self.messages.contains_key(id)
    }

    /// Whether the interest stored as `record_id` exists.
    pub fn has_interest(&self, record_id: &str) -> bool {
        self.interests.contains(record_id)
    }

    /// Adds an accepted entry's record.
    fn add(&mut self, accepted: &Accepted<'_>) {
        match &accepted.room {
            Some(room) => {
                self.messages
                    .insert(accepted.record_id.clone(), Some(room.clone()));
            }
            None => {
                self.interests.insert(accepted.record_id.clone());
            }
        }
    }
}

/// A chat message insert's payload decoded once, before the run reads the store (what it names
/// is looked up) and consumed by its rule: the message, or why the payload is not one. `None` for
/// the run's other entries.
type Sent = Option<Result<Message, ApplyError>>;

/// The message `change` sends, if it is a chat message insert.
fn sent(change: &Pushed) -> Sent {
    let kind = (Entity::ChatMessage, Operation::Insert);
    (wire_kind(change) == Some(kind)).then(|| decode(change, kind.0, kind.1))
}

/// An accepted entry, not yet written.
#[derive(Debug)]
struct Accepted<'a> {
    /// Where its result goes.
    index: usize,
    change: &'a Pushed,
    kind: ServerEntity,
    record_id: String,
    entity_id: String,
    /// The room of a message (whose members receive it); other records are the pusher's own.
    room: Option<String>,
    doc: Doc,
}

/// An accepted entry's record as written.
#[derive(Debug)]
enum Doc {
    /// A message: its payload holds its own server sequence (`sort_key`), known once written.
    Message(Box<Message>),
    /// Any other record, as JSON text.
    Ready(String),
}

impl Accepted<'_> {
    /// Where the record lives and who receives its change.
    fn target<'t>(&'t self, user_key: &'t str) -> Target<'t> {
        let origin = self.change.change_id;
        match &self.room {
            Some(room) => chat::message_target(user_key, origin, &self.record_id, room),
            None => own_target(
                user_key,
                origin,
                self.kind,
                &self.record_id,
                &self.entity_id,
            ),
        }
    }
}

/// Decides the entries `run` of `changes` (indices, consecutive in the order the batch is
/// decided, all of kinds [`is_set_kind`]) and puts each one's result at its index in `results`.
pub fn decide_run(
    conn: &mut dyn Conn,
    decisions: &mut Decisions,
    pusher: &Pusher,
    changes: &[Pushed],
    run: &[usize],
    results: &mut [Option<ChangeResult>],
) -> Result<(), DbError> {
    let mut entries: Vec<(&Pushed, Sent)> = run
        .iter()
        .filter_map(|&i| changes.get(i))
        .map(|change| (change, sent(change)))
        .collect();
    let mut known = Known::load(conn, &pusher.user_key, &entries)?;
    let mut pending: Vec<Accepted<'_>> = Vec::new();
    let mut pending_ids: HashSet<Uuid> = HashSet::new();
    for (&index, (change, sent)) in run.iter().zip(&mut entries) {
        let change: &Pushed = change;
        if pending_ids.contains(&change.change_id) {
            flush(conn, decisions, pusher, &known, &mut pending, results)?;
            pending_ids.clear();
        }
        if let Some(answer) = answered(decisions, pusher, change) {
            results[index] = Some(answer);
            continue;
        }
        let (entity, operation) = match parse(change) {
            Ok(kind) => kind,
            Err(refusal) => {
                let decided = conclude(conn, decisions, pusher, change, Err(refusal), None)?;
                results[index] = Some(decided);
                continue;
            }
        };
        match check(
            pusher,
            change,
            entity,
            operation,
            &known,
            index,
            sent.take(),
        ) {
            Ok(Some(accepted)) => {
                known.add(&accepted);
                let decided = result(change, ChangeStatus::Applied, None, None);
                decisions.record(change, &pusher.user_key, &decided);
                pending_ids.insert(change.change_id);
                pending.push(accepted);
            }
            Ok(None) => {
                let decided = conclude(conn, decisions, pusher, change, Ok(None), Some(entity))?;
                results[index] = Some(decided);
            }
            Err(refusal) => {
                // The redelivery reads the store and stages a delivery: everything accepted
                // before the refusal is written first.
                flush(conn, decisions, pusher, &known, &mut pending, results)?;
                pending_ids.clear();
                let outcome: Applied = Err(refusal);
                let decided = conclude(conn, decisions, pusher, change, outcome, Some(entity))?;
                results[index] = Some(decided);
            }
        }
    }
    flush(conn, decisions, pusher, &known, &mut pending, results)
}

/// Runs the entry's rule against what the run knows (with the message it sends, decoded
/// before): the record to write, `None` for an entry that changes nothing, or the refusal.
fn check<'a>(
    pusher: &Pusher,
    change: &'a Pushed,
    entity: Entity,
    operation: Operation,
    known: &Known,
    index: usize,
    sent: Sent,
) -> Result<Option<Accepted<'a>>, ApplyError> {
    let ctx = pusher.ctx(change, entity, operation);
    match (entity, operation) {
        (Entity::ChatMessage, Operation::Insert) => {
            let msg = sent.unwrap_or_else(|| ctx.payload())?;
            let msg = chat::check_send(&ctx, msg, known)?;
            Ok(Some(Accepted {
                index,
                change,
                kind: ServerEntity::ChatMessage,
                record_id: msg.id.to_string(),
                entity_id: msg.id.to_string(),
                room: Some(msg.room_id.to_string()),
                doc: Doc::Message(Box::new(msg)),
            }))
        }
        (Entity::UserInterest, Operation::Insert) => {
            let Some((interest, record_id)) = profile::check_interest(&ctx, known)? else {
                return Ok(None);
            };
            Ok(Some(Accepted {
                index,
                change,
                kind: ServerEntity::UserInterest,
                record_id,
                doc: Doc::Ready(records::to_json_text(&interest)?),
                entity_id: interest.interest_tag,
                room: None,
            }))
        }
        _ => Err(unsupported(change)),
    }
}

/// Writes the accepted entries: their changes (under sequences reserved first, as a message's
/// payload holds its own), their records and their deliveries (in entry order, each message to its room's members in
/// user order), then completes their results and decisions with their server sequences.
fn flush(
    conn: &mut dyn Conn,
    decisions: &mut Decisions,
    pusher: &Pusher,
    known: &Known,
    pending: &mut Vec<Accepted<'_>>,
    results: &mut [Option<ChangeResult>],
) -> Result<(), DbError> {
    if pending.is_empty() {
        return Ok(());
    }
    let seqs = feed::reserve(conn, pending.len())?;
    let mut stored = Vec::with_capacity(pending.len());
    for (accepted, &seq) in pending.iter_mut().zip(&seqs) {
        let doc = match &mut accepted.doc {
            Doc::Message(msg) => {
                msg.sort_key = seq;
                records::to_json_text(msg)?
            }
            Doc::Ready(json) => std::mem::take(json),
        };
        stored.push((seq, doc));
    }
    let batched: Vec<BatchedChange<'_>> = pending
        .iter()
        .zip(&stored)
        .map(|(accepted, (seq, doc))| BatchedChange {
            server_seq: *seq,
            entity: accepted.kind,
            entity_id: &accepted.entity_id,
            operation: Operation::Insert,
            payload: doc,
            origin: accepted.change.change_id,
        })
        .collect();
    feed::append_many(conn, &batched)?;
    let mut deliveries: Vec<(&str, i64)> = Vec::with_capacity(pending.len());
    let user_key = pusher.user_key.as_str();
    let rows: Vec<(Target<'_>, &str, i64)> = pending
        .iter()
        .zip(&stored)
        .map(|(accepted, (seq, doc))| (accepted.target(user_key), doc.as_str(), *seq))
        .collect();
    records::store_many(conn, &rows)?;
    for (target, _, seq) in &rows {
        match target.audience {
            Audience::User(user) => deliveries.push((user, *seq)),
            Audience::Room(room) => {
                let members = known.members(room).ok_or_else(|| {
                    DbError::Decode(format!("room {room} was accepted without its members"))
                })?;
                deliveries.extend(members.iter().map(|member| (member.as_str(), *seq)));
            }
            Audience::Contacts(_) | Audience::Everyone => {
                return Err(DbError::Decode(
                    "a batched record has an audience beyond one user or room".into(),
                ));
            }
        }
    }
    feed::stage(conn, &deliveries);
    for (accepted, &seq) in pending.iter().zip(&seqs) {
        decisions.written_at(accepted.change.change_id, seq);
        results[accepted.index] = Some(result(
            accepted.change,
            ChangeStatus::Applied,
            None,
            Some(seq),
        ));
    }
    pending.clear();
    Ok(())
}
