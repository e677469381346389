//! GitHub Actions workflow commands: annotations on the rule's line of the contract.

use lakegate_core::{RunResult, Status};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command line, `::{level} file=...,line=...,col=...,title=...::message`, with
/// the properties and the message escaped (a newline cannot start another command). Also used
/// by `lakegate diff`.
pub fn annotation(level: &str, file: &str, line: usize, column: usize, title: &str, message: &str) -> String {
    format!(
        "::{level} file={},line={line},col={column},title={}::{}\n",
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

/// `::error file=...,line=...,col=...,title=...::message` for failed and errored checks,
/// `::warning` for warnings; one line each.
pub fn github_annotations(run: &RunResult) -> String {
    let mut out = String::new();
    for (_, r) in crate::ordered(run) {
        let level = match r.status {
            Status::Failed | Status::Errored => "error",
            Status::Warning => "warning",
            Status::Passed | Status::Skipped => continue,
        };
        // Most messages already start with "observed X, expected Y": say it once.
        let msg = if r.message.starts_with("observed ") {
            r.message.clone()
        } else {
            format!("{} (observed {}, expected {})", r.message, crate::view::observed(r), r.expected)
        };
        out.push_str(&annotation(
            level,
            &r.info.location.file,
            r.info.location.line,
            r.info.location.column,
            &format!("lakegate {}: {}", r.status.as_str(), r.info.title),
            &msg,
        ));
    }
    out
}
