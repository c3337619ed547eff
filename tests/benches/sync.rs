//! Placeholder until the sync benches land.
fn main() {}
