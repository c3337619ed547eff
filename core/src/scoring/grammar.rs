//! Grammar slips Korean learners of English make most, found by small word-pattern rules on
//! the normalised answer (contractions expanded) and reported as mistakes with the span in the
//! original text, a correction and a reason: a/an, a missing article, a missing *be*, *be* +
//! a base verb, a modal or *to* + *-ing*, subject–verb agreement, a plural after a number,
//! *from* for *since*, a present verb with a past time, over-regular past forms, *more* + a
//! comparative, and the passive of verbs that have none. English only. A hit whose words the
//! best-matching reference itself contains is not a slip for this answer.

use super::english;
use super::language::Language;
use super::normalize::{Normalized, Unit};
use super::{FoundMistake, span};

/// Past forms learners build by rule, and the real ones.
const OVERREGULAR: &[(&str, &str)] = &[
    ("eated", "ate"),
    ("buyed", "bought"),
    ("goed", "went"),
    ("runned", "ran"),
    ("taked", "took"),
    ("maked", "made"),
    ("teached", "taught"),
    ("catched", "caught"),
    ("drinked", "drank"),
    ("losed", "lost"),
    ("leaved", "left"),
    ("sitted", "sat"),
    ("payed", "paid"),
    ("telled", "told"),
    ("thinked", "thought"),
    ("bringed", "brought"),
    ("writed", "wrote"),
    ("meeted", "met"),
    ("comed", "came"),
    ("gived", "gave"),
    ("feeled", "felt"),
    ("finded", "found"),
    ("speaked", "spoke"),
    ("hurted", "hurt"),
    ("sleeped", "slept"),
    ("keeped", "kept"),
    ("knowed", "knew"),
    ("falled", "fell"),
    ("getted", "got"),
    ("forgetted", "forgot"),
];

/// Base verbs the rules recognise, with their past form.
const VERBS: &[(&str, &str)] = &[
    ("go", "went"),
    ("come", "came"),
    ("live", "lived"),
    ("leave", "left"),
    ("order", "ordered"),
    ("look", "looked"),
    ("want", "wanted"),
    ("need", "needed"),
    ("agree", "agreed"),
    ("eat", "ate"),
    ("buy", "bought"),
    ("work", "worked"),
    ("study", "studied"),
    ("know", "knew"),
    ("lose", "lost"),
    ("use", "used"),
    ("take", "took"),
    ("make", "made"),
    ("see", "saw"),
    ("watch", "watched"),
    ("walk", "walked"),
    ("stay", "stayed"),
    ("visit", "visited"),
    ("play", "played"),
    ("call", "called"),
    ("wait", "waited"),
    ("try", "tried"),
    ("return", "returned"),
    ("meet", "met"),
    ("get", "got"),
    ("hike", "hiked"),
    ("arrive", "arrived"),
    ("forget", "forgot"),
];

/// Singular countable nouns the article and plural rules recognise.
const COUNTABLE: &[&str] = &[
    "ticket",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "stop",
    "adult",
    "child",
    "person",
    "friend",
    "game",
    "station",
    "coke",
    "dollar",
    "bag",
    "cup",
    "coffee",
    "americano",
    "burger",
    "cheeseburger",
    "sandwich",
    "bottle",
    "room",
    "night",
    "seat",
    "kid",
    "dumpling",
    "headache",
    "hole",
    "discount",
    "problem",
    "question",
    "reservation",
    "window",
    "receipt",
    "fever",
    "cough",
    "mistake",
    "umbrella",
    "appointment",
    "map",
    "refund",
    "table",
    "student",
    "sweater",
    "phone",
    "salad",
];

/// Adjectives that need *be* after a pronoun ("I very happy" → "I'm very happy").
const ADJECTIVES: &[&str] = &[
    "happy", "hungry", "tired", "sick", "busy", "sorry", "ready", "nervous", "late", "hot", "cold",
    "full", "free", "sure", "glad", "excited", "okay", "fine", "good",
];

/// Words that may stand between a subject and its verb or adjective.
const ADVERBS: &[&str] = &[
    "very", "so", "really", "just", "too", "still", "also", "always",
];

/// Verbs that have no passive: "was died" is "died".
const NO_PASSIVE: &[(&str, &str)] = &[
    ("died", "died"),
    ("happened", "happened"),
    ("occurred", "occurred"),
    ("arrived", "arrived"),
    ("disappeared", "disappeared"),
    ("collapsed", "collapsed"),
    ("fallen", "fell"),
];

