//! Signing a device in and syncing it with the reference server, with a progress bar and a
//! report of what was pushed, pulled and refused. The library's network and account errors are
//! turned here into advice that names the server and the next command to run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, SignupRequest};
use studymate_core::sync::{
    CancelToken, RejectedChange, RetryPolicy, ServerSession, SyncConfig, SyncReport, TokenListener,
};
use studymate_core::{Client, Error};

use crate::account::Account;
use crate::error::{AppError, AppResult};
use crate::progress_bar::BarObserver;
use crate::{interrupt, safe};

/// Checks that `--server` is a base address such as `http://127.0.0.1:8787` and returns it
/// without a trailing slash; a missing scheme or the protocol's own `/v1` is named with the fix.
pub fn check_server(server: &str) -> AppResult<String> {
    let base = server.trim().trim_end_matches('/');
    let wrong = |why: String| AppError::new("invalid_input", format!("--server {server:?} {why}"));
    let Some((scheme, rest)) = base.split_once("://") else {
        return Err(wrong(format!(
            "has no scheme: write it as http://{base} (or https://{base})"
        )));
    };
    if scheme != "http" && scheme != "https" {
        return Err(wrong(format!(
            "uses {scheme}://; the server speaks http:// or https://"
        )));
    }
    if rest.is_empty() || rest.starts_with('/') {
        return Err(wrong("has no host: e.g. http://127.0.0.1:8787".to_owned()));
    }
    if let Some(stripped) = base.strip_suffix("/v1") {
        return Err(wrong(format!(
            "ends in /v1, which the demo adds itself: use --server {stripped}"
        )));
    }
    Ok(base.to_owned())
}

/// Creates an account for this device's user, keeping the id the device made offline.
pub fn signup(client: &Client, server: &str, username: &str, password: &str) -> AppResult<Account> {
    let request = SignupRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        display_name: client.profile()?.display_name,
        user_id: Some(client.user_id()),
    };
    let session = ServerSession::signup(server, &request)
        .map_err(|err| account_error(err, server, username, "signup"))?;
    Ok(account(server, username, &session))
}

/// Signs an existing account in; the caller opens the device for the account's user.
pub fn login(server: &str, username: &str, password: &str) -> AppResult<Account> {
    let request = LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    let session = ServerSession::login(server, &request)
        .map_err(|err| account_error(err, server, username, "login"))?;
    Ok(account(server, username, &session))
}

/// Advice for a refused `signup` or `login`, keyed by the server's error code.
fn account_error(err: Error, server: &str, username: &str, action: &str) -> AppError {
    let detail = |message: &str| safe::line(message);
    match err {
        Error::Conflict(m) if m.starts_with("username_taken") => AppError::new(
            "username_taken",
            format!(
                "the username {username:?} is taken on {server}; choose another --username, or \
                 `login` if it is yours"
            ),
        ),
        Error::Conflict(m) if m.starts_with("user_exists") => AppError::new(
            "user_exists",
            format!(
                "this device's user already has an account on {server} ({}); sign in with \
                 `login` in a new --data-dir instead",
                detail(&m)
            ),
        ),
        Error::Auth(m) => AppError::new(
            "invalid_credentials",
            format!(
                "{server} refused the {action} for {username:?} ({}); check --username and \
                 --password",
                detail(&m)
            ),
        ),
        Error::InvalidInput { reason, .. } => AppError::new(
            "invalid_input",
            format!(
                "{server} refused the {action} ({}); fix --username or --password and try again",
                detail(&reason)
            ),
        ),
        other => AppError::from(other).context(format!("{action} at {server}")),
    }
}

fn account(server: &str, username: &str, session: &ServerSession) -> Account {
    Account {
        server: server.trim_end_matches('/').to_owned(),
        username: username.to_owned(),
        tokens: session.tokens(),
    }
}

/// What one `sync` did, for the screen or `--json`.
pub struct Outcome {
    /// The engine's counts.
    pub report: SyncReport,
    /// Every change the server has refused on this device, with its reason.
    pub rejected: Vec<RejectedChange>,
    /// Changes still waiting to be pushed after this run.
    pub outbox: i64,
}

impl Outcome {
    /// The outcome as JSON; the text below uses the same words.
    pub fn to_json(&self) -> Value {
        let r = &self.report;
        json!({
            "pushed": r.pushed, "applied": r.applied, "duplicate": r.duplicate,
            "rejected": r.rejected, "pulled": r.pulled, "history_resets": r.history_resets,
            "outbox": self.outbox, "rejected_changes": self.rejected,
        })
    }

    /// The outcome as a few lines of text; the server's reasons are escaped.
    pub fn to_text(&self) -> String {
        let r = &self.report;
        let mut text = format!(
            "  pushed {} (applied {}, duplicate {}, rejected {}) · pulled {} · outbox {}\n",
            r.pushed, r.applied, r.duplicate, r.rejected, r.pulled, self.outbox
        );
        for change in &self.rejected {
            text.push_str(&format!(
                "  ✗ rejected {} {} {}: {} ({})\n",
                change.entity,
                change.operation,
                safe::line(&change.entity_id),
                safe::line(&change.code),
                safe::line(&change.reason)
            ));
        }
        text
    }
}

