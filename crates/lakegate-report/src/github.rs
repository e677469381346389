//! GitHub Actions workflow commands: annotations on the rule's line of the contract.

use lakegate_core::{RunResult, Status};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
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
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            escape_property(&r.info.location.file),
            r.info.location.line,
            r.info.location.column,
            escape_property(&format!("lakegate {}: {}", r.status.as_str(), r.info.title)),
            escape_data(&msg)
        ));
    }
    out
}
