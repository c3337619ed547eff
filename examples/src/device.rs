//! One simulated device: a folder holding the user's database. By default the folder is the
//! platform's per-user data folder (so nothing lands in the working tree); `--data-dir` picks
//! another, and two folders act as two devices. Opening it imports the bundled catalog the first
//! time and sets the profile's time zone from this machine's.

use std::path::{Path, PathBuf};

use studymate_core::catalog::{CatalogBatch, SituationFilter};
use studymate_core::profile::ProfilePatch;
use studymate_core::{Client, Error, OpenOptions};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The catalog every fresh device starts with; the reference server serves the same file.
pub const BUNDLED_CATALOG: &str = include_str!("../catalog/catalog.json");

/// The database file inside a device folder.
const DATABASE: &str = "studymate.db";

/// The folder used without `--data-dir`: e.g. `~/.local/share/studymate-demo` on Linux,
/// `~/Library/Application Support/…` on macOS, `%APPDATA%\…` on Windows.
pub fn default_dir() -> AppResult<PathBuf> {
    directories::ProjectDirs::from("", "StudyMate", "studymate-demo")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            AppError::new(
                "invalid_input",
                "this system has no home folder for the demo's data; pass --data-dir DIR",
            )
        })
}

/// Opens (creating on first use) the device in `data_dir`, for `user_id` when a login names the
/// user (a database of another user is refused), else for the user the database holds.
pub fn open(data_dir: &Path, user_id: Option<Uuid>) -> AppResult<Client> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        AppError::new(
            "io",
            format!(
                "the data folder {} cannot be created ({e}); pick another with --data-dir",
                data_dir.display()
            ),
        )
    })?;
    let database = data_dir.join(DATABASE);
    refuse_empty_file(&database)?;
    let client = Client::open(
        &database,
        OpenOptions {
            user_id,
            ..Default::default()
        },
    )
    .map_err(|err| match (err, user_id) {
        (Error::Conflict(_), Some(_)) => AppError::new(
            "conflict",
            format!(
                "{} already holds another user's data (it was used offline or by another \
                 account); log in with a new --data-dir, or run `signup` in this folder to keep \
                 its progress under a new account",
                data_dir.display()
            ),
        ),
        (err, _) => AppError::from(err).context(format!("opening {}", database.display())),
    })?;
    if client.situations(&SituationFilter::default())?.is_empty() {
        client.import_catalog(&CatalogBatch::from_json(BUNDLED_CATALOG)?)?;
        // A signed-in device takes the profile the server holds; a new offline user gets this
        // machine's zone.
        if let (None, Ok(zone)) = (user_id, iana_time_zone::get_timezone()) {
            // A zone the library does not know (rare) keeps the default UTC.
            let _ = client.update_profile(&ProfilePatch {
                time_zone: Some(zone),
                ..Default::default()
            });
        }
    }
    Ok(client)
}

/// A 0-byte database holds no user; opening it would silently start a new one (with a new
/// user id that a signed-in folder's account does not own), so it is refused with advice.
fn refuse_empty_file(database: &Path) -> AppResult<()> {
    match std::fs::metadata(database) {
        Ok(meta) if meta.is_file() && meta.len() == 0 => Err(AppError::new(
            "damaged_database",
            format!(
                "{} is empty (0 bytes), so it holds no user and no progress; move it away to \
                 start a new user here, or pick another folder with --data-dir (a signed-in \
                 device gets its data back from the server with `login` in a new folder)",
                database.display()
            ),
        )),
        _ => Ok(()),
    }
}
