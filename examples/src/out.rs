//! Writing to standard output and standard error without panicking. `print!` panics when the
//! reader has gone (`studymate-demo --json progress | head -3`); these return the failure as an
//! [`AppError`] instead, and `main` ends quietly on a closed pipe.

use std::io::Write;

use serde_json::{Value, json};

use crate::error::{AppError, AppResult};

/// Writes `text` to standard output as it is.
pub fn text(text: &str) -> AppResult<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Writes `value` to standard output as pretty JSON and a newline.
pub fn json(value: &Value) -> AppResult<()> {
    text(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

/// Writes `value` to standard output as one line of JSON (a stream of records, e.g. `chat watch`).
pub fn json_line(value: &Value) -> AppResult<()> {
    text(&format!("{}\n", serde_json::to_string(value)?))
}

/// Prints `value` as JSON when `as_json`, else the text `make_text` makes.
pub fn either(as_json: bool, value: &Value, make_text: impl FnOnce() -> String) -> AppResult<()> {
    if as_json {
        json(value)
    } else {
        text(&make_text())
    }
}

/// Reports a failure: as `{"error": {"code", "message"}}` on standard output with `--json`
/// (where scripts read), else as `error: …` on standard error. A closed stream is ignored: there
/// is no one left to tell.
pub fn failure(err: &AppError, as_json: bool) {
    if as_json {
        let value = json!({ "error": { "code": err.code, "message": err.message } });
        let _ = json(&value);
    } else {
        let _ = writeln!(std::io::stderr().lock(), "error: {}", err.message);
    }
}

/// Writes a formatted line to standard output, returning an [`AppResult`] (`say!(…)?`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::text(&format!("{}\n", format_args!($($arg)*)))
    };
}
