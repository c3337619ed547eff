//! Pronunciation of a spoken answer, per mille, from the recogniser's words aligned with
//! the best-matching reference.
//!
//! `pronunciation = (accuracy + clarity) / 2`, where
//! - accuracy = `Σ similarity of paired reference units / (reference units + inserted units / 2)`
//!   (omitted reference units earn nothing, inserted non-filler units dilute; a unit paired
//!   with similarity 0 is a wrong word and counts as both omitted and inserted), and
//! - clarity = the mean recogniser confidence (per mille) of the non-filler words.
//!
//! Filler words are left to fluency and do not count here.

use super::align::{self, Step};
use super::language::{Language, Script};
use super::normalize::{Unit, normalize};
use super::similarity::{Prepared, pair};
use super::span::slice_chars;
use super::{PronunciationDetail, RecognizedWord};

/// Words recognised with less confidence than this (per mille) are reported as unclear.
pub(crate) const LOW_CONFIDENCE: u16 = 600;

/// What the spoken words told us.
#[derive(Debug, Clone)]
pub(crate) struct SpokenAnalysis {
    pub pronunciation: u16,
    pub detail: PronunciationDetail,
    /// The filler words heard, as recognised.
    pub fillers: Vec<String>,
    /// Non-filler words (spaced scripts) or characters (Korean, Chinese, Japanese).
    pub rate_units: u32,
}

/// A recognised word, normalised.
struct Heard<'a> {
    word: &'a RecognizedWord,
    /// Index of its first unit in the flattened unit list.
    first_unit: usize,
    units: usize,
    glyphs: u32,
    filler_form: bool,
}

/// Recogniser confidence in per mille: `round(confidence × 1000)` on an already validated
/// `0.0..=1.0` value (one IEEE multiplication and `round`, both exact across platforms).
pub(crate) fn confidence_permille(confidence: f32) -> u16 {
    let scaled = (confidence.clamp(0.0, 1.0) * 1000.0).round();
    // The clamp bounds the value to 0..=1000, so the cast is exact.
    scaled as u16
}

/// Aligns `words` with `reference` and scores pronunciation.
pub(crate) fn analyse(
    words: &[RecognizedWord],
    reference: &Prepared,
    language: Language,
    dp: &mut Vec<u32>,
) -> SpokenAnalysis {
    let mut units: Vec<Unit> = Vec::new();
    let mut heard = Vec::with_capacity(words.len());
    for word in words {
        let norm = normalize(&word.word, language);
        let filler_form = language.fillers().contains(&norm.joined().as_str());
        heard.push(Heard {
            word,
            first_unit: units.len(),
            units: norm.units.len(),
            glyphs: norm.length(Script::Hangul),
            filler_form,
        });
        units.extend(norm.units);
    }
    let target = &reference.norm.units;
    let accent = language.accent_similarity();
    let steps = align::align(
        units.len(),
        target.len(),
        |i, j| pair(&units, target, i, j, accent),
        dp,
    );

    let mut paired = vec![false; units.len()];
    let mut matched_similarity: u64 = 0;
    for step in &steps {
        if let Step::Paired {
            answer, similarity, ..
        } = *step
            && similarity > 0
        {
            if let Some(p) = paired.get_mut(answer) {
                *p = true;
            }
            matched_similarity += u64::from(similarity);
        }
    }

    let mut detail = PronunciationDetail::default();
    let mut fillers = Vec::new();
    let (mut inserted_units, mut confidence_sum, mut clear_words, mut rate_units) =
        (0u64, 0u64, 0u64, 0u32);
    for h in heard.iter().filter(|h| h.units > 0) {
        let any_paired = paired
            .get(h.first_unit..h.first_unit + h.units)
            .is_some_and(|p| p.iter().any(|&x| x));
        if h.filler_form && !any_paired {
            fillers.push(h.word.word.trim().to_owned());
            continue;
        }
        let confidence = confidence_permille(h.word.confidence);
        confidence_sum += u64::from(confidence);
        clear_words += 1;
        rate_units = rate_units.saturating_add(match language.script() {
            Script::Spaced => u32::try_from(h.units).unwrap_or(u32::MAX),
            Script::Hangul | Script::Unspaced => h.glyphs,
        });
        let text = h.word.word.trim().to_owned();
        if !any_paired {
            inserted_units += h.units as u64;
            push_unique(&mut detail.inserted, text.clone());
        }
        if confidence < LOW_CONFIDENCE {
            push_unique(&mut detail.low_confidence, text);
        }
    }
    detail.omitted = omitted_runs(&steps, reference);

    let reference_units = target.len() as u64;
    let accuracy = (matched_similarity * 2)
        .checked_div(reference_units * 2 + inserted_units)
        .unwrap_or(0);
    let clarity = confidence_sum.checked_div(clear_words).unwrap_or(0);
    let pronunciation = u16::try_from(((accuracy + clarity) / 2).min(1000)).unwrap_or(1000);
    SpokenAnalysis {
        pronunciation,
        detail,
        fillers,
        rate_units,
    }
}

/// Reference text left out, one entry per run of consecutive omitted units.
fn omitted_runs(steps: &[Step], reference: &Prepared) -> Vec<String> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let mut open = false;
    for step in steps {
        match *step {
            Step::Omitted { reference: j }
            | Step::Paired {
                reference: j,
                similarity: 0,
                ..
            } => {
                if let Some(unit) = reference.norm.units.get(j) {
                    match runs.last_mut() {
                        Some(run) if open => run.1 = unit.end,
                        _ => runs.push((unit.start, unit.end)),
                    }
                    open = true;
                }
            }
            _ => open = false,
        }
    }
    let mut out = Vec::new();
    for (start, end) in runs {
        push_unique(&mut out, slice_chars(&reference.text, start, end));
    }
    out
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !item.is_empty() && !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(word: &str, confidence: f32, start_ms: i32) -> RecognizedWord {
        RecognizedWord {
            word: word.into(),
            confidence,
            start_ms,
            end_ms: start_ms + 300,
        }
    }

    #[test]
    fn confidence_rounds_half_away_from_zero() {
        assert_eq!(confidence_permille(0.0), 0);
        assert_eq!(confidence_permille(1.0), 1000);
        assert_eq!(confidence_permille(0.8765), 877);
    }

    #[test]
    fn reports_omitted_inserted_unclear_and_fillers() {
        let en = Language::English;
        let reference = Prepared::new("One iced americano, please.", en);
        let words = [
            heard("um", 0.9, 0),
            heard("one", 0.95, 400),
            heard("iced", 0.4, 800),
            heard("americano", 0.9, 1200),
            heard("now", 0.9, 1600),
        ];
        let mut dp = Vec::new();
        let a = analyse(&words, &reference, en, &mut dp);
        assert_eq!(a.fillers, ["um"]);
        assert_eq!(a.detail.omitted, ["please"]);
        assert_eq!(a.detail.low_confidence, ["iced"]);
        assert_eq!(a.detail.inserted, ["now"]);
        // accuracy: 3 × 1000 / (4 + 1/2) = 666; clarity: (950 + 400 + 900 + 900) / 4 = 787.
        assert_eq!(a.pronunciation, (666 + 787) / 2);
        assert_eq!(a.rate_units, 4);
    }
}
