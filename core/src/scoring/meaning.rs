//! Meaning similarity (English): answers are compared with references as sets of content
//! concepts — lemmas mapped through synonym groups, function words left out — so a correct
//! answer worded differently ("Where is the closest metro station?") is not judged by its
//! spelling. Negation is part of the meaning: the word after a negation is its own concept
//! ("no onions" is `not onion`, as is "without onions"), and an answer whose sentence is
//! negated ("I don't want …") where the reference's is not (or the other way round) keeps
//! half its meaning score. Meaning alone never proves the answer is the reference: it counts
//! at most [`MEANING_CAP`].

/// Highest meaning similarity (per mille): below an exact acceptable response (850), so a
/// reworded answer ranks under the catalog's own wording.
pub(crate) const MEANING_CAP: usize = 800;

use super::english;
use super::normalize::Normalized;

/// The content concepts of a text, sorted and deduplicated, and whether a sentence of it
/// is negated through an auxiliary ("do not", "can not").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Concepts {
    pub content: Vec<String>,
    pub negated: bool,
}

impl Concepts {
    /// The concepts of a normalised English text.
    pub(crate) fn of(norm: &Normalized) -> Self {
        let mut content = Vec::new();
        let mut negated = false;
        let mut pending_not = false;
        let mut previous = "";
        for unit in &norm.units {
            let word = unit.folded.as_str();
            if english::is_negation(word) {
                pending_not = true;
                negated |= word == "not" && english::is_auxiliary(previous);
            } else if !english::is_function_word(word) {
                let concept = english::concept(word);
                content.push(match (pending_not, concept.as_str()) {
                    // "Not bad" is good.
                    (true, "bad") => english::concept("good"),
                    (true, _) => format!("not {concept}"),
                    (false, _) => concept,
                });
                pending_not = false;
            }
            previous = word;
        }
        content.sort_unstable();
        content.dedup();
        Self { content, negated }
    }

    /// How many of `self`'s concepts `other` has.
    pub(crate) fn shared(&self, other: &[String]) -> usize {
        self.content
            .iter()
            .filter(|c| other.binary_search(c).is_ok())
            .count()
    }
}

/// Every concept of a variation's references and vocabulary, sorted: what an answer to it
/// may talk about.
pub(crate) fn pool<'a>(sets: impl Iterator<Item = &'a Concepts>) -> Vec<String> {
    let mut all: Vec<String> = sets.flat_map(|c| c.content.iter().cloned()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Meaning similarity of an answer to one reference, per mille:
/// `relevance × (550 + 350 × recall) / 1000`, capped at [`MEANING_CAP`], halved on a
/// negation mismatch; 0 when either side has no content. Recall is the share of the
/// reference's concepts the answer has; relevance is the share of the answer's concepts that
/// belong to the variation's `pool`, counted in full from one half on (a correct answer may
/// add its own details: "I visited my grandparents").
pub(crate) fn similarity(answer: &Concepts, reference: &Concepts, pool: &[String]) -> u16 {
    let (a, r) = (answer.content.len(), reference.content.len());
    if a == 0 || r == 0 {
        return 0;
    }
    let recall = reference.shared(&answer.content) * 1000 / r;
    let relevance = (answer.shared(pool) * 2000 / a).min(1000);
    let score = relevance * (550 + 350 * recall / 1000) / 1000;
    let score = if answer.negated == reference.negated {
        score
    } else {
        score / 2
    };
    u16::try_from(score.min(MEANING_CAP)).unwrap_or(0)
}

/// Whether an answer talks about something else: it has topical concepts (beyond greetings,
/// thanks, yes/no) and none of them is in the variation's `pool`.
pub(crate) fn off_topic(answer: &Concepts, pool: &[String]) -> bool {
    let mut topical = answer
        .content
        .iter()
        .filter(|c| !english::is_generic(c))
        .peekable();
    topical.peek().is_some() && topical.all(|c| pool.binary_search(c).is_err())
}

#[cfg(test)]
mod tests {
    use super::super::language::Language;
    use super::super::normalize::normalize;
    use super::*;

    fn concepts(text: &str) -> Concepts {
        Concepts::of(&normalize(text, Language::English))
    }

    #[test]
    fn paraphrase_shares_meaning() {
        let reference = concepts("How do I get to the nearest subway station?");
        let pool = pool([&reference].into_iter());
        let paraphrase = concepts("Where is the closest metro station?");
        assert_eq!(similarity(&paraphrase, &reference, &pool), 800);
        // One of three concepts, one new word of two: relevance full, recall 333: 550 + 116.
        let partial = concepts("Where is the Seomun station?");
        assert_eq!(similarity(&partial, &reference, &pool), 666);
        let other = concepts("I had kimchi stew for lunch.");
        assert_eq!(similarity(&other, &reference, &pool), 0);
        assert!(off_topic(&other, &pool));
        assert!(!off_topic(&concepts("Yes, thanks!"), &pool));
    }

    #[test]
    fn negation_changes_meaning() {
        let reference = concepts("I'd like an iced americano.");
        let pool = pool([&reference].into_iter());
        assert_eq!(
            similarity(&concepts("I want an iced americano"), &reference, &pool),
            800
        );
        assert_eq!(
            similarity(
                &concepts("I don't want an iced americano"),
                &reference,
                &pool
            ),
            450
        );
        assert_eq!(concepts("Not bad"), concepts("good"));
        let with = concepts("A burger with no onions");
        assert_eq!(with, concepts("A burger without onions"));
        assert!(!with.negated);
    }
}
