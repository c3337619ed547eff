//! One simulated device: a folder holding the user's database. Opening it imports the bundled
//! catalog the first time and sets the profile's time zone from this machine's.

use std::path::Path;

use studymate_core::catalog::{CatalogBatch, SituationFilter};
use studymate_core::profile::ProfilePatch;
use studymate_core::{Client, OpenOptions, Result};
use uuid::Uuid;

/// The catalog every fresh device starts with; the reference server serves the same file.
pub const BUNDLED_CATALOG: &str = include_str!("../catalog/catalog.json");

/// Opens (creating on first use) the device in `data_dir`, for `user_id` when a login names the
/// user (a database of another user is refused), else for the user the database holds.
pub fn open(data_dir: &Path, user_id: Option<Uuid>) -> Result<Client> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        studymate_core::Error::Storage(format!("cannot create {}: {e}", data_dir.display()))
    })?;
    let client = Client::open(
        data_dir.join("studymate.db"),
        OpenOptions {
            user_id,
            ..Default::default()
        },
    )?;
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
