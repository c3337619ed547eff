//! The decision record of one pushed batch: what `applied_changes` already says about the
//! batch's change ids and device sequences, read with one statement per chunk of the batch
//! instead of two per entry, and the batch's own decisions, kept in memory as they are made (so
//! an entry repeated within the batch is answered from the first one) and written together with
//! multi-row inserts at the end of the batch, in the same transaction as their effects.

use std::collections::{HashMap, HashSet};

use studymate_protocol::{ChangeResult, ChangeStatus};
use uuid::Uuid;

use super::Pushed;
use crate::db::{Conn, DbError, MAX_ROWS, Value, pow2_chunks, value_rows};

/// A decision as recorded: who pushed the change id, and what was decided.
#[derive(Debug, Clone)]
struct Recorded {
    user: String,
    applied: bool,
    code: Option<String>,
    reason: Option<String>,
    server_seq: Option<i64>,
}

/// The decisions known for one batch of one device: those recorded before it and those made in it.
#[derive(Debug)]
pub struct Decisions {
    device: Uuid,
    by_change_id: HashMap<Uuid, Recorded>,
    taken_seqs: HashSet<i64>,
    new: Vec<(Uuid, i64)>,
}

impl Decisions {
    /// Reads what `applied_changes` holds about the change ids of `changes` and about the
    /// sequences `device` pushed them under.
    pub fn load(conn: &mut dyn Conn, device: Uuid, changes: &[Pushed]) -> Result<Self, DbError> {
        let mut by_change_id = HashMap::new();
        let mut taken_seqs = HashSet::new();
        for chunk in pow2_chunks(changes, MAX_ROWS) {
            let ids: Vec<Value> = chunk.iter().map(|c| Value::from(c.change_id)).collect();
            let sql = format!(
                "SELECT change_id, user_id, status, code, reason, server_seq FROM applied_changes
                 WHERE change_id IN ({})",
                value_rows(1, 1, ids.len())
            );
            for row in conn.query(&sql, &ids)? {
                let id = row.text(0)?;
                let id = Uuid::parse_str(&id)
                    .map_err(|e| DbError::Decode(format!("change id {id:?}: {e}")))?;
                let recorded = Recorded {
                    user: row.text(1)?,
                    applied: row.text(2)? == status_name(ChangeStatus::Applied),
                    code: row.opt_text(3)?,
                    reason: row.opt_text(4)?,
                    server_seq: row.opt_int(5)?,
                };
                by_change_id.insert(id, recorded);
            }
            let mut params = vec![Value::from(device)];
            params.extend(chunk.iter().map(|c| Value::Int(c.seq)));
            let sql = format!(
                "SELECT seq FROM applied_changes WHERE device_id = $1 AND seq IN ({})",
                value_rows(2, 1, chunk.len())
            );
            for row in conn.query(&sql, &params)? {
                taken_seqs.insert(row.int(0)?);
            }
        }
        Ok(Decisions {
            device,
            by_change_id,
            taken_seqs,
            new: Vec::new(),
        })
    }

    /// The decision already made on `change`'s id, answered as `duplicate` (applied) or the same
    /// rejection. A change id recorded for another user is refused without revealing anything.
    pub fn earlier(&self, change: &Pushed, user: &str) -> Option<ChangeResult> {
        let recorded = self.by_change_id.get(&change.change_id)?;
        if recorded.user != user {
            return Some(ChangeResult {
                change_id: change.change_id,
                seq: change.seq,
                status: ChangeStatus::Rejected,
                reason: Some("this change id was already used by another account".into()),
                code: Some("change_id_conflict".into()),
                server_seq: None,
            });
        }
        Some(ChangeResult {
            change_id: change.change_id,
            seq: change.seq,
            status: if recorded.applied {
                ChangeStatus::Duplicate
            } else {
                ChangeStatus::Rejected
            },
            reason: recorded.reason.clone(),
            code: recorded.code.clone(),
            server_seq: recorded.server_seq,
        })
    }

    /// Whether the device already pushed another change under `seq`.
    pub fn seq_taken(&self, seq: i64) -> bool {
        self.taken_seqs.contains(&seq)
    }

    /// Records the decision on `change` (written by [`Decisions::write`]).
    pub fn record(&mut self, change: &Pushed, user: &str, decided: &ChangeResult) {
        self.by_change_id.insert(
            change.change_id,
            Recorded {
                user: user.to_owned(),
                applied: decided.status != ChangeStatus::Rejected,
                code: decided.code.clone(),
                reason: decided.reason.clone(),
                server_seq: decided.server_seq,
            },
        );
        self.taken_seqs.insert(change.seq);
        self.new.push((change.change_id, change.seq));
    }

    /// Sets the server sequence of a decision recorded before its change was written (a change
    /// written with others of its batch, `super::set`).
    pub fn written_at(&mut self, change_id: Uuid, server_seq: i64) {
        if let Some(recorded) = self.by_change_id.get_mut(&change_id) {
            recorded.server_seq = Some(server_seq);
        }
    }

    /// Writes the batch's decisions to `applied_changes`.
    pub fn write(self, conn: &mut dyn Conn) -> Result<(), DbError> {
        const COLUMNS: usize = 8;
        for chunk in pow2_chunks(&self.new, MAX_ROWS) {
            let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
            for (change_id, seq) in chunk {
                let recorded = self.by_change_id.get(change_id).ok_or_else(|| {
                    DbError::Decode(format!("no decision kept for change {change_id}"))
                })?;
                params.extend([
                    Value::from(*change_id),
                    Value::from(recorded.user.as_str()),
                    Value::from(self.device),
                    Value::Int(*seq),
                    Value::from(if recorded.applied {
                        status_name(ChangeStatus::Applied)
                    } else {
                        status_name(ChangeStatus::Rejected)
                    }),
                    Value::from(recorded.code.clone()),
                    Value::from(recorded.reason.clone()),
                    Value::from(recorded.server_seq),
                ]);
            }
            let sql = format!(
                "INSERT INTO applied_changes
                 (change_id, user_id, device_id, seq, status, code, reason, server_seq) VALUES {}",
                value_rows(1, COLUMNS, chunk.len())
            );
            conn.execute(&sql, &params)?;
        }
        Ok(())
    }
}

/// How a decision's status is stored.
fn status_name(status: ChangeStatus) -> &'static str {
    match status {
        ChangeStatus::Applied | ChangeStatus::Duplicate => "applied",
        ChangeStatus::Rejected => "rejected",
    }
}
