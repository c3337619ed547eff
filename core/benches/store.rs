//! Store benchmarks: the cost of the change log on a write, against a plain SQLite baseline
//! measured in the same run, and the reads a chat screen makes on a large database.
//!
//! Run: `cargo bench -p studymate-core --bench store` (add `--features encryption` for
//! `store/tracked_write_encrypted`, the same write on a SQLCipher database). The `_cpu` twins of
//! the two writes time the same work in on-CPU time of the benchmark thread, which other
//! processes on a shared machine disturb far less than wall time (I/O waits are left out).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, params};
use studymate_core::chat::{NewMessage, PENDING_SORT_BASE};
use studymate_core::profile::{Level, Profile};
use studymate_core::{Client, OpenOptions};
use uuid::Uuid;

const BIG_ROOM_MESSAGES: i64 = 1_000_000;
const ROOMS: usize = 1_000;

/// A raw connection configured with the same pragmas the library uses.
fn raw(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open raw connection");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 5000;",
    )
    .expect("pragmas");
    conn
}

/// Runs `f` `n` times and returns the time this thread spent on a CPU meanwhile, so a ratio of
/// two writes is not skewed by other processes taking the CPU or the disk while one of them
/// runs. Time spent waiting for I/O is not counted.
fn on_cpu(n: u64, f: impl Fn()) -> Duration {
    let start = thread_cpu();
    for _ in 0..n {
        f();
    }
    thread_cpu().saturating_sub(start)
}

/// The calling thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "the thread's CPU clock is readable");
    Duration::new(
        u64::try_from(now.tv_sec).expect("non-negative seconds"),
        u32::try_from(now.tv_nsec).expect("nanoseconds below one second"),
    )
}

fn contact(id: Uuid) -> Profile {
    Profile {
        user_id: id,
        username: None,
        display_name: "Minji".into(),
        korean_name: None,
        profile_image_url: None,
        intro: None,
        city: Some("Daegu".into()),
        district: None,
        language_level: Level::Intermediate,
        target_fluency_level: None,
        learning_goals: vec![],
        preferences: serde_json::json!({}),
        preferred_session_minutes: 30,
        time_zone: "Asia/Seoul".into(),
        updated_at: chrono::Utc::now(),
    }
}

/// Opens a client with one direct room to a contact; returns the client and the room.
fn client_with_room(path: &Path) -> (Client, Uuid, Uuid) {
    client_with_room_options(path, OpenOptions::default())
}

/// [`client_with_room`] with the given open options (e.g. a key).
fn client_with_room_options(path: &Path, options: OpenOptions) -> (Client, Uuid, Uuid) {
    let client = Client::open(path, options).expect("open client");
    let friend = Uuid::now_v7();
    client.save_contact(&contact(friend)).expect("contact");
    let room = client.create_direct_room(friend).expect("room").id;
    (client, room, friend)
}

fn writes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("writes.db");
    let (client, room, _) = client_with_room(&path);
    let conn = raw(&path);
    let me = client.user_id().to_string();
    let room_text = room.to_string();
    let next = AtomicU64::new(1);

    let plain = || {
        let tx = conn.unchecked_transaction().expect("begin");
        tx.prepare_cached(
            "INSERT INTO chat_messages (message_id, room_id, sender_id, message_type, content, send_state, sort_key, created_at)
             VALUES (?1, ?2, ?3, 'TEXT', ?4, 'pending', ?5, ?6)",
        )
        .expect("prepare")
        .execute(params![
            Uuid::now_v7().to_string(),
            room_text,
            me,
            "Shall we meet at Dongseong-ro at six?",
            PENDING_SORT_BASE * 2 + next.fetch_add(1, Ordering::Relaxed) as i64,
            "2026-11-23T08:58:35.123Z",
        ])
        .expect("insert");
        tx.commit().expect("commit");
    };
    let message = NewMessage::text("Shall we meet at Dongseong-ro at six?");
    let tracked = || {
        client.send_message(room, &message).expect("send");
    };
    let mut group = c.benchmark_group("store");
    group.bench_function("plain_write", |b| b.iter(plain));
    group.bench_function("tracked_write", |b| b.iter(tracked));
    group.bench_function("plain_write_cpu", |b| b.iter_custom(|n| on_cpu(n, plain)));
    group.bench_function("tracked_write_cpu", |b| {
        b.iter_custom(|n| on_cpu(n, tracked))
    });
    // The same write on an encrypted database (SQLCipher), measured in the same run.
    if studymate_core::privacy::encryption_available() {
        let path = dir.path().join("encrypted.db");
        let key = studymate_core::privacy::DatabaseKey::from_bytes(&[0x5A; 32]).expect("key");
        let (encrypted, room, _) = client_with_room_options(
            &path,
            OpenOptions {
                key: Some(key),
                ..OpenOptions::default()
            },
        );
        group.bench_function("tracked_write_encrypted", |b| {
            b.iter(|| encrypted.send_message(room, &message).expect("send"))
        });
    }
    group.finish();
}

