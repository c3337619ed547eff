//! What the server binary shares with its own integration tests: the fault-injection switch.
//!
//! In a build with the `fault-injection` feature, the push handler panics after it has applied
//! (written) a batch that contains an entry whose `entity_id` is [`POISON_ENTITY_ID`]. The
//! server's integration tests run a build with the feature (`tests/all/common/mod.rs`) to prove on
//! every store that a panicking request commits nothing and leaves the server serving. A normal
//! or release build (`cargo build`, `cargo run`) never has it.

/// The entity id that makes a fault-injection build panic after writing the batch it is in.
pub const POISON_ENTITY_ID: &str = "fault-injection:panic-after-write";

/// Panics if one of `entity_ids` is [`POISON_ENTITY_ID`] (fault-injection builds only).
#[cfg(feature = "fault-injection")]
pub fn panic_if_poisoned<'a>(entity_ids: impl IntoIterator<Item = &'a str>) {
    if entity_ids.into_iter().any(|id| id == POISON_ENTITY_ID) {
        panic!("fault injection: the batch carries {POISON_ENTITY_ID}");
    }
}
