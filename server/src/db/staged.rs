//! The feed deliveries a transaction staged in memory (`crate::feed::stage`), held by its
//! connection so that the commit can refuse a transaction that never settled them and a
//! savepoint's rollback can take back the ones staged inside it.
//!
//! A delivery the server already holds (a pushed message to each of its room's members) is
//! kept here as `(user, server_seq)`; one that a statement selects (a room's history for a new
//! member) goes to the connection's `feed_pending` table. A feed's order is the staging order
//! across both: before a statement stages rows in the table, the rows held here so far are
//! copied into it ([`Staged::unmoved`], [`Staged::moved`]), so the table then holds everything
//! staged before its own rows, and the rows staged here after them follow at settle time.

/// A transaction's staged deliveries, in staging order.
#[derive(Debug, Default)]
pub struct Staged {
    /// `(user, server_seq)` in staging order.
    rows: Vec<(String, i64)>,
    /// How many of the first `rows` were copied into `feed_pending` (they count there now).
    in_table: usize,
    /// Whether this transaction staged rows in `feed_pending` (copied or selected).
    table_used: bool,
}

/// Where [`Staged`] stood when a savepoint began, to go back to if it is rolled back.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    rows: usize,
    in_table: usize,
}

impl Staged {
    /// Stages deliveries after the ones staged so far.
    pub fn push(&mut self, rows: &[(&str, i64)]) {
        self.rows
            .extend(rows.iter().map(|(user, seq)| ((*user).to_owned(), *seq)));
    }

    /// The rows staged here and not yet copied into `feed_pending`.
    pub fn unmoved(&self) -> &[(String, i64)] {
        self.rows.get(self.in_table..).unwrap_or_default()
    }

    /// Notes that [`Staged::unmoved`] were copied into `feed_pending` and that the table holds
    /// staged rows, because a statement is about to stage more there.
    pub fn moved(&mut self) {
        self.in_table = self.rows.len();
        self.table_used = true;
    }

    /// Whether this transaction may hold staged rows in `feed_pending`.
    pub fn table_used(&self) -> bool {
        self.table_used
    }

    /// Takes every row staged here (the transaction settles them), leaving nothing staged.
    pub fn take(&mut self) -> Vec<(String, i64)> {
        std::mem::take(self).rows
    }

    /// How many rows are staged here and not yet counted in `feed_pending`.
    pub fn unsettled(&self) -> usize {
        self.unmoved().len()
    }

    /// Where things stand, for [`Staged::undo`].
    pub fn mark(&self) -> Mark {
        Mark {
            rows: self.rows.len(),
            in_table: self.in_table,
        }
    }

    /// Goes back to `mark` after the savepoint taken with it was rolled back: the rows staged
    /// since are dropped, and rows copied into the table since are no longer there (the rollback
    /// removed them from it), so they count as held here again. (`table_used` stays set: the
    /// table may still hold rows staged before the savepoint.)
    pub fn undo(&mut self, mark: Mark) {
        self.rows.truncate(mark.rows);
        self.in_table = mark.in_table.min(self.rows.len());
    }
}

#[cfg(test)]
mod tests {
    use super::Staged;

    #[test]
    fn an_undone_savepoint_drops_its_rows_and_its_copies() {
        let mut staged = Staged::default();
        staged.push(&[("a", 1), ("b", 1)]);
        let mark = staged.mark();
        staged.push(&[("a", 2)]);
        staged.moved();
        staged.push(&[("a", 3)]);
        assert_eq!(staged.unsettled(), 1);
        staged.undo(mark);
        let held: Vec<_> = staged
            .unmoved()
            .iter()
            .map(|(u, s)| (u.as_str(), *s))
            .collect();
        assert_eq!(held, [("a", 1), ("b", 1)]);
        assert!(staged.table_used());
    }

    #[test]
    fn taking_leaves_nothing_staged() {
        let mut staged = Staged::default();
        staged.push(&[("a", 1)]);
        staged.moved();
        staged.push(&[("a", 2)]);
        assert_eq!(staged.take().len(), 2);
        assert_eq!(staged.unsettled(), 0);
        assert!(!staged.table_used());
    }
}
