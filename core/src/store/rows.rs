//! Multi-row statements: writes many rows of one table with one statement per chunk instead of
//! one per row (a pulled page applies thousands of rows of a few tables). The statements are
//! prepared once per connection and shape and reused from the statement cache: a run of rows is
//! cut into chunks of [`CHUNKS`] rows, largest first, so a table has at most four shapes.
//!
//! A multi-row `INSERT … ON CONFLICT` applies its rows in order, each seeing the ones before,
//! so writing rows this way gives the same result as writing them one by one.

use rusqlite::{Statement, Transaction};

use crate::error::Result;

/// The chunk sizes, largest first; the last must be 1 so every count can be cut.
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// One multi-row statement: `head` (the insert clause with the table and its columns), then
/// `VALUES` with `width` parameters per row, then `tail` (an `ON CONFLICT` clause, or empty).
pub(crate) struct MultiRow<'a> {
    pub head: &'a str,
    pub width: usize,
    pub tail: &'a str,
}

impl MultiRow<'_> {
    /// Writes `rows` in order; `bind` binds one row's `width` parameters, the first at index
    /// `first` (1-based, as SQLite counts). Returns how many rows the statements changed.
    pub(crate) fn write<T>(
        &self,
        tx: &Transaction<'_>,
        rows: &[T],
        bind: impl Fn(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
    ) -> Result<usize> {
        let mut changed = 0;
        let mut rest = rows;
        while !rest.is_empty() {
            let n = CHUNKS
                .iter()
                .copied()
                .find(|&n| n <= rest.len())
                .unwrap_or(1);
            let (chunk, after) = rest.split_at(n);
            let mut stmt = tx.prepare_cached(&self.sql(n))?;
            for (i, row) in chunk.iter().enumerate() {
                bind(&mut stmt, i * self.width + 1, row)?;
            }
            changed += stmt.raw_execute()?;
            rest = after;
        }
        Ok(changed)
    }

    /// The statement's text for `rows` rows.
    fn sql(&self, rows: usize) -> String {
        let row = format!("({})", vec!["?"; self.width].join(", "));
        let values = vec![row; rows].join(", ");
        format!("{} VALUES {values} {}", self.head, self.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            .expect("create");
        conn
    }

    const UPSERT: MultiRow<'static> = MultiRow {
        head: "INSERT INTO t (k, v)",
        width: 2,
        tail: "ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    };

    #[test]
    fn every_count_is_written_whole_and_in_order() {
        let mut conn = table();
        let tx = conn.transaction().expect("tx");
        // 85 = 64 + 16 + 4 + 1: every shape once. Key 3 appears twice: the later row wins.
        let mut rows: Vec<(i64, String)> = (0..84).map(|k| (k, format!("v{k}"))).collect();
        rows.push((3, "last".into()));
        let changed = UPSERT
            .write(&tx, &rows, |s, at, (k, v)| {
                s.raw_bind_parameter(at, k)?;
                s.raw_bind_parameter(at + 1, v)
            })
            .expect("write");
        assert_eq!(changed, 85);
        let count: i64 = tx
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(count, 84);
        let three: String = tx
            .query_row("SELECT v FROM t WHERE k = 3", [], |r| r.get(0))
            .expect("row 3");
        assert_eq!(three, "last");
    }

    #[test]
    fn nothing_to_write_runs_no_statement() {
        let mut conn = table();
        let tx = conn.transaction().expect("tx");
        let rows: [(i64, &str); 0] = [];
        let changed = UPSERT
            .write(&tx, &rows, |_, _, _| unreachable!("no row to bind"))
            .expect("write");
        assert_eq!(changed, 0);
    }
}
