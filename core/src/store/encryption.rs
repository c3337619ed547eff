//! Encryption at rest through SQLCipher (the `encryption` cargo feature): the app's key, applied
//! to every connection before its first statement; changing the key; and turning a plain
//! database file into an encrypted one.
//!
//! The key is a raw 256-bit key (what the iOS Keychain or the Android Keystore hand out), used
//! in SQLCipher's raw-key mode, so opening a connection costs no key derivation: the store opens
//! reader connections on demand and must stay fast. A build without SQLCipher refuses a key with
//! a typed error instead of silently writing a plain file (plain SQLite ignores `PRAGMA key`).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode};

use crate::error::{Error, Result};

/// Length of a raw SQLCipher key, in bytes.
pub const KEY_LEN: usize = 32;

/// A 256-bit database key. Its bytes are overwritten with zeros when it is dropped, and it never
/// appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; KEY_LEN]);

impl DatabaseKey {
    /// Wraps the app's key; it must be exactly 32 bytes (e.g. 32 random bytes kept in the
    /// Keychain / Android Keystore), otherwise [`Error::InvalidInput`] on `key`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::invalid(
                "key",
                format!("must be exactly {KEY_LEN} bytes, got {}", bytes.len()),
            )
        })?;
        Ok(DatabaseKey(key))
    }

    /// The key as SQLCipher's raw-key literal, `x'<64 hex digits>'`, quoted for a PRAGMA.
    fn pragma_literal(&self) -> String {
        let mut text = String::with_capacity(2 * KEY_LEN + 5);
        text.push_str("\"x'");
        for byte in self.0 {
            text.push_str(&format!("{byte:02X}"));
        }
        text.push_str("'\"");
        text
    }
}

impl Drop for DatabaseKey {
    fn drop(&mut self) {
        for byte in &mut self.0 {
            // A volatile write is not optimised away even though the value is never read again.
            // SAFETY: `byte` is a valid, aligned, exclusive reference into `self.0`.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

/// Whether this build links SQLCipher (the `encryption` feature).
pub fn available() -> bool {
    cfg!(feature = "encryption")
}

/// Fails with [`Error::InvalidInput`] on `key` when this build cannot encrypt.
fn require_available() -> Result<()> {
    if available() {
        Ok(())
    } else {
        Err(Error::invalid(
            "key",
            "this build has no encryption at rest (build studymate-core with the `encryption` feature)",
        ))
    }
}

/// Applies `key` to a freshly opened connection (it must be the first statement) and proves it
/// opens the file: a wrong key, or a key on a plain file, fails here with [`Error::WrongKey`].
pub(crate) fn unlock(conn: &Connection, key: &DatabaseKey) -> Result<()> {
    require_available()?;
    conn.execute_batch(&format!("PRAGMA key = {};", key.pragma_literal()))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(wrong_key_or_storage)
}

/// Re-encrypts the whole database under `new_key` (SQLCipher's `PRAGMA rekey`), in place.
/// The connection must be the writer and no transaction may be open.
pub(crate) fn rekey(conn: &Connection, new_key: &DatabaseKey) -> Result<()> {
    require_available()?;
    conn.execute_batch(&format!("PRAGMA rekey = {};", new_key.pragma_literal()))?;
    Ok(())
}

/// Turns SQLite's "not a database" into [`Error::WrongKey`]; other failures stay storage errors.
fn wrong_key_or_storage(err: rusqlite::Error) -> Error {
    if err.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
        Error::WrongKey
    } else {
        Error::from(err)
    }
}

/// The first 16 bytes of every plain SQLite database file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is a plain (unencrypted) SQLite database: its header says so.
/// An encrypted file starts with a random salt instead. A missing or empty file is neither.
pub fn is_plain(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(path, &e)),
    };
    match file.read_exact(&mut header) {
        Ok(()) => Ok(&header == PLAIN_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(io_error(path, &e)),
    }
}

/// Encrypts the plain database at `path` under `key`, keeping every row: the whole database is
/// copied into a new encrypted file next to it (`sqlcipher_export`), checked, synced to disk and
/// renamed over the original, so a crash at any point leaves either the plain file or the
/// encrypted one, never a mix. No `Client` may have the file open while this runs.
///
/// Refuses with [`Error::Conflict`] a file that is not plain SQLite (already encrypted) and with
/// [`Error::NotFound`] a missing one; then nothing changes.
pub fn encrypt_file(path: &Path, key: &DatabaseKey) -> Result<()> {
    require_available()?;
    if !path.exists() {
        return Err(Error::not_found("database", path.display()));
    }
    if !is_plain(path)? {
        return Err(Error::Conflict(format!(
            "{} is not a plain SQLite database (already encrypted?)",
            path.display()
        )));
    }
    let target = sibling(path, ".encrypting");
    remove_if_exists(&target)?;
    let copied = export_encrypted(path, &target, key).and_then(|()| {
        fs::File::open(&target)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(&target, &e))
    });
    if let Err(e) = copied {
        // The half-written copy is useless; the plain original is untouched.
        let _ = fs::remove_file(&target);
        return Err(e);
    }
    // The plain database was checkpointed and closed, so no WAL or shared-memory file of it is
    // left to be mistaken for the encrypted file's; remove any a crash left behind all the same.
    for suffix in ["-wal", "-shm"] {
        remove_if_exists(&sibling(path, suffix))?;
    }
    fs::rename(&target, path).map_err(|e| io_error(path, &e))?;
    sync_parent(path)
}

