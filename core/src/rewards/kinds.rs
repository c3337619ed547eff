//! The kinds of a ledger entry: its direction and why the points moved. They belong to the
//! rules (every award names them); the ledger stores them.

use crate::validate::string_enum;

string_enum! {
    /// Direction of a ledger entry (seed 000 `transaction_type`).
    pub enum TransactionType {
        /// Points earned by practising.
        Earned => "earned",
        /// Points spent (e.g. on a streak freeze).
        Spent => "spent",
        /// Extra points (streak milestones, achievements).
        Bonus => "bonus",
        /// Points taken away.
        Penalty => "penalty",
    }
}

string_enum! {
    /// Why points moved (seed 000 `source_type`, plus the two sources the device adds).
    pub enum PointSource {
        /// First completed practice of a local day.
        DailyPractice => "daily_practice",
        /// A practice scored as perfect.
        PerfectScore => "perfect_score",
        /// A streak milestone.
        StreakBonus => "streak_bonus",
        /// A session with a tutor (server-side).
        TutorSession => "tutor_session",
        /// A weekly challenge completed.
        ChallengeComplete => "challenge_complete",
        /// A referral (server-side).
        Referral => "referral",
        /// A purchase (server-side).
        PremiumPurchase => "premium_purchase",
        /// A correction by an administrator (server-side).
        AdminAdjustment => "admin_adjustment",
        /// An achievement unlocked.
        AchievementUnlock => "achievement_unlock",
        /// A streak freeze bought with points.
        StreakFreeze => "streak_freeze",
    }
}

impl TransactionType {
    /// Whether entries of this type add points (`true`) or take them away.
    pub fn is_credit(self) -> bool {
        matches!(self, TransactionType::Earned | TransactionType::Bonus)
    }
}
