//! Rebuilds the server when a migration file changes, because refinery embeds them at compile time.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
