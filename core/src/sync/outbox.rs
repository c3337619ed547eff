//! Push: sends the change log after the acknowledged mark in `seq` order, in batches bounded by
//! count ([`MAX_PUSH_CHANGES`]) and by bytes ([`MAX_PUSH_BYTES`], see [`super::push_body`]), and
//! records the server's decision on every entry ([`super::decisions`]) in one transaction per
//! batch, which also moves the acknowledged mark past it. A batch the server still finds too
//! large (413) is halved and sent again, so no outbox can wedge on its size.
//!
//! The device and the server work at the same time: while the server decides one batch (the
//! request runs on a helper thread), the device records the batch answered before it and reads
//! and encodes the batch after it. What is committed, and in which order, is as if the batches
//! went one by one: a batch's decisions and acknowledgement are one transaction, batches are
//! recorded in `seq` order, and a batch is recorded only after the one before it. Reading ahead is
//! safe because the log after the acknowledged mark only grows (entries are appended, and removed
//! only once acknowledged). When a run stops (an error or a cancellation), every batch
//! answered so far is recorded and nothing of the others; a batch the server decided whose answer
//! was not recorded is sent again by the next run and answered `duplicate`.
//!
//! [`MAX_PUSH_BYTES`]: super::protocol::MAX_PUSH_BYTES

use std::thread::ScopedJoinHandle;

use super::control::SyncProgress;
use super::protocol::{MAX_PUSH_CHANGES, PushResponse};
use super::push_body::{self, Batch};
use super::transport::{Reply, Transport, parse};
use super::{Run, SyncReport, decisions, state};
use crate::changelog;
use crate::error::{Error, Result};
use studymate_protocol::unsigned::to_i64;

/// A batch the server has decided and the device has not recorded yet.
struct Answered {
    batch: Batch,
    response: PushResponse,
}

/// Pushes the whole outbox; returns when it is empty.
pub(crate) fn push_all(run: &Run<'_>, net: &Transport<'_>, report: &mut SyncReport) -> Result<()> {
    // Most entries per batch; halved whenever the server answers 413, for the rest of this run.
    let mut cap = MAX_PUSH_CHANGES;
    let (mut next, mut outbox) = run.client.store.read(|tx| {
        let acked = state::acked_seq(tx)?;
        let outbox = OutboxSize {
            waiting: state::outbox_len(tx, acked)?,
            tail: changelog::next_seq(tx)?,
        };
        Ok((read_batch(run, tx, acked, cap)?, outbox))
    })?;
    let mut answered: Option<Answered> = None;
    std::thread::scope(|scope| {
        loop {
            let Some(batch) = next.take() else {
                return record(run, answered.take(), report);
            };
            if run.cancel.check().is_err() {
                record(run, answered.take(), report)?;
                return Err(Error::Cancelled);
            }
            let in_flight = answered
                .as_ref()
                .map_or(0, |a| to_i64(a.batch.changes.len()));
            run.observer.progress(SyncProgress {
                pushed: report.pushed + in_flight,
                outbox: outbox.waiting,
                pulled: report.pulled,
                pull_total: None,
            });
            let after = batch.last_seq();
            let sending = scope.spawn(move || {
                let reply = send(net, &batch.body);
                (batch, reply)
            });
            // While the server decides `batch`: record the one before it, read the one after it.
            let recorded = record(run, answered.take(), report);
            let ahead = match (&recorded, after) {
                (Ok(()), Some(after)) => read_ahead(run, after, cap),
                _ => Ok((None, 0)),
            };
            let (batch, reply) = joined(sending)?;
            recorded?;
            match reply? {
                Reply::Body(bytes) => {
                    let response: PushResponse = parse(&bytes, "push")?;
                    decisions::check_results(&batch.changes, &response.results)?;
                    let decided = to_i64(batch.changes.len());
                    answered = Some(Answered { batch, response });
                    match ahead {
                        Ok((read, tail)) => {
                            outbox.decided(decided, tail);
                            next = read;
                        }
                        // The answer is still recorded, as it would be without reading ahead.
                        Err(e) => {
                            record(run, answered.take(), report)?;
                            return Err(e);
                        }
                    }
                }
                Reply::TooLarge if batch.changes.len() > 1 => {
                    cap = batch.changes.len() / 2;
                    tracing::info!(
                        entries = batch.changes.len(),
                        cap,
                        "push answered 413: halving the batch"
                    );
                    // Everything before `batch` is recorded: read it again, smaller.
                    next = run.client.store.read(|tx| {
                        let acked = state::acked_seq(tx)?;
                        read_batch(run, tx, acked, cap)
                    })?;
                }
                Reply::TooLarge => {
                    let (id, seq) = batch
                        .changes
                        .first()
                        .map(|c| (c.change_id.to_string(), c.seq))
                        .unwrap_or_default();
                    return Err(Error::Protocol(format!(
                        "the server refused change {id} (seq {seq}) as too large even alone"
                    )));
                }
                Reply::HistoryReset => return Err(Error::Protocol("push answered 410".into())),
            }
        }
    })
}

