//! Pull: fetches the user's feed page by page from the saved cursor and applies each page and
//! its new cursor in one transaction, so a crash can neither skip nor double-apply a page. A 410
//! `history_reset` starts a full re-pull (see [`super::apply`] for its cleanup).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::control::SyncProgress;
use super::state;
use super::transport::{Reply, Transport, parse};
use super::{Run, SyncReport, apply};
use crate::changelog::Operation;
use crate::error::{Error, Result};

/// One feed change as received. The entity stays a string so that kinds this version does not
/// know are skipped (the protocol lets servers add them); the payload stays raw JSON until the
/// entity's type parses it.
#[derive(Debug, Deserialize)]
pub(crate) struct FeedChange {
    pub entity: String,
    pub entity_id: String,
    pub operation: Operation,
    pub payload: Box<RawValue>,
}

/// One pull page as received.
#[derive(Debug, Deserialize)]
pub(crate) struct FeedPage {
    pub changes: Vec<FeedChange>,
    pub next_cursor: String,
    pub has_more: bool,
}

/// Pulls until the server has nothing more right now.
pub(crate) fn pull_all(run: &Run<'_>, net: &Transport<'_>, report: &mut SyncReport) -> Result<()> {
    loop {
        run.cancel.check()?;
        let cursor = run.client.store.read(state::cursor)?;
        let mut query = vec![("limit", run.pull_limit.to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let reply =
            net.call(&|http, base| http.get(format!("{base}/v1/sync/pull")).query(&query))?;
        let bytes = match reply {
            Reply::Body(bytes) => bytes,
            Reply::HistoryReset => {
                if cursor.is_none() {
                    return Err(Error::Protocol(
                        "the server answered history_reset to a pull without a cursor".into(),
                    ));
                }
                run.client.store.write(state::begin_reset)?;
                report.history_resets += 1;
                continue;
            }
        };
        let page: FeedPage = parse(&bytes, "pull")?;
        drop(bytes);
        check_cursor(cursor.as_deref(), &page)?;
        let applied = run
            .client
            .store
            .write(|tx| apply::page(tx, run.client, &page))?;
        report.pulled += applied;
        run.observer.progress(SyncProgress {
            pushed: report.pushed,
            outbox: 0,
            pulled: report.pulled,
        });
        if !page.has_more {
            return Ok(());
        }
    }
}

/// Refuses a cursor that goes backwards and a "more" page that makes no progress. Cursors are
/// opaque; the backwards check applies to the reference server's `<epoch>:<position>` form and
/// only within one epoch.
fn check_cursor(previous: Option<&str>, page: &FeedPage) -> Result<()> {
    if page.next_cursor.is_empty() {
        return Err(Error::Protocol(
            "the pull answer has an empty next_cursor".into(),
        ));
    }
    let Some(previous) = previous else {
        return Ok(());
    };
    if page.has_more && page.changes.is_empty() && page.next_cursor == previous {
        return Err(Error::Protocol(
            "the pull answer promises more but makes no progress".into(),
        ));
    }
    if let (Some((old_epoch, old_pos)), Some((new_epoch, new_pos))) =
        (split(previous), split(&page.next_cursor))
        && old_epoch == new_epoch
        && new_pos < old_pos
    {
        return Err(Error::Protocol(format!(
            "the pull cursor went backwards ({previous} → {})",
            page.next_cursor
        )));
    }
    Ok(())
}

fn split(cursor: &str) -> Option<(&str, u64)> {
    let (epoch, pos) = cursor.rsplit_once(':')?;
    Some((epoch, pos.parse().ok()?))
}
