//! Real-world reference sets (Daegu situations) shared by the scoring tests.

#![allow(dead_code)] // each test binary uses a different subset of the fixtures

use studymate_core::scoring::{
    Answer, CommonMistake, HintLevel, RecognizedWord, ScoringReference, VocabularyItem,
};

pub fn mistake(pattern: &str, correction: &str, explanation: &str) -> CommonMistake {
    CommonMistake {
        pattern: pattern.into(),
        correction: correction.into(),
        explanation: explanation.into(),
    }
}

pub fn key(term: &str) -> VocabularyItem {
    VocabularyItem {
        term: term.into(),
        meaning: None,
        key: true,
    }
}

pub fn extra(term: &str, meaning: &str) -> VocabularyItem {
    VocabularyItem {
        term: term.into(),
        meaning: Some(meaning.into()),
        key: false,
    }
}

fn hints(texts: [&str; 3]) -> Vec<HintLevel> {
    texts
        .iter()
        .zip(1..)
        .map(|(text, level)| HintLevel {
            level,
            text: (*text).into(),
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).into()).collect()
}

/// Ordering an iced americano at a café on Dongseong-ro (English).
pub fn en_cafe() -> ScoringReference {
    ScoringReference {
        prompt: "Hi, welcome! What can I get for you today?".into(),
        language: "en".into(),
        ideal_responses: strings(&[
            "I'd like an iced americano, please.",
            "Could I get an iced americano, please?",
        ]),
        acceptable_responses: strings(&[
            "One iced americano, please.",
            "An iced americano, please.",
            "Can I have an iced americano?",
        ]),
        common_mistakes: vec![
            mistake(
                "give me",
                "could I have",
                "\"Give me\" sounds like an order; ask politely.",
            ),
            mistake("a iced", "an iced", "Use \"an\" before a vowel sound."),
            mistake(
                "ice americano",
                "iced americano",
                "The drink is an \"iced\" americano.",
            ),
        ],
        vocabulary: vec![
            key("iced"),
            key("americano"),
            key("please"),
            extra("to go", "takeaway"),
        ],
        hint_levels: hints([
            "Start with \"I'd like…\".",
            "I'd like an ___ americano.",
            "I'd like an iced americano, please.",
        ]),
    }
}

/// Asking the way to Seomun Market (English).
pub fn en_directions() -> ScoringReference {
    ScoringReference {
        prompt: "Hi, you look a bit lost. Can I help you?".into(),
        language: "en-US".into(),
        ideal_responses: strings(&[
            "Excuse me, how do I get to Seomun Market?",
            "Excuse me, could you tell me the way to Seomun Market?",
        ]),
        acceptable_responses: strings(&[
            "Where is Seomun Market?",
            "How can I get to Seomun Market?",
        ]),
        common_mistakes: vec![
            mistake(
                "how to go to",
                "how do I get to",
                "\"How to go\" is not a question; ask \"How do I get to…?\".",
            ),
            mistake(
                "the Seomun Market",
                "Seomun Market",
                "Market names take no article.",
            ),
        ],
        vocabulary: vec![
            key("excuse me"),
            key("Seomun Market"),
            extra("get to", "reach"),
        ],
        hint_levels: hints([
            "Be polite first.",
            "Excuse me, how do I ___ to Seomun Market?",
            "Excuse me, how do I get to Seomun Market?",
        ]),
    }
}

/// Buying KTX tickets at Daegu Station (English).
pub fn en_station() -> ScoringReference {
    ScoringReference {
        prompt: "Good afternoon. Where are you traveling to today?".into(),
        language: "en".into(),
        ideal_responses: strings(&[
            "Two tickets to Seoul on the next KTX, please.",
            "Can I have two tickets to Seoul for the next KTX?",
        ]),
        acceptable_responses: strings(&[
            "Two tickets to Seoul, please.",
            "I want two tickets to Seoul.",
        ]),
        common_mistakes: vec![
            mistake("two ticket", "two tickets", "Use the plural after \"two\"."),
            mistake("to go Seoul", "to Seoul", "Say \"tickets to Seoul\"."),
        ],
        vocabulary: vec![key("tickets"), key("Seoul"), key("KTX")],
        hint_levels: Vec::new(),
    }
}

