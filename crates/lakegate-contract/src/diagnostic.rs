//! Lint diagnostics: what is wrong, where, and how to fix it.

use std::fmt::Write as _;

use annotate_snippets::{Level, Renderer, Snippet};
use serde::Serialize;

use crate::spans::Pos;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The contract is valid but something deserves a look.
    Warning,
    /// The contract is invalid: `lint` exits 2 and `check` reads no data.
    Error,
}

/// One finding of the linter, pointing at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable kebab-case code, e.g. `unknown-key`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, with the offending name in backticks.
    pub message: String,
    /// The file, as given on the command line.
    pub file: String,
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// 1-based column in characters (0 when the problem is the file as a whole).
    pub column: usize,
    /// How many characters to underline.
    #[serde(skip)]
    pub len: usize,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `pos`.
    pub fn error(code: &'static str, file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            len: 1,
            help: None,
        }
    }

    /// A warning at `pos`.
    pub fn warning(code: &'static str, file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, file, pos, message) }
    }

    /// An error about the whole file (no position).
    pub fn file_error(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic::error(code, file, Pos { line: 0, column: 0 }, message)
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets how many characters to underline.
    pub fn with_len(mut self, len: usize) -> Self {
        self.len = len.max(1);
        self
    }

    /// Renders the diagnostic the way compilers do: header, `-->` location, the source
    /// line with a caret, and `help:`. `source` is the file's text when it could be read.
    pub fn render(&self, source: Option<&str>) -> String {
        let level = match self.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let title = format!("{}[{}]: {}", level_name(self.severity), self.code, self.message);
        let help = self.help.as_deref().map(|h| format!("help: {h}"));
        match source.filter(|_| self.line > 0).and_then(|s| byte_range(s, self)) {
            Some((text, range, first_line)) => {
                let snippet = Snippet::source(text)
                    .line_start(first_line)
                    .origin(&self.file)
                    .annotation(Level::Error.span(range));
                let msg = level.title(&self.message).id(self.code).snippet(snippet);
                let mut out = Renderer::plain().render(msg).to_string();
                if let Some(h) = help {
                    out.push_str(&format!("\n  = {h}"));
                }
                out.push('\n');
                out
            }
            None => {
                let mut out = format!("{title}\n --> {}", self.file);
                if self.line > 0 {
                    let _ = write!(out, ":{}:{}", self.line, self.column);
                }
                out.push('\n');
                if let Some(h) = help {
                    let _ = writeln!(out, "  = {h}");
                }
                out
            }
        }
    }
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The source line of the diagnostic and the byte range to underline within it.
fn byte_range<'a>(source: &'a str, d: &Diagnostic) -> Option<(&'a str, std::ops::Range<usize>, usize)> {
    let line = source.split_inclusive('\n').nth(d.line - 1)?;
    let text = line.trim_end_matches(['\n', '\r']);
    let start = text.char_indices().nth(d.column.saturating_sub(1)).map_or(text.len(), |(i, _)| i);
    let end = text[start..].char_indices().nth(d.len).map_or(text.len(), |(i, _)| start + i);
    let end = if end == start { (start + 1).min(text.len().max(start)) } else { end };
    Some((text, start..end.max(start), d.line))
}

/// Sorts diagnostics by file, position, then severity (errors first on a tie).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column, std::cmp::Reverse(a.severity), a.code).cmp(&(
            b.file.as_str(),
            b.line,
            b.column,
            std::cmp::Reverse(b.severity),
            b.code,
        ))
    });
}

