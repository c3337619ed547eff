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
