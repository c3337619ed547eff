//! A small English lexicon for comparing meaning rather than wording: lemmas (irregular
//! forms and inflection suffixes), synonym groups, function words and negation.
//!
//! Hand-kept on purpose: it is a few kilobytes of static tables, deterministic on every
//! platform, and covers the words of practice situations; a general lemmatiser or thesaurus
//! (WordNet-sized data) would add megabytes to the mobile library for words learners of these
//! situations do not use. Every table is listed in docs/scoring.md.

/// Irregular inflected forms and their lemma.
const IRREGULAR: &[(&str, &str)] = &[
    ("am", "be"),
    ("are", "be"),
    ("is", "be"),
    ("was", "be"),
    ("were", "be"),
    ("been", "be"),
    ("being", "be"),
    ("has", "have"),
    ("had", "have"),
    ("does", "do"),
    ("did", "do"),
    ("done", "do"),
    ("went", "go"),
    ("gone", "go"),
    ("goes", "go"),
    ("bought", "buy"),
    ("left", "leave"),
    ("lost", "lose"),
    ("ate", "eat"),
    ("eaten", "eat"),
    ("got", "get"),
    ("gotten", "get"),
    ("took", "take"),
    ("taken", "take"),
    ("made", "make"),
    ("came", "come"),
    ("saw", "see"),
    ("seen", "see"),
    ("felt", "feel"),
    ("said", "say"),
    ("told", "tell"),
    ("thought", "think"),
    ("found", "find"),
    ("gave", "give"),
    ("given", "give"),
    ("paid", "pay"),
    ("sat", "sit"),
    ("met", "meet"),
    ("ran", "run"),
    ("drank", "drink"),
    ("children", "child"),
    ("kids", "child"),
    ("kid", "child"),
    ("people", "person"),
    ("men", "man"),
    ("women", "woman"),
    ("better", "good"),
    ("best", "good"),
    ("larger", "large"),
    ("bigger", "big"),
    ("smaller", "small"),
    ("cheaper", "cheap"),
    ("hotter", "hot"),
    ("colder", "cold"),
    ("nicer", "nice"),
    ("closer", "close"),
    ("faster", "fast"),
    ("easier", "easy"),
];

/// Words whose meaning the practice situations treat as the same, mapped to one
/// representative (after lemmatisation).
const SYNONYMS: &[(&str, &str)] = &[
    ("hello", "hi"),
    ("hey", "hi"),
    ("yeah", "yes"),
    ("yep", "yes"),
    ("sure", "yes"),
    ("great", "good"),
    ("nice", "good"),
    ("glad", "good"),
    ("pleased", "good"),
    ("pleasure", "good"),
    ("fine", "good"),
    ("well", "good"),
    ("okay", "good"),
    ("ok", "good"),
    ("thank", "thanks"),
    ("metro", "subway"),
    ("underground", "subway"),
    ("closest", "nearest"),
    ("browse", "look"),
    ("browsing", "look"),
    ("sticky", "humid"),
    ("muggid", "humid"),
    ("painkiller", "medicine"),
    ("pill", "medicine"),
    ("cellphone", "phone"),
    ("mobile", "phone"),
    ("cell", "phone"),
    ("quick", "fast"),
    ("quickly", "fast"),
    ("big", "large"),
    ("could", "can"),
    ("may", "can"),
    ("would", "will"),
    ("visit", "go"),
    ("stay", "go"),
    ("wrong", "mistake"),
    ("pass", "ticket"),
    ("passes", "ticket"),
    ("money", "refund"),
    ("damaged", "hole"),
    ("torn", "hole"),
    ("rip", "hole"),
    ("hurt", "headache"),
    ("ache", "headache"),
    ("grab", "get"),
    ("stroll", "walk"),
    ("awesome", "fun"),
    ("exciting", "fun"),
    ("enjoy", "fun"),
    ("train", "ktx"),
    ("cheap", "discount"),
];

/// Words that carry grammar rather than content: they count little when comparing meaning.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us",
    "them", "my", "your", "his", "its", "our", "their", "mine", "yours", "this", "that", "ours",
    "these", "those", "be", "have", "do", "will", "would", "shall", "can", "could", "may", "might",
    "must", "should", "to", "of", "in", "on", "at", "for", "with", "by", "from", "about", "as",
    "into", "and", "or", "but", "so", "if", "then", "than", "there", "here", "just", "really",
    "very", "actually", "also", "too", "some", "any", "what", "how", "where", "which", "who",
    "when", "why", "oh", "ah", "um", "uh", "let", "us", "all", "one", "right", "like", "get",
    "please",
];

