//! Guards: answers that are not answers (another language, a copy of the character's line,
//! nothing but fillers, off topic) and answers in the wrong register (insults, rude replies,
//! blunt commands). Non-answers score at most [`NON_ANSWER_CAP`]; a register hit is reported
//! as a mistake with a correction and caps the overall score (docs/scoring.md, "Guards").

use super::language::Language;
use super::normalize::{Normalized, Unit};
use super::{FoundMistake, span};

/// Highest overall score (per mille) of a non-answer.
pub(crate) const NON_ANSWER_CAP: u32 = 100;

/// Why an answer is not an answer, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonAnswer {
    /// Mostly written in another script than the variation's language.
    WrongLanguage,
    /// Nothing left once fillers are removed.
    Empty,
    /// The character's own line, repeated.
    Copy,
    /// Nothing in common with any reference of the variation.
    OffTopic,
}

/// How impolite a register hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Register {
    /// A command where a request is expected ("give me", "hurry up").
    Blunt,
    /// Dismissive or rude ("none of your business", "whatever").
    Rude,
    /// An insult.
    Insult,
}

impl Register {
    /// Highest overall score (per mille) of an answer with a hit of this level: below any
    /// polite, correct answer.
    pub(crate) fn cap(self) -> u32 {
        match self {
            Self::Blunt => 250,
            Self::Rude => 200,
            Self::Insult => 100,
        }
    }
}

struct RegisterRule {
    words: &'static [&'static str],
    level: Register,
    correction: &'static str,
    explanation: &'static str,
}

const fn rule(
    words: &'static [&'static str],
    level: Register,
    correction: &'static str,
    explanation: &'static str,
) -> RegisterRule {
    RegisterRule {
        words,
        level,
        correction,
        explanation,
    }
}

const INSULT: &str = "This is an insult: it is never acceptable in a conversation like this.";
const DISMISSIVE: &str = "This sounds rude and dismissive; answer the question politely.";
const COMMAND: &str =
    "This sounds like an order; a polite request uses \"Could I …, please?\" or \"Could you …?\".";

/// The English register lexicon, in folded words (contractions expanded: "don't" is
/// "do not"). Matched as whole-word runs, applied to every situation.
const REGISTER_EN: &[RegisterRule] = &[
    rule(&["idiot"], Register::Insult, "(leave it out)", INSULT),
    rule(&["stupid"], Register::Insult, "(leave it out)", INSULT),
    rule(&["dumb"], Register::Insult, "(leave it out)", INSULT),
    rule(&["garbage"], Register::Insult, "not right", INSULT),
    rule(&["trash"], Register::Insult, "not right", INSULT),
    rule(&["shut", "up"], Register::Insult, "(leave it out)", INSULT),
    rule(
        &["none", "of", "your", "business"],
        Register::Rude,
        "(answer the question)",
        DISMISSIVE,
    ),
    rule(
        &["mind", "your", "own", "business"],
        Register::Rude,
        "(answer the question)",
        DISMISSIVE,
    ),
    rule(
        &["why", "do", "you", "care"],
        Register::Rude,
        "(answer the question)",
        DISMISSIVE,
    ),
    rule(
        &["why", "do", "you", "want", "to", "know"],
        Register::Rude,
        "(answer the question)",
        DISMISSIVE,
    ),
    rule(
        &["leave", "me", "alone"],
        Register::Rude,
        "I'm just looking, thanks.",
        DISMISSIVE,
    ),
    rule(
        &["i", "do", "not", "need", "you"],
        Register::Rude,
        "I'm fine, thanks.",
        DISMISSIVE,
    ),
    rule(&["whatever"], Register::Rude, "(leave it out)", DISMISSIVE),
    rule(&["obviously"], Register::Rude, "(leave it out)", DISMISSIVE),
    rule(
        &["your", "problem"],
        Register::Rude,
        "(make a suggestion)",
        DISMISSIVE,
    ),
    rule(
        &["stop", "complaining"],
        Register::Rude,
        "(leave it out)",
        DISMISSIVE,
    ),
    rule(
        &["do", "not", "talk"],
        Register::Rude,
        "(leave it out)",
        DISMISSIVE,
    ),
    rule(
        &["give", "me"],
        Register::Blunt,
        "Could I have …, please?",
        COMMAND,
    ),
    rule(
        &["tell", "me"],
        Register::Blunt,
        "Could you tell me …?",
        COMMAND,
    ),
    rule(
        &["hurry", "up"],
        Register::Blunt,
        "Could you hurry a little, please?",
        COMMAND,
    ),
    rule(
        &["be", "quick"],
        Register::Blunt,
        "Could you hurry a little, please?",
        COMMAND,
    ),
    rule(
        &["drive", "fast"],
        Register::Blunt,
        "Could you hurry a little, please?",
        COMMAND,
    ),
    rule(
        &["find", "it"],
        Register::Blunt,
        "Could you help me find it?",
        COMMAND,
    ),
    rule(
        &["take", "it", "back"],
        Register::Blunt,
        "Could you take it back, please?",
        COMMAND,
    ),
];

