//! Passwords are kept only as Argon2id hashes (PHC strings) with a random salt, made with the
//! `argon2` crate's default parameters (19 MiB, 2 passes, 1 lane).
//!
//! A login for an unknown username verifies the password against [`DUMMY_HASH`], a hash with the
//! same parameters, through the same [`verify`] call as a known one: both cost one Argon2 run,
//! so the answer's timing does not tell whether the username exists.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// An Argon2id hash of a random password nobody knows, with the default parameters; verified
/// against when the username is unknown, so that path does the same work as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$2HfikSwdb53Iq7YZIoTcqg$Z63Yfl93gFLlvjzQF7pkzYSRbvVonQY4sdD0thXW96E";

/// Hashes a password with Argon2id and a fresh salt (a PHC string).
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash of the account, `None` when there is no such
/// account: then it is checked against [`DUMMY_HASH`] (and never matches), so both cases run
/// Argon2 once. A malformed stored hash never matches.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    let known = stored.is_some();
    let Ok(hash) = PasswordHash::new(stored.unwrap_or(DUMMY_HASH)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok();
    known && matches
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::Params;

    /// The cost of verifying against a PHC string: algorithm, version, memory, passes, lanes,
    /// output length.
    fn cost(phc: &str) -> (String, Option<u32>, u32, u32, u32, usize) {
        let hash = PasswordHash::new(phc).expect("a PHC string");
        let params = Params::try_from(&hash).expect("Argon2 parameters");
        let output = hash.hash.map(|h| h.len()).unwrap_or(0);
        (
            hash.algorithm.to_string(),
            hash.version,
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            output,
        )
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real = hash("correct horse").expect("hash");
        let dummy = cost(DUMMY_HASH);
        assert_eq!(dummy, cost(&real));
        let default = Params::default();
        assert_eq!(
            (dummy.2, dummy.3, dummy.4),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
    }

    #[test]
    fn only_a_known_account_with_its_password_matches() {
        let real = hash("correct horse").expect("hash");
        assert!(verify(Some(&real), "correct horse"));
        assert!(!verify(Some(&real), "wrong horse"));
        assert!(!verify(None, "correct horse"));
        assert!(!verify(Some("not a hash"), "correct horse"));
    }
}
