//! The graded panel (`tests/fixtures/scoring_panel.json`): answers to situations of the bundled
//! catalog, each graded 0–100 by the rubric in docs/scoring.md before it was ever scored. The
//! scorer must agree with the grades; the goals are asserted on the held-out third only (the
//! scorer was tuned on the rest), and `cargo test -p studymate-core --test all scoring_panel:: --
//! --nocapture` prints the statistics for both parts.

use std::collections::BTreeMap;

use serde::Deserialize;
use studymate_core::catalog::CatalogBatch;
use studymate_core::scoring::{Answer, Score, Scorer};

const CATALOG: &str = include_str!("../../../examples/catalog/catalog.json");
const PANEL: &str = include_str!("../fixtures/scoring_panel.json");

/// Response time given to every typed panel answer: within every variation's allowance, so
/// fluency measures content, not speed.
const RESPONSE_TIME_MS: u32 = 8000;

#[derive(Debug, Deserialize)]
struct Panel {
    answers: Vec<PanelAnswer>,
}

#[derive(Debug, Deserialize)]
struct PanelAnswer {
    variation: String,
    category: String,
    grade: u8,
    text: String,
    held_out: bool,
    /// Grammar slips: text the correction of a flagged mistake must contain.
    #[serde(default)]
    fix: Option<String>,
}

/// Categories of answers that are not attempts at the task.
const NON_ANSWERS: [&str; 5] = ["offtopic", "copy", "wronglang", "filler", "gibberish"];

struct Scored<'a> {
    answer: &'a PanelAnswer,
    score: Score,
    /// The text is one of the variation's own ideal or acceptable responses.
    in_catalog: bool,
}

fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn score_panel(panel: &Panel) -> Vec<Scored<'_>> {
    let batch = CatalogBatch::from_json(CATALOG).expect("catalog parses");
    let variations: BTreeMap<String, _> = batch
        .variations
        .iter()
        .map(|v| (v.id.to_string(), v))
        .collect();
    panel
        .answers
        .iter()
        .map(|answer| {
            let variation = variations
                .get(&answer.variation)
                .unwrap_or_else(|| panic!("unknown variation {}", answer.variation));
            let reference = variation.scoring_reference();
            let score = Scorer::new(&reference)
                .expect("catalog variation")
                .score(&Answer {
                    text: answer.text.clone(),
                    response_time_ms: RESPONSE_TIME_MS,
                    ..Answer::default()
                })
                .expect("valid answer");
            let folded = fold(&answer.text);
            let in_catalog = reference
                .ideal_responses
                .iter()
                .chain(&reference.acceptable_responses)
                .any(|r| fold(r) == folded);
            Scored {
                answer,
                score,
                in_catalog,
            }
        })
        .collect()
}

/// Ranks 1..=n with ties given their average rank (doubled, to stay in integers).
fn doubled_ranks(values: &[i32]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| values[i]);
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = average;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation (Pearson correlation of the tie-averaged ranks).
fn spearman(a: &[i32], b: &[i32]) -> f64 {
    let (ra, rb) = (doubled_ranks(a), doubled_ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        return 0.0;
    }
    cov / (va * vb).sqrt()
}

fn correlation<'a>(rows: impl Iterator<Item = &'a Scored<'a>>) -> (f64, usize) {
    let (grades, scores): (Vec<i32>, Vec<i32>) = rows
        .map(|s| (i32::from(s.answer.grade), s.score.overall))
        .unzip();
    (spearman(&grades, &scores), grades.len())
}

/// The advice a non-answer must get.
fn expected_advice(category: &str) -> &'static str {
    match category {
        "wronglang" => "Answer in English",
        "copy" => "Answer the question instead of repeating it",
        _ => "Answer the question",
    }
}

