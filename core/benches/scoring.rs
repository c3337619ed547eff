//! Scoring speed: one answer against a variation with 50 references.
//!
//! `practice/score_answer` is the convenience function (normalises the 50 references and
//! scores); `practice/scorer_score` scores with a precompiled `Scorer`; the `_ko_spoken`
//! variant scores a spoken Korean answer.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use studymate_core::scoring::{
    Answer, CommonMistake, RecognizedWord, Scorer, ScoringReference, VocabularyItem, score_answer,
};

const REFERENCES: usize = 50;

fn variation(language: &str, subjects: &[&str], frames: &[&str]) -> ScoringReference {
    let mut responses = Vec::with_capacity(REFERENCES);
    for (i, frame) in frames.iter().cycle().enumerate().take(REFERENCES) {
        let subject = subjects[i % subjects.len()];
        responses.push(frame.replace("{}", subject));
    }
    let acceptable = responses.split_off(REFERENCES / 5);
    ScoringReference {
        language: language.into(),
        ideal_responses: responses,
        acceptable_responses: acceptable,
        common_mistakes: vec![
            CommonMistake {
                pattern: "give me".into(),
                correction: "could I have".into(),
                explanation: "Ask politely.".into(),
            },
            CommonMistake {
                pattern: "a iced".into(),
                correction: "an iced".into(),
                explanation: "Use \"an\".".into(),
            },
            CommonMistake {
                pattern: "한 개".into(),
                correction: "한 잔".into(),
                explanation: "Count drinks with 잔.".into(),
            },
        ],
        vocabulary: ["iced", "americano", "please", "아메리카노", "주세요"]
            .iter()
            .map(|t| VocabularyItem {
                term: (*t).into(),
                meaning: None,
                key: true,
            })
            .collect(),
        hint_levels: Vec::new(),
        prompt: "Hi, welcome! What can I get for you today?".into(),
    }
}

fn english() -> ScoringReference {
    variation(
        "en",
        &[
            "iced americano",
            "hot latte",
            "vanilla latte",
            "green tea latte",
            "cappuccino",
        ],
        &[
            "I'd like a {}, please.",
            "Could I get a {}, please?",
            "Can I have a {} to go?",
            "One {}, please.",
            "I'll have a {} in a large cup, please.",
            "May I order a {} with an extra shot?",
            "A {} for here, please.",
            "Could you make me a {} with oat milk?",
            "I would like to order a {}.",
            "Just a {}, thanks.",
        ],
    )
}

fn korean() -> ScoringReference {
    variation(
        "ko",
        &[
            "아이스 아메리카노",
            "따뜻한 라테",
            "바닐라 라테",
            "녹차 라테",
            "카푸치노",
        ],
        &[
            "{} 한 잔 주세요.",
            "{} 한 잔 주시겠어요?",
            "{} 한 잔 테이크아웃으로 주세요.",
            "{} 하나 주세요.",
            "{} 큰 사이즈로 한 잔 주세요.",
            "{} 샷 추가해서 주세요.",
            "여기서 마실 {} 한 잔 주세요.",
            "{} 오트 우유로 주실 수 있어요?",
            "{} 주문할게요.",
            "{}요.",
        ],
    )
}

fn bench(c: &mut Criterion) {
    let reference = english();
    let answer = Answer {
        text: "Um, I'd like a iced americano with an extra shot, please.".into(),
        spoken: None,
        response_time_ms: 9_000,
        hints_used: 1,
    };
    let scorer = Scorer::new(&reference).expect("valid reference");
    let ko_scorer = Scorer::new(&korean()).expect("valid reference");
    let ko_text = "음 아이스 아메리카노 한 개 주세요";
    let ko_answer = Answer {
        text: ko_text.into(),
        spoken: Some(
            ko_text
                .split(' ')
                .zip(0i32..)
                .map(|(word, i)| RecognizedWord {
                    word: word.into(),
                    confidence: 0.9,
                    start_ms: i * 450,
                    end_ms: i * 450 + 400,
                })
                .collect(),
        ),
        response_time_ms: 0,
        hints_used: 0,
    };

    let mut group = c.benchmark_group("practice");
    group.bench_function("score_answer", |b| {
        b.iter(|| score_answer(black_box(&reference), black_box(&answer)))
    });
    group.bench_function("scorer_score", |b| {
        b.iter(|| scorer.score(black_box(&answer)))
    });
    group.bench_function("scorer_score_ko_spoken", |b| {
        b.iter(|| ko_scorer.score(black_box(&ko_answer)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
