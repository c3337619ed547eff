//! The store behind the server: a [`Backend`] hands out connections that run one SQL dialect
//! (the common subset of SQLite and PostgreSQL, `$n` placeholders, TEXT and BIGINT columns),
//! so the sync logic is written once and runs unchanged on either database.

mod checkpoint;
mod conflict;
mod postgres;
mod schema;
mod sqlite;
mod staged;

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

pub use self::conflict::Conflict;

pub use self::postgres::PostgresBackend;
pub use self::sqlite::SqliteBackend;
pub use self::staged::Staged;

/// A value bound to or read from SQL: the server stores only integers and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (BIGINT).
    Int(i64),
    /// Text (ids, JSON documents, instants).
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<uuid::Uuid> for Value {
    fn from(v: uuid::Uuid) -> Self {
        Value::Text(v.to_string())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a `&[Value]` parameter list from expressions convertible into [`Value`].
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*] as &[$crate::db::Value] };
}
pub(crate) use params;

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// The integer in column `i`; a NULL or text there is a schema bug, reported as an error.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            other => Err(DbError::Decode(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    /// The integer in column `i`, or `None` for NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// The text in column `i`.
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            other => Err(DbError::Decode(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    /// The text in column `i`, or `None` for NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// Why a database call failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database refused or failed the statement, or the connection broke.
    #[error("database error: {0}")]
    Database(String),
    /// A stored value did not have the shape the server wrote.
    #[error("stored data is malformed: {0}")]
    Decode(String),
    /// The schema could not be brought up to date (a failed migration, or a database migrated
    /// by a newer or different build); nothing of the failed migrations was kept.
    #[error("migrating the database failed: {0}")]
    Migration(String),
    /// The transaction's body panicked; the transaction was rolled back.
    #[error("the request panicked and was rolled back: {0}")]
    Panicked(String),
    /// The transaction staged feed deliveries it never appended (`crate::feed::settle`), a bug
    /// of its write path: it was rolled back instead of committing, so the staged rows cannot
    /// end up in the connection's next transaction.
    #[error("the transaction left staged feed rows unsettled and was rolled back: {0}")]
    Unsettled(String),
}

/// Whether a transaction will write, and what it must not run beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads only, from one snapshot.
    Read,
    /// Reads and writes. On PostgreSQL writes of different users run in parallel (SQLite has
    /// one writer); what must stay ordered takes row locks: the pushing user's row
    /// (`crate::users::lock`), a room's record, and last the heads of the feeds the transaction
    /// appends to (`crate::feed::settle`).
    Write,
    /// Reads and writes with no other writer beside it: maintenance that rewrites every feed
    /// (the catalog import and history reset at start, compaction).
    Exclusive,
}

/// A connection checked out of a backend's pool. Dropping it while a transaction is open rolls
/// that transaction back, and closes the connection instead if the rollback fails: a connection
/// never returns to the pool inside a transaction.
pub trait Conn {
    /// Starts a transaction.
    fn begin(&mut self, mode: TxMode) -> Result<(), DbError>;
    /// Commits the open transaction, unless it still holds staged feed rows (in [`Conn::staged`]
    /// or `feed_pending`, which `crate::feed::settle` empties): then it fails with
    /// [`DbError::Unsettled`] and leaves the transaction open for the caller to roll back.
    fn commit(&mut self) -> Result<(), DbError>;
    /// Rolls back the open transaction.
    fn rollback(&mut self) -> Result<(), DbError>;
    /// Runs one statement and returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    /// Runs one query and returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs parameterless statements (DDL, savepoints).
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
    /// Reserves `n` values of `table`'s generated `column` (an AUTOINCREMENT rowid on SQLite,
    /// an identity on PostgreSQL), in increasing order; none is ever handed out again. A row
    /// whose other columns must hold its own value (a message's payload holds its server
    /// sequence) is then written once, its value given explicitly (`OVERRIDING SYSTEM VALUE`).
    fn reserve_ids(&mut self, table: &str, column: &str, n: usize) -> Result<Vec<i64>, DbError>;
    /// The feed deliveries the open transaction staged in memory (`crate::feed::stage`):
    /// emptied by `begin` and `rollback`, checked by `commit`.
    fn staged(&mut self) -> &mut Staged;
    /// Marks the connection unusable so the pool drops it instead of reusing it.
    fn discard(&mut self);
    /// Whether a statement since the last `begin` failed because of a concurrent transaction
    /// (a deadlock, a serialization failure, or a unique key another transaction took first),
    /// and which: the transaction is worth running again, and then sees what the other one
    /// committed.
    fn conflict(&self) -> Option<Conflict>;
}

