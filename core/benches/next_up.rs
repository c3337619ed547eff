//! `practice/next_up`: ranking 100 situations over a history of 10 000 sessions.

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use studymate_core::next_up::{Level, PracticeRecord, SituationInfo, next_up};
use uuid::Uuid;

fn bench(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let levels = [Level::Beginner, Level::Intermediate, Level::Advanced];
    let catalog: Vec<SituationInfo> = (0..100u32)
        .map(|n| SituationInfo {
            id: Uuid::from_u128(u128::from(n) + 1),
            category: format!("category-{}", n % 12),
            difficulty: levels[(n % 3) as usize],
        })
        .collect();
    // Two years of history, ~14 sessions a day, situations visited in a scrambled order, scores
    // spread over 60–100 so that every level is open and all 100 situations are scheduled
    // (the worst case).
    let history: Vec<PracticeRecord> = (0..10_000u32)
        .map(|n| PracticeRecord {
            situation_id: catalog[(n.wrapping_mul(37) % 100) as usize].id,
            completed_at: now - Duration::minutes(i64::from(10_000 - n) * 100),
            overall: 60 + (n.wrapping_mul(53) % 41) as u8,
        })
        .collect();

    let ranked = next_up(&catalog, &history, now).expect("the bench data schedules");
    assert_eq!(ranked.len(), catalog.len(), "every level should be open");

    let mut group = c.benchmark_group("practice");
    group.bench_function("next_up", |b| {
        b.iter(|| next_up(&catalog, &history, now));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