/// Comparatives that take no *more*.
const COMPARATIVES: &[&str] = &[
    "hotter", "colder", "bigger", "smaller", "cheaper", "easier", "faster", "slower", "better",
    "worse", "nicer", "larger", "higher", "longer", "shorter", "busier", "happier", "warmer",
    "cooler", "closer", "older", "younger",
];

/// Superlatives, which take *the*, not *a*.
const SUPERLATIVES: &[&str] = &[
    "nearest", "closest", "best", "biggest", "cheapest", "fastest",
];

/// Words ending in -ing that are base forms or nouns, not participles.
const NOT_PARTICIPLES: &[&str] = &[
    "bring",
    "sing",
    "ring",
    "thing",
    "king",
    "wing",
    "spring",
    "string",
    "swing",
    "morning",
    "evening",
    "something",
    "anything",
    "nothing",
    "everything",
    "building",
    "ceiling",
    "during",
    "meeting",
    "wedding",
    "sting",
    "ending",
];

/// Words that make the next noun phrase definite or counted, so no article is missing.
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "some",
    "any", "no", "one", "two", "three", "another", "every", "each",
];

const NUMBERS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "hundred",
];

const MODALS: &[&str] = &[
    "will", "would", "can", "could", "should", "must", "may", "might", "shall",
];
const PAST_TIMES: &[&str] = &["yesterday", "ago", "last"];
const SUBJECTS: &[&str] = &["i", "you", "he", "she", "it", "we", "they"];

const WHY_A_AN: &str = "Use \"an\" before a vowel sound and \"a\" before a consonant sound.";
const WHY_THE_SUPERLATIVE: &str = "A superlative (nearest, best …) takes \"the\", not \"a\".";
const WHY_ARTICLE: &str = "A single countable thing needs \"a\" (or \"the\") in English, \
     even though Korean has no articles.";
const WHY_THE_TRANSPORT: &str =
    "Say \"on the bus\" / \"on the subway\": the vehicle needs \"the\".";
const WHY_MODAL: &str = "After will, can, could, should and other modals, use the base form \
     of the verb, not the -ing form.";
const WHY_TO: &str = "After \"to\" (want to, like to, need to), use the base form of the verb.";
const WHY_LETS: &str = "\"Let's\" is followed by the base form: \"Let's go\".";
const WHY_WANT_TO: &str = "\"Want\" and \"need\" take \"to\" before another verb: \"want to go\".";
const WHY_BE_BASE: &str = "Don't put \"be\" before a base verb: use the simple verb, or \"be\" \
     with the -ing form for something happening now.";
const WHY_BE_PAST: &str = "\"Lost\", \"bought\" … already say it happened: drop \"am/is/are\".";
const WHY_MISSING_BE: &str = "English needs \"be\" (am, is, are) before an adjective or an \
     -ing verb: \"I'm happy\", \"I'm looking\".";
const WHY_AGREEMENT: &str = "The verb must agree with its subject: I/you/we/they have, \
     he/she/it has.";
const WHY_PLURAL: &str = "After a number above one, the noun is plural.";
const WHY_SINCE: &str = "For something that started in the past and still goes on, English \
     uses \"since\" (not \"from\"), usually with \"have\": \"I've had a headache since \
     yesterday\".";
const WHY_PAST: &str = "With a past time (yesterday, last week, … ago), use the past tense.";
const WHY_OVERREGULAR: &str = "This verb is irregular: its past form doesn't end in -ed.";
const WHY_NO_PASSIVE: &str = "This verb has no passive form: it happens by itself, so say \
     \"died\" / \"has collapsed\", not \"was died\" / \"is collapsed\".";
const WHY_MORE: &str = "A short adjective's comparative already means \"more\": say \"hotter\", \
     not \"more hotter\".";

