//! The scorer: compiles a reference set once, then scores answers against it.

use super::error::ScoringError;
use super::fillers::FillerFilter;
use super::language::Language;
use super::mistakes::{self, PreparedMistake, PreparedTerm};
use super::normalize::{Normalized, normalize};
use super::similarity::{Comparer, Prepared, UnitTable};
use super::suggestions::{self, Feedback};
use super::{
    Answer, MatchedReference, ReferenceKind, Score, ScoringReference, fluency, pronunciation,
    validate,
};

/// Points taken off the overall score (0–100) for the highest hint level used: index =
/// level (0 = no hint).
pub const HINT_PENALTY: [u8; 4] = [0, 5, 10, 20];

/// A match with an acceptable response counts this much (per mille) of an ideal match.
pub const ACCEPTABLE_FACTOR_PERMILLE: u32 = 850;

/// Per-mille cost of each common mistake found, counting at most [`MAX_COUNTED`].
const MISTAKE_COST: u32 = 50;
/// Per-mille cost of each missing key vocabulary item, counting at most [`MAX_COUNTED`].
const MISSING_TERM_COST: u32 = 50;
const MAX_COUNTED: u32 = 3;

/// Weights (per mille) of appropriateness and fluency in a typed answer's overall score.
const TYPED_WEIGHTS: (u32, u32) = (700, 300);
/// Weights (per mille) of appropriateness, pronunciation and fluency for a spoken answer.
const SPOKEN_WEIGHTS: (u32, u32, u32) = (500, 300, 200);

/// A reference response, normalised.
#[derive(Debug, Clone)]
struct CompiledReference {
    kind: ReferenceKind,
    index: u32,
    prepared: Prepared,
    /// Ids of its units in [`Scorer::units`].
    unit_ids: Vec<u32>,
}

/// The reference an answer matched best.
struct Best<'a> {
    reference: &'a CompiledReference,
    similarity: u16,
    /// Similarity weighted by kind: ideal × 1, acceptable × 0.85.
    weighted: u32,
}

/// Precompiled, normalised form of a reference set, so scoring many answers against the
/// same variation is cheap. Immutable and `Send + Sync`: share it between threads freely.
#[derive(Debug, Clone)]
pub struct Scorer {
    language: Language,
    references: Vec<CompiledReference>,
    mistakes: Vec<PreparedMistake>,
    vocabulary: Vec<PreparedTerm>,
    fillers: FillerFilter,
    /// The distinct units of all references.
    units: UnitTable,
    /// Length (words, or characters in ko/zh/ja) of the longest reference: the basis of
    /// the typing-time allowance, the same for every answer to the variation.
    longest_reference: u32,
}

impl Scorer {
    /// Validates and normalises a reference set.
    ///
    /// Fails when the language tag is malformed, there are no responses, a text is over
    /// [`super::MAX_TEXT_CHARS`], a response, pattern or term has no letters or digits, or a
    /// hint level is outside 1–3.
    pub fn new(reference: &ScoringReference) -> Result<Self, ScoringError> {
        let language = validate::reference(reference)?;
        let lists = [
            (
                ReferenceKind::Ideal,
                "ideal_responses",
                &reference.ideal_responses,
            ),
            (
                ReferenceKind::Acceptable,
                "acceptable_responses",
                &reference.acceptable_responses,
            ),
        ];
        let mut references = Vec::new();
        let mut units = UnitTable::default();
        for (kind, field, texts) in lists {
            for (index, text) in texts.iter().enumerate() {
                let prepared = Prepared::new(text, language);
                require_words(&prepared.norm, format!("{field}[{index}]"))?;
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let unit_ids = units.intern(&prepared.norm.units);
                references.push(CompiledReference {
                    kind,
                    index,
                    prepared,
                    unit_ids,
                });
            }
        }
        let mut mistakes = Vec::with_capacity(reference.common_mistakes.len());
        for (i, mistake) in reference.common_mistakes.iter().enumerate() {
            let pattern = normalize(&mistake.pattern, language);
            require_words(&pattern, format!("common_mistakes[{i}].pattern"))?;
            mistakes.push(PreparedMistake {
                correction: normalize(&mistake.correction, language),
                pattern,
                mistake: mistake.clone(),
            });
        }
        let mut vocabulary = Vec::with_capacity(reference.vocabulary.len());
        for (i, item) in reference.vocabulary.iter().enumerate() {
            let norm = normalize(&item.term, language);
            require_words(&norm, format!("vocabulary[{i}].term"))?;
            vocabulary.push(PreparedTerm {
                term: item.term.clone(),
                norm,
                key: item.key,
            });
        }
        let script = language.script();
        let longest_reference = references
            .iter()
            .map(|r| r.prepared.norm.length(script))
            .max()
            .unwrap_or(0);
        let fillers = FillerFilter::new(language, references.iter().map(|r| &r.prepared.norm));
        Ok(Self {
            language,
            references,
            mistakes,
            vocabulary,
            fillers,
            units,
            longest_reference,
        })
    }

