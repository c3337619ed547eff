//! Direct SQL on a test's database (an SQLite file or a `postgres://` URL), for the scenarios
//! that shape a database the way another build of the server left it, with the server stopped.

/// Runs `statements` (one or more, separated by `;`).
pub fn execute(db: &str, statements: &str) {
    if db.starts_with("postgres") {
        let mut client = postgres::Client::connect(db, postgres::NoTls).expect("connect");
        client.batch_execute(statements).expect("statements run");
    } else {
        let conn = rusqlite::Connection::open(db).expect("open");
        conn.execute_batch(statements).expect("statements run");
    }
}

/// Runs a query whose first column is an integer and returns that column of each row.
pub fn integers(db: &str, query: &str) -> Vec<i64> {
    if db.starts_with("postgres") {
        let mut client = postgres::Client::connect(db, postgres::NoTls).expect("connect");
        client
            .query(query, &[])
            .expect("query runs")
            .iter()
            .map(|row| {
                row.try_get::<_, i64>(0)
                    .or_else(|_| row.try_get::<_, i32>(0).map(i64::from))
                    .expect("an integer column")
            })
            .collect()
    } else {
        let conn = rusqlite::Connection::open(db).expect("open");
        let mut stmt = conn.prepare(query).expect("query prepares");
        stmt.query_map([], |row| row.get::<_, i64>(0))
            .expect("query runs")
            .map(|v| v.expect("an integer column"))
            .collect()
    }
}

/// Whether the database has a table `name` (a plain identifier).
pub fn has_table(db: &str, name: &str) -> bool {
    let query = if db.starts_with("postgres") {
        format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{name}'")
    } else {
        format!("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
    };
    integers(db, &query) == [1]
}

/// Gives a database the feed of a server from before per-user feed positions (migration V3),
/// for the scenarios that shape a database made before migrations: one global position per feed
/// row, numbered in the order of the current positions, and no `feed_heads`.
pub fn feed_before_per_user_positions(db: &str) {
    if db.starts_with("postgres") {
        execute(
            db,
            "DROP TABLE feed_heads;
             ALTER TABLE user_feed DROP CONSTRAINT user_feed_pkey;
             UPDATE user_feed f SET feed_seq = r.n FROM (
                 SELECT user_id, feed_seq, ROW_NUMBER() OVER (ORDER BY feed_seq, user_id) AS n
                 FROM user_feed) r
             WHERE r.user_id = f.user_id AND r.feed_seq = f.feed_seq;
             ALTER TABLE user_feed ADD PRIMARY KEY (feed_seq);
             ALTER TABLE user_feed ALTER COLUMN feed_seq ADD GENERATED ALWAYS AS IDENTITY;
             SELECT setval(pg_get_serial_sequence('user_feed', 'feed_seq'),
                           (SELECT MAX(feed_seq) FROM user_feed));
             CREATE INDEX user_feed_user ON user_feed(user_id, feed_seq, server_seq);",
        );
    } else {
        execute(
            db,
            "DROP TABLE feed_heads;
             CREATE TABLE user_feed_v1 (
                 feed_seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL,
                 server_seq INTEGER NOT NULL);
             INSERT INTO user_feed_v1 (feed_seq, user_id, server_seq)
                 SELECT ROW_NUMBER() OVER (ORDER BY feed_seq, user_id), user_id, server_seq
                 FROM user_feed;
             DROP TABLE user_feed;
             ALTER TABLE user_feed_v1 RENAME TO user_feed;
             CREATE INDEX user_feed_user ON user_feed(user_id, feed_seq, server_seq);
             CREATE INDEX user_feed_seq ON user_feed(server_seq);",
        );
    }
}
