//! lakegate: checks ODCS v3 data contracts against lake data and gates CI.
//!
//! Exit codes (stable, documented in the README):
//! 0 success; 1 a contract is broken; 2 invalid contract, configuration or usage;
//! 3 a check could not be evaluated; 101 internal error; 130 interrupted.

mod catalog_cmd;
mod check_cmd;
mod cli;
mod contracts;
mod diff_cmd;
mod history_cmd;
mod init_cmd;
mod lint_cmd;
mod logging;
mod output;
mod panics;
mod project;
mod report_cmd;
mod schema_cmd;
mod select;
mod stdout;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Exit code: everything passed (warnings allowed).
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one check at or above `--fail-on` failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: invalid contract, configuration or usage.
pub const EXIT_INVALID: u8 = 2;
/// Exit code: a check could not be evaluated (data missing or unreadable).
pub const EXIT_ERRORED: u8 = 3;
/// Exit code: internal error (a bug in lakegate).
pub const EXIT_INTERNAL: u8 = 101;

/// glibc's allocator, tuned for columnar work: buffers up to 32 MiB come from the heap instead
/// of a fresh `mmap` each (which the kernel zero-fills page by page and `munmap` unmaps again
/// on free), and freed memory stays for the next allocation instead of being trimmed back at
/// once. Measured on the orders benchmark (2 cores): 1M rows 0.165 -> 0.160 s, 10M 1.50 ->
/// 1.41 s, 50M 8.0 -> 7.1 s at the same peak memory. A `GLIBC_TUNABLES` malloc setting wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    if std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc.")) {
        return;
    }
    #[allow(unsafe_code)]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

/// polars decodes all the projected columns of a Parquet row group as one task until a row
/// group holds 16M values (`POLARS_PARQUET_DECODE_TARGET_VALUES_PER_THREAD`): a file of three
/// row groups on two cores then decodes its last row group on one core while the other waits.
/// With 256k values per task, each column of a row group of 256k rows or more is its own task.
/// Orders, 1M rows in 3 row groups: 0.163 -> 0.142 s; 4 row groups and 10M rows: unchanged.
/// A value set by the user wins.
fn tune_polars() {
    const KNOB: &str = "POLARS_PARQUET_DECODE_TARGET_VALUES_PER_THREAD";
    if std::env::var_os(KNOB).is_none() {
        #[allow(unsafe_code)]
        // SAFETY: called first thing in main: no other thread can read the environment.
        unsafe {
            std::env::set_var(KNOB, "262144");
        }
    }
}

/// The worker threads of `--threads N`: `None` (all cores) for no flag or 0; a number above
/// the machine's cores is capped to them (a huge value must not start thousands of threads).
fn threads(asked: Option<usize>) -> Option<usize> {
    let n = asked.filter(|n| *n > 0)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if n > cores {
        tracing::debug!("--threads {n}: this machine has {cores} cores: using {cores} threads");
        return Some(cores);
    }
    tracing::debug!("--threads {n}: using {n} threads");
    Some(n)
}

fn main() -> ExitCode {
    tune_allocator();
    tune_polars();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INVALID } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Installing the subscriber starts no thread: the environment is still ours alone below.
    logging::init(cli.verbose, cli.quiet);
    let threads = threads(cli.threads);
    if let Some(n) = threads {
        // polars sizes its pool from POLARS_MAX_THREADS when first used: set it before any work.
        #[allow(unsafe_code)]
        // SAFETY: still single-threaded here: no other thread can read the environment.
        unsafe {
            std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        }
    }
    // Contracts run on rayon's pool and polars plans recurse deeply: give its threads the
    // stack of a main thread (the 2 MiB default overflowed on hundreds of contracts).
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(16 << 20);
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let _ = pool.build_global();
    // Ctrl-C stops at once with 130: reports are written through a temporary file and a
    // rename, so an interrupted run leaves no partial report behind.
    let _ = ctrlc::set_handler(|| {
        // Not eprintln!: it panics on a closed stderr, and the exit would never happen.
        // The queries running on SQL servers are cancelled there, not left to run on.
        lakegate_sql::cancel_all();
        let _ = writeln!(std::io::stderr(), "interrupted");
        std::process::exit(130);
    });
    // Panics that the engine catches are reported in the run; one that nothing catches is a
    // bug: printed once as an internal error, exit 101.
    panics::install();
    let run = std::panic::catch_unwind(|| match cli.command {
        cli::Command::Lint(args) => lint_cmd::run(&args, cli.quiet),
        cli::Command::Check(args) => check_cmd::run(&args, !(cli.quiet || cli.no_progress), cli.quiet),
        cli::Command::Report(args) => report_cmd::run(&args, cli.quiet),
        cli::Command::History(args) => history_cmd::run(&args),
        cli::Command::Catalog(args) => catalog_cmd::run(&args),
        cli::Command::Schema(args) => schema_cmd::run(&args),
        cli::Command::Diff(args) => diff_cmd::run(&args, cli.quiet),
        cli::Command::Init(args) => init_cmd::run(&args),
    });
    let result = match run {
        Ok(r) => r,
        Err(payload) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: internal error (a bug in lakegate, please report it): {}",
                panics::describe(&*payload)
            );
            return ExitCode::from(EXIT_INTERNAL);
        }
    };
    match result {
        // A reader that closed stdout early (`lakegate check | head`) changes nothing: the
        // output was discarded quietly (see stdout.rs) and the code is the run's own.
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {e}");
            for cause in e.chain().skip(1) {
                let _ = writeln!(err, "  Caused by: {cause}");
            }
            ExitCode::from(EXIT_INVALID)
        }
    }
}