/// What the panel says about one part (tuning or held out).
struct Stats {
    spearman_all: (f64, usize),
    spearman_attempts: (f64, usize),
    spearman_new: (f64, usize),
    /// Rude answers not below the plain answer of their variation.
    rude_not_below_plain: Vec<String>,
    /// Non-answers over 15 or without their advice.
    non_answer_failures: Vec<String>,
    grammar_flagged: (usize, usize),
    grammar_misses: Vec<String>,
    /// Paraphrases of an ideal answer scored below 70.
    paraphrases_below_70: Vec<String>,
    catalog_mistakes_missed: Vec<String>,
    ideal_below_95: Vec<String>,
}

fn stats(scored: &[Scored<'_>], all: &[Scored<'_>], held_out: bool) -> Stats {
    let part: Vec<&Scored<'_>> = scored
        .iter()
        .filter(|s| s.answer.held_out == held_out)
        .collect();
    let attempts = || {
        part.iter()
            .copied()
            .filter(|s| !NON_ANSWERS.contains(&s.answer.category.as_str()))
    };
    let describe = |s: &Scored<'_>| {
        format!(
            "{} ({}): {:?}",
            s.score.overall, s.answer.category, s.answer.text
        )
    };
    let mut rude_not_below_plain = Vec::new();
    for rude in part.iter().filter(|s| s.answer.category == "rude") {
        for plain in all
            .iter()
            .filter(|p| p.answer.category == "plain" && p.answer.variation == rude.answer.variation)
        {
            if rude.score.overall >= plain.score.overall {
                rude_not_below_plain.push(format!("{} ≥ {}", describe(rude), describe(plain)));
            }
        }
    }
    let non_answer_failures = part
        .iter()
        .filter(|s| NON_ANSWERS.contains(&s.answer.category.as_str()))
        .filter(|s| {
            let advice = expected_advice(&s.answer.category);
            s.score.overall > 15 || !s.score.suggestions.iter().any(|a| a.starts_with(advice))
        })
        .map(|s| format!("{} {:?}", describe(s), s.score.suggestions))
        .collect();
    let grammar: Vec<&Scored<'_>> = part
        .iter()
        .copied()
        .filter(|s| s.answer.category == "grammar")
        .collect();
    let grammar_misses: Vec<String> = grammar
        .iter()
        .filter(|s| {
            let fix = s.answer.fix.as_deref().unwrap_or_default().to_lowercase();
            !s.score
                .mistakes
                .iter()
                .any(|m| m.correction.to_lowercase().contains(&fix) && !m.explanation.is_empty())
        })
        .map(|s| {
            let found: Vec<_> = s
                .score
                .mistakes
                .iter()
                .map(|m| format!("{} → {}", m.found, m.correction))
                .collect();
            format!("{} {found:?}", describe(s))
        })
        .collect();
    Stats {
        spearman_all: correlation(part.iter().copied()),
        spearman_attempts: correlation(attempts()),
        spearman_new: correlation(attempts().filter(|s| !s.in_catalog)),
        rude_not_below_plain,
        non_answer_failures,
        grammar_flagged: (grammar.len() - grammar_misses.len(), grammar.len()),
        grammar_misses,
        paraphrases_below_70: part
            .iter()
            .filter(|s| s.answer.category == "paraphrase" && s.score.overall < 70)
            .map(|s| describe(s))
            .collect(),
        catalog_mistakes_missed: part
            .iter()
            .filter(|s| s.answer.category == "mistake" && s.score.mistakes.is_empty())
            .map(|s| describe(s))
            .collect(),
        ideal_below_95: part
            .iter()
            .filter(|s| s.answer.category == "ideal" && s.score.overall < 95)
            .map(|s| describe(s))
            .collect(),
    }
}