/// 동성로 카페에서 아이스 아메리카노 주문하기 (Korean).
pub fn ko_cafe() -> ScoringReference {
    ScoringReference {
        prompt: "안녕하세요! 뭐 드릴까요?".into(),
        language: "ko".into(),
        ideal_responses: strings(&[
            "아이스 아메리카노 한 잔 주세요.",
            "아이스 아메리카노 한 잔 주시겠어요?",
        ]),
        acceptable_responses: strings(&["아이스 아메리카노 주세요.", "아메리카노 하나 주세요."]),
        common_mistakes: vec![
            mistake(
                "아메리카노 하나 줘",
                "아메리카노 한 잔 주세요",
                "Use the polite ending 주세요 with staff.",
            ),
            mistake("주세여", "주세요", "The polite ending is spelled 주세요."),
            mistake("한 개", "한 잔", "Drinks are counted with 잔."),
        ],
        vocabulary: vec![key("아이스"), key("아메리카노"), key("잔"), key("주세요")],
        hint_levels: hints([
            "아이스 ...",
            "아이스 아메리카노 한 ___ 주세요.",
            "아이스 아메리카노 한 잔 주세요.",
        ]),
    }
}

/// 서문시장 가는 길 묻기 (Korean).
pub fn ko_directions() -> ScoringReference {
    ScoringReference {
        prompt: String::new(),
        language: "ko-KR".into(),
        ideal_responses: strings(&[
            "실례합니다, 서문시장에 어떻게 가요?",
            "저기요, 서문시장 가는 길 좀 알려 주세요.",
        ]),
        acceptable_responses: strings(&["서문시장 어디예요?", "서문시장에 어떻게 가요?"]),
        common_mistakes: vec![mistake(
            "어디야",
            "어디예요",
            "Use the polite 요 form with strangers.",
        )],
        vocabulary: vec![key("서문시장"), key("어떻게")],
        hint_levels: Vec::new(),
    }
}

/// 동대구역에서 KTX 표 사기 (Korean).
pub fn ko_station() -> ScoringReference {
    ScoringReference {
        prompt: String::new(),
        language: "ko".into(),
        ideal_responses: strings(&["서울 가는 KTX 표 두 장 주세요."]),
        acceptable_responses: strings(&["서울행 표 두 장 주세요.", "서울 표 두 장이요."]),
        common_mistakes: vec![
            mistake("표 두 개", "표 두 장", "Tickets are counted with 장."),
            mistake(
                "두 표",
                "표 두 장",
                "Put the counter after the noun: 표 두 장.",
            ),
        ],
        vocabulary: vec![key("표"), key("장"), key("서울")],
        hint_levels: Vec::new(),
    }
}

/// A typed answer, answered promptly with no hints.
pub fn typed(text: &str) -> Answer {
    Answer {
        text: text.into(),
        spoken: None,
        response_time_ms: 6_000,
        hints_used: 0,
    }
}

/// A spoken answer from `(word, confidence, start_ms, end_ms)` tuples.
pub fn spoken(words: &[(&str, f32, i32, i32)]) -> Answer {
    let text = words.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
    let spoken = words
        .iter()
        .map(|&(word, confidence, start_ms, end_ms)| RecognizedWord {
            word: word.into(),
            confidence,
            start_ms,
            end_ms,
        })
        .collect();
    Answer {
        text,
        spoken: Some(spoken),
        response_time_ms: 0,
        hints_used: 0,
    }
}

/// Evenly paced recognised words (`gap_ms` between words, 350 ms each) with one confidence.
pub fn paced(text: &str, confidence: f32, gap_ms: i32) -> Answer {
    let words: Vec<(&str, f32, i32, i32)> = text
        .split_whitespace()
        .scan(0i32, |t, w| {
            let start = *t;
            *t += 350 + gap_ms;
            Some((w, confidence, start, start + 350))
        })
        .collect();
    spoken(&words)
}
