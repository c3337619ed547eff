//! The embedded SQLite backend: a file next to the server, WAL journal, a small connection pool.
//! Write transactions are `BEGIN IMMEDIATE`, so writers queue on SQLite's lock (with a busy
//! timeout) while readers keep reading. With one writer at a time, the row locks PostgreSQL
//! needs are implied: the dialect drops `FOR UPDATE` and `FOR SHARE`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, params_from_iter};

use super::checkpoint::Checkpointer;
use super::{Backend, Conflict, Conn, DbError, Row, Staged, TxMode, Value, params, schema};

/// How many idle connections are kept for reuse.
const MAX_IDLE: usize = 8;

/// How long a writer waits for another writer before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An SQLite database file, its idle connections and its background checkpointer.
pub struct SqliteBackend {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Set once the schema is migrated; dropped (stopped) with the backend.
    checkpointer: Option<Checkpointer>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database file and brings its tables up to date.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let mut backend = SqliteBackend {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            checkpointer: None,
        };
        let mut conn = backend.connect()?;
        // Persistent in the file, and refused inside a transaction, so not part of a migration.
        conn.execute_batch("PRAGMA journal_mode = WAL;")
            .map_err(db_err)?;
        schema::migrate_sqlite(&mut conn)?;
        backend.release(conn);
        let own = backend.connect()?;
        backend.checkpointer = Some(
            Checkpointer::start(own, path)
                .map_err(|e| DbError::Database(format!("cannot start the checkpointer: {e}")))?,
        );
        Ok(backend)
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let conn = Connection::open(&self.path).map_err(db_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
        // The log is checkpointed by the backend's own thread, not in a request's commit.
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")
            .map_err(db_err)?;
        conn.execute_batch(schema::SQLITE_SESSION).map_err(db_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Returns a connection to the pool, only outside a transaction: an open one (left by a
    /// failed or panicked request) is rolled back first, and a connection whose rollback fails
    /// is closed instead.
    fn release(&self, conn: Connection) {
        if !conn.is_autocommit()
            && (conn.execute_batch("ROLLBACK").is_err() || !conn.is_autocommit())
        {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

impl Backend for SqliteBackend {
    fn acquire(&self) -> Result<Box<dyn Conn + '_>, DbError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(Box::new(PooledSqlite {
            backend: self,
            conn: Some(conn),
            staged: Staged::default(),
        }))
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }
}

/// A checked-out connection; goes back to the pool when dropped unless discarded.
struct PooledSqlite<'a> {
    backend: &'a SqliteBackend,
    conn: Option<Connection>,
    /// The open transaction's feed deliveries staged in memory.
    staged: Staged,
}

impl PooledSqlite<'_> {
    fn conn(&self) -> Result<&Connection, DbError> {
        self.conn
            .as_ref()
            .ok_or_else(|| DbError::Database("connection was discarded".into()))
    }
}

impl Drop for PooledSqlite<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.backend.release(conn);
        }
    }
}

impl Conn for PooledSqlite<'_> {
    fn begin(&mut self, mode: TxMode) -> Result<(), DbError> {
        self.staged = Staged::default();
        self.batch(match mode {
            TxMode::Read => "BEGIN DEFERRED",
            TxMode::Write | TxMode::Exclusive => "BEGIN IMMEDIATE",
        })
    }

    fn commit(&mut self) -> Result<(), DbError> {
        let in_table: i64 = self
            .conn()?
            .prepare_cached(schema::SQLITE_UNSETTLED)
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(db_err)?;
        let held = i64::try_from(self.staged.unsettled()).unwrap_or(i64::MAX);
        let staged = in_table.saturating_add(held);
        if staged > 0 {
            return Err(DbError::Unsettled(format!(
                "{staged} staged feed rows were never settled"
            )));
        }
        self.batch("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.staged = Staged::default();
        self.batch("ROLLBACK")
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&dialect(sql)).map_err(db_err)?;
        let changed = stmt
            .execute(params_from_iter(params.iter().map(to_sql)))
            .map_err(db_err)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&dialect(sql)).map_err(db_err)?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(params_from_iter(params.iter().map(to_sql)))
            .map_err(db_err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_err)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match row.get_ref(i).map_err(db_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    other => {
                        return Err(DbError::Decode(format!(
                            "column {i} has an unexpected type {:?}",
                            other.data_type()
                        )));
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn()?.execute_batch(sql).map_err(db_err)
    }

    /// AUTOINCREMENT keeps the largest value it ever gave in `sqlite_sequence` (and never gives
    /// one at or below it), so moving that on by `n` reserves the `n` values after it; a table
    /// that never had a row has no entry yet and starts at 1. (The rowid `column` is implied.)
    fn reserve_ids(&mut self, table: &str, _column: &str, n: usize) -> Result<Vec<i64>, DbError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let count =
            i64::try_from(n).map_err(|_| DbError::Database(format!("cannot reserve {n} ids")))?;
        let moved = self.query(
            "UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = $2 RETURNING seq",
            params![count, table],
        )?;
        let last = match moved.first() {
            Some(row) => row.int(0)?,
            None => {
                self.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)",
                    params![table, count],
                )?;
                count
            }
        };
        let first = last
            .checked_sub(count - 1)
            .ok_or_else(|| DbError::Decode(format!("{table} sequence at {last}")))?;
        Ok((first..=last).collect())
    }

    fn staged(&mut self) -> &mut Staged {
        &mut self.staged
    }

    fn discard(&mut self) {
        self.conn = None;
    }

    /// Never: one writer at a time cannot deadlock or lose a race for a key.
    fn conflict(&self) -> Option<Conflict> {
        None
    }
}

/// The common dialect numbers placeholders `$1`; SQLite spells them `?1`, and has no row locks
/// (its single writer holds the whole database), so a trailing `FOR UPDATE` or `FOR SHARE` goes.
/// An insert that gives a generated column's value says `OVERRIDING SYSTEM VALUE` for
/// PostgreSQL's identity columns; SQLite takes the value as it is.
fn dialect(sql: &str) -> String {
    let sql = sql
        .replace('$', "?")
        .replace(" OVERRIDING SYSTEM VALUE", "");
    let trimmed = sql.trim_end();
    ["FOR UPDATE", "FOR SHARE"]
        .iter()
        .find_map(|lock| trimmed.strip_suffix(lock))
        .map_or_else(|| sql.clone(), str::to_owned)
}

/// Binds a value; text is bound by reference (SQLite copies it itself), so a payload is not
/// copied once more on its way in.
fn to_sql(v: &Value) -> ToSqlOutput<'_> {
    match v {
        Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
        Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
    }
}

fn db_err(e: rusqlite::Error) -> DbError {
    DbError::Database(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::dialect;

    #[test]
    fn placeholders_are_renamed_and_row_locks_dropped() {
        assert_eq!(
            dialect("SELECT a FROM t WHERE b = $1"),
            "SELECT a FROM t WHERE b = ?1"
        );
        assert_eq!(
            dialect("SELECT a FROM t WHERE b = $1 ORDER BY a FOR UPDATE"),
            "SELECT a FROM t WHERE b = ?1 ORDER BY a "
        );
        assert_eq!(dialect("SELECT a FROM t FOR SHARE\n"), "SELECT a FROM t ");
        assert_eq!(
            dialect("INSERT INTO t (id, a) OVERRIDING SYSTEM VALUE VALUES ($1, $2)"),
            "INSERT INTO t (id, a) VALUES (?1, ?2)"
        );
    }
}
