//! Finding a variation's common mistakes and its missing key vocabulary in an answer.
//!
//! Patterns and terms are normalised like answers and matched literally as contiguous runs:
//! in spaced scripts as whole words (folded forms equal; terms also match near misses), in Korean, Chinese and Japanese as
//! characters with spaces ignored (so "한 개" also finds "한개").

use super::language::{Language, Script};
use super::normalize::{Glyph, Normalized, Unit};
use super::similarity::{Prepared, unit_similarity};
use super::{CommonMistake, FoundMistake};

/// A word counts as present for vocabulary purposes at this similarity or above, so a
/// small typo or a missing accent does not make a key word "missing".
const VOCABULARY_MATCH: u16 = 800;

/// A common mistake with its pattern normalised.
#[derive(Debug, Clone)]
pub(crate) struct PreparedMistake {
    pub pattern: Normalized,
    /// The correction, normalised: key terms it contains are not reported missing again
    /// when the mistake is found.
    pub correction: Normalized,
    pub mistake: CommonMistake,
}

/// A vocabulary term with its normalised form.
#[derive(Debug, Clone)]
pub(crate) struct PreparedTerm {
    pub term: String,
    pub norm: Normalized,
    pub key: bool,
}

/// Mistakes found in `answer`: the found mistakes sorted by position, then by their order
/// in the variation, and the variation's mistakes that were found (for
/// [`missing_key_vocabulary`]). A pattern that also occurs in `reference` (the
/// best-matching reference) is not a mistake for this answer and is skipped.
pub(crate) fn find_mistakes<'a>(
    answer: &Prepared,
    reference: &Prepared,
    mistakes: &'a [PreparedMistake],
    language: Language,
) -> (Vec<FoundMistake>, Vec<&'a PreparedMistake>) {
    let script = language.script();
    // Words the similarity treats as identical: equal folded forms, or in English (which
    // ignores accents) equal accent-stripped forms. A missing Spanish accent is therefore
    // not the same word, and a pattern like "el esta" does not fire on "él está".
    let accent = language.accent_similarity();
    let exact = |a: &Unit, b: &Unit| unit_similarity(a, b, accent) == 1000;
    let mut found = Vec::new();
    let mut kinds = Vec::new();
    for (order, m) in mistakes.iter().enumerate() {
        if !occurrences(&reference.norm, &m.pattern, script, exact).is_empty() {
            continue;
        }
        let spans = occurrences(&answer.norm, &m.pattern, script, exact);
        if !spans.is_empty() {
            kinds.push(m);
        }
        for (start, end) in spans {
            found.push((
                order,
                FoundMistake::new(&answer.text, start, end, &m.mistake),
            ));
        }
    }
    found.sort_by_key(|(order, f)| (f.start, f.end, *order));
    (found.into_iter().map(|(_, f)| f).collect(), kinds)
}

/// Key terms that occur in `reference` (the best match) but not in the answer, in
/// vocabulary order. Terms the reference does not use are not expected of the answer, and
/// terms in the correction of a mistake already found are not reported twice.
pub(crate) fn missing_key_vocabulary(
    answer: &Prepared,
    reference: &Prepared,
    terms: &[PreparedTerm],
    found: &[&PreparedMistake],
    language: Language,
) -> Vec<String> {
    let accent = language.accent_similarity();
    let near = |a: &Unit, b: &Unit| unit_similarity(a, b, accent) >= VOCABULARY_MATCH;
    let script = language.script();
    let contains = |text: &Normalized, term: &PreparedTerm| {
        !occurrences(text, &term.norm, script, near).is_empty()
    };
    terms
        .iter()
        .filter(|t| t.key && contains(&reference.norm, t) && !contains(&answer.norm, t))
        .filter(|t| !found.iter().any(|m| contains(&m.correction, t)))
        .map(|t| t.term.clone())
        .collect()
}

/// Non-overlapping occurrences of `needle` in `haystack`, left to right, as char spans of
/// the haystack's original text.
fn occurrences(
    haystack: &Normalized,
    needle: &Normalized,
    script: Script,
    unit_eq: impl Fn(&Unit, &Unit) -> bool,
) -> Vec<(u32, u32)> {
    match script {
        Script::Spaced => find_runs(&haystack.units, &needle.units, unit_eq, |u| {
            (u.start, u.end)
        }),
        Script::Hangul | Script::Unspaced => find_runs(
            &haystack.glyphs,
            &needle.glyphs,
            |a: &Glyph, b: &Glyph| a.ch == b.ch,
            |g| (g.start, g.end),
        ),
    }
}

fn find_runs<T>(
    haystack: &[T],
    needle: &[T],
    eq: impl Fn(&T, &T) -> bool,
    span: impl Fn(&T) -> (u32, u32),
) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    if needle.is_empty() {
        return runs;
    }
    let mut i = 0;
    while let Some(window) = haystack.get(i..i + needle.len()) {
        if window.iter().zip(needle).all(|(h, n)| eq(h, n)) {
            if let (Some(first), Some(last)) = (window.first(), window.last()) {
                runs.push((span(first).0, span(last).1));
            }
            i += needle.len();
        } else {
            i += 1;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::normalize::normalize;

    fn mistake(pattern: &str, correction: &str, language: Language) -> PreparedMistake {
        PreparedMistake {
            pattern: normalize(pattern, language),
            correction: normalize(correction, language),
            mistake: CommonMistake {
                pattern: pattern.into(),
                correction: correction.into(),
                explanation: String::new(),
            },
        }
    }

    #[test]
    fn finds_words_with_spans() {
        let en = Language::English;
        let answer = Prepared::new("Um, give me one ice americano.", en);
        let reference = Prepared::new("Could I have an iced americano?", en);
        let (found, _) = find_mistakes(
            &answer,
            &reference,
            &[mistake("Give me", "Could I have", en)],
            en,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].start, found[0].end, found[0].found.as_str()),
            (4, 11, "give me")
        );
    }

    #[test]
    fn korean_ignores_spacing() {
        let ko = Language::Korean;
        let answer = Prepared::new("아메리카노 한개 주세요", ko);
        let reference = Prepared::new("아메리카노 한 잔 주세요", ko);
        let (found, _) = find_mistakes(&answer, &reference, &[mistake("한 개", "한 잔", ko)], ko);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].start, found[0].end, found[0].found.as_str()),
            (6, 8, "한개")
        );
    }

    #[test]
    fn skips_patterns_the_reference_uses() {
        let en = Language::English;
        let answer = Prepared::new("I want a coffee", en);
        let reference = Prepared::new("I want a coffee, please", en);
        assert!(
            find_mistakes(
                &answer,
                &reference,
                &[mistake("I want", "I'd like", en)],
                en
            )
            .0
            .is_empty()
        );
    }

    #[test]
    fn vocabulary_tolerates_small_typos() {
        let en = Language::English;
        let term = |t: &str| PreparedTerm {
            term: t.into(),
            norm: normalize(t, en),
            key: true,
        };
        let reference = Prepared::new("An iced americano, please", en);
        let answer = Prepared::new("An iced amerikano", en);
        let missing = missing_key_vocabulary(
            &answer,
            &reference,
            &[term("americano"), term("please"), term("latte")],
            &[],
            en,
        );
        assert_eq!(missing, ["please"]);
        // A found mistake whose correction holds the term already says it.
        let fix = mistake("americano now", "americano, please", en);
        let missing = missing_key_vocabulary(&answer, &reference, &[term("please")], &[&fix], en);
        assert!(missing.is_empty());
    }
}