/// The slips found in `norm` (the normalised `text`), in order of position, none
/// overlapping another. `reference` is the best-matching reference: a hit whose folded words
/// it contains in a row is skipped.
pub(crate) fn find(
    text: &str,
    norm: &Normalized,
    reference: &Normalized,
    language: Language,
) -> Vec<FoundMistake> {
    if language != Language::English {
        return Vec::new();
    }
    let units = &norm.units;
    let sentence = sentences(text, units);
    let same_sentence = |a: usize, b: usize| match (units.get(a), units.get(b)) {
        (Some(x), Some(y)) => sentence(x) == sentence(y),
        _ => true,
    };
    let mut hits: Vec<(usize, usize, String, &'static str)> = Vec::new();
    let word = |i: usize| units.get(i).map_or("", |u| u.folded.as_str());
    let original = |i: usize| {
        units
            .get(i)
            .map_or(String::new(), |u| span::slice_chars(text, u.start, u.end))
    };
    for i in 0..units.len() {
        let (w, next, after) = (word(i), word(i + 1), word(i + 2));
        let prev = if i > 0 { word(i - 1) } else { "" };
        // a/an, and a superlative after "a".
        if w == "a" && SUPERLATIVES.contains(&next) {
            hits.push((i, i + 1, format!("the {next}"), WHY_THE_SUPERLATIVE));
        } else if w == "a" && starts_with_vowel_sound(next) {
            hits.push((i, i + 1, format!("an {}", original(i + 1)), WHY_A_AN));
        } else if w == "an" && !next.is_empty() && !starts_with_vowel_sound(next) {
            hits.push((i, i + 1, format!("a {}", original(i + 1)), WHY_A_AN));
        }
        // A missing article after have/want/need, "there is", "is there".
        let takes_object = matches!(w, "have" | "has" | "want" | "need")
            || (w == "is" && (prev == "there" || next == "there"));
        let object = if w == "is" && next == "there" {
            i + 2
        } else {
            i + 1
        };
        if takes_object
            && COUNTABLE.contains(&word(object))
            && !DETERMINERS.contains(&prev)
            && !(w == "have" && SUBJECTS.contains(&word(object)))
        {
            let noun = word(object);
            let article = if starts_with_vowel_sound(noun) {
                "an"
            } else {
                "a"
            };
            let head = if object == i + 2 { "is there" } else { w };
            hits.push((
                i,
                object,
                format!("{head} {article} {}", original(object)),
                WHY_ARTICLE,
            ));
        }
        // "on bus" → "on the bus".
        if matches!(w, "on" | "in")
            && matches!(next, "bus" | "subway" | "train")
            && !after.starts_with(|c: char| c.is_ascii_digit())
        {
            hits.push((i, i + 1, format!("{w} the {next}"), WHY_THE_TRANSPORT));
        }
        // Modal, "to" or "let's" + -ing.
        // A capitalised word inside a sentence is a name ("to Thanksgiving").
        let named = original(i + 1).starts_with(char::is_uppercase) && same_sentence(i, i + 1);
        if is_participle(next) && !named {
            let base = base_of_participle(next);
            if MODALS.contains(&w) {
                hits.push((i, i + 1, format!("{w} {base}"), WHY_MODAL));
            } else if w == "to" && !matches!(prev, "forward" | "used" | "addition" | "close") {
                hits.push((i, i + 1, format!("to {base}"), WHY_TO));
            } else if w == "us" && prev == "let" {
                hits.push((i - 1, i + 1, format!("let's {base}"), WHY_LETS));
            }
        }
        // "want go" → "want to go".
        if matches!(w, "want" | "wants" | "need" | "needs") && verb(next).is_some() {
            hits.push((i, i + 1, format!("{w} to {next}"), WHY_WANT_TO));
        }
        // be + past form + object: "I am lost my phone" → "I lost my phone".
        if is_present_be(w)
            && english::lemma(next) != next
            && VERBS.iter().any(|(_, past)| *past == next)
            && DETERMINERS.contains(&after)
        {
            let start = if SUBJECTS.contains(&prev) { i - 1 } else { i };
            let subject = if start < i {
                format!("{} ", original(start))
            } else {
                String::new()
            };
            hits.push((start, i + 1, format!("{subject}{next}"), WHY_BE_PAST));
        } else if is_be(w) {
            // be (+ adverb) + base verb: "is leave" → "is leaving", "was order" → "ordered".
            let (adverb, v) = if ADVERBS.contains(&next) {
                (Some(next), i + 2)
            } else {
                (None, i + 1)
            };
            if let Some((base, past)) = verb(word(v))
                && !(base == "like" || word(v + 1) == "to" && base == "use")
            {
                let start = if SUBJECTS.contains(&prev) { i - 1 } else { i };
                let subject = if start < i {
                    format!("{} ", original(start))
                } else {
                    String::new()
                };
                let adverb = adverb.map(|a| format!("{a} ")).unwrap_or_default();
                let correction = if matches!(w, "was" | "were") {
                    format!("{subject}{adverb}{past}")
                } else {
                    let simple = if matches!(prev, "i" | "you" | "we" | "they") {
                        base.to_owned()
                    } else {
                        third_person(base)
                    };
                    format!(
                        "{subject}{adverb}{simple} / {subject}{w} {adverb}{}",
                        participle_of(base)
                    )
                };
                hits.push((start, v, correction, WHY_BE_BASE));
            }
        }
        // A missing be: pronoun (+ adverb) + adjective or -ing, in one sentence.
        if SUBJECTS.contains(&w) && !is_after_auxiliary(prev) {
            let v = if ADVERBS.contains(&next) {
                i + 2
            } else {
                i + 1
            };
            let target = word(v);
            if (ADJECTIVES.contains(&target) && target != "fine" || is_participle(target))
                && same_sentence(i, v)
            {
                let words: Vec<String> = (i + 1..=v).map(&original).collect();
                let be = match w {
                    "i" => "'m",
                    "he" | "she" | "it" => "'s",
                    _ => "'re",
                };
                hits.push((
                    i,
                    v,
                    format!("{}{be} {}", original(i), words.join(" ")),
                    WHY_MISSING_BE,
                ));
            }
        }
        // Agreement.
        if !is_after_auxiliary(prev) {
            let fix = match (w, next) {
                ("he" | "she" | "it", "have") => Some("has"),
                ("he" | "she" | "it", "do") => Some("does"),
                ("he" | "she" | "it", "go") => Some("goes"),
                ("he" | "she" | "it", "want") => Some("wants"),
                ("he" | "she" | "it", "need") => Some("needs"),
                ("i" | "you" | "we" | "they", "has") => Some("have"),
                ("i" | "you" | "we" | "they", "does") => Some("do"),
                ("i", "is" | "are") => Some("am"),
                ("we" | "they" | "you", "is" | "am") => Some("are"),
                ("we" | "they" | "you", "was") => Some("were"),
                _ => None,
            };
            if let Some(fix) = fix {
                hits.push((i, i + 1, format!("{} {fix}", original(i)), WHY_AGREEMENT));
            }
        }
        // A plural after a number ("twenty minute"), not in a compound ("five-minute walk").
        if NUMBERS.contains(&w)
            && COUNTABLE.contains(&next)
            && !COUNTABLE.contains(&english::lemma(after).as_str())
            && !hyphenated(text, units, i)
        {
            hits.push((
                i,
                i + 1,
                format!("{} {}", original(i), plural(&original(i + 1))),
                WHY_PLURAL,
            ));
        }
        // "from yesterday" → "since yesterday" (unless a range: "from … to/until").
        if w == "from"
            && (matches!(next, "yesterday" | "last") || next == "this" && after == "morning")
            && !units[i..]
                .iter()
                .take_while(|u| sentence(u) == sentence(&units[i]))
                .any(|u| matches!(u.folded.as_str(), "to" | "until" | "till"))
        {
            hits.push((i, i, format!("since {}", original(i + 1)), WHY_SINCE));
        }
        // A present verb after I/we/… in a sentence with a past time.
        if SUBJECTS.contains(&w)
            && !is_after_auxiliary(prev)
            && let Some((_, past)) = verb(next)
            && units
                .iter()
                .filter(|u| sentence(u) == sentence(&units[i]))
                .any(|u| PAST_TIMES.contains(&u.folded.as_str()))
        {
            hits.push((i, i + 1, format!("{} {past}", original(i)), WHY_PAST));
        }
        if let Some((_, past)) = OVERREGULAR.iter().find(|(wrong, _)| *wrong == w) {
            hits.push((i, i, (*past).to_owned(), WHY_OVERREGULAR));
        }
        if is_be(w)
            && let Some((_, fixed)) = NO_PASSIVE.iter().find(|(form, _)| *form == next)
        {
            let fix = if matches!(w, "was" | "were") {
                (*fixed).to_owned()
            } else if *fixed == "fell" {
                "has fallen".to_owned()
            } else {
                format!("has {next}")
            };
            hits.push((i, i + 1, fix, WHY_NO_PASSIVE));
        }
        if w == "more" && COMPARATIVES.contains(&next) {
            hits.push((i, i + 1, next.to_owned(), WHY_MORE));
        }
    }
    let mut found: Vec<FoundMistake> = Vec::new();
    for (first, last, correction, reason) in hits {
        let (Some(a), Some(b)) = (units.get(first), units.get(last)) else {
            continue;
        };
        let words: Vec<&str> = (first..=last).map(word).collect();
        if contains_run(reference, &words) {
            continue;
        }
        let slip = FoundMistake::at(text, a.start, b.end, &correction, reason);
        if !found
            .iter()
            .any(|f| f.start < slip.end && slip.start < f.end)
        {
            found.push(slip);
        }
    }
    found.sort_by_key(|f| (f.start, f.end));
    found
}

/// Sentence number of each unit: a new sentence starts after `.`, `!` or `?` in the text
/// between two units.
fn sentences<'a>(text: &'a str, units: &'a [Unit]) -> impl Fn(&Unit) -> usize + 'a {
    let mut starts = Vec::new();
    for pair in units.windows(2) {
        let between = span::slice_chars(text, pair[0].end, pair[1].start);
        if between.contains(['.', '!', '?']) {
            starts.push(pair[1].start);
        }
    }
    move |u: &Unit| starts.iter().filter(|&&s| s <= u.start).count()
}

fn hyphenated(text: &str, units: &[Unit], i: usize) -> bool {
    match (units.get(i), units.get(i + 1)) {
        (Some(a), Some(b)) => span::slice_chars(text, a.end, b.start).contains('-'),
        _ => false,
    }
}

fn contains_run(norm: &Normalized, words: &[&str]) -> bool {
    !words.is_empty()
        && norm
            .units
            .windows(words.len())
            .any(|w| w.iter().zip(words).all(|(u, x)| u.folded == *x))
}

fn is_be(w: &str) -> bool {
    matches!(w, "am" | "is" | "are" | "was" | "were")
}

fn is_present_be(w: &str) -> bool {
    matches!(w, "am" | "is" | "are")
}

/// Words after which a bare pronoun + verb is a question or an object, not a subject
/// needing agreement ("does it have", "let it go", "make them go").
fn is_after_auxiliary(prev: &str) -> bool {
    matches!(
        prev,
        "do" | "does"
            | "did"
            | "let"
            | "make"
            | "to"
            | "not"
            | "help"
            | "will"
            | "would"
            | "can"
            | "could"
            | "should"
            | "must"
            | "may"
            | "might"
            | "is"
            | "am"
            | "are"
            | "was"
            | "were"
            | "have"
            | "has"
            | "had"
            | "than"
            | "thank"
            | "see"
            | "and"
            | "when"
    )
}

fn verb(word: &str) -> Option<(&'static str, &'static str)> {
    VERBS.iter().find(|(base, _)| *base == word).copied()
}

fn is_participle(word: &str) -> bool {
    word.len() > 4 && word.ends_with("ing") && !NOT_PARTICIPLES.contains(&word)
}

/// The base form of an -ing word: "having" → "have", "sitting" → "sit", "going" → "go".
fn base_of_participle(word: &str) -> String {
    let stem: Vec<char> = word.trim_end_matches("ing").chars().collect();
    let mut base = stem.clone();
    if let [.., a, b] = stem.as_slice()
        && a == b
        && !"aeiouls".contains(*a)
    {
        base.pop();
        return base.into_iter().collect();
    }
    let vowel = |c: &char| "aeiou".contains(*c);
    let needs_e = match stem.as_slice() {
        [.., 'v'] => true,
        [.., c1, v, c2] if stem.len() <= 4 => {
            !vowel(c1)
                && vowel(v)
                && !vowel(c2)
                && !"wxy".contains(*c2)
                && stem != ['o', 'p', 'e', 'n']
        }
        _ => false,
    };
    if needs_e {
        base.push('e');
    }
    base.into_iter().collect()
}

/// The -ing form of a base verb.
fn participle_of(base: &str) -> String {
    match base {
        "get" => "getting".to_owned(),
        "forget" => "forgetting".to_owned(),
        "see" | "agree" => format!("{base}ing"),
        _ => match base.strip_suffix('e') {
            Some(stem) => format!("{stem}ing"),
            None => format!("{base}ing"),
        },
    }
}

/// The third-person singular present of a base verb: "leave" → "leaves", "go" → "goes".
fn third_person(base: &str) -> String {
    match base {
        "go" | "do" | "watch" => format!("{base}es"),
        "study" | "try" => format!("{}ies", base.trim_end_matches('y')),
        _ => format!("{base}s"),
    }
}

fn plural(noun: &str) -> String {
    match noun.to_lowercase().as_str() {
        "child" => "children".to_owned(),
        "person" => "people".to_owned(),
        lower if lower.ends_with("ch") || lower.ends_with("sh") || lower.ends_with('s') => {
            format!("{noun}es")
        }
        _ => format!("{noun}s"),
    }
}

/// Whether a folded word starts with a vowel sound, by its spelling with the common
/// exceptions ("hour", "honest" do; "one", "uni…", "use…", "eu…" don't).
fn starts_with_vowel_sound(word: &str) -> bool {
    const SILENT_H: [&str; 4] = ["hour", "honest", "honour", "honor"];
    const YOO: [&str; 6] = ["uni", "use", "usu", "eu", "one", "once"];
    if SILENT_H.iter().any(|p| word.starts_with(p)) {
        return true;
    }
    if YOO.iter().any(|p| word.starts_with(p)) {
        return false;
    }
    word.starts_with(['a', 'e', 'i', 'o', 'u'])
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn slips(text: &str) -> Vec<(String, String)> {
        let en = Language::English;
        find(text, &normalize(text, en), &normalize("unrelated", en), en)
            .into_iter()
            .map(|m| (m.found, m.correction))
            .collect()
    }

    fn one(text: &str) -> (String, String) {
        let found = slips(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn each_rule() {
        for (text, found, correction) in [
            ("Can I get a iced americano?", "a iced", "an iced"),
            ("Where is a nearest station?", "a nearest", "the nearest"),
            (
                "I want an cheeseburger.",
                "an cheeseburger",
                "a cheeseburger",
            ),
            ("I have headache.", "have headache", "have a headache"),
            (
                "Is there discount?",
                "Is there discount",
                "is there a discount",
            ),
            ("I lost it on bus.", "on bus", "on the bus"),
            ("I will having a Coke.", "will having", "will have"),
            ("I'd like to ordering a latte.", "to ordering", "to order"),
            ("Let's going home.", "Let's going", "let's go"),
            ("I want go home.", "want go", "want to go"),
            ("I am lost my phone.", "I am lost", "I lost"),
            ("My train is leave soon.", "is leave", "leaves / is leaving"),
            ("I am live here.", "I am live", "I live / I am living"),
            ("I was order the salad.", "I was order", "I ordered"),
            ("I very happy.", "I very happy", "I'm very happy"),
            ("I just looking.", "I just looking", "I'm just looking"),
            ("It have a hole.", "It have", "It has"),
            ("I has a cold.", "I has", "I have"),
            (
                "It leaves in twenty minute.",
                "twenty minute",
                "twenty minutes",
            ),
            ("It's hot from last week.", "from", "since last"),
            ("I go hiking yesterday.", "I go", "I went"),
            ("We eated chicken.", "eated", "ate"),
            ("He was died in 1996.", "was died", "died"),
            ("Today is more hotter.", "more hotter", "hotter"),
        ] {
            assert_eq!(
                one(text),
                (found.to_owned(), correction.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn correct_sentences_have_no_slips() {
        for text in [
            "It's about a five-minute walk.",
            "Could I get an iced americano, please?",
            "I'm just looking, thanks.",
            "Is it always like this in the summer here?",
            "I've had a headache since this morning.",
            "I went hiking on Saturday, and on Sunday I watched a baseball game.",
            "Do you have something for it?",
            "I'd like to return this sweater. It has a hole in the sleeve.",
            "Let's go to Suseong Lake! We can take a walk.",
            "Two adults and one child, please.",
            "I work for Hanul Robotics as a sales manager.",
            "A one-way ticket, and an hour later a uniform.",
            "Take Line 2 from here to Banwoldang.",
            "I left it on bus 503.",
            "Can I get two adult tickets?",
            "In Korea, it means 'go for it'. Good luck!",
            "It's closer to Thanksgiving.",
        ] {
            assert_eq!(slips(text), Vec::<(String, String)>::new(), "{text}");
        }
    }

    #[test]
    fn spans_are_in_chars_and_utf16() {
        let text = "☕ I will having tea.";
        let en = Language::English;
        let found = find(text, &normalize(text, en), &normalize("x", en), en);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (4, 15));
        assert_eq!((found[0].start_utf16, found[0].end_utf16), (4, 15));
    }
}
