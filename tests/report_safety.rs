//! Reports from untrusted contracts and untrusted JSON: every link is a relative path or an
//! http(s) URL, JUnit XML stays well-formed whatever the text holds. Each attack goes through
//! the real binary.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn lakegate(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A contract with a failing and an errored rule over a small CSV.
fn contract(id: &str) -> String {
    format!(
        r#"apiVersion: v3.1.0
kind: DataContract
id: "{id}"
version: 1.0.0
status: active
servers: [{{server: local, type: local, path: t.csv, format: csv}}]
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        unique: true
      - name: label
        logicalType: string
        required: true
"#
    )
}

/// Decodes the HTML character references a browser would decode in an attribute.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|e| *e < 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out + rest
}

/// Percent-decodes as a browser does before it looks at a link's scheme (it does not, but a
/// test that decodes more is stricter).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A link target as a browser sees it: entities decoded, tabs and newlines removed, leading
/// controls and spaces dropped. It must be a fragment, a relative path or an http(s) URL.
fn assert_safe_link(raw: &str, what: &str) {
    let decoded: String = decode_entities(raw).chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let t = decoded.trim_start_matches(|c: char| c <= ' ').to_ascii_lowercase();
    let scheme_end = t.find([':', '/', '?', '#', '\\']);
    let has_scheme = scheme_end.is_some_and(|i| t[i..].starts_with(':'));
    assert!(
        !has_scheme || t.starts_with("http://") || t.starts_with("https://"),
        "{what}: a link with a scheme other than http(s): {raw:?}"
    );
    assert!(!t.starts_with("//") && !t.starts_with('\\') && !t.starts_with("/\\"), "{what}: off-site link {raw:?}");
    let p = percent_decode(&t);
    for bad in ["javascript:", "data:", "vbscript:"] {
        assert!(!p.starts_with(bad), "{what}: {raw:?}");
    }
}

/// Every `href="..."` of an HTML page.
fn html_hrefs(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut v = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("href=") {
        let start = from + i + 5;
        let quote = html[start..].chars().next().expect("a value");
        assert_eq!(quote, '"', "every href is quoted: {}", &html[start..start + 40]);
        let end = html[start + 1..].find('"').expect("closing quote") + start + 1;
        v.push(html[start + 1..end].to_owned());
        from = end;
    }
    v
}

/// Every link target of a Markdown text: `](target)` and `<scheme:...>` autolinks.
fn markdown_links(md: &str) -> Vec<String> {
    let mut v = Vec::new();
    for (i, _) in md.match_indices("](") {
        if md[..i].ends_with('\\') {
            continue;
        }
        let rest = &md[i + 2..];
        v.push(rest[..rest.find(')').unwrap_or(rest.len())].to_owned());
    }
    for (i, _) in md.match_indices('<') {
        let rest = &md[i + 1..];
        if let Some(end) = rest.find('>') {
            v.push(rest[..end].to_owned());
        }
    }
    v
}

const PAYLOADS: [&str; 10] = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    " \u{1}javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "&#106;avascript&#58;alert(1)",
    "x](javascript:alert(1)) [y",
    "//evil.example/x",
    "vbscript:msgbox(1)",
];

#[test]
fn a_contract_path_cannot_become_a_script_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id,label\n1,a\n1,\n").expect("csv");
    let file = "javascript:alert(1).odcs.yaml";
    std::fs::write(dir.path().join(file), contract("evil")).expect("contract");
    // The report in the working directory: the link base is empty, the path is the link.
    let (code, out) = lakegate(dir.path(), &["check", file, "--html=r.html", "--markdown", "r.md", "--samples", "0"]);
    assert_eq!(code, 1, "{out}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).expect("html");
    let md = std::fs::read_to_string(dir.path().join("r.md")).expect("md");
    assert!(html.contains("javascript:alert(1).odcs.yaml"), "the path is still shown, as text");
    let hrefs = html_hrefs(&html);
    assert!(!hrefs.is_empty());
    for h in &hrefs {
        assert_safe_link(h, "html");
        assert!(!h.to_ascii_lowercase().contains("javascript"), "no link to the hostile path: {h}");
    }
    let links = markdown_links(&md);
    for l in &links {
        assert_safe_link(l, "markdown");
    }
    assert!(md.contains("javascript:alert\\(1\\).odcs.yaml:"), "shown as text in the summary:\n{md}");

    // A report in a sub-folder links to `../javascript%3Aalert...`: a relative path, a link.
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    let (code, out) = lakegate(dir.path(), &["check", file, "--html=out/r.html", "--samples", "0"]);
    assert_eq!(code, 1, "{out}");
    let html = std::fs::read_to_string(dir.path().join("out/r.html")).expect("html");
    assert!(html.contains("href=\"..&#x2f;javascript%3Aalert%281%29.odcs.yaml#L"), "a relative link stays");

    // A report at an absolute path links to the contract by its absolute path.
    let abs = dir.path().join("out/abs.html");
    let (code, out) = lakegate(dir.path(), &["check", file, &format!("--html={}", abs.display()), "--samples", "0"]);
    assert_eq!(code, 1, "{out}");
    let html = std::fs::read_to_string(&abs).expect("html");
    let hrefs = html_hrefs(&html);
    assert!(
        hrefs.iter().any(|h| h.replace("&#x2f;", "/").ends_with("/javascript%3Aalert%281%29.odcs.yaml#L1")),
        "{hrefs:?}"
    );
    for h in &hrefs {
        assert_safe_link(h, "html at an absolute path");
    }
}

