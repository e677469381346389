//! Logging on stderr with `tracing`: `-v`/`-q`, or a `LAKEGATE_LOG` filter.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `LAKEGATE_LOG` (e.g. `lakegate_engine=debug`) wins over flags.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        // lakegate's own debug events; libraries stay at info (sqlparser logs every token it
        // reads at debug).
        (false, 2) => "info,lakegate=debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("LAKEGATE_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(&std::io::stderr()))
        // A closed stderr (`lakegate check 2>&1 | head`) must not panic: the subscriber would
        // report its failed write with eprintln!, which panics on a closed stream.
        .log_internal_errors(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Colours only on a terminal, and never with `NO_COLOR` set (https://no-color.org).
pub fn colour(stream: &impl std::io::IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