fn report(name: &str, s: &Stats, scored: &[Scored<'_>], held_out: bool) {
    println!("== {name}");
    for row in scored.iter().filter(|r| r.answer.held_out == held_out) {
        let s = &row.score;
        let matched = s
            .matched
            .as_ref()
            .map(|m| format!("{:?}{} {}", m.kind, m.index, m.similarity_permille))
            .unwrap_or_default();
        println!(
            "{:>3} {:>3} {:<10} {:?} [a{} f{} {matched} mistakes {} missing {}]",
            row.answer.grade,
            s.overall,
            row.answer.category,
            row.answer.text,
            s.appropriateness,
            s.fluency,
            s.mistakes.len(),
            s.missing_vocabulary.len()
        );
    }
    for (label, (rho, n)) in [
        ("all answers", s.spearman_all),
        ("real attempts", s.spearman_attempts),
        ("real attempts, catalog sentences excluded", s.spearman_new),
    ] {
        println!("Spearman {label}: {rho:.3} (n = {n})");
    }
    println!(
        "grammar slips flagged with the right correction: {}/{}",
        s.grammar_flagged.0, s.grammar_flagged.1
    );
    for (label, list) in [
        ("rude not below plain", &s.rude_not_below_plain),
        (
            "non-answers over 15 or without advice",
            &s.non_answer_failures,
        ),
        ("grammar slips missed", &s.grammar_misses),
        ("paraphrases below 70", &s.paraphrases_below_70),
        ("catalog mistakes missed", &s.catalog_mistakes_missed),
        ("ideal answers below 95", &s.ideal_below_95),
    ] {
        println!("{label}: {}", list.len());
        for item in list {
            println!("  {item}");
        }
    }
}

#[test]
fn scoring_panel() {
    let panel: Panel = serde_json::from_str(PANEL).expect("panel parses");
    let scored = score_panel(&panel);
    let situations: std::collections::BTreeSet<&str> =
        panel.answers.iter().map(|a| a.variation.as_str()).collect();
    assert!(panel.answers.len() >= 200 && situations.len() >= 15);

    let tuning = stats(&scored, &scored, false);
    let held_out = stats(&scored, &scored, true);
    report("tuning", &tuning, &scored, false);
    report("held out", &held_out, &scored, true);

    let h = &held_out;
    assert!(h.spearman_new.0 >= 0.85, "Spearman {:.3}", h.spearman_new.0);
    assert!(h.rude_not_below_plain.is_empty());
    assert!(h.non_answer_failures.is_empty());
    assert!(
        h.grammar_flagged.0 * 10 >= h.grammar_flagged.1 * 8,
        "{:?}",
        h.grammar_flagged
    );
    assert!(h.paraphrases_below_70.is_empty());
    assert!(h.catalog_mistakes_missed.is_empty());
    assert!(h.ideal_below_95.is_empty() && tuning.ideal_below_95.is_empty());
}

/// The catalog's own correct sentences are a second, larger check of the rules' false alarms:
/// every ideal and acceptable response of every variation, scored against the *other*
/// responses only, gets no grammar or register mistake and is never a non-answer.
#[test]
fn catalog_responses_raise_no_false_alarms() {
    let batch = CatalogBatch::from_json(CATALOG).expect("catalog parses");
    let mut alarms = Vec::new();
    let mut checked = 0;
    for variation in &batch.variations {
        let full = variation.scoring_reference();
        let responses: Vec<&String> = full
            .ideal_responses
            .iter()
            .chain(&full.acceptable_responses)
            .collect();
        for (i, response) in responses.iter().enumerate() {
            let mut others = full.clone();
            others.common_mistakes.clear();
            others.ideal_responses = responses
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| (*r).clone())
                .collect();
            others.acceptable_responses.clear();
            let score = Scorer::new(&others)
                .expect("catalog variation")
                .score(&Answer {
                    text: (*response).clone(),
                    response_time_ms: RESPONSE_TIME_MS,
                    ..Answer::default()
                })
                .expect("valid answer");
            checked += 1;
            let non_answer = score.suggestions.iter().any(|s| s.starts_with("Answer "));
            if !score.mistakes.is_empty() || non_answer {
                alarms.push(format!(
                    "{response:?}: {:?} {:?}",
                    score
                        .mistakes
                        .iter()
                        .map(|m| format!("{} → {}", m.found, m.correction))
                        .collect::<Vec<_>>(),
                    score.suggestions.first()
                ));
            }
        }
    }
    assert!(checked >= 300, "{checked}");
    assert!(
        alarms.is_empty(),
        "{} of {checked}:\n{}",
        alarms.len(),
        alarms.join("\n")
    );
}
