//! Deterministic, explainable scoring of a learner's answer to a practice variation.
//!
//! The scorer compares an answer with the variation's ideal and acceptable responses,
//! finds its common mistakes and missing key vocabulary, and reports appropriateness,
//! fluency, pronunciation (spoken answers) and an overall score, each 0–100, with
//! suggestions. All arithmetic that reaches a score is integer (per mille), so the same
//! input gives the same output on every platform. The formula, weights and tables are
//! documented in `docs/scoring.md`.
//!
//! Spans ([`FoundMistake::start`], [`FoundMistake::end`]) are offsets in Unicode scalar
//! values (Rust `char`s, Swift `unicodeScalars`, Kotlin `codePoints`) of the original answer
//! text; UTF-16 offsets are given alongside for `NSString` and Java/Kotlin `String`.
//!
//! ```
//! use studymate_core::scoring::{Answer, ScoringReference, score_answer};
//!
//! let reference = ScoringReference {
//!     language: "en".into(),
//!     ideal_responses: vec!["I'd like an iced americano, please.".into()],
//!     ..ScoringReference::default()
//! };
//! let answer = Answer { text: "I would like an iced americano please".into(), ..Answer::default() };
//! let score = score_answer(&reference, &answer).unwrap();
//! assert_eq!(score.appropriateness, 100);
//! ```

mod align;
mod contractions;
mod english;
mod error;
mod fillers;
mod fluency;
mod grammar;
mod guards;
mod language;
mod meaning;
mod mistakes;
mod normalize;
mod pronunciation;
mod scorer;
mod similarity;
mod span;
mod suggestions;
mod validate;

use serde::{Deserialize, Serialize};

use studymate_protocol::unsigned::to_i32;

pub use error::ScoringError;
pub use scorer::{ACCEPTABLE_FACTOR_PERMILLE, HINT_PENALTY, Scorer};
pub use validate::{MAX_HINT_LEVEL, MAX_SPOKEN_WORDS, MAX_TEXT_CHARS};

/// A mistake learners often make in a variation, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommonMistake {
    /// The wrong wording, matched literally after normalisation (e.g. `"give me"`).
    pub pattern: String,
    /// What to say instead.
    pub correction: String,
    /// Why, in a sentence the app can show.
    pub explanation: String,
}

/// A vocabulary item of a variation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VocabularyItem {
    /// The word or phrase.
    pub term: String,
    /// Its meaning, for display.
    #[serde(default)]
    pub meaning: Option<String>,
    /// Key vocabulary is expected in an answer when the best-matching reference uses it.
    #[serde(default)]
    pub key: bool,
}

/// One level of the variation's hint system (levels 1–3; a higher level helps more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HintLevel {
    /// 1, 2 or 3.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub level: i32,
    /// The hint shown.
    pub text: String,
}

/// Everything a variation says about good answers: the scorer's input besides the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringReference {
    /// BCP-47 tag of the answer language; its primary subtag decides normalisation
    /// (`"en"`, `"ko"`, `"zh"`, `"ja"`, `"es"`, `"fr"`; others are scored as spaced text).
    pub language: String,
    /// The best answers. At least one ideal or acceptable response is required.
    #[serde(default)]
    pub ideal_responses: Vec<String>,
    /// Answers that are fine but not ideal; a match counts 85 % of an ideal match.
    #[serde(default)]
    pub acceptable_responses: Vec<String>,
    /// Mistakes to detect.
    #[serde(default)]
    pub common_mistakes: Vec<CommonMistake>,
    /// Vocabulary; items marked `key` are checked.
    #[serde(default)]
    pub vocabulary: Vec<VocabularyItem>,
    /// The variation's hints (validated: levels 1–3).
    #[serde(default)]
    pub hint_levels: Vec<HintLevel>,
    /// The character's line the learner answers (the variation's opening line); empty when
    /// unknown. An answer that only repeats it is not an answer.
    #[serde(default)]
    pub prompt: String,
}

/// One word from the platform speech recogniser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecognizedWord {
    /// The word as recognised.
    pub word: String,
    /// Recogniser confidence, 0 to 1 inclusive.
    pub confidence: f32,
    /// When the word starts, ms from the start of the recording.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub start_ms: i32,
    /// When it ends (not before its start).
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub end_ms: i32,
}

/// A learner's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The answer text (typed, or the transcript of a spoken answer); at most 2000 chars.
    pub text: String,
    /// The recogniser's words, in order, for a spoken answer; `None` for a typed one.
    #[serde(default)]
    pub spoken: Option<Vec<RecognizedWord>>,
    /// How long the learner took to answer, ms (used for typed answers).
    #[serde(default)]
    pub response_time_ms: u32,
    /// Highest hint level used, 0 = none, at most 3.
    #[serde(default)]
    pub hints_used: u8,
}

