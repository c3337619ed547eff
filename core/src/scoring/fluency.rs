//! Fluency, per mille: from speech rate, pauses and fillers for a spoken answer, from
//! response time and completeness for a typed one.

use super::FluencyDetail;
use super::RecognizedWord;
use super::language::Language;
use studymate_protocol::unsigned::to_i32;

/// A gap between two recognised words longer than this (ms) is a long pause.
pub(crate) const LONG_PAUSE_MS: u32 = 1200;
/// Per-mille cost of each long pause.
const PAUSE_COST: u32 = 200;
/// Per-mille cost of each filler word.
const FILLER_COST: u32 = 150;
/// Speech shorter than this (ms), or fewer than 2 units, is too short to measure a rate.
const MIN_RATE_SPAN_MS: u32 = 1000;
/// Weights (per mille) of rate, pauses and fillers in spoken fluency.
const RATE_WEIGHT: u32 = 400;
const PAUSE_WEIGHT: u32 = 300;
const FILLER_WEIGHT: u32 = 300;
/// Typed answers: fixed part of the time allowance (ms).
const TYPING_BASE_MS: u32 = 5000;
/// Typed answers: the time score falls linearly from 1000 at the allowance to this floor at
/// three times the allowance.
const SLOW_FLOOR: u32 = 400;

/// Fluency of a spoken answer.
///
/// `rate_units` counts the non-filler words (spaced scripts) or characters (Korean,
/// Chinese, Japanese); `fillers` are the filler words heard.
pub(crate) fn spoken(
    words: &[RecognizedWord],
    rate_units: u32,
    fillers: Vec<String>,
    language: Language,
) -> (u16, FluencyDetail) {
    // Times are validated non-negative with `end_ms >= start_ms`; i64 holds every difference.
    let first_start = words
        .iter()
        .map(|w| i64::from(w.start_ms))
        .min()
        .unwrap_or(0);
    let last_end = words.iter().map(|w| i64::from(w.end_ms)).max().unwrap_or(0);
    let span = last_end - first_start;
    let rate = (rate_units >= 2 && span >= i64::from(MIN_RATE_SPAN_MS))
        .then(|| u32::try_from(i64::from(rate_units) * 60_000 / span).unwrap_or(u32::MAX));
    let rate_score = rate.map_or(1000, |r| rate_score(r, language.rate_band()));
    let long_pauses = words
        .windows(2)
        .filter(|w| i64::from(w[1].start_ms) - i64::from(w[0].end_ms) > i64::from(LONG_PAUSE_MS))
        .count();
    let long_pauses = u32::try_from(long_pauses).unwrap_or(u32::MAX);
    let pause_score = 1000u32.saturating_sub(PAUSE_COST.saturating_mul(long_pauses));
    let filler_count = u32::try_from(fillers.len()).unwrap_or(u32::MAX);
    let filler_score = 1000u32.saturating_sub(FILLER_COST.saturating_mul(filler_count));
    let score =
        (RATE_WEIGHT * rate_score + PAUSE_WEIGHT * pause_score + FILLER_WEIGHT * filler_score)
            / 1000;
    let detail = FluencyDetail {
        speech_rate_per_minute: rate.map(to_i32),
        long_pauses: to_i32(long_pauses),
        fillers,
        time_allowance_ms: None,
        completeness_permille: None,
    };
    (to_u16(score), detail)
}

/// 1000 inside the band; below it, proportional to the rate; above it, falling linearly to
/// 0 at twice the band's upper end.
fn rate_score(rate: u32, (low, high): (u32, u32)) -> u32 {
    if rate < low {
        rate * 1000 / low
    } else if rate > high {
        1000u32.saturating_sub((rate - high).saturating_mul(1000) / high)
    } else {
        1000
    }
}

/// Fluency of a typed answer: a time score (against an allowance for the variation's
/// longest reference) times completeness (answer length relative to the matched
/// reference, capped at 1).
pub(crate) fn typed(
    response_time_ms: u32,
    answer_length: u32,
    matched_length: u32,
    longest_reference: u32,
    language: Language,
) -> (u16, FluencyDetail) {
    let allowance = TYPING_BASE_MS.saturating_add(
        language
            .typing_ms_per_unit()
            .saturating_mul(longest_reference),
    );
    let time_score = if response_time_ms <= allowance {
        1000
    } else if response_time_ms >= allowance.saturating_mul(3) {
        SLOW_FLOOR
    } else {
        let over = u64::from(response_time_ms - allowance);
        1000 - u32::try_from(over * u64::from(1000 - SLOW_FLOOR) / (2 * u64::from(allowance)))
            .unwrap_or(0)
    };
    let completeness = (answer_length.min(matched_length) * 1000)
        .checked_div(matched_length)
        .unwrap_or(1000);
    let detail = FluencyDetail {
        speech_rate_per_minute: None,
        long_pauses: 0,
        fillers: Vec::new(),
        time_allowance_ms: Some(to_i32(allowance)),
        completeness_permille: Some(i32::from(to_u16(completeness))),
    };
    (to_u16(time_score * completeness / 1000), detail)
}

fn to_u16(value: u32) -> u16 {
    u16::try_from(value.min(1000)).unwrap_or(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(start_ms: i32, end_ms: i32) -> RecognizedWord {
        RecognizedWord {
            word: "w".into(),
            confidence: 1.0,
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn rate_band() {
        assert_eq!(rate_score(130, (90, 170)), 1000);
        assert_eq!(rate_score(45, (90, 170)), 500);
        assert_eq!(rate_score(255, (90, 170)), 500);
        assert_eq!(rate_score(400, (90, 170)), 0);
    }

    #[test]
    fn spoken_counts_pauses_and_fillers() {
        let words = [
            word(0, 400),
            word(500, 900),
            word(2200, 2600),
            word(2700, 3000),
        ];
        // 4 words over 3 s = 80 wpm → rate 888; one pause of 1300 ms; one filler.
        let (score, detail) = spoken(&words, 4, vec!["um".into()], Language::English);
        assert_eq!(detail.speech_rate_per_minute, Some(80));
        assert_eq!(detail.long_pauses, 1);
        assert_eq!(u32::from(score), (400 * 888 + 300 * 800 + 300 * 850) / 1000);
    }

    #[test]
    fn typed_time_and_completeness() {
        // Allowance for a 6-word longest reference: 5000 + 6 × 1500 = 14 000 ms.
        assert_eq!(typed(10_000, 6, 6, 6, Language::English).0, 1000);
        assert_eq!(typed(28_000, 6, 6, 6, Language::English).0, 700);
        assert_eq!(typed(99_000, 6, 6, 6, Language::English).0, 400);
        assert_eq!(typed(10_000, 3, 6, 6, Language::English).0, 500);
    }
}
