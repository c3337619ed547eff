//! Randomised waits, so processes that failed together (a lost connection, two transactions
//! that deadlocked) do not all try again at the same instant and collide again.

use std::time::Duration;

/// A wait between half of `wait` and all of it, uniformly at random (exactly three quarters of
/// it when the OS has no randomness to give).
pub fn half_to_full(wait: Duration) -> Duration {
    let half = wait / 2;
    half + half.mul_f64(random_fraction())
}

/// A number in [0, 1) from the OS's randomness (0.5 when it has none).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_between_half_and_the_whole() {
        let wait = Duration::from_millis(400);
        for _ in 0..1000 {
            let jittered = half_to_full(wait);
            assert!(jittered >= wait / 2 && jittered < wait, "{jittered:?}");
        }
    }
}
