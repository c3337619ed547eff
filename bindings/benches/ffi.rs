//! `ffi/read_profile`: the Rust side of the Kotlin figure in `bindings/scripts/bench-kotlin.sh`,
//! the same small read (`Client::profile`) through the bindings' `StudyMateClient`, without the foreign
//! call. The difference between the two is the cost of crossing the boundary.

use criterion::{Criterion, criterion_group, criterion_main};
use studymate_ffi::{OpenOptions, StudyMateClient, block_on};

fn read_profile(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("user.db").to_string_lossy().into_owned();
    let options = OpenOptions {
        user_id: None,
        busy_timeout_ms: 5000,
        full_sync: false,
    };
    let client = block_on(StudyMateClient::open(path, options)).expect("open");
    c.bench_function("ffi/read_profile", |b| {
        b.iter(|| client.profile().expect("profile"))
    });
}

criterion_group!(benches, read_profile);
criterion_main!(benches);