#[test]
fn a_crafted_json_cannot_inject_links_on_rerender() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id,label\n1,a\n1,\n").expect("csv");
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("shop")).expect("contract");
    let (code, out) = lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "run.json", "--samples", "0"]);
    assert_eq!(code, 1, "{out}");
    let run: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).expect("json")).expect("parse");
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let mut crafted = run.clone();
        crafted["contracts"][0]["file"] = Value::from(*payload);
        for check in crafted["contracts"][0]["checks"].as_array_mut().expect("checks") {
            check["location"]["file"] = Value::from(*payload);
            check["title"] = Value::from(format!("[click](javascript:alert({n})) <javascript:alert(1)>"));
        }
        let json = dir.path().join(format!("crafted{n}.json"));
        std::fs::write(&json, serde_json::to_string(&crafted).expect("json")).expect("write");
        let (html, md) = (format!("--html=r{n}.html"), format!("r{n}.md"));
        let (code, out) =
            lakegate(dir.path(), &["report", json.to_str().expect("utf8"), &html, "--markdown", &md, "-q"]);
        assert_eq!(code, 0, "{payload:?}: {out}");
        let html = std::fs::read_to_string(dir.path().join(format!("r{n}.html"))).expect("html");
        let md = std::fs::read_to_string(dir.path().join(&md)).expect("md");
        for h in html_hrefs(&html) {
            assert_safe_link(&h, &format!("html of {payload:?}"));
        }
        for l in markdown_links(&md) {
            assert_safe_link(&l, &format!("markdown of {payload:?}"));
        }
        assert!(md.contains("\\[click\\]\\(javascript:alert"), "link syntax in a title is text:\n{md}");
        assert!(!md.contains("<javascript"), "no autolink:\n{md}");
    }
}

#[test]
fn a_catalog_report_url_is_a_link_only_when_http_or_relative() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("shop")).expect("contract");
    for (n, url) in PAYLOADS.iter().enumerate() {
        let out_dir = format!("site{n}");
        let (code, out) = lakegate(dir.path(), &["catalog", "c.odcs.yaml", "--out", &out_dir, "--report", url]);
        assert_eq!(code, 0, "{url:?}: {out}");
        let page = std::fs::read_to_string(dir.path().join(&out_dir).join("shop.html")).expect("page");
        for h in html_hrefs(&page) {
            assert_safe_link(&h, &format!("catalog page with --report {url:?}"));
        }
        if url.starts_with('&') {
            // No scheme: a relative path whose `&` is percent-encoded, harmless.
            assert!(page.contains("<a href=\"%26#106;avascript%26#58;alert%281%29\">"), "{page}");
        } else {
            assert!(!page.contains(">Latest report</a>"), "{url:?} is not a link");
            assert!(page.contains("Latest report: "), "{url:?} is shown as text");
        }
    }
    for (url, href) in [
        (
            "https://ci.example/runs/7/report.html?x=1&y=2",
            "https:&#x2f;&#x2f;ci.example&#x2f;runs&#x2f;7&#x2f;report.html?x=1&amp;y=2",
        ),
        ("../reports/lakegate report.html", "..&#x2f;reports&#x2f;lakegate%20report.html"),
    ] {
        let (code, out) = lakegate(dir.path(), &["catalog", "c.odcs.yaml", "--out", "ok", "--report", url]);
        assert_eq!(code, 0, "{out}");
        let page = std::fs::read_to_string(dir.path().join("ok/shop.html")).expect("page");
        assert!(page.contains(&format!("<a href=\"{href}\">Latest report</a>")), "{url}: {page}");
    }
}

