//! Signing a device in and syncing it with the reference server, with a progress bar and a
//! report of what was pushed, pulled and refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use studymate_core::Client;
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, SignupRequest};
use studymate_core::sync::{
    RejectedChange, RetryPolicy, ServerSession, SyncConfig, SyncObserver, SyncProgress, SyncReport,
    SyncState, TokenListener,
};

use crate::account::Account;
use crate::run::AppResult;

/// Creates an account for this device's user, keeping the id the device made offline.
pub fn signup(client: &Client, server: &str, username: &str, password: &str) -> AppResult<Account> {
    let request = SignupRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        display_name: client.profile()?.display_name,
        user_id: Some(client.user_id()),
    };
    let session = ServerSession::signup(server, &request)?;
    Ok(account(server, username, &session))
}

/// Signs an existing account in; the caller opens the device for the account's user.
pub fn login(server: &str, username: &str, password: &str) -> AppResult<Account> {
    let request = LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    let session = ServerSession::login(server, &request)?;
    Ok(account(server, username, &session))
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
}

impl Outcome {
    /// The outcome as JSON.
    pub fn to_json(&self) -> Value {
        let r = &self.report;
        json!({
            "pushed": r.pushed, "applied": r.applied, "duplicate": r.duplicate,
            "rejected": r.rejected, "pulled": r.pulled, "history_resets": r.history_resets,
            "rejected_changes": self.rejected,
        })
    }

    /// The outcome as a few lines of text.
    pub fn to_text(&self) -> String {
        let r = &self.report;
        let mut text = format!(
            "  pushed {} (applied {}, already applied {}, refused {}) · pulled {}\n",
            r.pushed, r.applied, r.duplicate, r.rejected, r.pulled
        );
        for change in &self.rejected {
            text.push_str(&format!(
                "  ✗ {} {} {}: {} ({})\n",
                change.entity, change.operation, change.entity_id, change.code, change.reason
            ));
        }
        text
    }
}

/// How hard a sync tries before reporting the device offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Asked for by the user: the library's default retries (about half a minute).
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
    let session = Arc::new(ServerSession::from_tokens(
        &account.server,
        account.tokens.clone(),
    )?);
    session.set_listener(Some(Arc::new(SaveTokens {
        data_dir: data_dir.to_path_buf(),
        account: account.clone(),
    })));
    let bar = if show_progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix:>8} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut config = SyncConfig::new(account.server.clone(), session.clone());
    config.observer = Arc::new(BarObserver(bar.clone()));
    if patience == Patience::Background {
        config.retry = RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        };
        config.connect_timeout = Duration::from_secs(2);
    }
    let result = client.sync(&config);
    bar.finish_and_clear();
    let report = result?;
    Ok(Outcome {
        report,
        rejected: client.rejected_changes()?,
    })
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

/// Shows the engine's state and counts on a progress bar.
struct BarObserver(ProgressBar);

impl SyncObserver for BarObserver {
    fn state_changed(&self, state: SyncState) {
        let name = match state {
            SyncState::Idle => "idle",
            SyncState::Pushing => "pushing",
            SyncState::Pulling => "pulling",
            SyncState::Offline => "offline",
            SyncState::Error => "error",
        };
        self.0.set_prefix(name);
        self.0.tick();
    }

    fn progress(&self, progress: SyncProgress) {
        self.0.set_message(format!(
            "pushed {} · waiting {} · pulled {}",
            progress.pushed, progress.outbox, progress.pulled
        ));
        self.0.tick();
    }
}