/// The size of the outbox as the progress reports it: counted once when the push begins, then
/// kept by subtracting what the server decided and adding what was logged since (sequences are
/// never reused, so the next one tells how many), instead of counting the rest of the log again
/// for every batch.
struct OutboxSize {
    /// Entries not decided yet.
    waiting: i64,
    /// The sequence of the log's next entry when `waiting` was last brought up to date.
    tail: i64,
}

impl OutboxSize {
    /// `decided` entries were decided; the log's next entry will now get `tail`.
    fn decided(&mut self, decided: i64, tail: i64) {
        let logged = tail.saturating_sub(self.tail).max(0);
        self.waiting = self
            .waiting
            .saturating_add(logged)
            .saturating_sub(decided)
            .max(0);
        self.tail = self.tail.max(tail);
    }
}

/// Reads and encodes the batch after `after`, and the sequence the log's next entry will get
/// (which moves when entries are logged), in one read.
fn read_ahead(run: &Run<'_>, after: i64, cap: usize) -> Result<(Option<Batch>, i64)> {
    run.client
        .store
        .read(|tx| Ok((read_batch(run, tx, after, cap)?, changelog::next_seq(tx)?)))
}

/// Reads up to `cap` entries after `after` and encodes as many as one body carries.
fn read_batch(
    run: &Run<'_>,
    tx: &rusqlite::Transaction<'_>,
    after: i64,
    cap: usize,
) -> Result<Option<Batch>> {
    let cap = u32::try_from(cap).unwrap_or(u32::MAX);
    push_body::encode(
        run.client.device_id,
        changelog::list_logged(tx, after, cap)?,
    )
}

/// Sends one push request.
fn send(net: &Transport<'_>, body: &[u8]) -> Result<Reply> {
    net.call(&|http, base| {
        http.post(format!("{base}/v1/sync/push"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
    })
}

/// Records an answered batch, if any: its decisions and the acknowledgement through its last
/// entry, in one transaction.
fn record(run: &Run<'_>, answered: Option<Answered>, report: &mut SyncReport) -> Result<()> {
    let Some(Answered { batch, response }) = answered else {
        return Ok(());
    };
    let Some(last) = batch.last_seq() else {
        return Ok(());
    };
    let now = run.client.now();
    run.client.store.write(|tx| {
        decisions::record_batch(tx, &batch.changes, &response.results, now, report)?;
        state::acknowledge_through(tx, last)
    })?;
    report.pushed += to_i64(batch.changes.len());
    Ok(())
}

/// The request thread's outcome; its panic becomes an error (never a panic across the FFI).
fn joined<T>(thread: ScopedJoinHandle<'_, T>) -> Result<T> {
    thread
        .join()
        .map_err(|_| Error::Storage("the thread sending a push batch panicked".into()))
}
