//! Property tests: range, determinism, the ideal answer's primacy, hint monotonicity, and
//! no panics on arbitrary Unicode.

use proptest::prelude::*;
use studymate_core::scoring::{
    Answer, CommonMistake, RecognizedWord, Score, Scorer, ScoringReference, VocabularyItem,
};

const WORDS: &[&str] = &[
    "I'd",
    "like",
    "an",
    "iced",
    "americano",
    "please",
    "could",
    "get",
    "one",
    "um",
    "café",
    "cafe",
    "two",
    "tickets",
    "Seoul",
    "can't",
    "it's",
    "아이스",
    "아메리카노",
    "한",
    "잔",
    "주세요",
    "음",
    "그",
    "서문시장",
    "어디예요",
    "我要",
    "一杯",
    "冰美式",
    "嗯",
    "コーヒー",
    "ください",
    "えーと",
    "por",
    "favor",
    "s'il",
    "plaît",
];
const LANGUAGES: &[&str] = &["en", "ko", "zh", "ja", "es", "fr", "de"];

fn sentence() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(WORDS), 1..8),
        prop::sample::select(&[" ", ", ", ""][..]),
    )
        .prop_map(|(words, sep)| words.join(sep))
}

fn reference() -> impl Strategy<Value = ScoringReference> {
    (
        prop::sample::select(LANGUAGES),
        prop::collection::vec(sentence(), 1..4),
        prop::collection::vec(sentence(), 0..3),
        prop::collection::vec((sentence(), sentence()), 0..3),
        prop::collection::vec((prop::sample::select(WORDS), any::<bool>()), 0..4),
    )
        .prop_map(
            |(language, ideal, acceptable, mistakes, vocabulary)| ScoringReference {
                language: language.into(),
                ideal_responses: ideal,
                acceptable_responses: acceptable,
                common_mistakes: mistakes
                    .into_iter()
                    .map(|(pattern, correction)| CommonMistake {
                        pattern,
                        correction,
                        explanation: "why".into(),
                    })
                    .collect(),
                vocabulary: vocabulary
                    .into_iter()
                    .map(|(term, key)| VocabularyItem {
                        term: term.into(),
                        meaning: None,
                        key,
                    })
                    .collect(),
                hint_levels: Vec::new(),
                prompt: "Hi, how can I help you today?".into(),
            },
        )
}

fn recognized(text: &str, confidence: f32, gap_ms: i32) -> Vec<RecognizedWord> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let start_ms = i as i32 * (300 + gap_ms);
            RecognizedWord {
                word: w.into(),
                confidence,
                start_ms,
                end_ms: start_ms + 300,
            }
        })
        .collect()
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        sentence(),
        any::<bool>(),
        0u32..60_000,
        0u8..=3,
        0.0f32..=1.0,
        0i32..2000,
    )
        .prop_map(
            |(text, is_spoken, response_time_ms, hints_used, confidence, gap)| Answer {
                spoken: is_spoken.then(|| recognized(&text, confidence, gap)),
                text,
                response_time_ms,
                hints_used,
            },
        )
}

fn in_range(s: &Score) -> bool {
    s.overall <= 100
        && s.appropriateness <= 100
        && s.fluency <= 100
        && s.pronunciation.is_none_or(|p| p <= 100)
        && s.matched
            .as_ref()
            .is_none_or(|m| m.similarity_permille <= 1000)
        && s.suggestions.len() <= 5
}

proptest! {
    #[test]
    fn scores_in_range_and_deterministic(r in reference(), a in answer()) {
        let scorer = Scorer::new(&r).expect("generated references are valid");
        let first = scorer.score(&a).expect("generated answers are valid");
        prop_assert!(in_range(&first), "{first:?}");
        prop_assert_eq!(first.pronunciation.is_some(), a.spoken.is_some());
        let again = Scorer::new(&r).and_then(|s| s.score(&a)).expect("valid");
        prop_assert_eq!(&first, &again);
        for m in &first.mistakes {
            let found: String = a.text.chars().skip(m.start as usize).take((m.end - m.start) as usize).collect();
            prop_assert_eq!(&found, &m.found);
        }
    }

    #[test]
    fn exact_ideal_scores_at_least_as_high_as_any_answer(
        r in reference(),
        pick in any::<prop::sample::Index>(),
        other in sentence(),
        response_time_ms in 0u32..60_000,
        hints_used in 0u8..=3,
    ) {
        let scorer = Scorer::new(&r).expect("valid");
        let ideal = pick.get(&r.ideal_responses).clone();
        let typed = |text: String| Answer { text, spoken: None, response_time_ms, hints_used };
        let best = scorer.score(&typed(ideal)).expect("valid");
        let other = scorer.score(&typed(other)).expect("valid");
        prop_assert_eq!(best.appropriateness, 100);
        prop_assert!(best.overall >= other.overall, "ideal {best:?}\nother {other:?}");
        prop_assert!(best.appropriateness >= other.appropriateness);
    }

    #[test]
    fn a_hint_never_raises_the_score(r in reference(), a in answer()) {
        let scorer = Scorer::new(&r).expect("valid");
        let mut previous: Option<Score> = None;
        for hints_used in 0..=3 {
            let s = scorer.score(&Answer { hints_used, ..a.clone() }).expect("valid");
            if let Some(p) = &previous {
                prop_assert!(s.overall <= p.overall);
                prop_assert!(s.hint_penalty >= p.hint_penalty);
            }
            previous = Some(s);
        }
    }

    #[test]
    fn never_panics_on_arbitrary_unicode(
        language in "\\PC{0,6}",
        ideal in prop::collection::vec(any::<String>(), 0..3),
        acceptable in prop::collection::vec("\\PC*", 0..3),
        pattern in any::<String>(),
        term in "\\PC*",
        text in any::<String>(),
        words in prop::collection::vec((any::<String>(), any::<f32>(), any::<i32>(), any::<i32>()), 0..6),
        spoken in any::<bool>(),
        response_time_ms in any::<u32>(),
        hints_used in any::<u8>(),
    ) {
        let r = ScoringReference {
            language,
            ideal_responses: ideal,
            acceptable_responses: acceptable,
            common_mistakes: vec![CommonMistake { pattern, correction: "c".into(), explanation: "e".into() }],
            vocabulary: vec![VocabularyItem { term, meaning: None, key: true }],
            hint_levels: Vec::new(),
            prompt: String::new(),
        };
        let a = Answer {
            text,
            spoken: spoken.then(|| {
                words.into_iter().map(|(word, confidence, start_ms, end_ms)| RecognizedWord { word, confidence, start_ms, end_ms }).collect()
            }),
            response_time_ms,
            hints_used,
        };
        // Unicode arbitrary data as the reference, scored against itself and against junk.
        for reference in [r.clone(), ScoringReference { language: "ko".into(), ..r }] {
            if let Ok(scorer) = Scorer::new(&reference) {
                if let Ok(s) = scorer.score(&a) {
                    prop_assert!(in_range(&s));
                }
                for ideal in &reference.ideal_responses {
                    let own = Answer { text: ideal.clone(), spoken: None, response_time_ms: 0, hints_used: 0 };
                    if let Ok(s) = scorer.score(&own) {
                        prop_assert_eq!(s.appropriateness, 100);
                    }
                }
            }
        }
    }
}
