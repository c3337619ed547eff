//! The accounts' defences against a hostile client, written once and run against each store
//! (`sqlite.rs`, `postgres.rs`): bounded hashing, attempt limits, equal work for unknown
//! usernames, logout, and the refresh rotation, retry and replay rules.

use serde_json::{Value, json};
use studymate_core::Error;
use studymate_core::sync::protocol::SignupRequest;
use studymate_core::sync::{Refresh, ServerSession, TokenProvider};

use super::{Server, Session, send, sql};
use crate::common::scenarios::Scenario;

/// Every accounts scenario, by name, for the stores' test drivers.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "hashing_is_bounded_under_a_login_flood",
        hashing_is_bounded_under_a_login_flood,
    ),
    (
        "unknown_usernames_do_the_hashing_work",
        unknown_usernames_do_the_hashing_work,
    ),
    (
        "logins_are_throttled_per_username",
        logins_are_throttled_per_username,
    ),
    (
        "logins_and_signups_are_throttled_per_address",
        logins_and_signups_are_throttled_per_address,
    ),
    ("logout_revokes_the_sign_in", logout_revokes_the_sign_in),
    (
        "refresh_rotates_retries_and_detects_replay",
        refresh_rotates_retries_and_detects_replay,
    ),
    ("an_older_database_upgrades", an_older_database_upgrades),
    ("client_session_logs_out", client_session_logs_out),
];

/// How many logins the floods send at once.
const FLOOD: usize = 100;

/// One Argon2 run with the default parameters takes 19 MiB.
const HASH_KIB: u64 = 19 * 1024;

/// Flags that lift the attempt limits, for scenarios about something else.
const NO_LIMITS: [&str; 6] = [
    "--login-per-address-per-minute",
    "0",
    "--login-failures-per-username-per-hour",
    "0",
    "--signup-per-address-per-hour",
    "0",
];

/// An answer: status, JSON body (Null if none) and `Retry-After` in seconds, if present.
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

fn login(server: &Server, username: &str, password: &str) -> Answer {
    answer(
        server
            .request(reqwest::Method::POST, "/v1/auth/login")
            .json(&json!({"username": username, "password": password})),
    )
}

fn signup(server: &Server, username: &str) -> Answer {
    answer(
        server
            .request(reqwest::Method::POST, "/v1/auth/signup")
            .json(&json!({"username": username, "password": "correct horse", "display_name": username})),
    )
}

/// Sends a request and reads status, body and `Retry-After`.
fn answer(req: reqwest::blocking::RequestBuilder) -> Answer {
    let resp = req.send().expect("request reaches the server");
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = resp.json::<Value>().unwrap_or(Value::Null);
    Answer {
        status,
        body,
        retry_after,
    }
}

/// `FLOOD` logins at once, with the usernames `name(i)` and a wrong password.
fn flood(server: &Server, name: impl Fn(usize) -> String + Sync) -> Vec<Answer> {
    std::thread::scope(|s| {
        let name = &name;
        let handles: Vec<_> = (0..FLOOD)
            .map(|i| s.spawn(move || login(server, &name(i), "wrong horse")))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("login thread"))
            .collect()
    })
}

/// Whether every answer of a flood is a refused password or busy with a `Retry-After`;
/// returns how many were busy.
fn refused_or_busy(answers: &[Answer]) -> usize {
    for a in answers {
        match (a.status, a.code()) {
            (401, "invalid_credentials") => {}
            (503, "busy") => assert!(
                a.retry_after.is_some_and(|s| s >= 1),
                "503 busy carries Retry-After: {:?}",
                a.retry_after
            ),
            _ => panic!(
                "unexpected answer to a wrong login: {} {}",
                a.status, a.body
            ),
        }
    }
    answers.iter().filter(|a| a.status == 503).count()
}

fn pull_status(server: &Server, session: &Session) -> (u16, String) {
    let (status, body) = server.pull_page(session, None, 1);
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

fn refresh(server: &Server, session: &Session) -> (u16, Value) {
    server.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": session.refresh}),
    )
}

