//! Input validation: everything the scorer refuses is refused here, before any scoring,
//! so scoring itself never meets out-of-range data.

use super::error::ScoringError;
use super::language::Language;
use super::{Answer, ScoringReference};

/// Longest answer, reference response, pattern or term, in chars.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Most recognised words in a spoken answer.
pub const MAX_SPOKEN_WORDS: usize = 500;
/// Highest hint level there is.
pub const MAX_HINT_LEVEL: u8 = 3;

/// Checks the parts of a reference set that need no normalisation and reads its language.
pub(crate) fn reference(reference: &ScoringReference) -> Result<Language, ScoringError> {
    let language = Language::from_tag(&reference.language).ok_or_else(|| {
        ScoringError::reference(
            "language",
            format!(
                "{:?} is not a BCP-47 tag such as \"en\" or \"ko\"",
                reference.language
            ),
        )
    })?;
    if reference.ideal_responses.is_empty() && reference.acceptable_responses.is_empty() {
        return Err(ScoringError::reference(
            "ideal_responses",
            "is empty, and so is acceptable_responses: at least one response is required",
        ));
    }
    let texts = reference
        .ideal_responses
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("ideal_responses[{i}]"), t))
        .chain(
            reference
                .acceptable_responses
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("acceptable_responses[{i}]"), t)),
        )
        .chain(
            reference
                .common_mistakes
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("common_mistakes[{i}].pattern"), &m.pattern)),
        )
        .chain(
            reference
                .vocabulary
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("vocabulary[{i}].term"), &v.term)),
        )
        .chain(std::iter::once(("prompt".to_owned(), &reference.prompt)));
    for (field, text) in texts {
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(ScoringError::reference(
                field,
                format!("has {chars} characters; the limit is {MAX_TEXT_CHARS}"),
            ));
        }
    }
    for (i, hint) in reference.hint_levels.iter().enumerate() {
        if !(1..=i32::from(MAX_HINT_LEVEL)).contains(&hint.level) {
            return Err(ScoringError::reference(
                format!("hint_levels[{i}].level"),
                format!(
                    "is {}; hint levels run from 1 to {MAX_HINT_LEVEL}",
                    hint.level
                ),
            ));
        }
    }
    Ok(language)
}

/// Checks an answer.
pub(crate) fn answer(answer: &Answer) -> Result<(), ScoringError> {
    if answer.text.trim().is_empty() {
        return Err(ScoringError::answer("text", "is empty"));
    }
    let chars = answer.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ScoringError::answer(
            "text",
            format!("has {chars} characters; the limit is {MAX_TEXT_CHARS}"),
        ));
    }
    if answer.hints_used > MAX_HINT_LEVEL {
        return Err(ScoringError::answer(
            "hints_used",
            format!(
                "is {}; the highest hint level is {MAX_HINT_LEVEL}",
                answer.hints_used
            ),
        ));
    }
    let Some(words) = &answer.spoken else {
        return Ok(());
    };
    if words.is_empty() {
        return Err(ScoringError::answer(
            "spoken",
            "contains no words; use None for a typed answer",
        ));
    }
    if words.len() > MAX_SPOKEN_WORDS {
        return Err(ScoringError::answer(
            "spoken",
            format!("has {} words; the limit is {MAX_SPOKEN_WORDS}", words.len()),
        ));
    }
    let mut total_chars = 0usize;
    for (i, word) in words.iter().enumerate() {
        if !(0.0..=1.0).contains(&word.confidence) {
            return Err(ScoringError::answer(
                format!("spoken[{i}].confidence"),
                format!("is {}; it must be a number from 0 to 1", word.confidence),
            ));
        }
        if word.start_ms < 0 {
            return Err(ScoringError::answer(
                format!("spoken[{i}].start_ms"),
                format!("is {} ms; it must not be negative", word.start_ms),
            ));
        }
        if word.end_ms < word.start_ms {
            return Err(ScoringError::answer(
                format!("spoken[{i}].end_ms"),
                format!(
                    "is {} ms, before start_ms ({} ms)",
                    word.end_ms, word.start_ms
                ),
            ));
        }
        total_chars += word.word.chars().count();
    }
    if total_chars > MAX_TEXT_CHARS {
        return Err(ScoringError::answer(
            "spoken",
            format!("has {total_chars} characters in its words; the limit is {MAX_TEXT_CHARS}"),
        ));
    }
    Ok(())
}
