//! Panics: one bad dataset or rule never takes a run down, and a bug still says so.
//!
//! The engine catches panics at the dataset and rule boundaries (polars panics on some data
//! it does not expect) and reports them as errored checks with the reason. Rust's default
//! hook would still print each one with a backtrace note on stderr, on polars' own threads,
//! even though the run handles it: the hook here logs them at debug level instead. A panic
//! that nothing catches reaches `main`, which prints it as an internal error and exits 101.

use std::panic::PanicHookInfo;

/// Replaces the default panic hook by a debug-level log line (`-vv` shows it).
pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        tracing::debug!("caught panic: {}", describe(info.payload()));
    }));
}

/// The message of a panic payload.
pub fn describe(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