fn logout(server: &Server, access: &str) -> u16 {
    send(
        server
            .request(reqwest::Method::POST, "/v1/auth/logout")
            .bearer_auth(access),
    )
    .0
}

/// 100 wrong logins at once with 2 hashing slots: each is refused (401) or answered busy (503
/// with `Retry-After`); the server's peak memory stays near two hashes' worth, not a hundred
/// (unbounded, this flood took it to 1.9 GB); a right login is served afterwards.
pub fn hashing_is_bounded_under_a_login_flood(db: &str) {
    let mut flags = vec!["--hash-concurrency", "2", "--hash-wait-ms", "100"];
    flags.extend(NO_LIMITS);
    let server = Server::start(db, &flags);
    server.signup("ann");
    let answers = flood(&server, |_| "ann".to_owned());
    let busy = refused_or_busy(&answers);
    assert!(busy > 0, "a flood beyond the bound is answered busy");
    let peak = server.peak_memory_kib();
    assert!(
        peak < 10 * HASH_KIB,
        "peak memory {peak} KiB: more than ten hashes' worth with two slots"
    );
    let ok = login(&server, "ann", "correct horse");
    assert_eq!(ok.status, 200, "{}", ok.body);
}

/// A login for an unknown username does the work of a wrong password: it runs Argon2 (against
/// a dummy hash with the same parameters), seen in the server's peak memory growing by the
/// 19 MiB one run fills, and it takes a hashing slot: with one slot and no wait, a flood of
/// unknown usernames is partly answered busy. Were unknown usernames refused without hashing,
/// the peak would not move and every answer would be 401.
pub fn unknown_usernames_do_the_hashing_work(db: &str) {
    let mut flags = vec!["--hash-concurrency", "1", "--hash-wait-ms", "0"];
    flags.extend(NO_LIMITS);
    let server = Server::start(db, &flags);
    let before = server.peak_memory_kib();
    let ghost = login(&server, "ghost", "wrong horse");
    assert_eq!((ghost.status, ghost.code()), (401, "invalid_credentials"));
    let after = server.peak_memory_kib();
    assert!(
        after >= before + HASH_KIB * 9 / 10,
        "an unknown username runs Argon2: peak {before} KiB -> {after} KiB"
    );

    let answers = flood(&server, |i| format!("ghost{i}"));
    let busy = refused_or_busy(&answers);
    assert!(
        busy > 0,
        "unknown usernames go through the hashing slots: {busy} busy of {FLOOD}"
    );
    assert!(busy < FLOOD, "some were hashed and refused");
}

/// Failed logins spend a username's budget (3 here): the next attempt is 429
/// `too_many_attempts` with `Retry-After`, even with the right password, while other usernames
/// are unaffected; unknown usernames are counted alike; a success clears the count.
pub fn logins_are_throttled_per_username(db: &str) {
    let server = Server::start(
        db,
        &[
            "--login-failures-per-username-per-hour",
            "3",
            "--login-per-address-per-minute",
            "0",
        ],
    );
    server.signup("ann");
    server.signup("bo");
    for _ in 0..3 {
        assert_eq!(login(&server, "ann", "wrong horse").status, 401);
    }
    for password in ["wrong horse", "correct horse"] {
        let locked = login(&server, "ann", password);
        assert_eq!(
            (locked.status, locked.code()),
            (429, "too_many_attempts"),
            "{}",
            locked.body
        );
        // 3 per hour: one attempt regained every 20 minutes.
        assert!(
            locked.retry_after.is_some_and(|s| (1..=1200).contains(&s)),
            "Retry-After {:?}",
            locked.retry_after
        );
    }
    assert_eq!(
        login(&server, "bo", "correct horse").status,
        200,
        "another username keeps its budget"
    );

    for _ in 0..3 {
        assert_eq!(login(&server, "ghost", "wrong horse").status, 401);
    }
    assert_eq!(login(&server, "ghost", "wrong horse").status, 429);

    for _ in 0..2 {
        assert_eq!(login(&server, "bo", "wrong horse").status, 401);
    }
    assert_eq!(login(&server, "bo", "correct horse").status, 200);
    for _ in 0..2 {
        assert_eq!(
            login(&server, "bo", "wrong horse").status,
            401,
            "the success cleared the earlier failures"
        );
    }
}

