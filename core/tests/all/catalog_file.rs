//! The bundled catalog file `examples/catalog/catalog.json`: it parses, imports into a fresh
//! database, and holds the content a practice catalog needs (categories, Daegu places,
//! difficulty levels, complete variations and achievements the rewards engine understands).

use std::collections::{BTreeMap, BTreeSet};

use studymate_core::Client;
use studymate_core::catalog::{CatalogBatch, SituationFilter, Variation};
use studymate_core::profile::Level;

const CATALOG: &str = include_str!("../../../examples/catalog/catalog.json");

const CATEGORIES: [&str; 8] = [
    "greetings",
    "ordering",
    "directions",
    "transport",
    "shopping",
    "small_talk",
    "emergencies",
    "daegu",
];

/// Requirement `type`s and the positive integer field each one needs.
const REQUIREMENTS: [(&str, &str); 7] = [
    ("sessions_completed", "count"),
    ("streak_days", "days"),
    ("perfect_scores", "count"),
    ("category_sessions", "count"),
    ("points_earned", "points"),
    ("distinct_situations", "count"),
    ("level_reached", "level"),
];

fn batch() -> CatalogBatch {
    CatalogBatch::from_json(CATALOG).expect("catalog.json parses")
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// Lower-case words, split at anything but letters, digits and apostrophes.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('\u{2019}', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn imports_into_a_fresh_database() {
    let batch = batch();
    let client = Client::open_in_memory(Default::default()).unwrap();
    let summary = client.import_catalog(&batch).unwrap();
    assert_eq!(summary.situations as usize, batch.situations.len());
    assert_eq!(summary.variations as usize, batch.variations.len());
    assert_eq!(summary.achievements as usize, batch.achievements.len());

    let stored = client.situations(&SituationFilter::default()).unwrap();
    assert_eq!(stored.len(), batch.situations.len());
    for situation in &batch.situations {
        assert_eq!(&client.situation(situation.id).unwrap(), situation);
        let stored: Vec<Variation> = client.variations(situation.id).unwrap();
        let expected = batch
            .variations
            .iter()
            .filter(|v| v.situation_id == situation.id)
            .count();
        assert_eq!(stored.len(), expected, "{}", situation.name);
    }
    for variation in &batch.variations {
        assert_eq!(&client.variation(variation.id).unwrap(), variation);
    }
    assert_eq!(
        client.achievements().unwrap().len(),
        batch.achievements.len()
    );

    // Importing the same file again replaces rows instead of adding or failing.
    client.import_catalog(&batch).unwrap();
    assert_eq!(
        client
            .situations(&SituationFilter::default())
            .unwrap()
            .len(),
        batch.situations.len()
    );
}

#[test]
fn situations_cover_categories_places_and_levels() {
    let batch = batch();
    assert!(
        batch.situations.len() >= 24,
        "{} situations",
        batch.situations.len()
    );

    let categories: BTreeSet<&str> = batch
        .situations
        .iter()
        .map(|s| s.category.as_str())
        .collect();
    for category in CATEGORIES {
        assert!(categories.contains(category), "no {category} situation");
    }
    for category in &categories {
        assert!(CATEGORIES.contains(category), "unknown category {category}");
    }

    for level in [Level::Beginner, Level::Intermediate, Level::Advanced] {
        assert!(
            batch.situations.iter().any(|s| s.difficulty == level),
            "no {level:?} situation"
        );
    }

    // The Daegu places of seed 000 appear in the situations' own texts.
    let texts: Vec<String> = batch
        .situations
        .iter()
        .map(|s| {
            let text = [
                Some(s.name.as_str()),
                Some(s.initial_prompt.as_str()),
                s.description.as_deref(),
                s.context_description.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
            // "Dongdaegu Station" is another station and must not count as "Daegu Station".
            text.replace("Dongdaegu Station", "")
        })
        .collect();
    for place in [
        "Dongseong-ro",
        "Kim Gwang-seok Street",
        "Seomun Market",
        "Daegu Station",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(place)),
            "no situation mentions {place}"
        );
    }

    let mut names = BTreeSet::new();
    for s in &batch.situations {
        assert!(names.insert(s.name.as_str()), "duplicate name {}", s.name);
        assert!(
            s.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{} is not snake_case",
            s.name
        );
        assert!(!s.learning_objectives.is_empty(), "{}", s.name);
        let expected = if s.location_specific {
            "Daegu"
        } else {
            "Global"
        };
        assert_eq!(s.target_location.as_deref(), Some(expected), "{}", s.name);
    }
    assert!(
        batch
            .situations
            .iter()
            .filter(|s| s.category == "daegu")
            .all(|s| s.location_specific),
        "every daegu situation is tied to Daegu"
    );
}

