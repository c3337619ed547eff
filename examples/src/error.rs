//! The demo's one error type: a stable code for scripts and a message that says what happened
//! and what to do next. The library's errors are worded for developers; this module turns them
//! into advice for the person at the keyboard, and the call sites that know more (which option,
//! which server) add it with [`AppError::new`] or [`AppError::context`].

use std::fmt;

use studymate_core::Error;

/// Everything that can fail in a command.
pub type AppResult<T> = Result<T, AppError>;

/// A failure as the user sees it: `code` is one word of the `--json` vocabulary
/// (`invalid_input`, `not_found`, `network`, …), `message` a sentence or two for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// The stable machine-readable kind.
    pub code: &'static str,
    /// What happened and what to do next.
    pub message: String,
}

impl AppError {
    /// An error with its code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
        }
    }

    /// The reader closed standard output (`… | head`): not a failure the user needs to see.
    pub fn closed_pipe() -> Self {
        AppError::new("closed_pipe", "the output was closed by its reader")
    }

    /// The user pressed Ctrl-C at a prompt.
    pub fn interrupted() -> Self {
        AppError::new("interrupted", "stopped with Ctrl-C")
    }

    /// Whether this is [`AppError::closed_pipe`].
    pub fn is_closed_pipe(&self) -> bool {
        self.code == "closed_pipe"
    }

    /// Whether this is [`AppError::interrupted`].
    pub fn is_interrupted(&self) -> bool {
        self.code == "interrupted"
    }

    /// A library error caused by the value of command-line `option`: an invalid value names the
    /// option instead of the library's field; any other error keeps its usual advice.
    pub fn at_option(option: &str) -> impl FnOnce(Error) -> AppError {
        move |err| match err {
            Error::InvalidInput { reason, .. } => AppError::new(
                "invalid_input",
                format!("{option} is not accepted: {reason}; correct it and try again"),
            ),
            other => other.into(),
        }
    }

    /// The same error with `before` put in front of its message (e.g. the option at fault).
    pub fn context(self, before: impl fmt::Display) -> Self {
        AppError::new(self.code, format!("{before}: {}", self.message))
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound { entity, id } => AppError::new(
                "not_found",
                format!(
                    "no {} with id {id} on this device: check the id (list them with the matching \
                     command, e.g. `chat rooms` or `situations --json`)",
                    entity.replace('_', " ")
                ),
            ),
            Error::InvalidInput { field, reason } => AppError::new(
                "invalid_input",
                format!("{field} is not accepted: {reason}; correct it and try again"),
            ),
            Error::Conflict(message) => AppError::new("conflict", message),
            e @ (Error::InsufficientPoints { .. }
            | Error::FreezeLimitReached { .. }
            | Error::SessionOpen { .. }
            | Error::SyncRunning) => AppError::new("conflict", e.to_string()),
            e @ Error::Database { .. } => AppError::new(
                "storage",
                format!(
                    "{e}; check that the disk has space and the folder is writable, or pick \
                     another folder with --data-dir"
                ),
            ),
            Error::Storage(message) => AppError::new(
                "storage",
                format!(
                    "the device's database could not be read or written ({message}); check that \
                     the disk has space and the folder is writable, or pick another folder with \
                     --data-dir"
                ),
            ),
            Error::Migration(message) => AppError::new(
                "storage",
                format!(
                    "the device's database could not be upgraded ({message}); move the folder \
                     away or pick another one with --data-dir"
                ),
            ),
            Error::NewerDatabase { found, supported } => AppError::new(
                "storage",
                format!(
                    "this folder was written by a newer StudyMate (schema {found}, this demo knows \
                     {supported}); update the demo or pick another folder with --data-dir"
                ),
            ),
            Error::Network(message) => AppError::new(
                "network",
                format!(
                    "the server could not be reached ({message}); check that it is running \
                     (`cargo run -p studymate-server`) and that --server is its address, then \
                     try again. Nothing on this device was lost"
                ),
            ),
            Error::Auth(message) => AppError::new(
                "auth",
                format!(
                    "the server refused this device's sign-in ({message}); sign in again with \
                     `studymate-demo login --server … --username …` in this folder"
                ),
            ),
            Error::Protocol(message) => AppError::new(
                "protocol",
                format!(
                    "the server's answer could not be used ({message}); check that --server is \
                     the base address of a StudyMate server, e.g. http://127.0.0.1:8787"
                ),
            ),
            Error::Cancelled => AppError::new("cancelled", "the operation was cancelled"),
            other => AppError::new("failed", other.to_string()),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::BrokenPipe => AppError::closed_pipe(),
            std::io::ErrorKind::Interrupted => AppError::interrupted(),
            _ => AppError::new(
                "io",
                format!(
                    "a file or the terminal could not be used ({err}); check the folder's permissions and free space"
                ),
            ),
        }
    }
}

impl From<dialoguer::Error> for AppError {
    fn from(err: dialoguer::Error) -> Self {
        let dialoguer::Error::IO(io) = err;
        io.into()
    }
}

/// A message that already says what to do, from code that has no more specific kind for it
/// (e.g. `account.rs`'s damaged `account.json`).
impl From<String> for AppError {
    fn from(message: String) -> Self {
        AppError::new("failed", message)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::new("failed", format!("JSON could not be written: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_kind_as_the_code() {
        assert_eq!(
            AppError::from(Error::invalid("answer", "empty")).code,
            "invalid_input"
        );
        assert_eq!(AppError::from(Error::Network("x".into())).code, "network");
        assert_eq!(AppError::from(Error::Auth("x".into())).code, "auth");
    }

    #[test]
    fn a_broken_pipe_and_ctrl_c_are_recognised() {
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(AppError::from(pipe).is_closed_pipe());
        let ctrl_c = std::io::Error::from(std::io::ErrorKind::Interrupted);
        assert!(AppError::from(ctrl_c).is_interrupted());
    }

    #[test]
    fn an_invalid_value_names_the_option() {
        let err = AppError::at_option("--answer")(Error::invalid("text", "empty"));
        assert_eq!(err.code, "invalid_input");
        assert!(
            err.message.starts_with("--answer is not accepted: empty"),
            "{err}"
        );
    }

    #[test]
    fn context_names_the_input_at_fault() {
        let err = AppError::new("invalid_input", "not a UUID").context("--room xyz");
        assert_eq!(err.message, "--room xyz: not a UUID");
        assert_eq!(err.code, "invalid_input");
    }
}