/// How hard a sync tries before reporting the device offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Asked for by the user: a few retries (a couple of seconds) with a progress bar.
    Asked,
    /// In the background of the interactive app: one retry and a short connect timeout, so a
    /// missing server costs the learner a moment, not half a minute.
    Background,
}

/// Pushes this device's changes and pulls the server's; a renewed token pair is saved to
/// `account.json` the moment the session gets it, before it is used.
pub fn sync(
    client: &Client,
    data_dir: &Path,
    account: &Account,
    show_progress: bool,
    patience: Patience,
) -> AppResult<Outcome> {
    let session = session(client, data_dir, account)?;
    let observer = Arc::new(BarObserver::new(show_progress));
    let mut config = SyncConfig::new(account.server.clone(), session.clone());
    config.observer = observer.clone();
    config.retry = RetryPolicy {
        max_attempts: match patience {
            Patience::Asked => 4,
            Patience::Background => 2,
        },
        ..RetryPolicy::default()
    };
    if patience == Patience::Background {
        config.connect_timeout = Duration::from_secs(2);
    }
    let cancel = CancelToken::new();
    config.cancel = cancel.clone();
    let result = {
        let _running = interrupt::sync_running(&cancel);
        client.sync(&config)
    };
    observer.finish();
    let report = result.map_err(|err| sync_error(err, data_dir, account))?;
    Ok(Outcome {
        report,
        rejected: client.rejected_changes()?,
        outbox: client.sync_status()?.outbox,
    })
}

/// The signed-in session of `account` for `client`'s user; each renewed token pair is saved
/// to `account.json` the moment the session gets it, before it is used.
pub fn session(
    client: &Client,
    data_dir: &Path,
    account: &Account,
) -> AppResult<Arc<ServerSession>> {
    if account.tokens.user_id != client.user_id() {
        return Err(AppError::new(
            "conflict",
            format!(
                "{} holds user {} but is signed in as user {}; sign in again with `login` in a \
                 new --data-dir",
                data_dir.display(),
                client.user_id(),
                account.tokens.user_id
            ),
        ));
    }
    let session = Arc::new(ServerSession::from_tokens(
        &account.server,
        account.tokens.clone(),
    )?);
    session.set_listener(Some(Arc::new(SaveTokens {
        data_dir: data_dir.to_path_buf(),
        account: account.clone(),
    })));
    Ok(session)
}

/// Saves each renewed token pair in `account.json` (refresh tokens are single-use: a pair that
/// was used but not saved would leave the device signed out after a crash).
struct SaveTokens {
    data_dir: PathBuf,
    account: Account,
}

impl TokenListener for SaveTokens {
    fn tokens_changed(&self, tokens: &AuthResponse) -> studymate_core::Result<()> {
        Account {
            tokens: tokens.clone(),
            ..self.account.clone()
        }
        .save(&self.data_dir)
        .map_err(|e| studymate_core::Error::Storage(format!("could not save the account: {e}")))
    }
}

/// Advice for a failed sync, naming the server and the folder.
fn sync_error(err: Error, data_dir: &Path, account: &Account) -> AppError {
    match err {
        // Only Ctrl-C cancels a sync here.
        Error::Cancelled => AppError::interrupted(),
        Error::Auth(m) => AppError::new(
            "auth",
            format!(
                "{} no longer accepts this device's sign-in ({}); sign in again: \
                 studymate-demo --data-dir {} login --server {} --username {}",
                account.server,
                safe::line(&m),
                data_dir.display(),
                account.server,
                account.username
            ),
        ),
        other => AppError::from(other).context(format!("sync with {}", account.server)),
    }
}

#[cfg(test)]
mod tests {
    use super::check_server;

    #[test]
    fn a_base_address_is_kept_without_its_trailing_slash() {
        assert_eq!(
            check_server("http://127.0.0.1:8787/").as_deref(),
            Ok("http://127.0.0.1:8787")
        );
        assert_eq!(
            check_server("https://sync.example.com/studymate").as_deref(),
            Ok("https://sync.example.com/studymate")
        );
    }

    #[test]
    fn a_missing_scheme_or_the_v1_suffix_is_named_with_the_fix() {
        let err = check_server("127.0.0.1:8787").expect_err("no scheme");
        assert!(err.message.contains("http://127.0.0.1:8787"), "{err}");
        let err = check_server("http://127.0.0.1:8787/v1").expect_err("v1");
        assert!(
            err.message.contains("--server http://127.0.0.1:8787"),
            "{err}"
        );
        assert!(check_server("ftp://host").is_err());
        assert!(check_server("http://").is_err());
    }
}
