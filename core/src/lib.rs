//! StudyMate Core: the portable library a language-learning app embeds on the phone.

pub mod next_up;
pub mod rewards;
