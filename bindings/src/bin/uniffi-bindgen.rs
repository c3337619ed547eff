//! `uniffi-bindgen`: writes the Swift and Kotlin sources from the built library ("library
//! mode"), e.g. `cargo run -p studymate-ffi --features cli --bin uniffi-bindgen -- generate
//! --library target/debug/libstudymate_ffi.so --language kotlin --out-dir out`.
//! `bindings/scripts/generate.sh` wraps it.

fn main() {
    uniffi::uniffi_bindgen_main()
}
