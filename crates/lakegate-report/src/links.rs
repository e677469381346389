//! Links in reports and the catalog. Every `href` lakegate writes goes through [`safe_href`]:
//! a contract path, a `location.file` of a re-rendered JSON or a `--report` URL are written by
//! whoever opened the pull request, and a `javascript:` or `data:` link in a public report runs
//! in the reader's browser.

/// The characters kept as they are in a link; everything else is percent-encoded (UTF-8).
/// `&` and `:` are kept only in http(s) URLs: in a relative path they are encoded, so that a
/// Markdown renderer decoding `&#106;avascript&#58;` finds nothing to decode.
fn keep(c: char, url: bool) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_' | '~' | '/' | '?' | '#' | '=' | '+' | ',' | '@' | '!' | '$' | '*' | ';' | '%')
        || (url && matches!(c, '&' | ':'))
}

fn encode(s: &str, url: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if keep(c, url) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `target` as an `href` when it is a relative path or an http(s) URL, percent-encoded so
/// that it stays one link in HTML and Markdown (a relative reference in RFC 3986 terms:
/// `a/b`, `../a`, `/a`); `None` (show it as text, no link) for anything else: another scheme
/// (`javascript:`, `data:`, `file:`, `vbscript:`, in any case, with tabs, newlines or control
/// characters inside or spaces around it, as browsers ignore those), a protocol-relative path
/// (`//host`, `\\host`, `/\host`), a Windows drive path, or an http(s) URL without a host.
pub fn safe_href(target: &str) -> Option<String> {
    // As the WHATWG URL parser does: leading and trailing C0 controls and spaces are dropped,
    // tabs and newlines anywhere are removed. Any other control character: no link.
    let t: String =
        target.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if t.is_empty() || t.chars().any(|c| c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}')) {
        return None;
    }
    // A scheme is whatever precedes the first `:` when no `/`, `\`, `?` or `#` comes first.
    let first = t.find([':', '/', '\\', '?', '#']);
    if let Some(i) = first
        && t[i..].starts_with(':')
    {
        let scheme = t[..i].to_ascii_lowercase();
        let rest = &t[i + 1..];
        let host = rest.strip_prefix("//")?;
        let host_end = host.find(['/', '?', '#']).unwrap_or(host.len());
        if !matches!(scheme.as_str(), "http" | "https") || host[..host_end].is_empty() || host.contains('\\') {
            return None;
        }
        return Some(format!("{scheme}:{}", encode(rest, true)));
    }
    // `//host` and `\\host` (browsers read `\` as `/`) leave the site; `/path` does not.
    if t.starts_with('\\') || (t.starts_with('/') && t[1..].starts_with(['/', '\\'])) {
        return None;
    }
    Some(encode(&t, false))
}

/// A link to line `line` of a contract file, relative to the report: `link_base` leads from
/// the report's folder to the folder the contract paths are relative to. `None` when the path
/// is not a relative reference (see [`safe_href`]); an absolute path is linked as it is.
pub fn rule_href(file: &str, line: usize, link_base: &str) -> Option<String> {
    // The file is a path: `%`, `?` and `#` in its name are characters, not URL syntax.
    let file = file.replace('%', "%25").replace('?', "%3F").replace('#', "%23");
    let base = link_base.replace('%', "%25").replace('?', "%3F").replace('#', "%23");
    // An absolute contract path is linked as it is (a path on the same disk or site).
    if file.starts_with('/') {
        return safe_href(&format!("{file}#L{line}"));
    }
    safe_href(&format!("{base}{file}#L{line}"))
}

#[cfg(test)]
mod tests {
    use super::{rule_href, safe_href};

    #[test]
    fn only_relative_paths_and_http_urls_are_links() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "jav\u{0}ascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "DATA:text/html,<script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "//evil.example/x",
            "\\\\evil.example\\x",
            "/\\evil.example",
            "C:\\contracts\\a.yaml",
            "http:/x",
            "https:evil",
            "http://",
            "http:\\\\evil.example",
            "",
            "   ",
        ] {
            assert_eq!(safe_href(bad), None, "{bad:?}");
        }
        assert_eq!(safe_href("../contracts/a.odcs.yaml#L3").as_deref(), Some("../contracts/a.odcs.yaml#L3"));
        assert_eq!(safe_href("/srv/contracts/a.odcs.yaml").as_deref(), Some("/srv/contracts/a.odcs.yaml"));
        assert_eq!(safe_href("HTTPS://ci.example/r?a=1&b=2#x").as_deref(), Some("https://ci.example/r?a=1&b=2#x"));
        // Entities and quotes cannot turn a relative path into something else.
        assert_eq!(safe_href("&#106;avascript&#58;alert(1)").as_deref(), Some("%26#106;avascript%26#58;alert%281%29"));
        assert_eq!(safe_href("a b\"<x>.yaml").as_deref(), Some("a%20b%22%3Cx%3E.yaml"));
        assert_eq!(safe_href("../javascript:alert(1)").as_deref(), Some("../javascript%3Aalert%281%29"));
    }

    #[test]
    fn rule_links_are_relative_and_escaped() {
        assert_eq!(rule_href("contracts/a.yaml", 3, "../").as_deref(), Some("../contracts/a.yaml#L3"));
        assert_eq!(rule_href("javascript:alert(1)", 3, "").as_deref(), None);
        assert_eq!(rule_href("/abs/a.yaml", 3, "../").as_deref(), Some("/abs/a.yaml#L3"));
        assert_eq!(rule_href("//evil.example/a.yaml", 3, "../"), None);
        assert_eq!(rule_href("a.yaml", 3, "/work/ci/").as_deref(), Some("/work/ci/a.yaml#L3"));
        assert_eq!(rule_href("a#b%.yaml", 1, "").as_deref(), Some("a%23b%25.yaml#L1"));
    }
}