/// Login and signup requests from one address (all tests come from 127.0.0.1) are limited:
/// past the budget, 429 `too_many_attempts` with `Retry-After`, whatever the username.
pub fn logins_and_signups_are_throttled_per_address(db: &str) {
    let server = Server::start(
        db,
        &[
            "--login-per-address-per-minute",
            "3",
            "--signup-per-address-per-hour",
            "2",
        ],
    );
    assert_eq!(signup(&server, "ann").status, 201);
    assert_eq!(signup(&server, "bo").status, 201);
    let third = signup(&server, "cy");
    assert_eq!((third.status, third.code()), (429, "too_many_attempts"));
    // 2 per hour: one regained every 30 minutes.
    assert!(
        third.retry_after.is_some_and(|s| (1..=1800).contains(&s)),
        "Retry-After {:?}",
        third.retry_after
    );

    assert_eq!(login(&server, "ann", "correct horse").status, 200);
    assert_eq!(login(&server, "x1", "wrong horse").status, 401);
    assert_eq!(login(&server, "x2", "wrong horse").status, 401);
    let over = login(&server, "bo", "correct horse");
    assert_eq!(
        (over.status, over.code()),
        (429, "too_many_attempts"),
        "{}",
        over.body
    );
    // 3 per minute: one regained every 20 seconds.
    assert!(
        over.retry_after.is_some_and(|s| (1..=20).contains(&s)),
        "Retry-After {:?}",
        over.retry_after
    );
}

/// Logout (204) revokes the sign-in: its access and refresh tokens stop working, while another
/// sign-in of the same user keeps working.
pub fn logout_revokes_the_sign_in(db: &str) {
    let server = Server::start(db, &NO_LIMITS);
    let phone = server.signup("ann");
    let laptop = login(&server, "ann", "correct horse");
    assert_eq!(laptop.status, 200);
    let laptop = Session::from_body(&laptop.body);
    assert_eq!(pull_status(&server, &phone).0, 200);

    assert_eq!(logout(&server, &phone.access), 204);
    assert_eq!(
        pull_status(&server, &phone),
        (401, "unauthorized".to_owned())
    );
    let (status, body) = refresh(&server, &phone);
    assert_eq!((status, body["code"].clone()), (401, json!("unauthorized")));
    assert_eq!(logout(&server, &phone.access), 401, "already signed out");
    assert_eq!(logout(&server, "not-a-token"), 401);
    assert_eq!(
        pull_status(&server, &laptop).0,
        200,
        "the other sign-in is untouched"
    );
}

