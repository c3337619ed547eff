//! Per-language settings: how text is segmented, how accents count, which words are
//! fillers, and the speech-rate and typing-time targets.
//!
//! Every value here is documented in `docs/scoring.md`; change both together.

/// How a language's text is split into units and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Words separated by spaces (en, es, fr and unknown languages): compared word by word,
    /// with partial credit for near-miss spellings.
    Spaced,
    /// Korean: space-separated words (eojeol) are the alignment units, but sentences are
    /// compared by jamo and syllable bigrams with spacing ignored.
    Hangul,
    /// Chinese and Japanese: every character is a unit; sentences are compared by
    /// characters and character bigrams.
    Unspaced,
}

/// What a speech rate counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateUnit {
    /// Words per minute.
    Words,
    /// Characters (Hangul syllables, kana, hanzi) per minute.
    Characters,
}

/// The languages the scorer knows; anything else is scored as a generic spaced language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    English,
    Korean,
    Chinese,
    Japanese,
    Spanish,
    French,
    Other,
}

/// Word similarity (per mille) of two words that differ only in accents, in languages
/// where an accent is part of the spelling (a near miss, not a different word).
const ACCENT_NEAR_MISS: u16 = 900;

const FILLERS_EN: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm",
];
const FILLERS_KO: &[&str] = &["음", "으음", "어", "아", "그", "저", "뭐", "막", "흠"];
const FILLERS_ZH: &[&str] = &["嗯", "呃", "额", "啊", "那个"];
const FILLERS_JA: &[&str] = &[
    "えー",
    "えーと",
    "えっと",
    "ええと",
    "あの",
    "あのー",
    "まあ",
    "うーん",
];
const FILLERS_ES: &[&str] = &["eh", "ehh", "em", "mm", "mmm", "este", "pues"];
const FILLERS_FR: &[&str] = &["euh", "heu", "ben", "bah", "hein", "mm"];
const FILLERS_OTHER: &[&str] = &["um", "uh", "er", "mm", "hmm"];

impl Language {
    /// Reads the primary subtag of a BCP-47 tag ("en", "ko-KR", "zh_Hant"); `None` when the
    /// tag does not start with 2–3 ASCII letters.
    pub(crate) fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        Some(match primary.to_ascii_lowercase().as_str() {
            "en" => Self::English,
            "ko" => Self::Korean,
            "zh" => Self::Chinese,
            "ja" => Self::Japanese,
            "es" => Self::Spanish,
            "fr" => Self::French,
            _ => Self::Other,
        })
    }

    /// How this language's text is segmented.
    pub(crate) fn script(self) -> Script {
        match self {
            Self::Korean => Script::Hangul,
            Self::Chinese | Self::Japanese => Script::Unspaced,
            Self::English | Self::Spanish | Self::French | Self::Other => Script::Spaced,
        }
    }

    /// English contractions are expanded ("I'd" → "i would"); elsewhere an apostrophe
    /// separates words (French "l'eau" → "l", "eau").
    pub(crate) fn expands_contractions(self) -> bool {
        self == Self::English
    }

    /// Similarity of two words that differ only in accents: English ignores accents
    /// ("café" = "cafe"); in other languages a missing or wrong accent is a near miss.
    pub(crate) fn accent_similarity(self) -> u16 {
        if self == Self::English {
            1000
        } else {
            ACCENT_NEAR_MISS
        }
    }

    /// Filler words, in folded form. A recognised word counts as a filler only when it is
    /// one of these and the alignment did not pair it with a reference word.
    pub(crate) fn fillers(self) -> &'static [&'static str] {
        match self {
            Self::English => FILLERS_EN,
            Self::Korean => FILLERS_KO,
            Self::Chinese => FILLERS_ZH,
            Self::Japanese => FILLERS_JA,
            Self::Spanish => FILLERS_ES,
            Self::French => FILLERS_FR,
            Self::Other => FILLERS_OTHER,
        }
    }

    /// The unit a speech rate counts.
    pub(crate) fn rate_unit(self) -> RateUnit {
        match self.script() {
            Script::Spaced => RateUnit::Words,
            Script::Hangul | Script::Unspaced => RateUnit::Characters,
        }
    }

    /// Target speech-rate band (inclusive), in rate units per minute.
    pub(crate) fn rate_band(self) -> (u32, u32) {
        match self.rate_unit() {
            RateUnit::Words => (90, 170),
            RateUnit::Characters => (120, 330),
        }
    }

    /// Typing time allowed per unit of the longest reference, in ms.
    pub(crate) fn typing_ms_per_unit(self) -> u32 {
        match self.rate_unit() {
            RateUnit::Words => 1500,
            RateUnit::Characters => 600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_primary_subtag() {
        assert_eq!(Language::from_tag("en-US"), Some(Language::English));
        assert_eq!(Language::from_tag("KO"), Some(Language::Korean));
        assert_eq!(Language::from_tag("zh_Hant"), Some(Language::Chinese));
        assert_eq!(Language::from_tag("de"), Some(Language::Other));
        assert_eq!(Language::from_tag(""), None);
        assert_eq!(Language::from_tag("e1"), None);
        assert_eq!(Language::from_tag("english"), None);
    }
}
