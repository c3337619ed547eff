//! `practice/complete_session`: completing a scored session on a real database file, with the
//! awards, streak, level and achievement evaluation it triggers, in one transaction.
//!
//! Run: `cargo bench -p studymate-core --bench practice`

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use studymate_core::catalog::CatalogBatch;
use studymate_core::practice::AnswerInput;
use studymate_core::{Client, OpenOptions};

const CATALOG: &str = include_str!("../../examples/catalog/catalog.json");

fn complete_session(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(dir.path().join("bench.db"), OpenOptions::default()).expect("open");
    let batch = CatalogBatch::from_json(CATALOG).expect("catalog");
    client.import_catalog(&batch).expect("import");
    let situation = &batch.situations[0];
    let variation = batch
        .variations
        .iter()
        .find(|v| v.situation_id == situation.id)
        .expect("variation");
    let input = AnswerInput {
        text: variation.ideal_responses[0].clone(),
        spoken: None,
        response_time_ms: 5_000,
    };
    let mut group = c.benchmark_group("practice");
    group.bench_function("complete_session", |b| {
        b.iter_batched(
            || {
                let session = client
                    .start_practice(situation.id, Some(variation.id))
                    .expect("start");
                client.answer(session.id, &input).expect("answer");
                session.id
            },
            |id| client.complete_practice(id).expect("complete"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(50);
    targets = complete_session
}
criterion_main!(benches);
