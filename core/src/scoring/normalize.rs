//! Text normalisation: splits a text into comparable units while remembering where each
//! unit came from in the original text.
//!
//! Pipeline, per UAX #29 word of the original text and per grapheme cluster inside it:
//! NFKC, then lower-casing (`char::to_lowercase`, with final sigma folded to σ), then
//! punctuation folding (characters that are neither alphanumeric nor combining marks are
//! dropped; the apostrophes ' ’ ‘ ʼ are kept only to split or expand the word). Offsets are
//! counted in Unicode scalar values (`char`s) of the original text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_segmentation::UnicodeSegmentation;

use super::contractions;
use super::language::{Language, Script};

/// One comparable unit: a word (spaced scripts, Korean) or a character (Chinese, Japanese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    /// Folded form: NFKC, lower case, no punctuation, contractions expanded.
    pub folded: String,
    /// What similarity compares: accent-stripped letters (spaced scripts), jamo (Korean),
    /// the character itself (Chinese, Japanese).
    pub key: Vec<char>,
    /// Start offset in the original text, in chars.
    pub start: u32,
    /// End offset (exclusive) in the original text, in chars.
    pub end: u32,
}

/// One folded character with the span of the original grapheme it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Glyph {
    pub ch: char,
    pub start: u32,
    pub end: u32,
}

/// A normalised text: its units and its folded characters (spaces and punctuation
/// removed, contractions not expanded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Normalized {
    pub units: Vec<Unit>,
    pub glyphs: Vec<Glyph>,
}

