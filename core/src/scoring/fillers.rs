//! Dropping filler words ("um", "음", "えーと") from an answer before it is compared with
//! the references: hesitation is a matter for fluency, not for appropriateness.
//!
//! A filler is dropped only where it stands as a whole unit (a word in spaced scripts and
//! Korean, a run of characters in Chinese and Japanese), and never when one of the
//! variation's references uses it, so a reference containing "그" or "あの" keeps it.

use super::language::{Language, Script};
use super::normalize::{Normalized, Unit};

/// The filler words that may be dropped from answers to one variation.
#[derive(Debug, Clone)]
pub(crate) struct FillerFilter {
    script: Script,
    /// Filler forms as characters, longest first so "えーと" wins over "えー".
    forms: Vec<Vec<char>>,
}

impl FillerFilter {
    /// The language's fillers minus those any of `references` uses.
    pub(crate) fn new<'a>(
        language: Language,
        references: impl Iterator<Item = &'a Normalized> + Clone,
    ) -> Self {
        let script = language.script();
        let mut forms: Vec<Vec<char>> = language
            .fillers()
            .iter()
            .map(|f| f.chars().collect::<Vec<char>>())
            .filter(|form| {
                references
                    .clone()
                    .all(|r| !(0..r.units.len()).any(|i| matches_at(script, &r.units, form, i)))
            })
            .collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self { script, forms }
    }

    /// Removes filler units (and their glyphs) from `norm`.
    pub(crate) fn apply(&self, norm: &mut Normalized) {
        let mut dropped = vec![false; norm.units.len()];
        let mut removed: Vec<(u32, u32)> = Vec::new();
        let mut i = 0;
        while i < norm.units.len() {
            let found = self
                .forms
                .iter()
                .find(|f| matches_at(self.script, &norm.units, f, i));
            let len = match (found, self.script) {
                (None, _) => {
                    i += 1;
                    continue;
                }
                (Some(form), Script::Unspaced) => form.len(),
                (Some(_), Script::Spaced | Script::Hangul) => 1,
            };
            if let (Some(first), Some(last)) = (norm.units.get(i), norm.units.get(i + len - 1)) {
                removed.push((first.start, last.end));
            }
            for d in dropped.iter_mut().skip(i).take(len) {
                *d = true;
            }
            i += len;
        }
        if removed.is_empty() {
            return;
        }
        let units = std::mem::take(&mut norm.units);
        norm.units = units
            .into_iter()
            .zip(dropped)
            .filter(|(_, d)| !d)
            .map(|(u, _)| u)
            .collect();
        norm.glyphs
            .retain(|g| !removed.iter().any(|&(s, e)| s <= g.start && g.end <= e));
    }
}

/// Whether `form` stands as whole units at position `i`: one unit equal to it (spaced,
/// Korean) or consecutive one-character units spelling it (Chinese, Japanese).
fn matches_at(script: Script, units: &[Unit], form: &[char], i: usize) -> bool {
    match script {
        Script::Spaced | Script::Hangul => units
            .get(i)
            .is_some_and(|u| u.folded.chars().eq(form.iter().copied())),
        Script::Unspaced => units.get(i..i + form.len()).is_some_and(|run| {
            run.iter()
                .zip(form)
                .all(|(u, c)| u.folded.chars().eq(std::iter::once(*c)))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::normalize::normalize;

    fn filtered(text: &str, references: &[&str], language: Language) -> Vec<String> {
        let refs: Vec<Normalized> = references.iter().map(|r| normalize(r, language)).collect();
        let filter = FillerFilter::new(language, refs.iter());
        let mut norm = normalize(text, language);
        filter.apply(&mut norm);
        norm.units.into_iter().map(|u| u.folded).collect()
    }

    #[test]
    fn drops_whole_word_fillers() {
        assert_eq!(
            filtered(
                "Um, one latte, uh, please",
                &["One latte"],
                Language::English
            ),
            ["one", "latte", "please"]
        );
        assert_eq!(
            filtered("음 라테 주세요", &["라테 주세요"], Language::Korean),
            ["라테", "주세요"]
        );
    }

    #[test]
    fn keeps_fillers_a_reference_uses() {
        assert_eq!(
            filtered("그 라테 주세요", &["그 라테 주세요"], Language::Korean),
            ["그", "라테", "주세요"]
        );
    }

    #[test]
    fn drops_character_runs_longest_first() {
        assert_eq!(
            filtered(
                "えーとコーヒー",
                &["コーヒーをください"],
                Language::Japanese
            )
            .concat(),
            "コーヒー".to_lowercase()
        );
        assert_eq!(
            filtered("嗯我要咖啡", &["我要咖啡"], Language::Chinese).concat(),
            "我要咖啡"
        );
    }
}