/// Operator names users write for the eight ODCS operators (other tools' words, SQL words).
const OPERATOR_SYNONYMS: &[(&str, &str)] = &[
    ("mustbemorethan", "mustBeGreaterThan"),
    ("mustbehigherthan", "mustBeGreaterThan"),
    ("mustbelargerthan", "mustBeGreaterThan"),
    ("mustbebiggerthan", "mustBeGreaterThan"),
    ("mustbeabove", "mustBeGreaterThan"),
    ("mustexceed", "mustBeGreaterThan"),
    ("mustbegreaterthanorequalto", "mustBeGreaterOrEqualTo"),
    ("mustbegreaterorequal", "mustBeGreaterOrEqualTo"),
    ("mustbemoreorequalto", "mustBeGreaterOrEqualTo"),
    ("mustbemorethanorequalto", "mustBeGreaterOrEqualTo"),
    ("mustbeatleast", "mustBeGreaterOrEqualTo"),
    ("mustbesmallerthan", "mustBeLessThan"),
    ("mustbefewerthan", "mustBeLessThan"),
    ("mustbelowerthan", "mustBeLessThan"),
    ("mustbebelow", "mustBeLessThan"),
    ("mustbelessthanorequalto", "mustBeLessOrEqualTo"),
    ("mustbelessorequal", "mustBeLessOrEqualTo"),
    ("mustbesmallerorequalto", "mustBeLessOrEqualTo"),
    ("mustbeatmost", "mustBeLessOrEqualTo"),
    ("mustbeequalto", "mustBe"),
    ("mustbeequal", "mustBe"),
    ("mustequal", "mustBe"),
    ("mustnotbeequalto", "mustNotBe"),
    ("mustnotequal", "mustNotBe"),
    ("mustbeinrange", "mustBeBetween"),
    ("mustbewithin", "mustBeBetween"),
    ("mustnotbeinrange", "mustNotBeBetween"),
    ("mustbeoutside", "mustNotBeBetween"),
];

/// +1 for words meaning "above", -1 for "below", 0 for neither.
fn direction(name: &str) -> i8 {
    let l = name.to_ascii_lowercase();
    let up = ["greater", "more", "higher", "larger", "bigger", "above", "atleast", "exceed"];
    let down = ["less", "smaller", "fewer", "lower", "below", "atmost"];
    match (up.iter().any(|w| l.contains(w)), down.iter().any(|w| l.contains(w))) {
        (true, false) => 1,
        (false, true) => -1,
        _ => 0,
    }
}

/// The closest of `candidates` to `name`, when close enough to be a likely typo. Known
/// synonyms of the operators win, and a comparison is never hinted to its opposite
/// (`mustBeMoreThan` is not `mustBeLessThan`).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let squashed: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if let Some((_, target)) = OPERATOR_SYNONYMS.iter().find(|(alias, _)| *alias == squashed)
        && let Some(c) = candidates.iter().find(|c| *c == target)
    {
        return Some(c);
    }
    let dir = direction(name);
    candidates
        .into_iter()
        .filter(|c| dir == 0 || direction(c) == 0 || direction(c) == dir)
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("requird", ["required", "unique", "name"]), Some("required"));
        assert_eq!(did_you_mean("LogicalType", ["logicalType", "physicalType"]), Some("logicalType"));
        assert_eq!(did_you_mean("zzz", ["required", "unique"]), None);
        let ops = ["mustBe", "mustBeGreaterThan", "mustBeLessThan", "mustBeGreaterOrEqualTo", "mustBeLessOrEqualTo"];
        assert_eq!(did_you_mean("mustBeMoreThan", ops), Some("mustBeGreaterThan"));
        assert_eq!(did_you_mean("must_be_at_least", ops), Some("mustBeGreaterOrEqualTo"));
        assert_eq!(did_you_mean("mustBeSmallerThan", ops), Some("mustBeLessThan"));
        assert_eq!(did_you_mean("mustBeLesThan", ops), Some("mustBeLessThan"));
        assert_ne!(did_you_mean("mustBeMoreOrEqualsTo", ops), Some("mustBeLessOrEqualTo"));
    }

    #[test]
    fn renders_with_caret_and_help() {
        let src = "a: 1\n  requird: true\n";
        let d = Diagnostic::error("unknown-key", "c.yaml", Pos { line: 2, column: 3 }, "unknown key `requird`")
            .with_len(7)
            .with_help("did you mean `required`?");
        let out = d.render(Some(src));
        assert!(out.contains("error[unknown-key]: unknown key `requird`"), "{out}");
        assert!(out.contains("--> c.yaml:2:3"), "{out}");
        assert!(out.contains("^^^^^^^"), "{out}");
        assert!(out.contains("= help: did you mean `required`?"), "{out}");
    }
}