/// A database the server can run on.
pub trait Backend: Send + Sync {
    /// Checks a connection out of the pool (opening one if none is idle).
    fn acquire(&self) -> Result<Box<dyn Conn + '_>, DbError>;
    /// Which database this is, for logs.
    fn name(&self) -> &'static str;
}

impl fmt::Debug for dyn Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many times [`in_tx`] runs a transaction that keeps losing to concurrent ones.
const MAX_ATTEMPTS: usize = 5;

/// Runs `f` in one transaction: commits if it returns `Ok`, rolls back otherwise. A panic in
/// `f` (a bug, or a hostile input that reaches one) is caught and rolled back like an error, so
/// nothing of the failed request is committed and the connection goes back to the pool clean;
/// it is returned as [`DbError::Panicked`]. A transaction the database aborted for a conflict
/// with a concurrent one ([`Conn::conflict`], PostgreSQL) is rolled back and run again, up to
/// [`MAX_ATTEMPTS`] times in all: each run starts from nothing, so `f` is called once per run.
/// Every retry is counted and logged ([`conflict::note_retry`]) and waits a short random time
/// first ([`conflict::backoff`]), so the transaction it lost to can finish instead of meeting
/// the same run again. (`in_tx` runs on blocking threads, never on an async worker.)
pub fn in_tx<T, E: From<DbError>>(
    db: &dyn Backend,
    mode: TxMode,
    mut f: impl FnMut(&mut dyn Conn) -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        let mut conn = db.acquire()?;
        let started = Instant::now();
        let outcome = run_once(&mut *conn, mode, &mut f);
        match (outcome, conn.conflict()) {
            (Err(_), Some(conflict)) if attempt < MAX_ATTEMPTS => {
                conflict::note_retry(conflict, started.elapsed(), attempt + 1);
                // Dropped first, so the rolled-back connection waits in the pool, not here.
                drop(conn);
                std::thread::sleep(conflict::backoff(attempt));
                attempt += 1;
            }
            (Err(e), Some(conflict)) => {
                conflict::note_given_up(conflict, attempt);
                return Err(e);
            }
            (outcome, _) => return outcome,
        }
    }
}

/// One run of [`in_tx`] on `conn`.
fn run_once<T, E: From<DbError>>(
    conn: &mut dyn Conn,
    mode: TxMode,
    f: &mut impl FnMut(&mut dyn Conn) -> Result<T, E>,
) -> Result<T, E> {
    conn.begin(mode)?;
    // The connection is only used again after a rollback, which restores a consistent state, so
    // observing it after the unwind is sound.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| f(&mut *conn)));
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(payload) => {
            if conn.rollback().is_err() {
                conn.discard();
            }
            return Err(DbError::Panicked(panic_message(payload.as_ref())).into());
        }
    };
    match outcome {
        Ok(value) => {
            if let Err(e) = conn.commit() {
                if let DbError::Unsettled(detail) = &e {
                    tracing::error!(%detail, "refused to commit a transaction with unsettled feed rows");
                }
                if conn.rollback().is_err() {
                    conn.discard();
                }
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            if conn.rollback().is_err() {
                conn.discard();
            }
            Err(e)
        }
    }
}

/// The text a panic was raised with, for the log.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Most rows one multi-row statement or `IN (…)` lookup carries; larger sets are split with
/// [`pow2_chunks`].
pub const MAX_ROWS: usize = 256;