impl Normalized {
    /// Length used for typing allowances, completeness and speech rate: words in spaced
    /// scripts, characters in Korean, Chinese and Japanese.
    pub(crate) fn length(&self, script: Script) -> u32 {
        let n = match script {
            Script::Spaced => self.units.len(),
            Script::Hangul | Script::Unspaced => self.glyphs.len(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The folded units joined without separators (used to recognise filler words).
    pub(crate) fn joined(&self) -> String {
        self.units.iter().map(|u| u.folded.as_str()).collect()
    }
}

/// Normalises `text` for `language`.
pub(crate) fn normalize(text: &str, language: Language) -> Normalized {
    let mut out = Normalized::default();
    let mut word_glyphs: Vec<Glyph> = Vec::new();
    let mut cursor = CharCursor::default();
    for (byte_start, word) in text.unicode_word_indices() {
        let mut offset = cursor.advance(text, byte_start);
        word_glyphs.clear();
        for grapheme in word.graphemes(true) {
            let len = u32::try_from(grapheme.chars().count()).unwrap_or(u32::MAX);
            let end = offset.saturating_add(len);
            let mut emit = |ch| {
                word_glyphs.push(Glyph {
                    ch,
                    start: offset,
                    end,
                })
            };
            // ASCII is already in NFKC: skip the normaliser on the common path.
            if grapheme.is_ascii() {
                grapheme.chars().for_each(|c| fold_char(c, &mut emit));
            } else {
                grapheme.nfkc().for_each(|c| fold_char(c, &mut emit));
            }
            offset = end;
        }
        push_word(&word_glyphs, language, &mut out);
    }
    out
}

/// Converts increasing byte offsets into char offsets without rescanning the text.
#[derive(Default)]
struct CharCursor {
    byte: usize,
    chars: u32,
}

impl CharCursor {
    fn advance(&mut self, text: &str, byte: usize) -> u32 {
        let skipped = text.get(self.byte..byte).map_or(0, |s| s.chars().count());
        self.chars = self
            .chars
            .saturating_add(u32::try_from(skipped).unwrap_or(u32::MAX));
        self.byte = byte;
        self.chars
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

/// Lower-cases one NFKC character and drops punctuation; apostrophes become '\''.
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    for lower in c.to_lowercase() {
        if is_apostrophe(lower) {
            emit('\'');
        } else if lower == 'ς' {
            emit('σ');
        } else if lower.is_alphanumeric() || is_combining_mark(lower) {
            emit(lower);
        }
    }
}

/// Turns the folded characters of one original word into units and glyphs.
fn push_word(glyphs: &[Glyph], language: Language, out: &mut Normalized) {
    out.glyphs.extend(glyphs.iter().filter(|g| g.ch != '\''));
    let script = language.script();
    match script {
        Script::Unspaced => {
            for g in glyphs.iter().filter(|g| g.ch != '\'') {
                out.units.push(Unit {
                    folded: g.ch.to_string(),
                    key: vec![g.ch],
                    start: g.start,
                    end: g.end,
                });
            }
        }
        Script::Hangul => push_unit(glyphs.iter().filter(|g| g.ch != '\''), script, out),
        Script::Spaced if language.expands_contractions() => {
            let (Some(first), Some(last)) = (glyphs.first(), glyphs.last()) else {
                return;
            };
            let word: String = glyphs.iter().map(|g| g.ch).collect();
            match contractions::expand(&word) {
                Some(words) => {
                    for folded in words {
                        let key = key_of(&folded, script);
                        out.units.push(Unit {
                            folded,
                            key,
                            start: first.start,
                            end: last.end,
                        });
                    }
                }
                None => push_unit(glyphs.iter().filter(|g| g.ch != '\''), script, out),
            }
        }
        Script::Spaced => {
            for piece in glyphs.split(|g| g.ch == '\'') {
                push_unit(piece.iter(), script, out);
            }
        }
    }
}

fn push_unit<'a>(glyphs: impl Iterator<Item = &'a Glyph>, script: Script, out: &mut Normalized) {
    let mut folded = String::new();
    let mut span: Option<(u32, u32)> = None;
    for g in glyphs {
        folded.push(g.ch);
        span = Some(span.map_or((g.start, g.end), |(s, _)| (s, g.end)));
    }
    if let Some((start, end)) = span {
        let key = key_of(&folded, script);
        out.units.push(Unit {
            folded,
            key,
            start,
            end,
        });
    }
}

/// The characters word similarity compares (see [`Unit::key`]).
fn key_of(folded: &str, script: Script) -> Vec<char> {
    let mut key = Vec::with_capacity(folded.len());
    for c in folded.chars() {
        match script {
            Script::Spaced if is_hangul_syllable(c) => key.push(c),
            Script::Spaced => decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    key.push(d);
                }
            }),
            Script::Hangul => push_jamo(c, &mut key),
            Script::Unspaced => key.push(c),
        }
    }
    key
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Pushes the jamo of a precomposed Hangul syllable (leading consonant, vowel, optional
/// trailing consonant, computed arithmetically as in the Unicode standard, §3.12), or the
/// character itself when it is not one.
pub(crate) fn push_jamo(c: char, out: &mut Vec<char>) {
    if !is_hangul_syllable(c) {
        out.push(c);
        return;
    }
    let s = u32::from(c) - 0xAC00;
    let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
    out.extend(char::from_u32(0x1100 + l));
    out.extend(char::from_u32(0x1161 + v));
    if t > 0 {
        out.extend(char::from_u32(0x11A7 + t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str, language: Language) -> Vec<String> {
        normalize(text, language)
            .units
            .into_iter()
            .map(|u| u.folded)
            .collect()
    }

    #[test]
    fn folds_case_punctuation_and_contractions() {
        assert_eq!(
            folded("I’d like an ICED Americano, please!", Language::English),
            ["i", "would", "like", "an", "iced", "americano", "please"]
        );
        assert_eq!(
            folded("I can't.", Language::English),
            folded("i cannot", Language::English)
        );
    }

    #[test]
    fn applies_nfkc() {
        assert_eq!(folded("ＣＯＦＦＥＥ", Language::English), ["coffee"]);
    }

    #[test]
    fn splits_french_elision_and_strips_accents_in_key() {
        let n = normalize("L’eau, s'il vous plaît", Language::French);
        let words: Vec<&str> = n.units.iter().map(|u| u.folded.as_str()).collect();
        assert_eq!(words, ["l", "eau", "s", "il", "vous", "plaît"]);
        assert_eq!(n.units[5].key, ['p', 'l', 'a', 'i', 't']);
    }

    #[test]
    fn keeps_original_char_spans() {
        let n = normalize("  Un café, por favor", Language::Spanish);
        let spans: Vec<(u32, u32)> = n.units.iter().map(|u| (u.start, u.end)).collect();
        assert_eq!(spans, [(2, 4), (5, 9), (11, 14), (15, 20)]);
    }

    #[test]
    fn korean_units_are_words_and_glyphs_are_syllables() {
        let n = normalize("아이스 아메리카노 한 잔 주세요.", Language::Korean);
        assert_eq!(n.units.len(), 5);
        assert_eq!(n.glyphs.len(), 13);
        assert_eq!(n.units[2].key, ['\u{1112}', '\u{1161}', '\u{11AB}']);
        assert_eq!((n.glyphs[12].start, n.glyphs[12].end), (16, 17));
    }

    #[test]
    fn chinese_units_are_characters() {
        let n = normalize("我要一杯冰美式。", Language::Chinese);
        assert_eq!(n.units.len(), 7);
        assert_eq!(n.length(Script::Unspaced), 7);
    }

    #[test]
    fn decomposed_jamo_and_syllables_normalise_alike() {
        let decomposed = normalize("\u{1112}\u{1161}\u{11AB}", Language::Korean);
        let composed = normalize("한", Language::Korean);
        assert_eq!(decomposed.units[0].folded, composed.units[0].folded);
        assert_eq!(decomposed.units[0].key, composed.units[0].key);
        // Spans still point at the original: three jamo here, one syllable there.
        assert_eq!((decomposed.units[0].end, composed.units[0].end), (3, 1));
    }
}
