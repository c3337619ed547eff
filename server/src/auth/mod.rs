//! Accounts' defences and credentials: password hashing behind a concurrency bound, login and
//! signup throttling, and token families.
//!
//! - [`password`]: Argon2id hashes, and one verify path for known and unknown usernames.
//! - [`gate`]: at most N hashes at once, so hostile logins cannot exhaust memory.
//! - [`throttle`]: per-address and per-username limits on attempts.
//! - [`tokens`]: access and refresh tokens, grouped into one family per sign-in.

pub mod gate;
pub mod password;
pub mod throttle;
pub mod tokens;

pub use tokens::TokenError;

/// The defences of the auth endpoints, shared by every request.
#[derive(Debug)]
pub struct Guards {
    /// The bound on concurrent password hashing (signup and login).
    pub hashing: gate::HashGate,
    /// Login requests per client address.
    pub login_per_address: throttle::AddressLimit,
    /// Failed logins per username.
    pub login_failures: throttle::FailureLimit,
    /// Signup requests per client address.
    pub signup_per_address: throttle::AddressLimit,
}
