//! A Markdown summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write as _;

use lakegate_core::{RunResult, Status};

/// The first line of every Markdown summary (hidden when rendered): how lakegate recognises
/// its own file before replacing it.
pub const MARKDOWN_MARKER: &str = "<!-- lakegate report -->";

/// At most this many problems are listed.
pub const MAX_ROWS: usize = 50;

/// Text in a table cell: no line break, no table or HTML syntax, and no link syntax (`[`, `]`,
/// `(`, `)`, `<`, `!` are backslash-escaped), so a title or path from a contract can never
/// become a link; the only links are the ones [`crate::safe_href`] lets through.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '|' | '[' | ']' | '(' | ')' | '!' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders the summary: counts, then failed/errored/warning checks first, capped, with links
/// to the rule lines (`link_base` is prepended to the contract paths).
pub fn markdown(run: &RunResult, link_base: &str) -> String {
    let s = run.summary;
    let icon = match s.status() {
        Status::Failed => "❌",
        Status::Errored => "⚠️",
        Status::Warning => "🟡",
        _ => "✅",
    };
    let mut out = format!(
        "{MARKDOWN_MARKER}\n## {icon} lakegate: {} checks, {} failed, {} errored, {} warnings, {} passed, {} skipped\n\n",
        s.total, s.failed, s.errored, s.warnings, s.passed, s.skipped
    );
    let _ = writeln!(out, "| product | status | checks | failed | errored | warnings |\n|---|---|---|---|---|---|");
    for c in &run.contracts {
        let name = c.name.clone().unwrap_or_else(|| c.id.clone());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&name),
            c.summary.status().as_str(),
            c.summary.total,
            c.summary.failed,
            c.summary.errored,
            c.summary.warnings
        );
    }
    let problems: Vec<_> = crate::ordered(run)
        .into_iter()
        .filter(|(_, r)| matches!(r.status, Status::Failed | Status::Errored | Status::Warning))
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\n| status | check | observed | expected | rule |\n|---|---|---|---|---|");
        for (_, r) in problems.iter().take(MAX_ROWS) {
            let location = cell(&format!("{}:{}", r.info.location.file, r.info.location.line));
            let rule = match crate::view::href(&r.info.location.file, r.info.location.line, link_base) {
                Some(href) => format!("[{location}]({href})"),
                None => location,
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {rule} |",
                r.status.as_str(),
                cell(&r.info.title),
                crate::view::observed(r),
                cell(&r.expected),
            );
        }
        if problems.len() > MAX_ROWS {
            let _ = writeln!(out, "\n… and {} more (see the HTML or JSON report).", problems.len() - MAX_ROWS);
        }
    }
    out
}
