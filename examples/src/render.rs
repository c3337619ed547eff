//! Turning results into text for a terminal (colours, bars, highlighted mistakes) or JSON.

use console::style;
use studymate_core::chat::{Message, Room};
use studymate_core::practice::{Completion, PracticeSession};
use studymate_core::progress::{NextUpItem, Progress};
use studymate_core::scoring::Score;

use crate::safe;

/// A 0–100 score as a bar of 20 cells.
pub fn bar(value: i32) -> String {
    let filled = usize::try_from(value.clamp(0, 100) / 5).unwrap_or(0);
    format!("{}{}", "█".repeat(filled), "░".repeat(20 - filled))
}

/// The answer with each detected mistake in red.
pub fn highlight(answer: &str, score: &Score) -> String {
    let chars: Vec<char> = answer.chars().collect();
    let mut out = String::new();
    let mut at = 0usize;
    for mistake in &score.mistakes {
        let (start, end) = (
            mistake.start as usize,
            (mistake.end as usize).min(chars.len()),
        );
        if start < at || start > end {
            continue;
        }
        out.extend(&chars[at..start]);
        let wrong: String = chars[start..end].iter().collect();
        out.push_str(&style(wrong).red().bold().underlined().to_string());
        at = end;
    }
    out.extend(&chars[at.min(chars.len())..]);
    out
}

/// The score breakdown with mistakes, missing vocabulary and suggestions.
pub fn score(answer: &str, score: &Score) -> String {
    let mut out = String::new();
    out.push_str(&format!("  You said: {}\n", highlight(answer, score)));
    out.push_str(&format!(
        "  {} {:>3}  {}\n",
        style("Overall        ").bold(),
        score.overall,
        bar(score.overall)
    ));
    out.push_str(&format!(
        "  Appropriateness {:>3}  {}\n",
        score.appropriateness,
        bar(score.appropriateness)
    ));
    out.push_str(&format!(
        "  Fluency         {:>3}  {}\n",
        score.fluency,
        bar(score.fluency)
    ));
    if let Some(p) = score.pronunciation {
        out.push_str(&format!("  Pronunciation   {:>3}  {}\n", p, bar(p)));
    }
    if score.hint_penalty > 0 {
        out.push_str(&format!("  Hints used: -{} points\n", score.hint_penalty));
    }
    if let Some(m) = &score.matched {
        out.push_str(&format!(
            "  Closest model answer: {}\n",
            style(&m.text).green()
        ));
    }
    for mistake in &score.mistakes {
        out.push_str(&format!(
            "  {} {} → {}: {}\n",
            style("✗").red(),
            style(&mistake.found).red(),
            style(&mistake.correction).green(),
            mistake.explanation
        ));
    }
    if !score.missing_vocabulary.is_empty() {
        out.push_str(&format!(
            "  Try to use: {}\n",
            score.missing_vocabulary.join(", ")
        ));
    }
    for suggestion in &score.suggestions {
        out.push_str(&format!("  • {suggestion}\n"));
    }
    out
}

/// What completing a session earned.
pub fn completion(done: &Completion) -> String {
    let mut out = String::new();
    for award in &done.awards {
        out.push_str(&format!(
            "  {} +{} {}\n",
            style("★").yellow(),
            award.points,
            award.description.as_deref().unwrap_or("")
        ));
    }
    for level in &done.level_ups {
        out.push_str(&format!(
            "  {} Level up! You reached level {level}\n",
            style("▲").green().bold()
        ));
    }
    for unlock in &done.unlocked {
        out.push_str(&format!(
            "  {} Achievement unlocked: {}\n",
            style("🏆").yellow(),
            style(&unlock.title).bold()
        ));
    }
    out.push_str(&format!(
        "  Points {} · Level {} ({} to next) · Streak {} day(s)\n",
        done.balance.available,
        done.level.level,
        done.level.points_to_next_level,
        done.streak.current
    ));
    out
}

/// Points, level, streak, achievements and a chart of recent scores.
pub fn progress(p: &Progress, history: &[PracticeSession]) -> String {
    let mut out = format!(
        "{}\n  Points {} (lifetime {}) · Level {} ({} to next) · Streak {} day(s), longest {} · Freezes {}\n",
        style("Progress").bold(),
        p.balance.available,
        p.balance.lifetime_earned,
        p.level.level,
        p.level.points_to_next_level,
        p.streak.current,
        p.streak.longest,
        p.streak.freezes_held
    );
    out.push_str(&format!("{}\n", style("Achievements").bold()));
    for a in &p.achievements {
        let mark = if a.unlocked_at.is_some() {
            style("✓").green()
        } else {
            style("·").dim()
        };
        out.push_str(&format!(
            "  {mark} {:<28} {}/{}\n",
            a.achievement.title,
            a.current.min(a.target),
            a.target
        ));
    }
    out.push_str(&format!(
        "{}\n",
        style("Scores over time (oldest first)").bold()
    ));
    let mut charted = 0;
    for s in history.iter().rev() {
        if let (Some(scores), Some(day)) = (s.scores, s.local_day) {
            charted += 1;
            out.push_str(&format!(
                "  {day} {:>3} {}\n",
                scores.overall,
                bar(scores.overall)
            ));
        }
    }
    if charted == 0 {
        out.push_str("  No scores yet: finish a practice round and it appears here.\n");
    }
    out
}

/// The recommendation list.
pub fn next_up(items: &[NextUpItem]) -> String {
    items
        .iter()
        .map(|i| {
            format!(
                "  {}. {} [{} · {}] — {}\n",
                i.recommendation.rank,
                i.situation.name,
                i.situation.category,
                i.situation.difficulty,
                reason(&i.recommendation.reason)
            )
        })
        .collect()
}

/// A recommendation's reason in words.
pub fn reason(reason: &studymate_core::next_up::RecommendationReason) -> String {
    use studymate_core::next_up::RecommendationReason as R;
    match reason {
        R::Due { overdue_days } => format!("due for review ({overdue_days} day(s) overdue)"),
        R::WeakCategory {
            category,
            average_tenths,
        } => {
            format!(
                "{category} is a weak spot (average {}.{})",
                average_tenths / 10,
                average_tenths % 10
            )
        }
        R::New => "new to you".to_owned(),
        R::Upcoming { due_in_days } => format!("practise ahead (due in {due_in_days} day(s))"),
    }
}

/// A room line: its id (for `--room`), its label (see `chat::room_label`) and unread count.
pub fn room(room: &Room, label: &str, unread: i32) -> String {
    format!("  {}  {}  unread {}\n", room.id, label, unread)
}

/// A message line with its send state and its sender's name. The text is someone else's, so
/// control characters are escaped (see `safe`).
pub fn message(m: &Message, sender: &str) -> String {
    let text = if m.is_deleted {
        style("(deleted)".to_owned()).dim().to_string()
    } else {
        safe::line(m.content.as_deref().unwrap_or_default())
    };
    let state = match m.send_state {
        studymate_core::chat::SendState::Pending => style("pending").yellow(),
        studymate_core::chat::SendState::Sent => style("sent").green(),
        studymate_core::chat::SendState::Failed => style("failed").red(),
    };
    format!("  [{state}] {}: {text}\n", style(sender).bold())
}
