//! Golden tests: real answers to real situations, with the bands, orderings, mistakes and
//! spans a teacher would expect.

use crate::scoring_common;

use scoring_common::*;
use studymate_core::scoring::{
    Answer, ReferenceKind, Score, Scorer, ScoringReference, score_answer,
};

fn score(reference: &ScoringReference, answer: &Answer) -> Score {
    score_answer(reference, answer).expect("valid input")
}

fn typed_score(reference: &ScoringReference, text: &str) -> Score {
    score(reference, &typed(text))
}

fn matched(s: &Score) -> (ReferenceKind, i32) {
    let m = s.matched.as_ref().expect("a match");
    (m.kind, m.index)
}

fn spans(s: &Score) -> Vec<(i32, i32, &str, &str)> {
    s.mistakes
        .iter()
        .map(|m| (m.start, m.end, m.found.as_str(), m.correction.as_str()))
        .collect()
}

fn overall_of(reference: &ScoringReference, texts: &[&str]) -> Vec<i32> {
    texts
        .iter()
        .map(|t| typed_score(reference, t).overall)
        .collect()
}

fn assert_descending(scores: &[i32]) {
    assert!(
        scores.windows(2).all(|w| w[0] > w[1]),
        "not strictly descending: {scores:?}"
    );
}

// ---------------------------------------------------------------- English: café

#[test]
fn en_cafe_exact_ideal_is_perfect() {
    let s = typed_score(&en_cafe(), "I'd like an iced americano, please.");
    assert_eq!((s.overall, s.appropriateness, s.fluency), (100, 100, 100));
    assert_eq!(s.pronunciation, None);
    assert_eq!(matched(&s), (ReferenceKind::Ideal, 0));
    assert!(s.mistakes.is_empty() && s.missing_vocabulary.is_empty() && s.suggestions.is_empty());
}

#[test]
fn en_cafe_contraction_expanded_matches_ideal() {
    let s = typed_score(&en_cafe(), "I would like an iced americano please");
    assert_eq!(s.appropriateness, 100);
    assert_eq!(
        s.matched.as_ref().map(|m| m.similarity_permille),
        Some(1000)
    );
}

#[test]
fn en_cafe_case_punctuation_and_curly_apostrophe_are_folded() {
    let s = typed_score(&en_cafe(), "I’D LIKE an Iced Americano… PLEASE!!");
    assert_eq!(s.appropriateness, 100);
}

