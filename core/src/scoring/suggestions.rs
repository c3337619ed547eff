//! Short, deterministic improvement suggestions in English, built from the score's
//! findings in a fixed order (at most [`MAX_SUGGESTIONS`]).

use super::{FluencyDetail, FoundMistake, PronunciationDetail, ReferenceKind};

/// Most suggestions returned.
pub(crate) const MAX_SUGGESTIONS: usize = 5;
/// Below this appropriateness (per mille) the best ideal response is shown as a model.
const SHOW_MODEL_BELOW: u32 = 600;
/// Below this completeness (per mille) a typed answer is told to use a complete sentence.
const INCOMPLETE_BELOW: u16 = 600;

/// The findings suggestions are made from.
pub(crate) struct Feedback<'a> {
    pub mistakes: &'a [FoundMistake],
    pub missing_vocabulary: &'a [String],
    /// Appropriateness, per mille.
    pub appropriateness: u32,
    pub matched_kind: Option<ReferenceKind>,
    /// The ideal response closest to the answer.
    pub best_ideal: Option<&'a str>,
    pub fluency: &'a FluencyDetail,
    pub pronunciation: Option<&'a PronunciationDetail>,
    pub rate_band: (u32, u32),
    pub response_time_ms: u32,
    pub hints_used: u8,
}

/// Suggestions, most important first: mistakes, key vocabulary, a model answer,
/// pronunciation, fluency, hints.
pub(crate) fn suggestions(f: &Feedback<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for m in f.mistakes.iter().take(2) {
        out.push(format!(
            "Say \"{}\" instead of \"{}\".",
            m.correction, m.found
        ));
    }
    match f.missing_vocabulary {
        [] => {}
        [one] => out.push(format!("Include the key word \"{one}\".")),
        many => out.push(format!("Include the key words {}.", quoted(many))),
    }
    if let Some(ideal) = f.best_ideal {
        if f.appropriateness < SHOW_MODEL_BELOW || f.matched_kind.is_none() {
            out.push(format!("A natural answer here: \"{ideal}\"."));
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
        if rate < f.rate_band.0 {
            out.push("Speak a little faster, in one smooth phrase.".to_owned());
        } else if rate > f.rate_band.1 {
            out.push("Slow down a little so every word is clear.".to_owned());
        }
    }
    if d.long_pauses > 0 {
        out.push("Keep pauses between words under 1.2 seconds.".to_owned());
    }
    if let Some(first) = d.fillers.first() {
        out.push(format!("Avoid fillers such as \"{first}\"."));
    }
    if d.time_allowance_ms.is_some_and(|a| f.response_time_ms > a) {
        out.push("Try to answer a little faster.".to_owned());
    }
    if d.completeness_permille
        .is_some_and(|c| c < INCOMPLETE_BELOW)
    {
        out.push("Answer in a complete sentence.".to_owned());
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
