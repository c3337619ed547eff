//! Short, deterministic improvement suggestions in English, built from the score's
//! findings in a fixed order (at most [`MAX_SUGGESTIONS`]).

use super::guards::{self, NonAnswer};
use super::language::Language;
use super::{FluencyDetail, FoundMistake, PronunciationDetail, ReferenceKind};

/// Most suggestions returned.
pub(crate) const MAX_SUGGESTIONS: usize = 5;
/// Below this overall score (per mille, before the hint penalty) the closest ideal response
/// is shown as a model answer.
const SHOW_MODEL_BELOW: u32 = 800;
/// From this similarity (per mille) on, the model answer is offered as what the learner
/// probably meant ("Did you mean …?").
const DID_YOU_MEAN_FROM: u16 = 600;
/// Below this completeness (per mille) a typed fragment is told to use a complete sentence.
const INCOMPLETE_BELOW: i32 = 600;
/// Only answers shorter than this (in words or characters) count as fragments: a short
/// complete sentence ("I'm fine, thanks.") is not told to be complete.
const FRAGMENT_BELOW: u32 = 3;

/// The findings suggestions are made from.
pub(crate) struct Feedback<'a> {
    /// Why the answer is not an answer, if it is not.
    pub non_answer: Option<NonAnswer>,
    pub language: Language,
    /// The character's line.
    pub prompt: Option<&'a str>,
    /// Overall score before the hint penalty, per mille.
    pub overall: u32,
    /// Similarity to the best-matching reference, per mille.
    pub similarity: u16,
    /// Length of the answer (words, or characters in ko/zh/ja).
    pub answer_length: u32,
    pub mistakes: &'a [FoundMistake],
    pub missing_vocabulary: &'a [String],
    pub matched_kind: Option<ReferenceKind>,
    /// The ideal response closest to the answer.
    pub best_ideal: Option<&'a str>,
    pub fluency: &'a FluencyDetail,
    pub pronunciation: Option<&'a PronunciationDetail>,
    pub rate_band: (u32, u32),
    pub response_time_ms: u32,
    pub hints_used: u8,
}

/// Suggestions, most important first: what to do instead of a non-answer, mistakes, key
/// vocabulary, a model answer, pronunciation, fluency, hints.
pub(crate) fn suggestions(f: &Feedback<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(reason) = f.non_answer {
        out.push(non_answer(reason, f));
        if f.hints_used > 0 {
            out.push("Next time, try with fewer hints.".to_owned());
        }
        return out;
    }
    for m in f.mistakes.iter().take(2) {
        // A correction in parentheses is an instruction ("(leave it out)"), not wording.
        match m
            .correction
            .strip_prefix('(')
            .and_then(|c| c.strip_suffix(')'))
        {
            Some(instruction) => {
                out.push(format!("Instead of \"{}\", {instruction}.", m.found));
            }
            None => out.push(format!(
                "Say \"{}\" instead of \"{}\".",
                m.correction, m.found
            )),
        }
    }
    match f.missing_vocabulary {
        [] => {}
        [one] => out.push(format!("Include the key word \"{one}\".")),
        many => out.push(format!("Include the key words {}.", quoted(many))),
    }
    if let Some(ideal) = f.best_ideal {
        if f.overall < SHOW_MODEL_BELOW || f.matched_kind.is_none() {
            if f.similarity >= DID_YOU_MEAN_FROM && f.matched_kind.is_some() {
                out.push(format!("Did you mean: \"{ideal}\""));
            } else {
                out.push(format!("A natural answer here: \"{ideal}\"."));
            }
        } else if f.matched_kind == Some(ReferenceKind::Acceptable) {
            out.push(format!("Good. Even more natural: \"{ideal}\"."));
        }
    }
    if let Some(p) = f.pronunciation {
        if let Some(first) = p.omitted.first() {
            out.push(format!("Don't leave out \"{first}\"."));
        }
        if !p.low_confidence.is_empty() {
            let words: Vec<String> = p.low_confidence.iter().take(3).cloned().collect();
            out.push(format!("Practise saying {} more clearly.", quoted(&words)));
        }
    }
    fluency(f, &mut out);
    if f.hints_used > 0 {
        out.push("Next time, try with fewer hints.".to_owned());
    }
    out.truncate(MAX_SUGGESTIONS);
    out
}

fn fluency(f: &Feedback<'_>, out: &mut Vec<String>) {
    let d = f.fluency;
    if let Some(rate) = d.speech_rate_per_minute {
        if i64::from(rate) < i64::from(f.rate_band.0) {
            out.push("Speak a little faster, in one smooth phrase.".to_owned());
        } else if i64::from(rate) > i64::from(f.rate_band.1) {
            out.push("Slow down a little so every word is clear.".to_owned());
        }
    }
    if d.long_pauses > 0 {
        out.push("Keep pauses between words under 1.2 seconds.".to_owned());
    }
    if let Some(first) = d.fillers.first() {
        out.push(format!("Avoid fillers such as \"{first}\"."));
    }
    if d.time_allowance_ms
        .is_some_and(|a| i64::from(f.response_time_ms) > i64::from(a))
    {
        out.push("Try to answer a little faster.".to_owned());
    }
    if f.answer_length < FRAGMENT_BELOW
        && d.completeness_permille
            .is_some_and(|c| c < INCOMPLETE_BELOW)
    {
        out.push("Answer in a complete sentence.".to_owned());
    }
}

/// The advice for a non-answer, with the closest ideal response as an example.
fn non_answer(reason: NonAnswer, f: &Feedback<'_>) -> String {
    let example = f
        .best_ideal
        .map(|ideal| format!(", for example \"{ideal}\""))
        .unwrap_or_default();
    match reason {
        NonAnswer::WrongLanguage => match guards::language_name(f.language) {
            Some(name) => format!("Answer in {name}{example}."),
            None => format!("Answer in the language of the conversation{example}."),
        },
        NonAnswer::Empty => format!("Answer the question with words, not only fillers{example}."),
        NonAnswer::Copy => format!("Answer the question instead of repeating it{example}."),
        NonAnswer::OffTopic => match f.prompt {
            Some(prompt) => format!("Answer the question \"{prompt}\"{example}."),
            None => format!("Answer the question{example}."),
        },
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