/// Refresh rotates within the sign-in and the previous access token stops working; a refresh
/// whose answer was lost can be retried with the spent token while the new pair is unused; a
/// spent token replayed after its successor was used, or after the successor was itself
/// refreshed, revokes the whole sign-in, newest pair included.
pub fn refresh_rotates_retries_and_detects_replay(db: &str) {
    let server = Server::start(db, &NO_LIMITS);
    let first = server.signup("ann");
    assert_eq!(pull_status(&server, &first).0, 200);
    let (status, body) = refresh(&server, &first);
    assert_eq!(status, 200, "{body}");
    let second = Session::from_body(&body);
    assert_eq!(
        pull_status(&server, &first).0,
        401,
        "the previous access token stops at refresh"
    );
    assert_eq!(pull_status(&server, &second).0, 200);

    // The answer to this refresh is "lost": the client retries with the spent token.
    let (status, body) = refresh(&server, &second);
    assert_eq!(status, 200, "{body}");
    let lost = Session::from_body(&body);
    let (status, body) = refresh(&server, &second);
    assert_eq!(status, 200, "a lost answer's retry succeeds: {body}");
    let third = Session::from_body(&body);
    assert_ne!(third.access, lost.access);
    assert_eq!(
        pull_status(&server, &lost).0,
        401,
        "the unused pair is replaced"
    );
    assert_eq!(refresh(&server, &lost).0, 401);
    assert_eq!(pull_status(&server, &third).0, 200);

    // The retried pair was used: the spent token is now a replay, and revokes the sign-in.
    let (status, body) = refresh(&server, &second);
    assert_eq!((status, body["code"].clone()), (401, json!("unauthorized")));
    assert_eq!(
        pull_status(&server, &third),
        (401, "unauthorized".to_owned()),
        "the newest access token is revoked"
    );
    assert_eq!(
        refresh(&server, &third).0,
        401,
        "the newest refresh token is revoked"
    );

    // A replay after the successor's refresh token was redeemed (its access never used).
    let start = server.login("ann");
    let (_, body) = refresh(&server, &start);
    let next = Session::from_body(&body);
    let (status, body) = refresh(&server, &next);
    assert_eq!(status, 200, "{body}");
    let newest = Session::from_body(&body);
    assert_eq!(refresh(&server, &start).0, 401);
    assert_eq!(pull_status(&server, &newest).0, 401);
    assert_eq!(refresh(&server, &newest).0, 401);
}

/// A database made before token families (a `tokens` table, no `token_pairs`) opens: the old
/// table is dropped (its tokens stop working) and accounts sign in, refresh and sync as usual.
pub fn an_older_database_upgrades(db: &str) {
    let server = Server::start(db, &NO_LIMITS);
    let ann = server.signup("ann");
    server.terminate();
    // A database of that time predates the migrations too: it has no history.
    sql::execute(
        db,
        "DROP TABLE refinery_schema_history;
         DROP TABLE token_pairs;
         CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL,
             expires_at BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0);
         INSERT INTO tokens VALUES ('00', 'someone', 'refresh', 4102444800, 0);",
    );
    sql::feed_before_per_user_positions(db);

    let server = Server::start(db, &NO_LIMITS);
    assert!(
        !sql::has_table(db, "tokens"),
        "the old token table is dropped"
    );
    assert_eq!(
        pull_status(&server, &ann).0,
        401,
        "tokens from before are gone"
    );
    let again = login(&server, "ann", "correct horse");
    assert_eq!(again.status, 200, "{}", again.body);
    let again = Session::from_body(&again.body);
    assert_eq!(again.user, ann.user);
    let (status, body) = refresh(&server, &again);
    assert_eq!(status, 200, "{body}");
    assert_eq!(pull_status(&server, &Session::from_body(&body)).0, 200);
}

/// `ServerSession::log_out` signs the client's session out: its tokens stop working.
pub fn client_session_logs_out(db: &str) {
    let server = Server::start(db, &NO_LIMITS);
    let session = ServerSession::signup(
        &server.base,
        &SignupRequest {
            user_id: None,
            username: "ann".to_owned(),
            password: "correct horse".to_owned(),
            display_name: "Ann".to_owned(),
        },
    )
    .expect("signup");
    let tokens = session.tokens();
    let held = Session {
        user: tokens.user_id,
        access: tokens.access_token.clone(),
        refresh: tokens.refresh_token.clone(),
    };
    assert_eq!(pull_status(&server, &held).0, 200);
    session.log_out().expect("log out");
    assert_eq!(pull_status(&server, &held).0, 401);
    assert!(matches!(
        session.refresh(&Refresh::new(tokens.access_token.clone())),
        Err(Error::Auth(_))
    ));
    assert!(
        matches!(session.log_out(), Err(Error::Auth(_))),
        "signing out twice is refused"
    );
}
