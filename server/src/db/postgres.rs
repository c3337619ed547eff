//! The PostgreSQL backend, for when one machine's file is not enough. It uses the blocking
//! `postgres` client (the server calls the store from blocking threads) with a small pool and a
//! per-connection statement cache. Writers run in parallel: each takes a transaction-scoped
//! advisory lock in shared mode, which only maintenance ([`TxMode::Exclusive`]) takes alone, and
//! orders what must stay ordered with row locks (a feed's head, a user's row, a room's record).
//! A transaction PostgreSQL aborts for a conflict is reported by [`Conn::conflict`] and run
//! again by `in_tx`.

use std::collections::HashMap;
use std::sync::Mutex;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};

use super::{Backend, Conflict, Conn, DbError, Row, Staged, TxMode, Value, schema};

/// How many idle connections are kept for reuse.
const MAX_IDLE: usize = 8;

/// The advisory lock every write transaction holds until it commits: shared by ordinary writes,
/// exclusive for maintenance.
const WRITER_LOCK: i64 = 0x5354_4d41_5445;

/// A PostgreSQL database and its idle connections.
pub struct PostgresBackend {
    url: String,
    idle: Mutex<Vec<PgConn>>,
}

/// A connection and the statements prepared on it.
struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PostgresBackend {
    /// Connects to `url` and brings the tables up to date (creating them in an empty database).
    pub fn open(url: &str) -> Result<Self, DbError> {
        let backend = PostgresBackend {
            url: url.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let mut conn = backend.connect()?;
        schema::migrate_postgres(&mut conn.client)?;
        backend.release(conn, false);
        Ok(backend)
    }

    fn connect(&self) -> Result<PgConn, DbError> {
        let mut client = Client::connect(&self.url, NoTls).map_err(db_err)?;
        client
            .batch_execute(schema::POSTGRES_SESSION)
            .map_err(db_err)?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    /// Returns a connection to the pool, only outside a transaction: an open one (`in_tx`, left
    /// by a failed or panicked request) is rolled back first, and a connection whose rollback
    /// fails is closed instead.
    fn release(&self, mut conn: PgConn, in_tx: bool) {
        if in_tx && conn.client.batch_execute("ROLLBACK").is_err() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
            && !conn.client.is_closed()
        {
            idle.push(conn);
        }
    }
}

impl Backend for PostgresBackend {
    fn acquire(&self) -> Result<Box<dyn Conn + '_>, DbError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(Box::new(PooledPg {
            backend: self,
            conn: Some(conn),
            in_tx: false,
            conflict: None,
            staged: Staged::default(),
        }))
    }

    fn name(&self) -> &'static str {
        "postgres"
    }
}

/// A checked-out connection; goes back to the pool when dropped unless discarded.
struct PooledPg<'a> {
    backend: &'a PostgresBackend,
    conn: Option<PgConn>,
    /// Whether a transaction was begun and not yet committed or rolled back (the blocking client
    /// does not report the server's transaction status).
    in_tx: bool,
    /// The first conflict with another transaction a statement met since the last `begin`.
    conflict: Option<Conflict>,
    /// The open transaction's feed deliveries staged in memory.
    staged: Staged,
}

impl Drop for PooledPg<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.backend.release(conn, self.in_tx);
        }
    }
}

impl PooledPg<'_> {
    fn conn(&mut self) -> Result<&mut PgConn, DbError> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbError::Database("connection was discarded".into()))
    }

    /// Prepares (once per connection) and binds `params` to the types PostgreSQL inferred.
    fn run<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T, postgres::Error>,
    ) -> Result<T, DbError> {
        let conn = self.conn()?;
        let stmt = match conn.statements.get(sql) {
            Some(stmt) => stmt.clone(),
            None => {
                let stmt = conn.client.prepare(sql).map_err(db_err)?;
                conn.statements.insert(sql.to_owned(), stmt.clone());
                stmt
            }
        };
        let bound: Vec<Box<dyn ToSql + Sync>> = params
            .iter()
            .zip(stmt.params())
            .map(|(v, ty)| bind(v, ty))
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        let outcome = f(&mut conn.client, &stmt, &refs);
        self.checked(outcome)
    }

    /// Maps a failure to a [`DbError`], noting whether it was a conflict with another
    /// transaction.
    fn checked<T>(&mut self, outcome: Result<T, postgres::Error>) -> Result<T, DbError> {
        outcome.map_err(|e| {
            self.conflict = self.conflict.or_else(|| conflict_of(&e));
            db_err(e)
        })
    }
}

