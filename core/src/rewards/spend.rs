//! The one check every spend of points goes through.

use super::RewardsError;

/// Accepts a spend of `amount` points from `balance`, or says why not.
///
/// A spend must be strictly positive (a zero or negative "spend" would be an earning in
/// disguise) and must not overdraw: balances never go below zero on the device. The store
/// calls this inside the transaction that writes the `spent` ledger entry, with the balance
/// derived from the ledger in that same transaction.
pub fn check_spend(balance: i64, amount: i64) -> Result<(), RewardsError> {
    if amount <= 0 {
        return Err(RewardsError::NonPositiveAmount { amount });
    }
    if amount > balance {
        return Err(RewardsError::InsufficientPoints { balance, amount });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spends_up_to_the_balance() {
        assert_eq!(check_spend(100, 1), Ok(()));
        assert_eq!(check_spend(100, 100), Ok(()));
    }

    #[test]
    fn refuses_non_positive_amounts() {
        assert_eq!(
            check_spend(100, 0),
            Err(RewardsError::NonPositiveAmount { amount: 0 })
        );
        assert_eq!(
            check_spend(100, -5),
            Err(RewardsError::NonPositiveAmount { amount: -5 })
        );
        assert_eq!(
            check_spend(100, i64::MIN),
            Err(RewardsError::NonPositiveAmount { amount: i64::MIN })
        );
    }

    #[test]
    fn refuses_overdrafts() {
        assert_eq!(
            check_spend(100, 101),
            Err(RewardsError::InsufficientPoints {
                balance: 100,
                amount: 101
            })
        );
        assert_eq!(
            check_spend(-10, 1),
            Err(RewardsError::InsufficientPoints {
                balance: -10,
                amount: 1
            })
        );
    }
}