#[test]
fn en_cafe_second_ideal_without_please_misses_key_word() {
    let s = typed_score(&en_cafe(), "Could I get an iced Americano?");
    assert_eq!(matched(&s), (ReferenceKind::Ideal, 1));
    assert_eq!(s.missing_vocabulary, ["please"]);
    assert!(
        (75..=90).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
    assert!(s.suggestions.iter().any(|x| x.contains("\"please\"")));
}

#[test]
fn en_cafe_acceptable_answer_scores_85_and_shows_ideal() {
    let s = typed_score(&en_cafe(), "One iced americano, please.");
    assert_eq!(matched(&s), (ReferenceKind::Acceptable, 0));
    assert_eq!(s.appropriateness, 85);
    assert!(s.suggestions[0].contains("I'd like an iced americano, please."));
}

#[test]
fn en_cafe_article_mistake_has_span() {
    let s = typed_score(&en_cafe(), "I'd like a iced americano, please.");
    assert_eq!(spans(&s), [(9, 15, "a iced", "an iced")]);
    assert_eq!(
        s.mistakes[0].explanation,
        "Use \"an\" before a vowel sound."
    );
    assert!(
        (80..95).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
    assert_eq!(s.suggestions[0], "Say \"an iced\" instead of \"a iced\".");
}

#[test]
fn en_cafe_two_mistakes_in_order_of_position() {
    let s = typed_score(&en_cafe(), "Give me ice americano.");
    assert_eq!(
        spans(&s),
        [
            (0, 7, "Give me", "could I have"),
            (8, 21, "ice americano", "iced americano")
        ]
    );
    // "iced" is in the correction of a mistake found, so it is not reported twice.
    assert_eq!(s.missing_vocabulary, ["please"]);
    assert!(s.appropriateness < 40, "{}", s.appropriateness);
}

#[test]
fn en_cafe_typo_is_a_near_miss() {
    let s = typed_score(&en_cafe(), "I'd like an iced amerikano, please.");
    assert!(
        (95..100).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
    assert!(
        s.missing_vocabulary.is_empty(),
        "a one-letter typo still counts as the word"
    );
}

#[test]
fn en_cafe_ordering_from_ideal_to_off_topic() {
    let scores = overall_of(
        &en_cafe(),
        &[
            "I'd like an iced americano, please.",
            "I'd like an iced amerikano, please.",
            // A complete polite question without "please" ranks above an article slip: a
            // teacher marks the slip, not the missing courtesy word, down by a grade.
            "Could I get an iced Americano?",
            "I'd like a iced americano, please.",
            "Give me ice americano.",
            "Where is the bathroom?",
        ],
    );
    assert_descending(&scores);
}

#[test]
fn en_cafe_off_topic_answer_gets_model_answer() {
    let s = typed_score(&en_cafe(), "Where is the bathroom?");
    assert!(s.appropriateness <= 10, "{}", s.appropriateness);
    assert!(s.overall < 25, "{}", s.overall);
    // An off-topic answer is told to answer the character's question, with a model answer.
    assert_eq!(
        s.suggestions,
        [
            "Answer the question \"Hi, welcome! What can I get for you today?\", for example \"Could I get an iced americano, please?\"."
        ]
    );
}

#[test]
fn en_cafe_hint_penalty_table() {
    let reference = en_cafe();
    let mut answer = typed("I'd like an iced americano, please.");
    let mut seen = Vec::new();
    for hints in 0..=3 {
        answer.hints_used = hints;
        let s = score(&reference, &answer);
        seen.push((s.overall, s.hint_penalty));
    }
    assert_eq!(seen, [(100, 0), (95, 5), (90, 10), (80, 20)]);
    assert_eq!(
        score(&reference, &answer)
            .suggestions
            .last()
            .map(String::as_str),
        Some("Next time, try with fewer hints.")
    );
}

#[test]
fn en_cafe_slow_typing_costs_fluency() {
    let reference = en_cafe();
    let quick = score(&reference, &typed("I'd like an iced americano, please."));
    let mut slow = typed("I'd like an iced americano, please.");
    slow.response_time_ms = 40_000;
    let slow = score(&reference, &slow);
    assert_eq!(slow.fluency_detail.time_allowance_ms, Some(15_500));
    assert!(
        slow.fluency < quick.fluency && slow.fluency >= 40,
        "{}",
        slow.fluency
    );
    assert!(
        slow.suggestions
            .contains(&"Try to answer a little faster.".to_owned())
    );
}

#[test]
fn en_cafe_clean_speech_scores_high() {
    let s = score(
        &en_cafe(),
        &paced("I'd like an iced americano please", 0.95, 100),
    );
    assert!(
        s.pronunciation.is_some_and(|p| p >= 95),
        "{:?}",
        s.pronunciation
    );
    assert_eq!(s.fluency, 100);
    assert!(s.overall >= 95, "{}", s.overall);
    let rate = s.fluency_detail.speech_rate_per_minute.expect("measured");
    assert!((90..=170).contains(&rate), "{rate}");
}

#[test]
fn en_cafe_fillers_and_long_pause_cost_fluency_not_appropriateness() {
    let s = score(
        &en_cafe(),
        &spoken(&[
            ("Um", 0.9, 0, 300),
            ("I'd", 0.95, 400, 700),
            ("like", 0.95, 700, 1000),
            ("uh", 0.9, 1100, 1300),
            ("an", 0.9, 2800, 2900),
            ("iced", 0.92, 2900, 3300),
            ("americano", 0.9, 3300, 4000),
            ("please", 0.95, 4000, 4400),
        ]),
    );
    assert_eq!(s.appropriateness, 100);
    assert_eq!(s.fluency_detail.fillers, ["Um", "uh"]);
    assert_eq!(s.fluency_detail.long_pauses, 1);
    assert!((60..90).contains(&s.fluency), "{}", s.fluency);
    assert!(s.suggestions.iter().any(|x| x.contains("pauses")));
    assert!(s.suggestions.iter().any(|x| x.contains("\"Um\"")));
}

#[test]
fn en_cafe_unclear_word_lowers_pronunciation() {
    let clear = score(
        &en_cafe(),
        &paced("I'd like an iced americano please", 0.95, 100),
    );
    let mut unclear = paced("I'd like an iced americano please", 0.95, 100);
    if let Some(words) = unclear.spoken.as_mut() {
        words[4].confidence = 0.35;
    }
    let unclear = score(&en_cafe(), &unclear);
    assert!(unclear.pronunciation < clear.pronunciation);
    let detail = unclear.pronunciation_detail.expect("spoken");
    assert_eq!(detail.low_confidence, ["americano"]);
    assert!(
        unclear
            .suggestions
            .contains(&"Practise saying \"americano\" more clearly.".to_owned())
    );
}

#[test]
fn en_cafe_omitted_word_is_reported() {
    let s = score(
        &en_cafe(),
        &paced("I'd like an americano please", 0.95, 100),
    );
    let detail = s.pronunciation_detail.expect("spoken");
    assert_eq!(detail.omitted, ["iced"]);
    assert!(
        s.suggestions
            .contains(&"Don't leave out \"iced\".".to_owned())
    );
}

#[test]
fn en_cafe_too_slow_speech_is_flagged() {
    // Six words over ~6.7 s: about 54 words per minute.
    let s = score(
        &en_cafe(),
        &paced("I'd like an iced americano please", 0.95, 1000),
    );
    assert!(
        s.fluency_detail
            .speech_rate_per_minute
            .is_some_and(|r| r < 90)
    );
    assert!(s.fluency < 90, "{}", s.fluency);
    assert!(
        s.suggestions
            .iter()
            .any(|x| x.starts_with("Speak a little faster"))
    );
}

// ---------------------------------------------------------------- English: directions

#[test]
fn en_directions_ideal_with_region_tag() {
    let s = typed_score(
        &en_directions(),
        "Excuse me, how do I get to Seomun Market?",
    );
    assert_eq!((s.overall, s.appropriateness), (100, 100));
}

#[test]
fn en_directions_missing_politeness() {
    let s = typed_score(&en_directions(), "How do I get to Seomun Market?");
    assert_eq!(matched(&s), (ReferenceKind::Ideal, 0));
    assert_eq!(s.missing_vocabulary, ["excuse me"]);
    assert!(
        (65..=80).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
}

#[test]
fn en_directions_how_to_go_mistake() {
    let s = typed_score(&en_directions(), "Excuse me, how to go to Seomun Market?");
    assert_eq!(spans(&s), [(11, 23, "how to go to", "how do I get to")]);
    assert!(
        (55..80).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
}

#[test]
fn en_directions_acceptable_short_question() {
    let s = typed_score(&en_directions(), "Where is Seomun Market?");
    assert_eq!(matched(&s), (ReferenceKind::Acceptable, 0));
    assert_eq!(s.appropriateness, 85);
    assert!(
        s.missing_vocabulary.is_empty(),
        "the acceptable answer has no \"excuse me\""
    );
}

#[test]
fn en_directions_article_before_market_name() {
    let s = typed_score(&en_directions(), "Where is the Seomun Market?");
    assert_eq!(spans(&s), [(9, 26, "the Seomun Market", "Seomun Market")]);
}

// ---------------------------------------------------------------- English: station

#[test]
fn en_station_plural_mistake() {
    let s = typed_score(&en_station(), "Two ticket to Seoul, please.");
    assert_eq!(matched(&s), (ReferenceKind::Acceptable, 0));
    assert_eq!(spans(&s), [(0, 10, "Two ticket", "two tickets")]);
    assert!(
        (70..85).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
}

#[test]
fn en_station_ordering() {
    let scores = overall_of(
        &en_station(),
        &[
            "Two tickets to Seoul on the next KTX, please.",
            "Two tickets to Seoul, please.",
            "I want two tickets to Seoul.",
            "Two ticket to go Seoul.",
        ],
    );
    // Both acceptable answers score the same, below the ideal and above the mistakes.
    assert!(
        scores[0] > scores[1] && scores[1] == scores[2] && scores[2] > scores[3],
        "{scores:?}"
    );
}

// ---------------------------------------------------------------- Korean: café

#[test]
fn ko_cafe_exact_ideal_is_perfect() {
    let s = typed_score(&ko_cafe(), "아이스 아메리카노 한 잔 주세요.");
    assert_eq!((s.overall, s.appropriateness, s.fluency), (100, 100, 100));
    assert_eq!(matched(&s), (ReferenceKind::Ideal, 0));
}

#[test]
fn ko_cafe_spacing_is_ignored() {
    let s = typed_score(&ko_cafe(), "아이스아메리카노 한잔 주세요");
    assert_eq!(s.appropriateness, 100);
}

#[test]
fn ko_cafe_misspelt_ending_is_a_near_miss_with_span() {
    let s = typed_score(&ko_cafe(), "아이스 아메리카노 한 잔 주세여");
    assert_eq!(spans(&s), [(14, 17, "주세여", "주세요")]);
    assert!(
        s.missing_vocabulary.is_empty(),
        "the mistake already names 주세요"
    );
    assert!(
        (80..95).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
}

#[test]
fn ko_cafe_jamo_near_miss_gets_partial_credit() {
    // 주새요: one vowel (ㅔ→ㅐ) off; compared by jamo it stays close to 주세요.
    let near = typed_score(&ko_cafe(), "아이스 아메리카노 한 잔 주새요");
    let sim = near.matched.as_ref().map_or(0, |m| m.similarity_permille);
    assert!((880..1000).contains(&sim), "{sim}");
    let far = typed_score(&ko_cafe(), "아이스 아메리카노 한 잔 줘");
    assert!(near.appropriateness > far.appropriateness);
}

#[test]
fn ko_cafe_impolite_order_is_a_mistake() {
    let s = typed_score(&ko_cafe(), "아메리카노 하나 줘");
    assert_eq!(
        spans(&s),
        [(0, 10, "아메리카노 하나 줘", "아메리카노 한 잔 주세요")]
    );
    assert!(s.appropriateness < 70, "{}", s.appropriateness);
}

#[test]
fn ko_cafe_counter_mistake_found_inside_and_across_spaces() {
    let spaced = typed_score(&ko_cafe(), "아메리카노 한 개 주세요");
    assert_eq!(spans(&spaced), [(6, 9, "한 개", "한 잔")]);
    let joined = typed_score(&ko_cafe(), "아메리카노 한개 주세요");
    assert_eq!(spans(&joined), [(6, 8, "한개", "한 잔")]);
}

#[test]
fn ko_cafe_acceptable_answer() {
    let s = typed_score(&ko_cafe(), "아메리카노 하나 주세요");
    assert_eq!(matched(&s), (ReferenceKind::Acceptable, 1));
    assert_eq!(s.appropriateness, 85);
    assert!(s.mistakes.is_empty());
}

#[test]
fn ko_cafe_ordering() {
    assert_descending(&overall_of(
        &ko_cafe(),
        &[
            "아이스 아메리카노 한 잔 주세요.",
            // A plain, correct order ranks above one with a catalog mistake (주세여).
            "아메리카노 하나 주세요",
            "아이스 아메리카노 한 잔 주세여",
            "아메리카노 한 개 주세요",
            "화장실이 어디예요?",
        ],
    ));
}

#[test]
fn ko_cafe_off_topic() {
    let s = typed_score(&ko_cafe(), "화장실이 어디예요?");
    assert!(s.appropriateness <= 10, "{}", s.appropriateness);
    assert_eq!(s.missing_vocabulary, ["아이스", "아메리카노", "잔"]);
}

#[test]
fn ko_cafe_spoken_with_filler_and_unclear_word() {
    let s = score(
        &ko_cafe(),
        &spoken(&[
            ("음", 0.9, 0, 300),
            ("아이스", 0.93, 500, 1000),
            ("아메리카노", 0.45, 1000, 1900),
            ("한", 0.9, 1900, 2100),
            ("잔", 0.9, 2100, 2300),
            ("주세요", 0.95, 2300, 2900),
        ]),
    );
    assert_eq!(
        s.appropriateness, 100,
        "the filler is not part of the answer"
    );
    assert_eq!(s.fluency_detail.fillers, ["음"]);
    let detail = s.pronunciation_detail.as_ref().expect("spoken");
    assert_eq!(detail.low_confidence, ["아메리카노"]);
    assert!(detail.omitted.is_empty() && detail.inserted.is_empty());
    // 13 syllables in 2.9 s: 268 per minute, inside the 120–330 band.
    assert_eq!(s.fluency_detail.speech_rate_per_minute, Some(268));
    assert!(
        s.pronunciation.is_some_and(|p| (80..95).contains(&p)),
        "{:?}",
        s.pronunciation
    );
}

// ---------------------------------------------------------------- Korean: directions, station

#[test]
fn ko_directions_ideal_and_acceptable() {
    let ideal = typed_score(&ko_directions(), "실례합니다, 서문시장에 어떻게 가요?");
    assert_eq!(ideal.appropriateness, 100);
    let acceptable = typed_score(&ko_directions(), "서문시장 어디예요?");
    assert_eq!(
        (matched(&acceptable), acceptable.appropriateness),
        ((ReferenceKind::Acceptable, 0), 85)
    );
}

#[test]
fn ko_directions_banmal_mistake() {
    let s = typed_score(&ko_directions(), "서문시장이 어디야?");
    assert_eq!(spans(&s), [(6, 9, "어디야", "어디예요")]);
    assert!(s.appropriateness < 70, "{}", s.appropriateness);
}

#[test]
fn ko_station_mixed_script_ideal() {
    let s = typed_score(&ko_station(), "서울 가는 ktx 표 두 장 주세요");
    assert_eq!(s.appropriateness, 100);
}

#[test]
fn ko_station_counter_mistake() {
    let s = typed_score(&ko_station(), "서울 가는 KTX 표 두 개 주세요");
    assert_eq!(spans(&s), [(10, 15, "표 두 개", "표 두 장")]);
    assert!(s.missing_vocabulary.is_empty());
    assert!(
        (70..90).contains(&s.appropriateness),
        "{}",
        s.appropriateness
    );
}

#[test]
fn ko_station_word_order_mistake() {
    let s = typed_score(&ko_station(), "서울 두 표 주세요");
    assert_eq!(spans(&s), [(3, 6, "두 표", "표 두 장")]);
}

// ---------------------------------------------------------------- other languages

fn simple(
    language: &str,
    ideal: &str,
    acceptable: &[&str],
    mistakes: &[(&str, &str)],
) -> ScoringReference {
    ScoringReference {
        language: language.into(),
        ideal_responses: vec![ideal.into()],
        acceptable_responses: acceptable.iter().map(|s| (*s).into()).collect(),
        common_mistakes: mistakes.iter().map(|(p, c)| mistake(p, c, "")).collect(),
        ..ScoringReference::default()
    }
}

#[test]
fn zh_sanity() {
    let r = simple(
        "zh-CN",
        "我要一杯冰美式。",
        &["一杯冰美式，谢谢。"],
        &[("一个咖啡", "一杯咖啡")],
    );
    assert_eq!(typed_score(&r, "我要一杯冰美式").appropriateness, 100);
    let hot = typed_score(&r, "我要一杯热美式");
    assert!(
        (60..95).contains(&hot.appropriateness),
        "{}",
        hot.appropriateness
    );
    let s = typed_score(&r, "我要一个咖啡");
    assert_eq!(spans(&s), [(2, 6, "一个咖啡", "一杯咖啡")]);
    let filler = typed_score(&r, "嗯，我要一杯冰美式");
    assert_eq!(filler.appropriateness, 100);
}

#[test]
fn ja_sanity() {
    let r = simple(
        "ja",
        "アイスコーヒーをください。",
        &["アイスコーヒーお願いします。"],
        &[("コーヒーをくれ", "コーヒーをください")],
    );
    assert_eq!(
        typed_score(&r, "アイスコーヒーをください").appropriateness,
        100
    );
    let no_particle = typed_score(&r, "アイスコーヒーください");
    let hot = typed_score(&r, "ホットコーヒーをください");
    assert!(no_particle.appropriateness > hot.appropriateness);
    assert!(
        no_particle.appropriateness >= 80,
        "{}",
        no_particle.appropriateness
    );
    let s = typed_score(&r, "アイスコーヒーをくれ");
    assert_eq!(spans(&s), [(3, 10, "コーヒーをくれ", "コーヒーをください")]);
    // Half-width katakana is folded by NFKC.
    assert_eq!(typed_score(&r, "ｱｲｽｺｰﾋｰをください").appropriateness, 100);
}

#[test]
fn es_missing_accent_is_a_near_miss() {
    let r = simple(
        "es",
        "Un café con leche, por favor.",
        &[],
        &[("una café", "un café")],
    );
    assert_eq!(
        typed_score(&r, "un café con leche por favor").appropriateness,
        100
    );
    let unaccented = typed_score(&r, "un cafe con leche por favor");
    assert!(
        (95..100).contains(&unaccented.appropriateness),
        "{}",
        unaccented.appropriateness
    );
    let s = typed_score(&r, "Una café con leche, por favor");
    assert_eq!(spans(&s), [(0, 8, "Una café", "un café")]);
    // The mistake needs the accent as written: "una cafe" is not the listed pattern.
    assert!(typed_score(&r, "una cafe con leche").mistakes.is_empty());
}

#[test]
fn fr_sanity() {
    let r = simple(
        "fr",
        "Je voudrais un café, s'il vous plaît.",
        &["Un café, s'il vous plaît."],
        &[("je veux", "je voudrais")],
    );
    assert_eq!(
        typed_score(&r, "Je voudrais un café s’il vous plaît").appropriateness,
        100
    );
    let unaccented = typed_score(&r, "je voudrais un cafe s'il vous plait");
    assert!(
        (95..100).contains(&unaccented.appropriateness),
        "{}",
        unaccented.appropriateness
    );
    let s = typed_score(&r, "Je veux un café, s'il vous plaît.");
    assert_eq!(spans(&s), [(0, 7, "Je veux", "je voudrais")]);
    assert!(s.appropriateness < unaccented.appropriateness);
}

#[test]
fn english_ignores_accents() {
    let r = simple("en", "A café latte, please.", &[], &[]);
    assert_eq!(typed_score(&r, "a cafe latte please").appropriateness, 100);
}

// ---------------------------------------------------------------- API behaviour

#[test]
fn scorer_reuse_matches_convenience_function() {
    let reference = en_cafe();
    let scorer = Scorer::new(&reference).expect("valid");
    for text in [
        "I'd like an iced americano, please.",
        "Give me ice americano.",
        "One latte",
    ] {
        assert_eq!(
            scorer.score(&typed(text)).ok(),
            score_answer(&reference, &typed(text)).ok()
        );
    }
}

#[test]
fn utf16_offsets_differ_after_astral_characters() {
    let s = typed_score(&en_cafe(), "☕🙂 Give me ice americano");
    let m = &s.mistakes[0];
    assert_eq!((m.start, m.end), (3, 10));
    assert_eq!((m.start_utf16, m.end_utf16), (4, 11));
}

#[test]
fn score_round_trips_through_json() {
    let s = score(&en_cafe(), &paced("um I'd like a iced americano", 0.5, 100));
    let json = serde_json::to_string(&s).expect("serialise");
    assert!(json.contains("\"kind\":\"ideal\""));
    let back: Score = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, s);
}

// ------------------------------------------------ the same guards for spoken answers

#[test]
fn en_cafe_spoken_answers_follow_the_typed_rules() {
    let fluent_but_off_topic = score(&en_cafe(), &paced("I like autumn leaves best", 0.95, 100));
    assert!(
        fluent_but_off_topic.overall <= 10,
        "{}",
        fluent_but_off_topic.overall
    );
    assert_eq!(fluent_but_off_topic.fluency, 0);
    assert!(fluent_but_off_topic.suggestions[0].starts_with("Answer the question"));

    let rude = score(
        &en_cafe(),
        &paced("Give me an iced americano you idiot", 0.95, 100),
    );
    assert!(rude.overall <= 10, "{}", rude.overall);
    assert!(rude.mistakes.iter().any(|m| m.found == "idiot"));
    assert!(
        rude.suggestions
            .contains(&"Instead of \"idiot\", leave it out.".to_owned()),
        "{:?}",
        rude.suggestions
    );

    let slip = score(
        &en_cafe(),
        &paced("I will having an iced americano please", 0.95, 100),
    );
    let clean = score(
        &en_cafe(),
        &paced("I will have an iced americano please", 0.95, 100),
    );
    assert!(slip.mistakes.iter().any(|m| m.correction == "will have"));
    assert!(
        slip.overall + 20 < clean.overall,
        "{} vs {}",
        slip.overall,
        clean.overall
    );
}
