//! Pull: fetches the user's feed page by page from the saved cursor and applies each page and
//! its new cursor in one transaction, so a crash can neither skip nor double-apply a page. A 410
//! `history_reset` starts a full re-pull (see [`super::apply`] for its cleanup), and so does a
//! last page whose counts disagree with this device's rows (see [`super::checks`]).

use super::control::SyncProgress;
use super::feed::{self, FeedPage};
use super::state;
use super::transport::{Reply, Transport};
use super::{Run, SyncReport, apply};
use crate::error::{Error, Result};
use studymate_protocol::unsigned::to_i64;

/// Whether a pull request asks the server to count the changes behind the page: the first
/// request of a pull (and of a re-pull) does, so the progress can show a total; the pages after
/// it do not, so the count is one index scan per pull, not one per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Ask,
    Skip,
}

/// A pull request's outcome: a page, or the server's word that its history was reset.
enum Fetched {
    Page(FeedPage),
    HistoryReset,
}

/// Pulls until the server has nothing more right now. Returns how many unsent messages the
/// pages moved out of a losing direct room into the pair's room (they wait in the outbox).
///
/// When the last page's counts disagree with this device's rows, the feed is pulled again from
/// the start as after a history reset (which keeps the outbox and removes the rows the server
/// no longer has); once a sync run (this is called again when moved messages were pushed), so a
/// disagreement the re-pull cannot fix is reported in [`SyncReport::inconsistent_scopes`]
/// instead of pulling forever.
///
/// While one page is applied, the next is already being fetched and parsed on a helper thread
/// (asked for with the cursor the page's transaction saves), so the server, the network and the
/// local database work at the same time. A page whose transaction fails is not followed: the
/// page fetched meanwhile is dropped, and the saved cursor still points before the failed page.
pub(crate) fn pull_all(run: &Run<'_>, net: &Transport<'_>, report: &mut SyncReport) -> Result<u64> {
    let mut moved = 0;
    let mut cursor = run.client.store.read(state::cursor)?;
    let mut fetched = fetch(run, net, cursor.as_deref(), Count::Ask);
    // What this run is expected to pull in all, once the server has counted (see SyncProgress).
    let mut pull_total = None;
    loop {
        let page = match fetched? {
            Fetched::Page(page) => page,
            Fetched::HistoryReset => {
                if cursor.is_none() {
                    return Err(Error::Protocol(
                        "the server answered history_reset to a pull without a cursor".into(),
                    ));
                }
                run.client.store.write(state::begin_reset)?;
                report.history_resets += 1;
                cursor = None;
                fetched = fetch(run, net, None, Count::Ask);
                continue;
            }
        };
        check_cursor(cursor.as_deref(), &page)?;
        if let Some(remaining) = page.remaining {
            pull_total = Some(
                report
                    .pulled
                    .saturating_add(to_i64(page.changes.len()))
                    .saturating_add(to_i64(remaining)),
            );
        }
        let (applied, next) = std::thread::scope(|scope| {
            let prefetch = page
                .has_more
                .then(|| scope.spawn(|| fetch(run, net, Some(&page.next_cursor), Count::Skip)));
            let applied = run
                .client
                .store
                .write(|tx| apply::page(tx, run.client, &page));
            (applied, prefetch.map(|thread| thread.join()))
        });
        let (applied, changed, page_moved, mismatched) = applied?;
        moved += page_moved;
        report.pulled += to_i64(applied);
        report.changed.merge(changed);
        run.observer.progress(SyncProgress {
            pushed: report.pushed,
            outbox: 0,
            pulled: report.pulled,
            pull_total,
        });
        if !mismatched.is_empty() && report.consistency_repairs == 0 {
            tracing::warn!(scopes = ?mismatched, "rows disagree with the server's counts; pulling everything again");
            run.client.store.write(state::begin_reset)?;
            report.consistency_repairs += 1;
            cursor = None;
            fetched = fetch(run, net, None, Count::Ask);
            continue;
        }
        fetched = match next {
            None => {
                report.inconsistent_scopes = mismatched;
                return Ok(moved);
            }
            Some(Ok(outcome)) => outcome,
            Some(Err(_)) => Err(Error::Storage(
                "the thread fetching the next pull page panicked".into(),
            )),
        };
        cursor = Some(page.next_cursor);
    }
}

/// Asks for the page after `cursor` (the beginning of the feed when `None`) and parses it.
fn fetch(
    run: &Run<'_>,
    net: &Transport<'_>,
    cursor: Option<&str>,
    count: Count,
) -> Result<Fetched> {
    run.cancel.check()?;
    let mut query = vec![
        ("limit", run.pull_limit.to_string()),
        ("max_bytes", run.pull_max_bytes.to_string()),
    ];
    if count == Count::Ask {
        query.push(("count", "true".to_owned()));
    }
    if let Some(c) = cursor {
        query.push(("cursor", c.to_owned()));
    }
    match net.call(&|http, base| http.get(format!("{base}/v1/sync/pull")).query(&query))? {
        Reply::Body(answer) => Ok(Fetched::Page(feed::read_page(&answer)?)),
        Reply::HistoryReset => Ok(Fetched::HistoryReset),
        Reply::TooLarge => Err(Error::Protocol("the pull request was answered 413".into())),
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