/// Copies the plain database `plain` into a new encrypted file `target` and checks that the
/// copy holds as many rows in every table as the original.
fn export_encrypted(plain: &Path, target: &Path, key: &DatabaseKey) -> Result<()> {
    let conn = Connection::open(plain)?;
    // Everything committed must be in the main file before it is copied.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let target_text = target
        .to_str()
        .ok_or_else(|| Error::invalid("path", "is not valid UTF-8"))?;
    conn.execute(
        &format!(
            "ATTACH DATABASE ?1 AS encrypted KEY {}",
            key.pragma_literal()
        ),
        [target_text],
    )?;
    conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    let version: i64 = conn.query_row("PRAGMA main.user_version", [], |row| row.get(0))?;
    conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in &tables {
        let count = |schema: &str| -> Result<i64> {
            Ok(conn.query_row(
                &format!(
                    "SELECT count(*) FROM {schema}.\"{}\"",
                    table.replace('"', "\"\"")
                ),
                [],
                |row| row.get(0),
            )?)
        };
        let (before, after) = (count("main")?, count("encrypted")?);
        if before != after {
            return Err(Error::Storage(format!(
                "encrypting copied {after} of {before} rows of {table}; the plain file is kept"
            )));
        }
    }
    conn.execute_batch("DETACH DATABASE encrypted;")?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// `path` with `suffix` appended to its file name (`user.db` → `user.db-wal`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Deletes a file, treating "already gone" as done.
pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path, &e)),
    }
}

/// Makes a rename in `path`'s folder durable (a no-op where folders cannot be opened).
fn sync_parent(path: &Path) -> Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    match fs::File::open(parent) {
        Ok(dir) => {
            // Some platforms refuse fsync on a directory; the rename itself is already done.
            let _ = dir.sync_all();
            Ok(())
        }
        Err(_) => Ok(()),
    }
}

/// A file-system failure as a storage error naming the file.
pub(crate) fn io_error(path: &Path, err: &std::io::Error) -> Error {
    Error::Storage(format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_must_be_32_bytes() {
        assert!(DatabaseKey::from_bytes(&[7; 32]).is_ok());
        for len in [0, 16, 31, 33, 64] {
            let err = DatabaseKey::from_bytes(&vec![7; len]).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "key"));
        }
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let key = DatabaseKey::from_bytes(&[0xAB; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("AB") && !shown.contains("171"), "{shown}");
    }

    #[test]
    fn the_pragma_literal_is_the_raw_key_in_hex() {
        let key = DatabaseKey::from_bytes(&[0x0F; 32]).unwrap();
        assert_eq!(key.pragma_literal(), format!("\"x'{}'\"", "0F".repeat(32)));
    }
}