/// Whether PostgreSQL refused a statement because of a concurrent transaction: a deadlock
/// (`40P01`), a serialization failure (`40001`), or a unique key another transaction committed
/// first (`23505`; run again, the transaction sees that row and decides accordingly).
fn conflict_of(e: &postgres::Error) -> Option<Conflict> {
    e.as_db_error()
        .and_then(|db| Conflict::from_sqlstate(db.code().code()))
}

impl Conn for PooledPg<'_> {
    /// A read transaction takes one snapshot for all its statements (`REPEATABLE READ`, as an
    /// SQLite read transaction does), so a pull page and the counts sent with it describe the
    /// same state; a write transaction reads the latest committed state at each statement
    /// (`READ COMMITTED`), so a statement after a row lock sees what the lock's holder committed.
    fn begin(&mut self, mode: TxMode) -> Result<(), DbError> {
        self.conflict = None;
        self.staged = Staged::default();
        self.batch(match mode {
            TxMode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ",
            TxMode::Write | TxMode::Exclusive => "BEGIN",
        })?;
        self.in_tx = true;
        let lock = match mode {
            TxMode::Read => return Ok(()),
            TxMode::Write => "SELECT pg_advisory_xact_lock_shared($1)",
            TxMode::Exclusive => "SELECT pg_advisory_xact_lock($1)",
        };
        let outcome = self.conn()?.client.execute(lock, &[&WRITER_LOCK]);
        self.checked(outcome).map(drop)
    }

    /// Rows staged in memory are counted here; the ones in `feed_pending` by the check sent
    /// with the `COMMIT`.
    fn commit(&mut self) -> Result<(), DbError> {
        let held = self.staged.unsettled();
        if held > 0 {
            return Err(DbError::Unsettled(format!(
                "{held} staged feed rows were never settled"
            )));
        }
        self.batch(schema::POSTGRES_COMMIT)?;
        self.in_tx = false;
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.staged = Staged::default();
        self.batch("ROLLBACK")?;
        self.in_tx = false;
        Ok(())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.run(sql, params, |client, stmt, p| client.execute(stmt, p))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let rows = self.run(sql, params, |client, stmt, p| client.query(stmt, p))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| read(row, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        let outcome = self.conn()?.client.batch_execute(sql);
        self.checked(outcome)
    }

    /// From the column's identity sequence, one `nextval` per value (with writers in parallel
    /// the values need not follow each other).
    fn reserve_ids(&mut self, table: &str, column: &str, n: usize) -> Result<Vec<i64>, DbError> {
        let count =
            i64::try_from(n).map_err(|_| DbError::Database(format!("cannot reserve {n} ids")))?;
        let rows = self.query(
            "SELECT nextval(pg_get_serial_sequence($1, $2))
             FROM generate_series(CAST(1 AS BIGINT), CAST($3 AS BIGINT)) ORDER BY 1",
            &[Value::from(table), Value::from(column), Value::Int(count)],
        )?;
        rows.iter().map(|row| row.int(0)).collect()
    }

    fn staged(&mut self) -> &mut Staged {
        &mut self.staged
    }

    fn discard(&mut self) {
        self.conn = None;
    }

    fn conflict(&self) -> Option<Conflict> {
        self.conflict
    }
}

/// Converts a value to the Rust type matching the parameter type PostgreSQL inferred (every
/// integer column is BIGINT, so integers bind as `i64`).
fn bind(v: &Value, ty: &Type) -> Box<dyn ToSql + Sync> {
    match (v, ty) {
        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Int(i), _) => Box::new(*i),
        (Value::Text(t), _) => Box::new(t.clone()),
    }
}

fn read(row: &postgres::Row, i: usize) -> Result<Value, DbError> {
    let ty = row.columns()[i].type_().clone();
    let value = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.into()),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(i64::from).into()),
        _ => row.try_get::<_, Option<String>>(i).map(|v| v.into()),
    };
    value.map_err(|e| DbError::Decode(format!("column {i} ({ty}): {e}")))
}

fn db_err(e: postgres::Error) -> DbError {
    match e.as_db_error() {
        Some(db) if db.code().code() == schema::UNSETTLED_SQLSTATE => {
            DbError::Unsettled(db.message().to_owned())
        }
        Some(db) => DbError::Database(format!("{}: {}", db.code().code(), db.message())),
        None => DbError::Database(e.to_string()),
    }
}
