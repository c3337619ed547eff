//! Forwards the library's `tracing` events to a logger the app provides (Logcat, `os_log`).
//!
//! [`set_logger`] installs, once per process, a global `tracing` subscriber whose layer hands
//! each event at or above the chosen level to the current [`Logger`]; calling it again replaces
//! the logger and level. Events raised while the logger itself runs on the same thread are
//! dropped, so a logger that calls back into the library cannot recurse.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::callback::CallbackError;

/// Severity of a log record, most verbose first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Step-by-step detail.
    Trace,
    /// Detail useful when investigating a problem.
    Debug,
    /// Notable events: database opened, catalog imported, practice completed.
    Info,
    /// Something unexpected that the library recovered from.
    Warn,
    /// A failure.
    Error,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// Which part of the library logged it: its module path (catalog imports log from the
    /// `catalog` module of `studymate_core`).
    pub target: String,
    /// The message, followed by the event's fields as `name=value`.
    pub message: String,
}

/// Implemented by the app to receive the library's log (Kotlin interface / Swift protocol).
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// Called for each record at or above the level given to `setLogger`, on the thread
    /// that logged it.
    fn log(&self, record: LogRecord) -> Result<(), CallbackError>;
}

struct Sink {
    logger: Arc<dyn Logger>,
    min_level: LogLevel,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    static IN_LOGGER: Cell<bool> = const { Cell::new(false) };
}

/// Sends the library's log records at `minLevel` and above to `logger`, replacing any logger
/// set before. Returns `false` when another `tracing` subscriber was already installed in the
/// process (by the host app), in which case the library's events go to that one instead.
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, min_level: LogLevel) -> bool {
    let mut sink = SINK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *sink = Some(Sink { logger, min_level });
    drop(sink);
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(ForeignLayer);
        tracing::subscriber::set_global_default(subscriber).is_ok()
    })
}

/// Stops forwarding log records.
#[uniffi::export]
pub fn clear_logger() {
    let mut sink = SINK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *sink = None;
}

struct ForeignLayer;

impl<S: Subscriber> Layer<S> for ForeignLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if IN_LOGGER.with(Cell::get) {
            return;
        }
        let level = level_of(*event.metadata().level());
        // The logger is taken out of the lock before it runs: a slow logger does not hold up
        // `set_logger`, and one that calls `set_logger` or `clear_logger` does not deadlock.
        let logger = match &*SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Some(sink) if level >= sink.min_level => Arc::clone(&sink.logger),
            _ => return,
        };
        let mut text = MessageText::default();
        event.record(&mut text);
        let record = LogRecord {
            level,
            target: event.metadata().target().to_owned(),
            message: text.finish(),
        };
        IN_LOGGER.with(|flag| flag.set(true));
        // A logger that throws has nowhere to report it: the record is dropped.
        let _ = logger.log(record);
        IN_LOGGER.with(|flag| flag.set(false));
    }
}

fn level_of(level: tracing::Level) -> LogLevel {
    match level {
        tracing::Level::TRACE => LogLevel::Trace,
        tracing::Level::DEBUG => LogLevel::Debug,
        tracing::Level::INFO => LogLevel::Info,
        tracing::Level::WARN => LogLevel::Warn,
        tracing::Level::ERROR => LogLevel::Error,
    }
}

/// Collects an event's message and fields into one line.
#[derive(Default)]
struct MessageText {
    message: String,
    fields: String,
}

impl MessageText {
    fn finish(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }
}

impl Visit for MessageText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<LogRecord>>);

    impl Logger for Collect {
        fn log(&self, record: LogRecord) -> Result<(), CallbackError> {
            self.0.lock().expect("lock").push(record);
            Ok(())
        }
    }

    #[test]
    fn events_at_or_above_the_level_reach_the_logger_with_their_fields() {
        let logger = Arc::new(Collect::default());
        assert!(set_logger(logger.clone(), LogLevel::Info));
        tracing::debug!(target: "test_target", "too verbose");
        tracing::info!(target: "test_target", rows = 3, "imported");
        clear_logger();
        tracing::info!(target: "test_target", "after clearing");
        let records = logger.0.lock().expect("lock").clone();
        let ours: Vec<_> = records
            .iter()
            .filter(|r| r.target == "test_target")
            .collect();
        assert_eq!(ours.len(), 1, "{records:?}");
        assert_eq!(ours[0].level, LogLevel::Info);
        assert_eq!(ours[0].message, "imported rows=3");

        // A logger that clears itself from inside `log` (on the logging thread) returns, and
        // hears nothing afterwards.
        struct ClearsItself(Collect);
        impl Logger for ClearsItself {
            fn log(&self, record: LogRecord) -> Result<(), CallbackError> {
                clear_logger();
                self.0.log(record)
            }
        }
        let clearing = Arc::new(ClearsItself(Collect::default()));
        set_logger(clearing.clone(), LogLevel::Info);
        tracing::info!(target: "test_target", "first");
        tracing::info!(target: "test_target", "second");
        let records = clearing.0.0.lock().expect("lock").clone();
        let ours: Vec<_> = records
            .iter()
            .filter(|r| r.target == "test_target")
            .map(|r| r.message.as_str())
            .collect();
        assert_eq!(ours, ["first"], "{records:?}");
    }
}
