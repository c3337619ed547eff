//! Sync with the server: the wire protocol shared with the reference server.

pub mod protocol;