/// Splits `items` into chunks whose lengths are powers of two, at most `max` (itself a power of
/// two): a multi-row statement built for each chunk then has one of a few shapes, so the
/// per-connection prepared-statement caches hold a handful of them, not one per batch size.
pub fn pow2_chunks<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = if rest.len() >= max {
            max
        } else {
            // The largest power of two not above the length (at least 1, as the length is).
            1 << (usize::BITS - 1 - rest.len().leading_zeros())
        };
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        Some(chunk)
    })
}

/// Placeholders for `rows` rows of `columns` values, numbered from `$first`: `$1, $2` for one
/// column (an `IN` list), `($1, $2), ($3, $4)` for more (a `VALUES` list).
pub fn value_rows(first: usize, columns: usize, rows: usize) -> String {
    use std::fmt::Write;
    // Built in one string: a chunk of 256 rows has over a thousand placeholders, and a string
    // per placeholder cost more than the statement's own work.
    let mut sql = String::with_capacity(rows * columns * 7);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        if columns > 1 {
            sql.push('(');
        }
        let start = first + r * columns;
        for n in start..start + columns {
            if n > start {
                sql.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = write!(sql, "${n}");
        }
        if columns > 1 {
            sql.push(')');
        }
    }
    sql
}

/// Runs `f` inside a savepoint: on `Err` only `f`'s writes are undone (the feed deliveries it
/// staged in memory too) and the transaction goes on.
pub fn in_savepoint<T, E: From<DbError>>(
    conn: &mut dyn Conn,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, E>,
) -> Result<T, E> {
    conn.batch("SAVEPOINT entry")?;
    let staged = conn.staged().mark();
    match f(conn) {
        Ok(value) => {
            conn.batch("RELEASE SAVEPOINT entry")?;
            Ok(value)
        }
        Err(e) => {
            conn.batch("ROLLBACK TO SAVEPOINT entry")?;
            conn.batch("RELEASE SAVEPOINT entry")?;
            conn.staged().undo(staged);
            Err(e)
        }
    }
}

/// Opens the database named on the command line: a `postgres://` URL or an SQLite file path.
pub fn open(target: &str) -> Result<Box<dyn Backend>, DbError> {
    if is_postgres(target) {
        Ok(Box::new(PostgresBackend::open(target)?))
    } else {
        Ok(Box::new(SqliteBackend::open(target.as_ref())?))
    }
}

/// Whether the database named on the command line is a PostgreSQL URL (otherwise an SQLite path).
pub fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// The integration tests' throwaway PostgreSQL cluster, for the unit tests on PostgreSQL.
#[cfg(test)]
#[path = "../../tests/all/pg/mod.rs"]
mod test_cluster;

/// Runs a unit test's `check` on a fresh SQLite store.
#[cfg(test)]
pub(crate) fn on_sqlite(check: impl FnOnce(&dyn Backend)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = SqliteBackend::open(&dir.path().join("server.db")).expect("open");
    check(&db);
}

/// Runs a unit test's `check` on a fresh database of a throwaway PostgreSQL cluster (skipped
/// where PostgreSQL is not installed).
#[cfg(test)]
pub(crate) fn on_postgres(check: impl FnOnce(&dyn Backend)) {
    let Some(mut cluster) = test_cluster::Cluster::start() else {
        return;
    };
    let db = PostgresBackend::open(&cluster.new_database()).expect("open");
    check(&db);
}

#[cfg(test)]
mod tests {
    use super::{Backend, DbError, SqliteBackend, TxMode, in_tx, on_postgres, on_sqlite};
    use super::{pow2_chunks, value_rows};