/// Words before a command that make it a question or a request ("could you tell me").
const SOFTENERS: &[&str] = &["you", "please", "could", "can", "would"];

/// Register hits in an answer (English only): mistakes with a correction and an explanation,
/// and the most impolite level found. A command right after "you", "please", "could", "can"
/// or "would" is a request, not a hit, and wording the best-matching `reference` itself uses
/// is never a hit.
pub(crate) fn register(
    text: &str,
    norm: &Normalized,
    reference: &Normalized,
    language: Language,
) -> (Vec<FoundMistake>, Option<Register>) {
    let mut found = Vec::new();
    let mut worst = None;
    if language != Language::English {
        return (found, worst);
    }
    let units = &norm.units;
    for rule in REGISTER_EN {
        if !runs(&reference.units, rule.words).is_empty() {
            continue;
        }
        for start in runs(units, rule.words) {
            if rule.level == Register::Blunt
                && start > 0
                && units[start.saturating_sub(2)..start]
                    .iter()
                    .any(|u| SOFTENERS.contains(&u.folded.as_str()))
            {
                continue;
            }
            let end = start + rule.words.len() - 1;
            let (Some(first), Some(last)) = (units.get(start), units.get(end)) else {
                continue;
            };
            found.push(FoundMistake::at(
                text,
                first.start,
                last.end,
                rule.correction,
                rule.explanation,
            ));
            worst = worst.max(Some(rule.level));
        }
    }
    // "Now." on its own is a demand.
    for unit in units.iter().filter(|u| u.folded == "now") {
        let before = span::slice_chars(text, 0, unit.start);
        let after: String = text.chars().skip(unit.end as usize).collect();
        let starts_sentence =
            before.trim_end().is_empty() || before.trim_end().ends_with(['.', '!', '?']);
        let ends_sentence = after.trim().is_empty() || after.trim_start().starts_with(['.', '!']);
        if starts_sentence && ends_sentence {
            found.push(FoundMistake::at(
                text,
                unit.start,
                unit.end,
                "(leave it out)",
                COMMAND,
            ));
            worst = worst.max(Some(Register::Blunt));
        }
    }
    found.sort_by_key(|f| (f.start, f.end));
    (found, worst)
}

