//! English contractions, expanded so that "I'd like" and "I would like" compare equal.
//!
//! Input words are already folded: lower case, apostrophes as U+0027. "'d" always expands
//! to "would" and "'s" to "is" (after the pronouns and question words listed below); the
//! rarer readings ("I'd been" = "I had been", "it's been" = "it has been") expand the same
//! way on both sides of a comparison, so they still match each other.

/// Whole words with irregular expansions.
const WHOLE: &[(&str, &[&str])] = &[
    ("can't", &["can", "not"]),
    ("cannot", &["can", "not"]),
    ("won't", &["will", "not"]),
    ("shan't", &["shall", "not"]),
    ("ain't", &["is", "not"]),
    ("let's", &["let", "us"]),
    ("y'all", &["you", "all"]),
];

/// Regular suffixes and what they stand for.
const SUFFIXES: &[(&str, &str)] = &[
    ("n't", "not"),
    ("'ll", "will"),
    ("'ve", "have"),
    ("'re", "are"),
    ("'m", "am"),
    ("'d", "would"),
];

/// Words whose "'s" means "is" (otherwise "'s" is a possessive and stays part of the word).
const IS_STEMS: &[&str] = &[
    "it",
    "that",
    "what",
    "where",
    "here",
    "there",
    "he",
    "she",
    "who",
    "how",
    "when",
    "why",
    "this",
    "everything",
    "nothing",
    "something",
    "everyone",
    "someone",
    "somebody",
];

/// Expands a folded English word if it is a contraction, e.g. "i'd" → ["i", "would"],
/// "don't" → ["do", "not"]; `None` when it is not one.
pub(crate) fn expand(word: &str) -> Option<Vec<String>> {
    if let Some((_, words)) = WHOLE.iter().find(|(w, _)| *w == word) {
        return Some(words.iter().map(|w| (*w).to_owned()).collect());
    }
    for (suffix, full) in SUFFIXES {
        if let Some(stem) = word.strip_suffix(suffix) {
            return regular(stem, full);
        }
    }
    let stem = word.strip_suffix("'s")?;
    IS_STEMS
        .contains(&stem)
        .then(|| vec![stem.to_owned(), "is".to_owned()])
}

fn regular(stem: &str, full: &str) -> Option<Vec<String>> {
    (!stem.is_empty() && !stem.contains('\'')).then(|| vec![stem.to_owned(), full.to_owned()])
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn joined(word: &str) -> Option<String> {
        expand(word).map(|w| w.join(" "))
    }

    #[test]
    fn expands_common_contractions() {
        assert_eq!(joined("i'd").as_deref(), Some("i would"));
        assert_eq!(joined("can't").as_deref(), Some("can not"));
        assert_eq!(joined("cannot").as_deref(), Some("can not"));
        assert_eq!(joined("i'm").as_deref(), Some("i am"));
        assert_eq!(joined("it's").as_deref(), Some("it is"));
        assert_eq!(joined("don't").as_deref(), Some("do not"));
        assert_eq!(joined("won't").as_deref(), Some("will not"));
        assert_eq!(joined("let's").as_deref(), Some("let us"));
        assert_eq!(joined("we'll").as_deref(), Some("we will"));
        assert_eq!(joined("you've").as_deref(), Some("you have"));
        assert_eq!(joined("they're").as_deref(), Some("they are"));
    }

    #[test]
    fn leaves_other_words_alone() {
        assert_eq!(expand("tom's"), None);
        assert_eq!(expand("coffee"), None);
        assert_eq!(expand("'d"), None);
    }
}