    /// A write that stages a feed row and never settles it (in `feed_pending` or in memory):
    /// its commit is refused, nothing of it is kept (neither its other write nor the staged
    /// row), and the connection's next transaction starts with no staged rows.
    fn unsettled_writes_are_rolled_back(db: &dyn Backend) {
        let outcome = in_tx(db, TxMode::Write, |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('probe', 'written')",
                params![],
            )?;
            conn.execute(
                "INSERT INTO feed_pending (user_id, server_seq) VALUES ('someone', 1)",
                params![],
            )?;
            Ok::<_, DbError>(())
        });
        assert!(
            matches!(&outcome, Err(DbError::Unsettled(detail)) if detail.contains("1 staged")),
            "{outcome:?}"
        );
        let held = in_tx(db, TxMode::Write, |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('probe', 'written')",
                params![],
            )?;
            conn.staged().push(&[("someone", 1), ("someone", 2)]);
            Ok::<_, DbError>(())
        });
        assert!(
            matches!(&held, Err(DbError::Unsettled(detail)) if detail.contains("2 staged")),
            "rows staged in memory are caught too: {held:?}"
        );
        let left = in_tx(db, TxMode::Read, |conn| {
            let probe = conn.query("SELECT value FROM meta WHERE key = 'probe'", params![])?;
            let staged = conn.query(
                "SELECT CAST(count(*) AS BIGINT) FROM feed_pending",
                params![],
            )?;
            Ok::<_, DbError>((probe.len(), staged[0].int(0)?))
        })
        .expect("read back");
        assert_eq!(left, (0, 0), "nothing of the refused write is kept");
        let settled = in_tx(db, TxMode::Write, |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('probe', 'written')",
                params![],
            )
        });
        assert!(settled.is_ok(), "a write without staged rows commits");
    }

    #[test]
    fn a_write_leaving_staged_feed_rows_is_rolled_back_on_sqlite() {
        on_sqlite(unsettled_writes_are_rolled_back);
    }

    #[test]
    fn a_write_leaving_staged_feed_rows_is_rolled_back_on_postgres() {
        on_postgres(unsettled_writes_are_rolled_back);
    }

    /// Requests never checkpoint (`wal_autocheckpoint = 0`): the log's pages reach the database
    /// file only through the backend's checkpointer thread, so the file grows by itself after a
    /// large write, and the log stops growing once the checkpointer has copied it.
    #[test]
    fn the_checkpointer_copies_the_log_into_the_database_file_on_sqlite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("server.db");
        let db = SqliteBackend::open(&path).expect("open");
        let before = std::fs::metadata(&path).expect("db file").len();
        let text = "x".repeat(4000);
        in_tx(&db, TxMode::Write, |conn| {
            for i in 0..1000 {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2)",
                    params![format!("probe {i}"), text.as_str()],
                )?;
            }
            Ok::<_, DbError>(())
        })
        .expect("write 4 MB");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let grown = loop {
            let size = std::fs::metadata(&path).expect("db file").len();
            if size >= before + 4_000_000 || std::time::Instant::now() > deadline {
                break size;
            }
            std::thread::sleep(super::checkpoint::INTERVAL);
        };
        assert!(
            grown >= before + 4_000_000,
            "the database file grew from {before} to only {grown} bytes"
        );
        drop(db);
    }

    #[test]
    fn chunks_are_powers_of_two_up_to_the_maximum_and_cover_everything() {
        let items: Vec<usize> = (0..1000).collect();
        let lengths: Vec<usize> = pow2_chunks(&items, 256).map(<[usize]>::len).collect();
        assert_eq!(lengths, [256, 256, 256, 128, 64, 32, 8]);
        let joined: Vec<usize> = pow2_chunks(&items, 256).flatten().copied().collect();
        assert_eq!(joined, items);
        assert_eq!(pow2_chunks(&items[..0], 256).count(), 0);
        let three: Vec<usize> = pow2_chunks(&items[..3], 256).map(<[usize]>::len).collect();
        assert_eq!(three, [2, 1]);
    }

    #[test]
    fn placeholders_number_rows_and_columns_from_the_first() {
        assert_eq!(value_rows(2, 1, 3), "$2, $3, $4");
        assert_eq!(value_rows(1, 2, 2), "($1, $2), ($3, $4)");
    }
}
