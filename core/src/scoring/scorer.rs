//! The scorer: compiles a reference set once, then scores answers against it.

use super::error::ScoringError;
use super::fillers::FillerFilter;
use super::guards::{self, NON_ANSWER_CAP, NonAnswer};
use super::language::Language;
use super::meaning::{self, Concepts};
use super::mistakes::{self, PreparedMistake, PreparedTerm};
use super::normalize::{Normalized, normalize};
use super::similarity::{Comparer, Prepared, UnitTable};
use super::suggestions::{self, Feedback};
use super::{
    Answer, FoundMistake, MatchedReference, ReferenceKind, Score, ScoringReference, fluency,
    grammar, pronunciation, validate,
};
use studymate_protocol::unsigned::to_i32;

/// Points taken off the overall score (0–100) for the highest hint level used: index =
/// level (0 = no hint).
pub const HINT_PENALTY: [u8; 4] = [0, 5, 10, 20];

/// A match with an acceptable response counts this much (per mille) of an ideal match.
pub const ACCEPTABLE_FACTOR_PERMILLE: u32 = 850;

/// Per-mille cost of each common mistake found, counting at most [`MAX_COUNTED`].
const MISTAKE_COST: u32 = 50;
/// Each mistake found (catalog mistakes and grammar slips, at most [`MAX_MARKED`]) takes
/// this share (per mille) off the overall score: a teacher marks a correct answer with one
/// slip about 30 points below the same answer without it.
const MARK_DOWN: u32 = 300;
const MAX_MARKED: u32 = 2;
/// Per-mille cost of each missing key vocabulary item, counting at most [`MAX_COUNTED`].
const MISSING_TERM_COST: u32 = 50;
/// Fluency counts in full once the answer's appropriateness (after mistakes) reaches this
/// (per mille), and in proportion below it: fluent text that does not answer is not fluency.
const FLUENCY_GATE: u32 = 700;
/// In languages without the meaning lexicon, an answer whose weighted similarity to every
/// reference is below this (per mille) is off topic.
const OFF_TOPIC_BELOW: u32 = 150;
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
    /// Its content concepts (English; empty elsewhere).
    concepts: Concepts,
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
    /// Length of the shortest reference: an answer this long is long enough to be complete.
    shortest_reference: u32,
    /// English: every content concept of the references, the vocabulary and the prompt.
    pool: Vec<String>,
    /// English: the content concepts of each vocabulary item, in vocabulary order.
    term_concepts: Vec<Concepts>,
    /// The character's line, normalised; `None` when not given.
    prompt: Option<Prepared>,
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
                let concepts = concepts_of(&prepared.norm, language);
                references.push(CompiledReference {
                    kind,
                    index,
                    prepared,
                    unit_ids,
                    concepts,
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
        let shortest_reference = references
            .iter()
            .map(|r| r.prepared.norm.length(script))
            .min()
            .unwrap_or(0);
        let longest_reference = references
            .iter()
            .map(|r| r.prepared.norm.length(script))
            .max()
            .unwrap_or(0);
        let fillers = FillerFilter::new(language, references.iter().map(|r| &r.prepared.norm));
        let term_concepts: Vec<Concepts> = vocabulary
            .iter()
            .map(|t| concepts_of(&t.norm, language))
            .collect();
        let prompt =
            Some(Prepared::new(&reference.prompt, language)).filter(|p| !p.norm.units.is_empty());
        // The character's line belongs to the topic too ("Yes, it's my first time at the
        // meetup" answers "Is this your first time at the meetup?").
        let prompt_concepts = prompt
            .as_ref()
            .map(|p| concepts_of(&p.norm, language))
            .unwrap_or_default();
        let pool = meaning::pool(
            references
                .iter()
                .map(|r| &r.concepts)
                .chain(term_concepts.iter())
                .chain(std::iter::once(&prompt_concepts)),
        );
        Ok(Self {
            language,
            references,
            mistakes,
            vocabulary,
            fillers,
            units,
            longest_reference,
            shortest_reference,
            pool,
            term_concepts,
            prompt,
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
        let concepts = concepts_of(&prepared.norm, language);
        let (best, best_ideal, mut dp) = self.best_match(&prepared, &concepts);
        let best = best.ok_or_else(|| ScoringError::reference("ideal_responses", "is empty"))?;
        let reference = &best.reference.prepared;
        let (catalog_found, found_kinds) =
            mistakes::find_mistakes(&prepared, reference, &self.mistakes, language);
        let non_answer = self
            .non_answer(answer, &prepared, &concepts, &best)
            .filter(|reason| *reason != NonAnswer::OffTopic || catalog_found.is_empty());
        let slips = grammar::find(&answer.text, &prepared.norm, &reference.norm, language);
        let (register_found, register) =
            guards::register(&answer.text, &prepared.norm, &reference.norm, language);
        let mut found = catalog_found.clone();
        let mut slip_count = 0;
        for extra in slips.iter().chain(&register_found) {
            if !found.iter().any(|f| overlaps(f, extra)) {
                if slips.contains(extra) {
                    slip_count += 1;
                }
                found.push(extra.clone());
            }
        }
        found.sort_by_key(|f| (f.start, f.end));
        let mut missing = mistakes::missing_key_vocabulary(
            &prepared,
            reference,
            &self.vocabulary,
            &found_kinds,
            language,
        );
        // A key word said with a synonym or another form ("visited" for "went", "metro
        // station" for "subway station") is not missing.
        missing.retain(|term| {
            !self
                .vocabulary
                .iter()
                .zip(&self.term_concepts)
                .any(|(t, c)| {
                    &t.term == term
                        && !c.content.is_empty()
                        && c.shared(&concepts.content) == c.content.len()
                })
        });
        let appropriateness = best
            .weighted
            .saturating_sub(MISTAKE_COST * count(catalog_found.len()))
            .saturating_sub(MISSING_TERM_COST * count(missing.len()));
        let appropriateness = if non_answer.is_some() {
            appropriateness.min(NON_ANSWER_CAP)
        } else {
            appropriateness
        };
        // Fluency counts only as far as the answer answers.
        let gate = if non_answer.is_some() {
            0
        } else {
            (appropriateness * 1000 / FLUENCY_GATE).min(1000)
        };

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
                    reference.norm.length(script).min(self.shortest_reference),
                    self.longest_reference,
                    language,
                );
                (fluency, detail, None)
            }
        };
        let fluency = u32::from(fluency) * gate / 1000;
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
        let cap = match (non_answer, register) {
            (Some(_), _) => NON_ANSWER_CAP,
            (None, Some(level)) => level.cap(),
            (None, None) => 1000,
        };
        // Each mistake (catalog or grammar) marks the whole answer down.
        let marked = u32::try_from(catalog_found.len() + slip_count)
            .unwrap_or(u32::MAX)
            .min(MAX_MARKED);
        let overall = overall * (1000 - MARK_DOWN * marked) / 1000;
        let overall = overall.min(cap);
        let hint_penalty = HINT_PENALTY
            .get(usize::from(answer.hints_used))
            .copied()
            .unwrap_or(100);
        let matched = (best.similarity > 0).then(|| MatchedReference {
            kind: best.reference.kind,
            index: to_i32(best.reference.index),
            text: reference.text.clone(),
            similarity_permille: i32::from(best.similarity),
        });
        let pronunciation_detail = spoken.map(|s| (s.pronunciation, s.detail));
        let suggestions = suggestions::suggestions(&Feedback {
            non_answer,
            language,
            prompt: self.prompt.as_ref().map(|p| p.text.as_str()),
            overall,
            similarity: best.similarity,
            answer_length: prepared.norm.length(script),
            mistakes: &found,
            missing_vocabulary: &missing,
            matched_kind: matched.as_ref().map(|m| m.kind),
            best_ideal: best_ideal.map(|r| r.prepared.text.as_str()),
            fluency: &fluency_detail,
            pronunciation: pronunciation_detail.as_ref().map(|(_, d)| d),
            rate_band: language.rate_band(),
            response_time_ms: answer.response_time_ms,
            hints_used: answer.hints_used,
        });
        Ok(Score {
            overall: i32::from(percent(overall).saturating_sub(hint_penalty)),
            appropriateness: i32::from(percent(appropriateness)),
            fluency: i32::from(percent(fluency)),
            pronunciation: pronunciation_detail
                .as_ref()
                .map(|(p, _)| i32::from(percent(u32::from(*p)))),
            matched,
            mistakes: found,
            missing_vocabulary: missing,
            suggestions,
            hint_penalty: i32::from(hint_penalty),
            fluency_detail,
            pronunciation_detail: pronunciation_detail.map(|(_, d)| d),
        })
    }

    /// Why the answer is not an answer, if it is not: written in another language, empty
    /// once fillers are dropped, a copy of the character's line, or off topic (English: its
    /// topical concepts are all foreign to the variation; elsewhere: weighted similarity
    /// under [`OFF_TOPIC_BELOW`]). An answer equal to a reference is never a non-answer (nor
    /// is one in the script of its best reference), and an answer with one of the
    /// variation's catalog mistakes is an attempt, never off topic.
    fn non_answer(
        &self,
        answer: &Answer,
        prepared: &Prepared,
        concepts: &Concepts,
        best: &Best<'_>,
    ) -> Option<NonAnswer> {
        // An answer equal to a reference is an answer, whatever it looks like.
        if best.similarity >= 1000 {
            return None;
        }
        if guards::wrong_language(&answer.text, self.language)
            && !guards::wrong_language(&best.reference.prepared.text, self.language)
        {
            return Some(NonAnswer::WrongLanguage);
        }
        if prepared.norm.units.is_empty() {
            return Some(NonAnswer::Empty);
        }
        if self
            .prompt
            .as_ref()
            .is_some_and(|p| guards::copies(&prepared.norm, &p.norm, &best.reference.prepared.norm))
        {
            return Some(NonAnswer::Copy);
        }
        let off_topic = if self.language == Language::English {
            meaning::off_topic(concepts, &self.pool)
        } else {
            best.weighted < OFF_TOPIC_BELOW
        };
        off_topic.then_some(NonAnswer::OffTopic)
    }

    /// The reference with the highest weighted similarity (ties: ideal before acceptable,
    /// lower index first), and the ideal response with the highest raw similarity.
    /// Similarity is the larger of the wording similarity and (English) the meaning
    /// similarity. Also hands back the alignment scratch space.
    fn best_match(
        &self,
        answer: &Prepared,
        concepts: &Concepts,
    ) -> (Option<Best<'_>>, Option<&CompiledReference>, Vec<u32>) {
        let mut comparer = Comparer::new(answer, &self.units, self.language);
        let mut best: Option<Best<'_>> = None;
        let mut best_ideal: Option<(&CompiledReference, u16)> = None;
        for reference in &self.references {
            let wording = comparer.similarity(&reference.prepared, &reference.unit_ids);
            let sim = if self.language == Language::English {
                wording.max(meaning::similarity(
                    concepts,
                    &reference.concepts,
                    &self.pool,
                ))
            } else {
                wording
            };
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

/// English content concepts of a normalised text; empty in other languages.
fn concepts_of(norm: &Normalized, language: Language) -> Concepts {
    if language == Language::English {
        Concepts::of(norm)
    } else {
        Concepts::default()
    }
}

fn overlaps(a: &FoundMistake, b: &FoundMistake) -> bool {
    a.start < b.end && b.start < a.end
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
