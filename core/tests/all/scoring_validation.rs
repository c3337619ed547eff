//! Invalid input is refused with an error naming the field and the reason; nothing panics.

use crate::scoring_common;

use scoring_common::*;
use studymate_core::scoring::{
    Answer, HintLevel, RecognizedWord, Scorer, ScoringError, ScoringReference, score_answer,
};

fn reference_error(reference: &ScoringReference) -> (String, String) {
    match Scorer::new(reference) {
        Err(ScoringError::InvalidReference { field, reason }) => (field, reason),
        other => panic!("expected an invalid reference, got {other:?}"),
    }
}

fn answer_error(answer: &Answer) -> (String, String) {
    match score_answer(&en_cafe(), answer) {
        Err(ScoringError::InvalidAnswer { field, reason }) => (field, reason),
        other => panic!("expected an invalid answer, got {other:?}"),
    }
}

fn word(confidence: f32, start_ms: i32, end_ms: i32) -> RecognizedWord {
    RecognizedWord {
        word: "coffee".into(),
        confidence,
        start_ms,
        end_ms,
    }
}

#[test]
fn empty_reference_set() {
    let mut r = en_cafe();
    r.ideal_responses.clear();
    r.acceptable_responses.clear();
    let (field, reason) = reference_error(&r);
    assert_eq!(field, "ideal_responses");
    assert!(reason.contains("at least one response"), "{reason}");
}

#[test]
fn only_acceptable_responses_is_fine() {
    let mut r = en_cafe();
    r.ideal_responses.clear();
    let s = score_answer(&r, &typed("One iced americano, please.")).expect("valid");
    assert_eq!(s.appropriateness, 85);
}

#[test]
fn malformed_language() {
    for tag in ["", "english", "e", "12", "한국어"] {
        let mut r = en_cafe();
        r.language = tag.into();
        assert_eq!(reference_error(&r).0, "language", "{tag:?}");
    }
}

#[test]
fn response_without_letters() {
    let mut r = en_cafe();
    r.acceptable_responses.push("?!…".into());
    let (field, reason) = reference_error(&r);
    assert_eq!(field, "acceptable_responses[3]");
    assert_eq!(reason, "has no letters or digits");
}

#[test]
fn empty_pattern_and_term() {
    let mut r = en_cafe();
    r.common_mistakes.push(mistake("", "x", "y"));
    assert_eq!(reference_error(&r).0, "common_mistakes[3].pattern");
    let mut r = en_cafe();
    r.vocabulary.push(key("  "));
    assert_eq!(reference_error(&r).0, "vocabulary[4].term");
}

#[test]
fn over_long_reference() {
    let mut r = en_cafe();
    r.ideal_responses[1] = "a ".repeat(1001);
    let (field, reason) = reference_error(&r);
    assert_eq!(field, "ideal_responses[1]");
    assert!(reason.contains("2002 characters"), "{reason}");
}

#[test]
fn hint_level_outside_range() {
    let mut r = en_cafe();
    r.hint_levels.push(HintLevel {
        level: 4,
        text: "x".into(),
    });
    assert_eq!(reference_error(&r).0, "hint_levels[3].level");
    r.hint_levels = vec![HintLevel {
        level: 0,
        text: "x".into(),
    }];
    assert_eq!(reference_error(&r).0, "hint_levels[0].level");
}

#[test]
fn empty_answer() {
    assert_eq!(answer_error(&typed("")).0, "text");
    assert_eq!(
        answer_error(&typed(" \n\t")),
        ("text".into(), "is empty".into())
    );
}

#[test]
fn punctuation_only_answer_scores_zero_rather_than_failing() {
    let s = score_answer(&en_cafe(), &typed("…?!")).expect("valid");
    assert_eq!(s.appropriateness, 0);
    assert_eq!(s.matched, None);
}

#[test]
fn answer_over_2000_characters() {
    let (field, reason) = answer_error(&typed(&"가".repeat(2001)));
    assert_eq!(field, "text");
    assert_eq!(reason, "has 2001 characters; the limit is 2000");
    assert!(score_answer(&en_cafe(), &typed(&"가".repeat(2000))).is_ok());
}

#[test]
fn too_many_hints() {
    let mut a = typed("I'd like an iced americano");
    a.hints_used = 4;
    let (field, reason) = answer_error(&a);
    assert_eq!(field, "hints_used");
    assert!(reason.contains("is 4"), "{reason}");
}

#[test]
fn confidence_out_of_range_or_nan() {
    for bad in [f32::NAN, -0.01, 1.01, f32::INFINITY] {
        let mut a = typed("coffee");
        a.spoken = Some(vec![word(0.9, 0, 100), word(bad, 100, 200)]);
        assert_eq!(answer_error(&a).0, "spoken[1].confidence", "{bad}");
    }
}

#[test]
fn end_before_start() {
    let mut a = typed("coffee");
    a.spoken = Some(vec![word(0.9, 500, 400)]);
    let (field, reason) = answer_error(&a);
    assert_eq!(field, "spoken[0].end_ms");
    assert_eq!(reason, "is 400 ms, before start_ms (500 ms)");
}

#[test]
fn empty_or_oversized_recognition() {
    let mut a = typed("coffee");
    a.spoken = Some(Vec::new());
    assert_eq!(answer_error(&a).0, "spoken");
    a.spoken = Some(vec![word(0.9, 0, 1); 501]);
    assert_eq!(answer_error(&a).0, "spoken");
}

#[test]
fn error_messages_name_field_and_reason() {
    let mut a = typed("coffee");
    a.hints_used = 9;
    let message = score_answer(&en_cafe(), &a).unwrap_err().to_string();
    assert_eq!(
        message,
        "invalid answer: hints_used is 9; the highest hint level is 3"
    );
}

#[test]
fn unknown_language_is_scored_as_spaced_text() {
    let r = ScoringReference {
        language: "de".into(),
        ideal_responses: vec!["Einen Eiskaffee, bitte.".into()],
        ..ScoringReference::default()
    };
    assert_eq!(
        score_answer(&r, &typed("einen eiskaffee bitte")).map(|s| s.appropriateness),
        Ok(100)
    );
}