/// Start indices of the non-overlapping runs of `units` equal to `words`.
pub(crate) fn runs(units: &[Unit], words: &[&str]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while !words.is_empty() && i + words.len() <= units.len() {
        if units[i..i + words.len()]
            .iter()
            .zip(words)
            .all(|(u, w)| u.folded == *w)
        {
            out.push(i);
            i += words.len();
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `text` is mostly written in another script than `language` expects: fewer than
/// half of its letters are in the expected script. Only for languages with a known script
/// (English, Spanish, French: Latin; Korean: Hangul; Chinese: Han; Japanese: kana or Han).
pub(crate) fn wrong_language(text: &str, language: Language) -> bool {
    let expected: fn(char) -> bool = match language {
        Language::English | Language::Spanish | Language::French => is_latin,
        Language::Korean => is_hangul,
        Language::Chinese => is_han,
        Language::Japanese => |c| is_kana(c) || is_han(c),
        Language::Other => return false,
    };
    let (mut letters, mut in_script) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if expected(c) {
            in_script += 1;
        }
    }
    letters > 0 && in_script * 2 < letters
}

/// The language's name for advice ("Answer in English."); `None` for unknown languages.
pub(crate) fn language_name(language: Language) -> Option<&'static str> {
    match language {
        Language::English => Some("English"),
        Language::Korean => Some("Korean"),
        Language::Chinese => Some("Chinese"),
        Language::Japanese => Some("Japanese"),
        Language::Spanish => Some("Spanish"),
        Language::French => Some("French"),
        Language::Other => None,
    }
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c)
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
        || ('\u{1100}'..='\u{11FF}').contains(&c)
        || ('\u{3130}'..='\u{318F}').contains(&c)
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

fn is_kana(c: char) -> bool {
    ('\u{3040}'..='\u{30FF}').contains(&c) || ('\u{FF66}'..='\u{FF9D}').contains(&c)
}

/// Whether the answer repeats the character's line rather than answering it: at least 3
/// words, at least 90 % of them in the line, at least 70 % of the line's words in the answer,
/// and more of its words in the line than in the best-matching `reference` (confirming
/// directions repeats them, and that is the answer).
pub(crate) fn copies(answer: &Normalized, prompt: &Normalized, reference: &Normalized) -> bool {
    let (a, p) = (&answer.units, &prompt.units);
    if a.len() < 3 || p.is_empty() {
        return false;
    }
    let contains = |set: &[Unit], u: &Unit| set.iter().any(|x| x.folded == u.folded);
    let from_prompt = a.iter().filter(|u| contains(p, u)).count();
    let from_reference = a.iter().filter(|u| contains(&reference.units, u)).count();
    let of_prompt = p.iter().filter(|u| contains(a, u)).count();
    from_prompt * 10 >= a.len() * 9 && of_prompt * 10 >= p.len() * 7 && from_prompt > from_reference
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn levels(text: &str) -> Option<Register> {
        let en = Language::English;
        register(text, &normalize(text, en), &normalize("Hello", en), en).1
    }

    #[test]
    fn register_levels() {
        assert_eq!(
            levels("Can I get an iced americano, you idiot?"),
            Some(Register::Insult)
        );
        assert_eq!(levels("None of your business."), Some(Register::Rude));
        assert_eq!(levels("Give me a Coke. Be quick."), Some(Register::Blunt));
        assert_eq!(levels("Seoul. Window seat. Now."), Some(Register::Blunt));
        assert_eq!(levels("Not right now, thanks."), None);
        assert_eq!(levels("Could you tell me where the station is?"), None);
        assert_eq!(levels("Can you give me a hand?"), None);
        assert_eq!(levels("I'm just looking, thanks."), None);
        let en = Language::English;
        let text = "Tell me more!";
        assert_eq!(
            register(text, &normalize(text, en), &normalize(text, en), en).1,
            None
        );
    }

    #[test]
    fn register_spans() {
        let text = "Yeah. Give me a Coke.";
        let en = Language::English;
        let (found, _) = register(text, &normalize(text, en), &normalize("A Coke", en), en);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].start, found[0].end, found[0].found.as_str()),
            (6, 13, "Give me")
        );
    }

    #[test]
    fn scripts() {
        assert!(wrong_language(
            "네, 지하철역이 어디예요?",
            Language::English
        ));
        assert!(!wrong_language("Is it near 동성로?", Language::English));
        assert!(wrong_language("Where is the station?", Language::Korean));
        assert!(!wrong_language("I am fine", Language::Other));
        assert!(!wrong_language("?!", Language::English));
    }

    #[test]
    fn copy_of_the_line() {
        let en = Language::English;
        let prompt = normalize("Hi, how can I help you?", en);
        let reference = normalize("I'd like a refund, please.", en);
        let copy = |text: &str| copies(&normalize(text, en), &prompt, &reference);
        assert!(copy("Hi, how can I help you?"));
        assert!(!copy("Hi, I'd like a refund, please."));
        assert!(!copy("Hi you"));
        // Confirming directions repeats them: closer to the reference than to the line.
        let line = normalize("Turn left at the bank.", en);
        let confirm = normalize("Turn left at the bank?", en);
        assert!(!copies(&confirm, &line, &confirm));
    }
}
