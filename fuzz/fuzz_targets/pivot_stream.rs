#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| copilot_api::fuzz::pivot_stream(data));
