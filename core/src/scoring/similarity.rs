//! Similarity, per mille, between words and between whole sentences.
//!
//! All arithmetic is on integers; `strsim::generic_levenshtein` supplies integer edit
//! distances. Divisions truncate (round towards zero).

use std::collections::HashMap;

use super::align;
use super::language::{Language, Script};
use super::normalize::{Normalized, Unit, normalize, push_jamo};

/// Word similarities below this are treated as 0: "tea" and "the" are different words,
/// not a near miss.
pub(crate) const NEAR_MISS_FLOOR: u16 = 500;

/// Weight of the edit-distance similarity for Korean, Chinese and Japanese sentences, per
/// mille; the rest goes to bigram overlap.
const EDIT_WEIGHT: u32 = 600;

/// A text normalised once, with everything sentence similarity needs precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The text as given.
    pub text: String,
    pub norm: Normalized,
    /// Korean: the jamo of all syllables; Chinese and Japanese: all characters; empty for
    /// spaced scripts. Spaces and punctuation are not part of it.
    pub sequence: Vec<char>,
    /// Sorted character bigrams of the glyphs (a single glyph counts as one unigram);
    /// empty for spaced scripts.
    pub bigrams: Vec<u64>,
}

impl Prepared {
    /// Normalises `text` and precomputes its comparison forms.
    pub(crate) fn new(text: &str, language: Language) -> Self {
        Self::from_normalized(text, normalize(text, language), language)
    }

    /// Precomputes the comparison forms of an already normalised `text`.
    pub(crate) fn from_normalized(text: &str, norm: Normalized, language: Language) -> Self {
        let mut sequence = Vec::new();
        let mut bigrams = Vec::new();
        let script = language.script();
        if script != Script::Spaced {
            for g in &norm.glyphs {
                match script {
                    Script::Hangul => push_jamo(g.ch, &mut sequence),
                    _ => sequence.push(g.ch),
                }
            }
            bigrams = match norm.glyphs.as_slice() {
                [only] => vec![u64::from(u32::from(only.ch)) << 32],
                glyphs => glyphs
                    .windows(2)
                    .map(|w| (u64::from(u32::from(w[0].ch)) << 32) | u64::from(u32::from(w[1].ch)))
                    .collect(),
            };
            bigrams.sort_unstable();
        }
        Self {
            text: text.to_owned(),
            norm,
            sequence,
            bigrams,
        }
    }
}

/// Similarity of two units: 1000 if their folded forms are equal, `accent` (per mille) if
/// only accents differ, otherwise `1000 × (1 − levenshtein / longer length)` on their keys,
/// with results under [`NEAR_MISS_FLOOR`] set to 0.
pub(crate) fn unit_similarity(a: &Unit, b: &Unit, accent: u16) -> u16 {
    if a.folded == b.folded {
        return 1000;
    }
    if a.key == b.key {
        return accent;
    }
    let (la, lb) = (a.key.len(), b.key.len());
    let longer = la.max(lb);
    // The distance is at least the length difference: skip hopeless pairs cheaply.
    if longer == 0 || la.abs_diff(lb) * 1000 > longer * usize::from(1000 - NEAR_MISS_FLOOR) {
        return 0;
    }
    let distance = strsim::generic_levenshtein(&a.key, &b.key);
    let sim = permille(longer.saturating_sub(distance), longer);
    if sim < NEAR_MISS_FLOOR { 0 } else { sim }
}

/// The distinct units of a variation's references, so that a word pair's similarity is
/// computed once per answer rather than once per reference.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitTable {
    units: Vec<Unit>,
    ids: HashMap<String, u32>,
}

impl UnitTable {
    /// The ids of `units` in the table, adding the new ones.
    pub(crate) fn intern(&mut self, units: &[Unit]) -> Vec<u32> {
        units
            .iter()
            .map(|unit| {
                let next = u32::try_from(self.units.len()).unwrap_or(u32::MAX);
                *self.ids.entry(unit.folded.clone()).or_insert_with(|| {
                    self.units.push(unit.clone());
                    next
                })
            })
            .collect()
    }
}

/// Sentinel for a pair similarity not computed yet.
const UNKNOWN: u16 = u16::MAX;
/// Largest pair cache (cells of 2 bytes); beyond it (very long texts) pairs are computed
/// without caching, bounding memory.
const MAX_CACHED_PAIRS: usize = 1 << 20;

/// Compares one answer with the references of a variation, caching word-pair similarities.
pub(crate) struct Comparer<'a> {
    answer: &'a Prepared,
    table: &'a UnitTable,
    language: Language,
    /// `answer units × table units`, row-major; [`UNKNOWN`] until computed; empty when it
    /// would exceed [`MAX_CACHED_PAIRS`].
    pairs: Vec<u16>,
    dp: Vec<u32>,
}

impl<'a> Comparer<'a> {
    /// Prepares to compare `answer` with references whose units are in `table`.
    pub(crate) fn new(answer: &'a Prepared, table: &'a UnitTable, language: Language) -> Self {
        let cells = match language.script() {
            Script::Spaced => answer.norm.units.len().saturating_mul(table.units.len()),
            Script::Hangul | Script::Unspaced => 0,
        };
        let cells = if cells > MAX_CACHED_PAIRS { 0 } else { cells };
        Self {
            answer,
            table,
            language,
            pairs: vec![UNKNOWN; cells],
            dp: Vec::new(),
        }
    }

