//! The level gate: which difficulties a learner is offered.
//!
//! Beginner situations are always open. Intermediate opens once the learner has completed at
//! least [`GATE_MIN_SESSIONS`] beginner sessions and their latest ten average at least 70.0;
//! advanced opens the same way from intermediate sessions, and only once intermediate is open.
//! A level the catalog has no situations for cannot be passed, so it does not block the next.
//! The gate is re-evaluated on every call: a learner whose recent beginner scores fall below
//! the bar goes back to beginner situations until they recover.

use super::Level;
use super::performance::Performance;

/// Sessions at a level needed before the next level can open.
pub const GATE_MIN_SESSIONS: usize = 3;
/// Recent average (in tenths) at a level needed to open the next level.
pub const GATE_MIN_AVERAGE_TENTHS: u32 = 700;

/// Which difficulties are open to the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gate {
    intermediate: bool,
    advanced: bool,
}

/// A level's performance and whether the catalog offers any situation at that level.
pub(super) struct LevelRecord {
    pub performance: Performance,
    pub in_catalog: bool,
}

impl LevelRecord {
    fn passed(&self) -> bool {
        !self.in_catalog
            || (self.performance.sessions >= GATE_MIN_SESSIONS
                && self
                    .performance
                    .recent_average_tenths
                    .is_some_and(|tenths| tenths >= GATE_MIN_AVERAGE_TENTHS))
    }
}

impl Gate {
    /// The gate from the learner's beginner and intermediate records.
    pub(super) fn new(beginner: &LevelRecord, intermediate: &LevelRecord) -> Self {
        let intermediate_open = beginner.passed();
        Self {
            intermediate: intermediate_open,
            advanced: intermediate_open && intermediate.passed(),
        }
    }

    /// Whether situations of `difficulty` may be offered.
    pub(super) fn is_open(self, difficulty: Level) -> bool {
        match difficulty {
            Level::Beginner => true,
            Level::Intermediate => self.intermediate,
            Level::Advanced => self.advanced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(sessions: usize, average: Option<u32>, in_catalog: bool) -> LevelRecord {
        LevelRecord {
            performance: Performance {
                sessions,
                recent_average_tenths: average,
            },
            in_catalog,
        }
    }

    #[test]
    fn intermediate_needs_three_good_beginner_sessions() {
        let none = record(0, None, true);
        let gate = Gate::new(&record(2, Some(900), true), &none);
        assert!(gate.is_open(Level::Beginner));
        assert!(!gate.is_open(Level::Intermediate));
        assert!(!Gate::new(&record(5, Some(699), true), &none).is_open(Level::Intermediate));
        let open = Gate::new(&record(3, Some(700), true), &none);
        assert!(open.is_open(Level::Intermediate));
        assert!(!open.is_open(Level::Advanced));
    }

    #[test]
    fn advanced_needs_intermediate_open_and_passed() {
        let good = record(4, Some(800), true);
        assert!(Gate::new(&good, &good).is_open(Level::Advanced));
        let failing_beginner = record(4, Some(400), true);
        assert!(!Gate::new(&failing_beginner, &good).is_open(Level::Advanced));
    }

    #[test]
    fn levels_missing_from_the_catalog_do_not_block() {
        let missing = record(0, None, false);
        let gate = Gate::new(&missing, &missing);
        assert!(gate.is_open(Level::Intermediate) && gate.is_open(Level::Advanced));
    }
}