/// Which list the best-matching reference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// The variation's `idealResponses`.
    Ideal,
    /// The variation's `acceptableResponses`.
    Acceptable,
}

/// The reference the answer matched best.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MatchedReference {
    /// The list it is in.
    pub kind: ReferenceKind,
    /// Its index in that list.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub index: i32,
    /// Its text, as given.
    pub text: String,
    /// Similarity of the answer to it, 0–1000.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u16, _>")]
    pub similarity_permille: i32,
}

/// A common mistake found in the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FoundMistake {
    /// Start of the mistake in the original answer text, in Unicode scalar values (chars).
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub start: i32,
    /// End (exclusive), in Unicode scalar values.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub end: i32,
    /// Start in UTF-16 code units (for `NSString`, Java/Kotlin `String`).
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub start_utf16: i32,
    /// End (exclusive) in UTF-16 code units.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub end_utf16: i32,
    /// The answer text in that span.
    pub found: String,
    /// What to say instead.
    pub correction: String,
    /// Why.
    pub explanation: String,
}

impl FoundMistake {
    fn new(text: &str, start: u32, end: u32, mistake: &CommonMistake) -> Self {
        Self::at(text, start, end, &mistake.correction, &mistake.explanation)
    }

    /// The mistake in `text` between char offsets `start..end`, with its offsets in chars and
    /// in UTF-16 code units.
    pub(crate) fn at(
        text: &str,
        start: u32,
        end: u32,
        correction: &str,
        explanation: &str,
    ) -> Self {
        Self {
            start: to_i32(start),
            end: to_i32(end),
            start_utf16: to_i32(span::utf16_offset(text, start)),
            end_utf16: to_i32(span::utf16_offset(text, end)),
            found: span::slice_chars(text, start, end),
            correction: correction.to_owned(),
            explanation: explanation.to_owned(),
        }
    }
}

/// How fluency was measured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FluencyDetail {
    /// Spoken: words per minute (en, es, fr, …) or characters per minute (ko, zh, ja);
    /// absent when typed or too short to measure (under 2 units or 1 s).
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u32, _>"
    )]
    pub speech_rate_per_minute: Option<i32>,
    /// Spoken: gaps between consecutive words over 1200 ms.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u32, _>")]
    pub long_pauses: i32,
    /// Spoken: filler words heard, as recognised.
    pub fillers: Vec<String>,
    /// Typed: the time allowed for this variation, ms.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u32, _>"
    )]
    pub time_allowance_ms: Option<i32>,
    /// Typed: answer length relative to the matched reference, 0–1000.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u16, _>"
    )]
    pub completeness_permille: Option<i32>,
}

/// What the pronunciation score saw in a spoken answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PronunciationDetail {
    /// Parts of the matched reference the learner left out (or replaced by another word).
    pub omitted: Vec<String>,
    /// Recognised words with no counterpart in the matched reference (fillers excluded).
    pub inserted: Vec<String>,
    /// Recognised words with confidence under 0.6.
    pub low_confidence: Vec<String>,
}

/// The result of scoring one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "AnswerScore"))]
pub struct Score {
    /// Weighted total minus the hint penalty, 0–100.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub overall: i32,
    /// How well the answer fits the situation: similarity to the best reference, minus
    /// mistakes and missing key vocabulary, 0–100.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub appropriateness: i32,
    /// 0–100; from rate, pauses and fillers (spoken) or time and completeness (typed).
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub fluency: i32,
    /// 0–100 for a spoken answer; absent for a typed one.
    #[serde(
        default,
        deserialize_with = "studymate_protocol::unsigned::optional::<_, u8, _>"
    )]
    pub pronunciation: Option<i32>,
    /// The best-matching reference; absent when the answer shares nothing with any.
    pub matched: Option<MatchedReference>,
    /// Common mistakes found, in order of position.
    pub mistakes: Vec<FoundMistake>,
    /// Key vocabulary of the matched reference missing from the answer.
    pub missing_vocabulary: Vec<String>,
    /// Up to five short improvement suggestions, in English.
    pub suggestions: Vec<String>,
    /// Points taken off `overall` for the hints used: 5, 10 or 20 for hint level 1, 2 or 3.
    #[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]
    pub hint_penalty: i32,
    /// How fluency was measured.
    pub fluency_detail: FluencyDetail,
    /// What pronunciation saw; absent for a typed answer.
    pub pronunciation_detail: Option<PronunciationDetail>,
}

/// Scores one answer against a reference set. When scoring several answers to the same
/// variation, build a [`Scorer`] once instead.
pub fn score_answer(reference: &ScoringReference, answer: &Answer) -> Result<Score, ScoringError> {
    Scorer::new(reference)?.score(answer)
}