    /// Similarity of the answer to `reference` (whose units have table ids `ids`), per mille.
    ///
    /// Spaced scripts: `1000 − alignment cost / max(word counts)`, where the alignment pairs
    /// words with [`unit_similarity`]. Korean, Chinese, Japanese: `0.6 × edit similarity of
    /// the jamo/character sequences + 0.4 × Sørensen–Dice overlap of character bigrams`,
    /// spacing ignored.
    pub(crate) fn similarity(&mut self, reference: &Prepared, ids: &[u32]) -> u16 {
        match self.language.script() {
            Script::Spaced => self.word_similarity(reference, ids),
            Script::Hangul | Script::Unspaced => character_similarity(self.answer, reference),
        }
    }

    /// Gives back the alignment scratch space for reuse.
    pub(crate) fn into_scratch(self) -> Vec<u32> {
        self.dp
    }

    fn word_similarity(&mut self, reference: &Prepared, ids: &[u32]) -> u16 {
        let (a, b) = (&self.answer.norm.units, &reference.norm.units);
        if a.is_empty() || b.is_empty() {
            return 0;
        }
        if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.folded == y.folded) {
            return 1000;
        }
        let accent = self.language.accent_similarity();
        let (table, pairs, width) = (&self.table.units, &mut self.pairs, self.table.units.len());
        let sim = |i: usize, j: usize| {
            let Some(&id) = ids.get(j) else { return 0 };
            let Some(cell) = pairs.get_mut(i * width + id as usize) else {
                return 0;
            };
            if *cell == UNKNOWN {
                *cell = pair(a, table, i, id as usize, accent);
            }
            *cell
        };
        let cost = align::cost(a.len(), b.len(), sim, &mut self.dp);
        let total = a.len().max(b.len()).saturating_mul(1000);
        permille(total.saturating_sub(cost as usize), total)
    }
}

/// Similarity of answer unit `i` and reference unit `j`; 0 when out of range.
pub(crate) fn pair(a: &[Unit], b: &[Unit], i: usize, j: usize, accent: u16) -> u16 {
    match (a.get(i), b.get(j)) {
        (Some(x), Some(y)) => unit_similarity(x, y, accent),
        _ => 0,
    }
}

fn character_similarity(a: &Prepared, b: &Prepared) -> u16 {
    if a.sequence.is_empty() || b.sequence.is_empty() {
        return 0;
    }
    if a.sequence == b.sequence {
        return 1000;
    }
    let longer = a.sequence.len().max(b.sequence.len());
    let distance = strsim::generic_levenshtein(&a.sequence, &b.sequence);
    let edit = u32::from(permille(longer.saturating_sub(distance), longer));
    let dice = u32::from(dice(&a.bigrams, &b.bigrams));
    let sim = (EDIT_WEIGHT * edit + (1000 - EDIT_WEIGHT) * dice) / 1000;
    // Different sequences never score a perfect 1000.
    u16::try_from(sim.min(999)).unwrap_or(999)
}

/// Sørensen–Dice coefficient of two sorted multisets, per mille: `2 × |A ∩ B| / (|A| + |B|)`.
fn dice(a: &[u64], b: &[u64]) -> u16 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    permille(2 * common, a.len() + b.len())
}

/// `1000 × part / whole`, truncated, clamped to 0..=1000; 0 when `whole` is 0.
pub(crate) fn permille(part: usize, whole: usize) -> u16 {
    if whole == 0 {
        return 0;
    }
    let value = (part.min(whole) as u64 * 1000) / whole as u64;
    u16::try_from(value).unwrap_or(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str, language: Language) -> u16 {
        let (answer, reference) = (Prepared::new(a, language), Prepared::new(b, language));
        let mut table = UnitTable::default();
        let ids = table.intern(&reference.norm.units);
        Comparer::new(&answer, &table, language).similarity(&reference, &ids)
    }

    fn word(text: &str, language: Language) -> Unit {
        normalize(text, language).units.remove(0)
    }

    #[test]
    fn words_near_miss() {
        let en = Language::English;
        assert_eq!(
            unit_similarity(
                &word("coffee", en),
                &word("cofee", en),
                en.accent_similarity()
            ),
            833
        );
        assert_eq!(
            unit_similarity(&word("tea", en), &word("the", en), en.accent_similarity()),
            0
        );
        assert_eq!(
            unit_similarity(&word("café", en), &word("cafe", en), en.accent_similarity()),
            1000
        );
        let fr = Language::French;
        assert_eq!(
            unit_similarity(&word("café", fr), &word("cafe", fr), fr.accent_similarity()),
            900
        );
    }

    #[test]
    fn sentences() {
        let en = Language::English;
        assert_eq!(sim("I'd like a latte.", "I would like a latte", en), 1000);
        assert_eq!(sim("I'd like a latte.", "I'd like a tea", en), 800);
        assert_eq!(sim("?!", "I'd like a tea", en), 0);
        let ko = Language::Korean;
        assert_eq!(
            sim(
                "아이스아메리카노 한잔 주세요",
                "아이스 아메리카노 한 잔 주세요",
                ko
            ),
            1000
        );
        let near = sim(
            "아이스 아메리카노 한 잔 주세여",
            "아이스 아메리카노 한 잔 주세요",
            ko,
        );
        assert!((900..1000).contains(&near), "{near}");
    }

    #[test]
    fn dice_counts_multisets() {
        assert_eq!(dice(&[1, 2, 2, 3], &[2, 2, 4]), 571);
        assert_eq!(dice(&[], &[]), 0);
    }
}
