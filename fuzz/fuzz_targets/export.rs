//! `cargo +nightly fuzz run export --features libfuzzer`: see fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| backout_fuzz::export(data));
