//! Command-line interface (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// lakegate: checks data contracts (ODCS v3) against lake data and gates CI.
#[derive(Debug, Parser)]
#[command(name = "lakegate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More logs on stderr (-v info, -vv debug, -vvv trace); `LAKEGATE_LOG` sets a filter.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate contracts: unknown keys, wrong types, broken rules (exit 2 on any error).
    Lint(LintArgs),
    /// Print the JSON Schema of the contract format lakegate accepts.
    Schema(SchemaArgs),
}

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Compiler-style diagnostics with source snippets.
    Text,
    /// One JSON document with every diagnostic.
    Json,
}

/// `lakegate lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Contract files or folders (searched recursively for *.yaml / *.yml).
    #[arg(default_value = "contracts")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
}

/// `lakegate schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}
