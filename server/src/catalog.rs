//! The situation catalog the server hands out: read from a JSON file in the core's
//! [`CatalogBatch`] format at start, and published to every user when an item is new or changed
//! (unchanged items publish nothing, so restarting the server costs clients nothing).

use std::path::Path;

use serde::Serialize;
use studymate_core::catalog::{CatalogBatch, Situation};
use studymate_core::changelog::Operation;
use studymate_protocol::ServerEntity;

use crate::db::{Conn, DbError};
use crate::feed::Audience;
use crate::records::{self, Target, to_json};

/// Why the catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("catalog file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid catalog.
    #[error("catalog file {path} is invalid: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Reads and checks a catalog file.
pub fn read(path: &Path) -> Result<CatalogBatch, CatalogError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
        path: shown.clone(),
        source,
    })?;
    let batch = CatalogBatch::from_json(&text)
        .and_then(|batch| batch.validate().map(|()| batch))
        .map_err(|e| CatalogError::Invalid {
            path: shown,
            reason: e.to_string(),
        })?;
    Ok(batch)
}

/// Stores the batch, publishing each new or changed item; returns how many were published.
pub fn import(conn: &mut dyn Conn, batch: &CatalogBatch) -> Result<usize, CatalogError> {
    for v in &batch.variations {
        let in_batch = batch.situations.iter().any(|s| s.id == v.situation_id);
        if !in_batch
            && records::get::<Situation>(
                conn,
                ServerEntity::Situation,
                &v.situation_id.to_string(),
            )?
            .is_none()
        {
            return Err(CatalogError::Invalid {
                path: "catalog".into(),
                reason: format!(
                    "variation {} refers to unknown situation {}",
                    v.id, v.situation_id
                ),
            });
        }
    }
    let mut published = 0;
    for s in &batch.situations {
        published += usize::from(upsert(conn, ServerEntity::Situation, &s.id.to_string(), s)?);
    }
    for v in &batch.variations {
        published += usize::from(upsert(conn, ServerEntity::Variation, &v.id.to_string(), v)?);
    }
    for a in &batch.achievements {
        published += usize::from(upsert(
            conn,
            ServerEntity::Achievement,
            &a.id.to_string(),
            a,
        )?);
    }
    Ok(published)
}

/// Publishes an item unless the stored one is identical; returns whether it published.
fn upsert(
    conn: &mut dyn Conn,
    kind: ServerEntity,
    id: &str,
    item: &impl Serialize,
) -> Result<bool, DbError> {
    let doc = to_json(item)?;
    let stored = records::get::<serde_json::Value>(conn, kind, id)?;
    if stored.as_ref().is_some_and(|r| r.doc == doc) {
        return Ok(false);
    }
    let operation = if stored.is_some() {
        Operation::Update
    } else {
        Operation::Insert
    };
    let target = Target {
        kind,
        record_id: id,
        entity_id: id,
        owner: None,
        room: None,
        audience: Audience::Everyone,
        origin: None,
    };
    records::save(conn, &target, operation, &doc)?;
    Ok(true)
}