    /// Scores one answer. Fails only on invalid answers (see [`ScoringError::InvalidAnswer`]):
    /// empty or over-long text, more than 3 hints, or malformed recogniser words.
    pub fn score(&self, answer: &Answer) -> Result<Score, ScoringError> {
        validate::answer(answer)?;
        let language = self.language;
        let script = language.script();
        let mut norm = normalize(&answer.text, language);
        self.fillers.apply(&mut norm);
        let prepared = Prepared::from_normalized(&answer.text, norm, language);
        let (best, best_ideal, mut dp) = self.best_match(&prepared);
        let best = best.ok_or_else(|| ScoringError::reference("ideal_responses", "is empty"))?;
        let reference = &best.reference.prepared;

        let (found, found_kinds) =
            mistakes::find_mistakes(&prepared, reference, &self.mistakes, language);
        let missing = mistakes::missing_key_vocabulary(
            &prepared,
            reference,
            &self.vocabulary,
            &found_kinds,
            language,
        );
        let appropriateness = best
            .weighted
            .saturating_sub(MISTAKE_COST * count(found.len()))
            .saturating_sub(MISSING_TERM_COST * count(missing.len()));

        let (fluency, fluency_detail, spoken) = match &answer.spoken {
            Some(words) => {
                let analysis = pronunciation::analyse(words, reference, language, &mut dp);
                let (fluency, detail) = fluency::spoken(
                    words,
                    analysis.rate_units,
                    analysis.fillers.clone(),
                    language,
                );
                (fluency, detail, Some(analysis))
            }
            None => {
                let (fluency, detail) = fluency::typed(
                    answer.response_time_ms,
                    prepared.norm.length(script),
                    reference.norm.length(script),
                    self.longest_reference,
                    language,
                );
                (fluency, detail, None)
            }
        };
        let fluency = u32::from(fluency);
        let overall = match &spoken {
            Some(s) => {
                let (a, p, f) = SPOKEN_WEIGHTS;
                (a * appropriateness + p * u32::from(s.pronunciation) + f * fluency) / 1000
            }
            None => {
                let (a, f) = TYPED_WEIGHTS;
                (a * appropriateness + f * fluency) / 1000
            }
        };
        let hint_penalty = HINT_PENALTY
            .get(usize::from(answer.hints_used))
            .copied()
            .unwrap_or(100);
        let matched = (best.similarity > 0).then(|| MatchedReference {
            kind: best.reference.kind,
            index: best.reference.index,
            text: reference.text.clone(),
            similarity_permille: best.similarity,
        });
        let pronunciation_detail = spoken.map(|s| (s.pronunciation, s.detail));
        let suggestions = suggestions::suggestions(&Feedback {
            mistakes: &found,
            missing_vocabulary: &missing,
            appropriateness,
            matched_kind: matched.as_ref().map(|m| m.kind),
            best_ideal: best_ideal.map(|r| r.prepared.text.as_str()),
            fluency: &fluency_detail,
            pronunciation: pronunciation_detail.as_ref().map(|(_, d)| d),
            rate_band: language.rate_band(),
            response_time_ms: answer.response_time_ms,
            hints_used: answer.hints_used,
        });
        Ok(Score {
            overall: percent(overall).saturating_sub(hint_penalty),
            appropriateness: percent(appropriateness),
            fluency: percent(fluency),
            pronunciation: pronunciation_detail
                .as_ref()
                .map(|(p, _)| percent(u32::from(*p))),
            matched,
            mistakes: found,
            missing_vocabulary: missing,
            suggestions,
            hint_penalty,
            fluency_detail,
            pronunciation_detail: pronunciation_detail.map(|(_, d)| d),
        })
    }

    /// The reference with the highest weighted similarity (ties: ideal before acceptable,
    /// lower index first), and the ideal response with the highest raw similarity.
    /// Also hands back the alignment scratch space.
    fn best_match(
        &self,
        answer: &Prepared,
    ) -> (Option<Best<'_>>, Option<&CompiledReference>, Vec<u32>) {
        let mut comparer = Comparer::new(answer, &self.units, self.language);
        let mut best: Option<Best<'_>> = None;
        let mut best_ideal: Option<(&CompiledReference, u16)> = None;
        for reference in &self.references {
            let sim = comparer.similarity(&reference.prepared, &reference.unit_ids);
            let weighted = match reference.kind {
                ReferenceKind::Ideal => u32::from(sim),
                ReferenceKind::Acceptable => u32::from(sim) * ACCEPTABLE_FACTOR_PERMILLE / 1000,
            };
            if best.as_ref().is_none_or(|b| weighted > b.weighted) {
                best = Some(Best {
                    reference,
                    similarity: sim,
                    weighted,
                });
            }
            if reference.kind == ReferenceKind::Ideal && best_ideal.is_none_or(|(_, s)| sim > s) {
                best_ideal = Some((reference, sim));
            }
        }
        (best, best_ideal.map(|(r, _)| r), comparer.into_scratch())
    }
}

fn require_words(norm: &Normalized, field: String) -> Result<(), ScoringError> {
    if norm.units.is_empty() {
        return Err(ScoringError::reference(field, "has no letters or digits"));
    }
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX).min(MAX_COUNTED)
}

/// Per mille to percent, rounding half up: `(permille + 5) / 10`.
fn percent(permille: u32) -> u8 {
    u8::try_from((permille.min(1000) + 5) / 10).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent(0), 0);
        assert_eq!(percent(994), 99);
        assert_eq!(percent(995), 100);
        assert_eq!(percent(1000), 100);
        assert_eq!(percent(5000), 100);
    }

    #[test]
    fn scorer_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Scorer>();
    }
}
