//! `GET /v1/sync/live`: the live channel, a server-sent event stream per signed-in device. It
//! says when the user's feed moved — a `feed` event with the cursor of the feed's end, once at
//! the start and then after every committed write that reached the feed — and never what moved:
//! the device pulls as usual, so the channel cannot show anything outside the user's scope.
//!
//! Each channel holds its user's [`Subscription`] (one value, however many writes happen), its
//! token's expiry and the shutdown signal; nothing else. It ends with a `closed` event when the
//! token expires, is revoked or rotated (checked again whenever the user's tokens change), or
//! the server stops. A heartbeat comment goes out when the channel has been idle for the
//! heartbeat interval, so both sides notice a dead connection.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::Utc;
use futures_util::Stream;
use studymate_core::sync::protocol::{LIVE_EVENT_CLOSED, LIVE_EVENT_FEED, LiveClosed, LiveFeed};
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{authenticate, bearer, require_protocol_header};
use super::state::AppState;
use super::sync::cursor;
use crate::auth::tokens;
use crate::db::TxMode;
use crate::feed;
use crate::live::hub::{MAX_CHANNELS_PER_USER, Subscription};
use crate::live::moved;

/// One open channel.
struct Channel {
    state: AppState,
    token: String,
    user: Uuid,
    epoch: String,
    subscription: Subscription,
    /// The head last sent.
    sent: i64,
    /// The head read when the channel opened, until it is sent.
    first: Option<i64>,
    /// The recheck count last acted on.
    rechecked: u64,
    /// When the token expires.
    expires: Instant,
    stopping: watch::Receiver<bool>,
    /// Set once the closing event was sent.
    closed: bool,
}

/// What ended a channel.
enum Close {
    Expired,
    Refused,
    Shutdown,
}

/// `GET /v1/sync/live`.
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    require_protocol_header(&headers)?;
    let token = bearer(&headers)?;
    let access = authenticate(&state, token.clone()).await?;
    // Subscribed before the head is read, so no write between the two goes unannounced.
    let subscription = state.live.hub().subscribe(access.user).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_channels",
            format!(
                "this account already holds {MAX_CHANNELS_PER_USER} live channels on this \
                 server; close one first"
            ),
        )
    })?;
    let rechecked = subscription.signal.borrow().recheck;
    let user = access.user;
    let (epoch, head) = state
        .run(TxMode::Read, move |conn| {
            Ok((feed::epoch(conn)?, moved::head(conn, user)?))
        })
        .await?;
    let heartbeat = state.live.heartbeat;
    let stopping = state.live.stopping();
    let channel = Channel {
        expires: expiry(access.expires_at),
        state,
        token,
        user,
        epoch,
        subscription,
        sent: head,
        first: Some(head),
        rechecked,
        stopping,
        closed: false,
    };
    let stream = futures_util::stream::unfold(channel, |mut channel| async move {
        let event = channel.next_event().await?;
        Some((Ok(event), channel))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}

/// The instant a token expiring at Unix second `expires_at` stops working.
fn expiry(expires_at: i64) -> Instant {
    let left = expires_at.saturating_sub(Utc::now().timestamp());
    Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

impl Channel {
    /// Waits for the next event to send; `None` once the channel is over.
    async fn next_event(&mut self) -> Option<Event> {
        if self.closed {
            return None;
        }
        if let Some(head) = self.first.take() {
            return Some(feed_event(&self.epoch, head));
        }
        let close = loop {
            let mut stopping = self.stopping.clone();
            tokio::select! {
                () = tokio::time::sleep_until(self.expires) => break Close::Expired,
                () = async { let _ = stopping.wait_for(|stop| *stop).await; } => break Close::Shutdown,
                changed = self.subscription.signal.changed() => {
                    if changed.is_err() {
                        break Close::Shutdown;
                    }
                    let signal = *self.subscription.signal.borrow_and_update();
                    let mut head = signal.head;
                    if signal.recheck != self.rechecked {
                        self.rechecked = signal.recheck;
                        match self.recheck().await {
                            Ok(Some(stored)) => head = head.max(stored),
                            Ok(None) => break Close::Refused,
                            Err(e) => {
                                tracing::warn!(error = %e.detail.as_deref().unwrap_or(&e.message), "a live channel could not recheck its token");
                                break Close::Refused;
                            }
                        }
                    }
                    if head > self.sent {
                        self.sent = head;
                        return Some(feed_event(&self.epoch, head));
                    }
                }
            }
        };
        self.closed = true;
        Some(closed_event(match close {
            Close::Expired => "token_expired",
            Close::Refused => "unauthorized",
            Close::Shutdown => "shutdown",
        }))
    }

    /// Checks the token again and reads the head from the store: `None` when the token no
    /// longer works (revoked, rotated, expired).
    async fn recheck(&self) -> Result<Option<i64>, ApiError> {
        let token = self.token.clone();
        let user = self.user;
        self.state
            .run(TxMode::Read, move |conn| {
                match tokens::authenticate(conn, &token, Utc::now()) {
                    Ok(_) => Ok(Some(moved::head(conn, user)?)),
                    Err(tokens::TokenError::Db(e)) => Err(e.into()),
                    Err(_) => Ok(None),
                }
            })
            .await
    }
}

/// A `feed` event naming the cursor of feed position `head`.
fn feed_event(epoch: &str, head: i64) -> Event {
    json_event(
        LIVE_EVENT_FEED,
        &LiveFeed {
            cursor: cursor(epoch, head),
        },
    )
}

/// The `closed` event, with its reason.
fn closed_event(reason: &str) -> Event {
    json_event(
        LIVE_EVENT_CLOSED,
        &LiveClosed {
            reason: reason.to_owned(),
        },
    )
}

/// An event `name` with `data` as JSON. (Serialising the two plain structs above cannot fail;
/// should it, the event goes without data, which still wakes the device.)
fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}
