//! The ledger vocabulary of the seed's `point_transactions` table.

use serde::{Deserialize, Serialize};

/// `point_transactions.transaction_type`: the direction and kind of a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionType {
    /// Points earned by practising (positive amount).
    Earned,
    /// Points spent on an item such as a streak freeze (negative amount).
    Spent,
    /// Extra points for a milestone or challenge (positive amount).
    Bonus,
    /// Points taken away by an administrator (negative amount).
    Penalty,
}

impl TransactionType {
    /// The seed's enum spelling, as stored in the `transaction_type` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Earned => "earned",
            Self::Spent => "spent",
            Self::Bonus => "bonus",
            Self::Penalty => "penalty",
        }
    }
}

/// `point_transactions.source_type`: what caused a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// The first completed session of a local day.
    DailyPractice,
    /// A session scored at or above the perfect-score threshold.
    PerfectScore,
    /// A streak milestone.
    StreakBonus,
    /// A tutor session (judged by the server, not on the device).
    TutorSession,
    /// A weekly challenge or an achievement unlocked.
    ChallengeComplete,
    /// A referral (judged by the server).
    Referral,
    /// A purchase in the premium shop, e.g. a streak freeze.
    PremiumPurchase,
    /// A manual correction by an administrator (server only).
    AdminAdjustment,
}

impl SourceType {
    /// The seed's enum spelling, as stored in the `source_type` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DailyPractice => "daily_practice",
            Self::PerfectScore => "perfect_score",
            Self::StreakBonus => "streak_bonus",
            Self::TutorSession => "tutor_session",
            Self::ChallengeComplete => "challenge_complete",
            Self::Referral => "referral",
            Self::PremiumPurchase => "premium_purchase",
            Self::AdminAdjustment => "admin_adjustment",
        }
    }
}