/// Fills a database with one room of a million messages (server-ordered, half from the contact).
fn big_room(path: &Path) -> (Uuid, Uuid) {
    let (client, room, friend) = client_with_room(path);
    let me = client.user_id().to_string();
    drop(client);
    let mut conn = raw(path);
    let tx = conn.transaction().expect("begin");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO chat_messages (message_id, room_id, sender_id, message_type, content, send_state, sort_key, created_at)
                 VALUES (?1, ?2, ?3, 'TEXT', ?4, 'sent', ?5, '2026-11-23T08:58:35.123Z')",
            )
            .expect("prepare");
        let friend_text = friend.to_string();
        for i in 1..=BIG_ROOM_MESSAGES {
            let sender = if i % 2 == 0 { &me } else { &friend_text };
            insert
                .execute(params![
                    Uuid::now_v7().to_string(),
                    room.to_string(),
                    sender,
                    "안녕하세요! Nice to meet you.",
                    i
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    (room, friend)
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.db");
    let (room, _) = big_room(&path);
    let client = Client::open(&path, OpenOptions::default()).expect("open");

    let mut group = c.benchmark_group("store");
    group.bench_function("chat_page", |b| {
        b.iter(|| {
            let page = client.messages(room, None, 50).expect("page");
            assert_eq!(page.messages.len(), 50);
        })
    });
    group.bench_function("open", |b| {
        b.iter_batched(
            || (),
            |_| Client::open(&path, OpenOptions::default()).expect("open"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn unread(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rooms.db");
    let client = Client::open(&path, OpenOptions::default()).expect("open");
    let mut rooms = Vec::with_capacity(ROOMS);
    for _ in 0..ROOMS {
        let friend = Uuid::now_v7();
        client.save_contact(&contact(friend)).expect("contact");
        rooms.push((client.create_direct_room(friend).expect("room").id, friend));
    }
    // Twenty server-ordered messages from the contact in every room, five of them read.
    let mut conn = raw(&path);
    let tx = conn.transaction().expect("begin");
    let mut seq = 0i64;
    for (room, friend) in &rooms {
        for _ in 0..20 {
            seq += 1;
            tx.execute(
                "INSERT INTO chat_messages (message_id, room_id, sender_id, message_type, content, send_state, sort_key, created_at)
                 VALUES (?1, ?2, ?3, 'TEXT', 'hello', 'sent', ?4, '2026-11-23T08:58:35.123Z')",
                params![Uuid::now_v7().to_string(), room.to_string(), friend.to_string(), seq],
            )
            .expect("insert");
        }
        tx.execute(
            "UPDATE chat_participants SET last_read_sort_key = ?3 WHERE room_id = ?1 AND user_id = ?2",
            params![room.to_string(), client.user_id().to_string(), seq - 15],
        )
        .expect("marker");
    }
    tx.commit().expect("commit");

    let mut group = c.benchmark_group("store");
    group.bench_function("unread_counts", |b| {
        b.iter(|| {
            let counts = client.unread_counts().expect("counts");
            assert_eq!(counts.len(), ROOMS);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(50);
    targets = writes, reads, unread
}
criterion_main!(benches);
