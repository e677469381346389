//! `lakegate report RUN.json`: re-render any format from a saved result.

use anyhow::Context;
use lakegate_core::RunResult;

use crate::cli::ReportArgs;

/// Reads the JSON result and writes the requested formats; exit 0 once they are written (the
/// run's verdict was given by `check`).
pub fn run(args: &ReportArgs, quiet: bool) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.run).with_context(|| format!("cannot read `{}`", args.run.display()))?;
    let run: RunResult = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a lakegate JSON report", args.run.display()))?;
    if run.report_version != lakegate_core::REPORT_VERSION {
        anyhow::bail!(
            "`{}` has reportVersion {}; this lakegate reads version {}",
            args.run.display(),
            run.report_version,
            lakegate_core::REPORT_VERSION
        );
    }
    crate::output::check_writable(&args.files)?;
    crate::output::emit(&run, args.format, &args.files, &crate::output::Console { quiet, ..Default::default() })?;
    Ok(crate::EXIT_OK)
}
