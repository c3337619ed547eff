//! The live channel, `GET /v1/sync/live`: what it announces, to whom, and when it closes.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};

use super::{Device, Server, Session, send, signed_up, statuses};
use crate::common::scenarios::Scenario;

/// Every live scenario, run on each store.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "live_announces_each_feed_move_and_nothing_else",
        live_announces_each_feed_move_and_nothing_else,
    ),
    (
        "live_closes_when_the_token_is_revoked_rotated_or_expires",
        live_closes_when_the_token_is_revoked_rotated_or_expires,
    ),
    (
        "live_refuses_what_every_endpoint_refuses",
        live_refuses_what_every_endpoint_refuses,
    ),
    (
        "live_wakes_for_the_operators_adjustment",
        live_wakes_for_the_operators_adjustment,
    ),
];

/// What the channel sent next.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// A named event with its JSON data.
    Event(String, Value),
    /// A heartbeat comment.
    Heartbeat,
    /// The server ended the stream.
    End,
}

/// An open live channel, read line by line.
pub struct Channel {
    lines: BufReader<reqwest::blocking::Response>,
}

impl Channel {
    /// Opens `session`'s channel on `server`; panics unless it is answered 200 with an event
    /// stream.
    pub fn open(server: &Server, session: &Session) -> Channel {
        let response = live_request(server, &session.access)
            .send()
            .expect("the live request reaches the server");
        assert_eq!(response.status().as_u16(), 200, "live channel refused");
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Channel {
            lines: BufReader::new(response),
        }
    }

    /// Opens `session`'s channel on `server` and checks that its first event names the end of
    /// the feed a full pull reaches; returns the channel and that cursor.
    pub fn open_at_end(server: &Server, session: &Session) -> (Channel, String) {
        let mut channel = Channel::open(server, session);
        let (_, end) = server.pull_all(session, None);
        assert_eq!(channel.feed(), end, "the channel opens with the feed's end");
        (channel, end)
    }

    /// The next event or heartbeat.
    pub fn next(&mut self) -> Next {
        let (mut name, mut data) = (None, String::new());
        loop {
            let mut line = String::new();
            let read = self.lines.read_line(&mut line).expect("the stream reads");
            if read == 0 {
                return Next::End;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if let Some(name) = name.take() {
                    let data = serde_json::from_str(&data).expect("event data is JSON");
                    return Next::Event(name, data);
                }
                continue;
            }
            if line.starts_with(':') {
                return Next::Heartbeat;
            }
            if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim());
            }
        }
    }

    /// The next event, skipping heartbeats; panics at the end of the stream.
    pub fn event(&mut self) -> (String, Value) {
        loop {
            match self.next() {
                Next::Event(name, data) => return (name, data),
                Next::Heartbeat => {}
                Next::End => panic!("the live channel ended"),
            }
        }
    }

    /// The cursor of the next event, which must be a `feed` event carrying only a cursor.
    pub fn feed(&mut self) -> String {
        let (name, data) = self.event();
        assert_eq!(name, "feed", "{data}");
        let fields: Vec<&String> = data.as_object().expect("an object").keys().collect();
        assert_eq!(fields, ["cursor"], "a feed event carries the cursor alone");
        data["cursor"].as_str().expect("cursor").to_owned()
    }

    /// Reads until the `closed` event and the end of the stream; returns its reason.
    pub fn closed(&mut self) -> String {
        let (name, data) = self.event();
        assert_eq!(name, "closed", "{data}");
        assert_eq!(self.next(), Next::End, "the stream ends after `closed`");
        data["reason"].as_str().expect("reason").to_owned()
    }
}

/// A live request with `token` and the protocol header; reads time out after 60 s.
fn live_request(server: &Server, token: &str) -> reqwest::blocking::RequestBuilder {
    server
        .request(reqwest::Method::GET, "/v1/sync/live")
        .bearer_auth(token)
        .timeout(Duration::from_secs(60))
}