/// Concepts any answer may use whatever the situation: greetings, thanks, yes and no. An
/// answer made of these only is short, not off topic.
const GENERIC: &[&str] = &[
    "hi", "good", "yes", "thanks", "sorry", "excuse", "bye", "not good",
];

/// Words that negate: "no onions" and "without onions" mean the same, and a word after a
/// negation is a different concept from the word alone.
const NEGATIONS: &[&str] = &["not", "no", "never", "nothing", "none", "nobody", "without"];

/// Auxiliaries whose negation ("do not", "can not", "will not") negates the whole sentence.
const AUXILIARIES: &[&str] = &[
    "do", "does", "did", "will", "would", "can", "could", "should",
];

/// The lemma of a folded English word: the irregular table, then the suffixes `-ies`,
/// `-es` (after s, x, z, ch, sh), `-s`, `-ed`, `-ing` (with a doubled final consonant undone
/// and a dropped `e` ignored), so "visited", "visits" and "visiting" all give "visit" and
/// "hiking", "hiked" and "hike" all give "hik".
pub(crate) fn lemma(word: &str) -> String {
    if let Some((_, base)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        // The base goes through the suffix rules too, so "left" and "leaves" agree.
        return lemma(base);
    }
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 3 || !chars.iter().all(char::is_ascii_alphabetic) {
        return word.to_owned();
    }
    let strip = |n: usize| -> Vec<char> { chars[..chars.len() - n].to_vec() };
    let mut stem = if word.ends_with("ies") && chars.len() > 4 {
        let mut s = strip(3);
        s.push('y');
        s
    } else if ["sses", "xes", "zes", "ches", "shes"]
        .iter()
        .any(|suffix| word.ends_with(suffix))
    {
        strip(2)
    } else if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        strip(1)
    } else if word.ends_with("ed") && chars.len() > 4 {
        strip(2)
    } else if word.ends_with("ing") && chars.len() > 5 {
        strip(3)
    } else {
        chars.clone()
    };
    if stem.len() > 3 && stem.last() == Some(&'e') {
        stem.pop();
    }
    if let [.., a, b] = stem.as_slice()
        && a == b
        && !"aeiouls".contains(*a)
    {
        stem.pop();
    }
    stem.into_iter().collect()
}

/// The concept of a folded word: its lemma, mapped to its synonym group's representative.
pub(crate) fn concept(word: &str) -> String {
    let lemma = lemma(word);
    SYNONYMS
        .iter()
        .find(|(form, _)| *form == word || *form == lemma)
        .map_or(lemma, |(_, representative)| self::lemma(representative))
}

/// Whether a folded word is a function word (or a form of one).
pub(crate) fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word) || FUNCTION_WORDS.contains(&lemma(word).as_str())
}

/// Whether a concept is generic (see [`GENERIC`]).
pub(crate) fn is_generic(concept: &str) -> bool {
    GENERIC.iter().any(|g| self::concept(g) == concept)
}

/// Whether a folded word negates.
pub(crate) fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

/// Whether a folded word is an auxiliary whose negation negates the sentence.
pub(crate) fn is_auxiliary(word: &str) -> bool {
    AUXILIARIES.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lemmas() {
        for (word, expected) in [
            ("visited", "visit"),
            ("visits", "visit"),
            ("visiting", "visit"),
            ("hiking", "hik"),
            ("hike", "hik"),
            ("hiked", "hik"),
            ("onions", "onion"),
            ("stopped", "stop"),
            ("went", "go"),
            ("left", "leav"),
            ("leaves", "leav"),
            ("dumplings", "dumpling"),
            ("adults", "adult"),
            ("bus", "bus"),
            ("glass", "glass"),
            ("watches", "watch"),
        ] {
            assert_eq!(lemma(word), expected, "{word}");
        }
    }

    #[test]
    fn concepts_follow_synonyms() {
        assert_eq!(concept("metro"), concept("subway"));
        assert_eq!(concept("visited"), concept("went"));
        assert_eq!(concept("stayed"), concept("go"));
        assert_eq!(concept("yeah"), concept("yes"));
        assert_ne!(concept("tea"), concept("coffee"));
        assert!(is_function_word("the") && is_function_word("was"));
        assert!(!is_function_word("americano"));
        assert!(is_negation("not") && !is_negation("note"));
        assert_eq!(concept("larger"), concept("big"));
    }
}