/// XML 1.0's `Char` production: what a well-formed document may hold.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A strict well-formedness check of the XML lakegate writes (no DTD, no CDATA, no comments):
/// every character and character reference is an XML `Char`, `&` starts a known reference,
/// attribute values are quoted and hold no `<`, and the elements nest.
fn assert_well_formed_xml(xml: &str) {
    if let Some((i, c)) = xml.char_indices().find(|(_, c)| !xml_char(*c)) {
        panic!("character U+{:04X} at byte {i} is not allowed in XML", c as u32);
    }
    let check_refs = |text: &str| {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            let end = rest[i..].find(';').unwrap_or_else(|| panic!("bare & in {text:?}")) + i;
            let name = &rest[i + 1..end];
            let ok = match name {
                "amp" | "lt" | "gt" | "quot" | "apos" => true,
                _ if name.starts_with("#x") => {
                    u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32).is_some_and(xml_char)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32).is_some_and(xml_char),
                _ => false,
            };
            assert!(ok, "reference &{name}; is not well-formed");
            rest = &rest[end + 1..];
        }
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml.strip_prefix("<?xml").map(|r| &r[r.find("?>").expect("declaration end") + 2..]).unwrap_or(xml);
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>') || !stack.is_empty(), "text outside the root");
        check_refs(text);
        rest = &rest[open + 1..];
        // Scan the tag to its closing `>`, outside quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => panic!("`<` inside an attribute value"),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let tag = &rest[..end.expect("tag end")];
        rest = &rest[end.expect("tag end") + 1..];
        check_refs(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "elements nest");
        } else {
            let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().expect("name").to_owned();
            assert!(!name.is_empty() && !name.starts_with('!'), "an element, not {tag:?}");
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    assert!(rest.trim().is_empty(), "text after the root element");
}

/// Control characters, U+FFFE and U+FFFF in ids, titles, messages, values and paths.
const CONTROLS: &str = "\u{0}\u{1}\u{8}\u{b}\u{c}\u{1b}[31m\u{1f}\u{FFFE}\u{FFFF}<&>\"'";

#[test]
fn junit_is_well_formed_whatever_the_text_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A real run: the contract's own text (YAML escapes) and the data carry the characters.
    std::fs::write(dir.path().join("t.csv"), "id,label\n1,a\u{1}\u{1b}b\n1,\n").expect("csv");
    let yaml = contract("ctl\\x01\\x1b\\uFFFE\\uFFFFid").replace(
        "        required: true\n",
        "        required: true\n        quality:\n          - metric: invalidValues\n            arguments: {validValues: [\"ok\\x02\\uFFFF\"]}\n            mustBe: 0\n            description: \"title \\x00\\x07 \\uFFFE\"\n",
    );
    std::fs::write(dir.path().join("c.odcs.yaml"), yaml).expect("contract");
    let (code, out) =
        lakegate(dir.path(), &["check", "c.odcs.yaml", "--junit", "j.xml", "--json", "run.json", "--samples", "5"]);
    assert!(code == 1 || code == 3, "{out}");
    let xml = std::fs::read_to_string(dir.path().join("j.xml")).expect("junit");
    assert_well_formed_xml(&xml);
    assert!(xml.contains("ctl\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}id"), "replaced, not dropped:\n{xml}");

    // A crafted JSON: every text field of the run holds the characters.
    let mut run: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).expect("json")).expect("parse");
    let c = &mut run["contracts"][0];
    c["id"] = Value::from(format!("id{CONTROLS}"));
    c["name"] = Value::from(format!("name{CONTROLS}"));
    for check in c["checks"].as_array_mut().expect("checks") {
        for key in ["id", "kind", "title", "message", "expected", "dataset"] {
            check[key] = Value::from(format!("{key}{CONTROLS}"));
        }
        check["location"]["file"] = Value::from(format!("file{CONTROLS}"));
    }
    for (n, status) in ["failed", "errored", "warning", "skipped", "passed"].iter().enumerate() {
        if let Some(check) = c["checks"].as_array_mut().expect("checks").get_mut(n) {
            check["status"] = Value::from(*status);
        }
    }
    std::fs::write(dir.path().join("crafted.json"), serde_json::to_string(&run).expect("json")).expect("write");
    let (code, out) = lakegate(dir.path(), &["report", "crafted.json", "--junit", "j2.xml", "-q"]);
    assert_eq!(code, 0, "{out}");
    let xml = std::fs::read_to_string(dir.path().join("j2.xml")).expect("junit");
    assert_well_formed_xml(&xml);
    for key in ["id", "message", "kind", "expected", "file", "name"] {
        assert!(xml.contains(&format!("{key}\u{FFFD}")), "{key} kept, its controls replaced:\n{xml}");
    }
    assert!(xml.contains("&lt;&amp;&gt;"), "markup characters escaped:\n{xml}");
}