/// Every signed-in user's channel opens with the end of their feed, announces each push that
/// reaches their feed with the cursor a pull then ends at, and says nothing about other users'
/// rooms: cid, not in the room, hears of nothing until his own change.
pub fn live_announces_each_feed_move_and_nothing_else(db: &str) {
    let (server, [ann, bob, cid]) = signed_up(db, ["ann", "bob", "cid"]);
    let (mut channels, mut cursors): (Vec<Channel>, Vec<String>) = [&ann, &bob, &cid]
        .iter()
        .map(|s| Channel::open_at_end(&server, s))
        .unzip();

    let (mut phone, room) = server.direct_room(&ann, &bob);
    for (i, session) in [&ann, &bob].into_iter().enumerate() {
        let (changes, end) = server.pull_all(session, Some(&cursors[i]));
        assert!(!changes.is_empty());
        assert_eq!(channels[i].feed(), end, "one event for the room");
        cursors[i] = end;
    }
    for text in ["one", "two", "three"] {
        let (_, message) = phone.message(room, ann.user, text);
        assert_eq!(
            statuses(&server.push(&ann, phone.id, &[message])),
            ["applied"]
        );
        let (changes, end) = server.pull_all(&bob, Some(&cursors[1]));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(channels[1].feed(), end, "bob hears of {text}");
        cursors[1] = end;
        let (_, end) = server.pull_all(&ann, Some(&cursors[0]));
        assert_eq!(
            channels[0].feed(),
            end,
            "ann's other devices hear of it too"
        );
        cursors[0] = end;
    }

    let mut cids = Device::new();
    let tag = cids.change(
        Entity::UserInterest,
        "hiking",
        Operation::Insert,
        json!({"interest_tag": "hiking"}),
    );
    assert_eq!(statuses(&server.push(&cid, cids.id, &[tag])), ["applied"]);
    let (changes, end) = server.pull_all(&cid, Some(&cursors[2]));
    assert_eq!(changes.len(), 1);
    assert_eq!(
        channels[2].feed(),
        end,
        "cid's first event after opening is his own change: nothing of ann and bob's room"
    );
}

/// A logout closes the channel (`unauthorized`), and so does a refresh (the previous access
/// token is spent), while other sign-ins' channels stay open; an access token's expiry closes
/// its channel (`token_expired`), and a reconnect with it is refused. An idle channel sends
/// heartbeats.
pub fn live_closes_when_the_token_is_revoked_rotated_or_expires(db: &str) {
    let server = Server::start(
        db,
        &["--token-ttl-seconds", "3", "--live-heartbeat-seconds", "1"],
    );
    let ann = server.signup("ann");
    let mut first = Channel::open(&server, &ann);
    first.feed();
    assert_eq!(first.next(), Next::Heartbeat, "an idle channel beats");

    let (status, body) = server.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": ann.refresh}),
    );
    assert_eq!(status, 200, "{body}");
    let rotated = Session::from_body(&body);
    assert_eq!(
        first.closed(),
        "unauthorized",
        "the rotated token's channel closes"
    );

    let mut second = Channel::open(&server, &rotated);
    second.feed();
    let laptop = login(&server, "ann");
    let mut other = Channel::open(&server, &laptop);
    other.feed();
    let (status, _) = send(
        server
            .request(reqwest::Method::POST, "/v1/auth/logout")
            .bearer_auth(&rotated.access),
    );
    assert_eq!(status, 204);
    assert_eq!(second.closed(), "unauthorized", "logout closes the channel");

    assert_eq!(
        other.closed(),
        "token_expired",
        "the other sign-in's channel lives until expiry"
    );
    let answer = live_request(&server, &laptop.access)
        .send()
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 401);
    let body: Value = answer.json().expect("an error body");
    assert_eq!(body["code"], "token_expired");
}

/// Without a token, with an unknown one, or without the protocol header, the channel is
/// refused like any sync call.
pub fn live_refuses_what_every_endpoint_refuses(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let (status, body) = send(server.request(reqwest::Method::GET, "/v1/sync/live"));
    assert_eq!((status, body["code"].clone()), (401, json!("unauthorized")));
    let (status, _) = send(live_request(&server, "not-a-token"));
    assert_eq!(status, 401);
    let url = format!("{}/v1/sync/live", server.base);
    let (status, body) = send(
        reqwest::blocking::Client::new()
            .get(url)
            .bearer_auth(&ann.access),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (400, json!("unsupported_protocol"))
    );
    let (status, body) = send(live_request(&server, &ann.access).header("StudyMate-Protocol", "2"));
    assert_eq!(
        (status, body["code"].clone()),
        (400, json!("unsupported_protocol"))
    );
}

/// Signs `username` in again (another device).
fn login(server: &Server, username: &str) -> Session {
    let (status, body) = server.post(
        "/v1/auth/login",
        None,
        &json!({"username": username, "password": "correct horse"}),
    );
    assert_eq!(status, 200, "{body}");
    Session::from_body(&body)
}

/// The operator's `adjust-points`, a process of its own, wakes the user's channel with the
/// cursor a pull then ends at: on PostgreSQL through the `NOTIFY` of its transaction, on SQLite
/// when the serving process next reads the listening users' heads (every 2 s).
pub fn live_wakes_for_the_operators_adjustment(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let (mut channel, start) = Channel::open_at_end(&server, &ann);

    server.adjust_points(ann.user, 25);
    let (changes, end) = server.pull_all(&ann, Some(&start));
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["entity"], "point_transaction");
    assert_eq!(channel.feed(), end, "the channel hears of the adjustment");
}