#[test]
fn every_situation_has_complete_variations() {
    let batch = batch();
    let mut per_situation: BTreeMap<_, usize> = BTreeMap::new();
    for v in &batch.variations {
        let name = &v.name;
        *per_situation.entry(v.situation_id).or_default() += 1;
        assert!(
            batch.situations.iter().any(|s| s.id == v.situation_id),
            "{name}: unknown situation"
        );
        assert_eq!(v.language, "en", "{name}");
        assert!(!v.opening_line.trim().is_empty(), "{name}");
        assert!(
            v.ai_character_role
                .as_deref()
                .is_some_and(|r| !r.is_empty()),
            "{name}: no character role"
        );
        assert!(!v.ideal_responses.is_empty(), "{name}: no ideal response");
        assert!(
            !v.acceptable_responses.is_empty(),
            "{name}: no acceptable response"
        );
        for response in v.ideal_responses.iter().chain(&v.acceptable_responses) {
            assert!(
                response.chars().count() < 200,
                "{name}: response too long: {response}"
            );
        }
        assert!(!v.common_mistakes.is_empty(), "{name}: no common mistake");
        for m in &v.common_mistakes {
            assert!(
                !m.pattern.trim().is_empty()
                    && !m.correction.trim().is_empty()
                    && !m.explanation.trim().is_empty(),
                "{name}: incomplete mistake {m:?}"
            );
            // A mistake found in a model answer would be no mistake at all.
            let pattern = words(&m.pattern);
            for response in v.ideal_responses.iter().chain(&v.acceptable_responses) {
                assert!(
                    !words(response).windows(pattern.len()).any(|w| w == pattern),
                    "{name}: mistake {:?} occurs in the reference {response:?}",
                    m.pattern
                );
            }
        }
        let levels: Vec<i32> = v.hint_levels.iter().map(|h| h.level).collect();
        assert_eq!(levels, [1, 2, 3], "{name}: hint levels");
        assert!(
            v.hint_levels.iter().all(|h| !h.text.trim().is_empty()),
            "{name}: empty hint"
        );
        assert!(
            v.vocabulary.iter().any(|w| w.key),
            "{name}: no key vocabulary"
        );
        assert!(
            v.vocabulary
                .iter()
                .all(|w| w.meaning.as_deref().is_some_and(has_hangul)),
            "{name}: vocabulary without a Korean meaning"
        );
        assert!(
            v.support_text.as_deref().is_some_and(has_hangul),
            "{name}: no Korean support text"
        );
        assert!(v.local_context.is_object(), "{name}");
    }
    for s in &batch.situations {
        let count = per_situation.get(&s.id).copied().unwrap_or(0);
        assert!(count >= 2, "{} has {count} variations", s.name);
    }
}

#[test]
fn achievements_use_known_requirements() {
    let batch = batch();
    assert!(
        batch.achievements.len() >= 10,
        "{} achievements",
        batch.achievements.len()
    );
    let mut names = BTreeSet::new();
    for a in &batch.achievements {
        assert!(names.insert(a.name.as_str()), "duplicate name {}", a.name);
        let kind = a.requirements["type"].as_str().unwrap_or_default();
        let (_, field) = REQUIREMENTS
            .iter()
            .find(|(known, _)| *known == kind)
            .unwrap_or_else(|| panic!("{}: unknown requirement type {kind:?}", a.name));
        assert!(
            a.requirements[field].as_u64().is_some_and(|n| n >= 1),
            "{}: {field} must be a positive integer",
            a.name
        );
        if kind == "category_sessions" {
            let category = a.requirements["category"].as_str().unwrap_or_default();
            assert!(
                CATEGORIES.contains(&category),
                "{}: unknown category {category:?}",
                a.name
            );
        }
    }
}
