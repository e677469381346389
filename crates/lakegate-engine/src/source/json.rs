//! JSON documents that are not newline-delimited: a JSON array of objects (`[{...},{...}]`,
//! ODCS `delimiter: array`), one object spread over lines, or pretty-printed objects one after
//! another. They are rewritten, streaming, into NDJSON in a temporary file that polars' NDJSON
//! scanner reads lazily: memory holds a buffer, not the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// How a JSON file is laid out, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One object per line (NDJSON): polars reads it as it is.
    Lines,
    /// A JSON array, or an object spread over several lines: rewritten to NDJSON first.
    Document,
}

/// The layout of a JSON file whose content starts with `head`: an array (`[`), or an object
/// whose first value does not end on its first line, is a document; anything else is NDJSON.
pub fn layout(head: &[u8]) -> Layout {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let mut started = false;
    for &c in head {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'[' if !started => return Layout::Document,
            b'{' | b'[' => {
                started = true;
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if started && depth == 0 {
                    return Layout::Lines;
                }
            }
            b'"' => in_str = true,
            b'\n' if started => return Layout::Document,
            _ => {}
        }
    }
    // The first value is longer than the bytes looked at and still on its first line.
    Layout::Lines
}

/// Temporary NDJSON files live as long as the process: the LazyFrames that scan them have no
/// end of life the engine sees (samples are read after the metrics). On Linux they have no
/// name (O_TMPFILE, read back through `/proc/self/fd`), so the system removes them when the
/// process ends, however it ends.
static KEPT: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// Rewrites the JSON document `reader` (`shown` in messages) as NDJSON in a temporary file;
/// returns the path polars reads it from and the number of rows (objects) written.
pub fn to_ndjson(reader: impl Read, shown: &str) -> Result<(PathBuf, usize), String> {
    let io_err = |e: io::Error| format!("cannot rewrite `{shown}` as NDJSON in a temporary file: {e}");
    let (file, path) = spill().map_err(io_err)?;
    let mut out = BufWriter::with_capacity(1 << 20, file.try_clone().map_err(io_err)?);
    let rows = rewrite(BufReader::with_capacity(1 << 20, reader), &mut out, shown)?;
    out.flush().map_err(io_err)?;
    drop(out);
    keep(file);
    Ok((path, rows))
}

/// Keeps a temporary file open until the process ends.
pub(super) fn keep(file: File) {
    crate::lock(&KEPT).push(file);
}

/// A new temporary file, and the path polars reads it from (see [`KEPT`]).
#[cfg(target_os = "linux")]
pub(super) fn spill() -> io::Result<(File, PathBuf)> {
    use std::os::fd::AsRawFd;
    let f = tempfile::tempfile()?;
    let path = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
    Ok((f, path))
}

/// A new temporary file, and the path polars reads it from.
#[cfg(not(target_os = "linux"))]
pub(super) fn spill() -> io::Result<(File, PathBuf)> {
    let (f, path) = tempfile::Builder::new().prefix("lakegate-").suffix(".ndjson").tempfile()?.keep()?;
    Ok((f, path))
}

/// The streaming rewrite: values of a top-level array (or top-level values one after another)
/// each on one line, whitespace outside strings dropped. Every value must be an object.
/// Returns the number of objects.
fn rewrite(mut r: impl BufRead, out: &mut impl Write, shown: &str) -> Result<usize, String> {
    let werr = |e: io::Error| format!("cannot write the NDJSON copy of `{shown}`: {e}");
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    // `Some(false)`: inside the top-level array; `Some(true)`: after its `]`.
    let mut array: Option<bool> = None;
    let (mut line, mut element, mut expect_value) = (1usize, 0usize, true);
    let at = |line: usize| format!("`{shown}` line {line}");
    loop {
        let buf = r.fill_buf().map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        let mut start = 0; // the run of bytes to copy as they are
        for i in 0..n {
            let c = buf[i];
            if c == b'\n' {
                line += 1;
            }
            if in_str {
                match (esc, c) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            let base = usize::from(array == Some(false));
            if depth > base {
                // Inside a value: copy, dropping whitespace outside strings.
                match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        out.write_all(&buf[start..i]).map_err(werr)?;
                        start = i + 1;
                    }
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == base {
                            out.write_all(&buf[start..=i]).map_err(werr)?;
                            out.write_all(b"\n").map_err(werr)?;
                            start = i + 1;
                        }
                    }
                    _ => {}
                }
                continue;
            }
            // Between values: nothing is copied.
            start = i + 1;
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                0xef | 0xbb | 0xbf if line == 1 && element == 0 && array.is_none() => {} // a byte order mark
                b'[' if array.is_none() && element == 0 && depth == 0 => array = Some(false),
                b']' if array == Some(false) && (!expect_value || element == 0) => {
                    array = Some(true);
                    depth = 0;
                }
                b',' if array == Some(false) && !expect_value => expect_value = true,
                b'{' if array != Some(true) && (expect_value || array.is_none()) => {
                    element += 1;
                    expect_value = false;
                    depth = base + 1;
                    start = i;
                }
                _ => {
                    let what = match c {
                        b'[' => "an array".to_owned(),
                        b'"' => "a string".to_owned(),
                        b'-' | b'0'..=b'9' => "a number".to_owned(),
                        b't' | b'f' => "a boolean".to_owned(),
                        b'n' => "null".to_owned(),
                        other => format!("`{}`", other as char),
                    };
                    return Err(match array {
                        Some(true) => format!("{}: content after the end of the JSON array ({what})", at(line)),
                        Some(false) if !expect_value => {
                            format!(
                                "{}: expected `,` or `]` after element {element} of the JSON array, found {what}",
                                at(line)
                            )
                        }
                        Some(false) => format!(
                            "{}: element {} of the JSON array is {what}; lakegate reads arrays of objects (one \
                             object per row)",
                            at(line),
                            element + 1
                        ),
                        None => format!("{}: expected a JSON object, found {what}", at(line)),
                    });
                }
            }
        }
        if depth > usize::from(array == Some(false)) || in_str {
            out.write_all(&buf[start..n]).map_err(werr)?;
        }
        r.consume(n);
    }
    if in_str || depth > usize::from(array == Some(false)) || array == Some(false) {
        return Err(format!("{}: the JSON ends in the middle of a value (truncated file?)", at(line)));
    }
    Ok(element)
}

/// Reads a rewritten file (tests).
#[cfg(test)]
fn rewritten(input: &str) -> Result<String, String> {
    let mut out = Vec::new();
    rewrite(input.as_bytes(), &mut out, "t.json")?;
    Ok(String::from_utf8(out).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(layout(b"  [{\"a\":1}]"), Layout::Document);
        assert_eq!(layout(b"{\"a\":1}\n{\"a\":2}\n"), Layout::Lines);
        assert_eq!(layout(b"{\"a\":\"}\\\"{\"}\n"), Layout::Lines);
        assert_eq!(layout(b"{\n  \"a\": 1\n}\n"), Layout::Document);
        assert_eq!(layout(b"{\"a\":1}"), Layout::Lines);
    }

    #[test]
    fn arrays_and_documents_become_lines() {
        assert_eq!(rewritten("[{\"a\": 1}, {\"a\": \"x, ]}\"}]").as_deref(), Ok("{\"a\":1}\n{\"a\":\"x, ]}\"}\n"));
        assert_eq!(
            rewritten("[\n  {\n    \"a\": [1, 2],\n    \"s\": {\"b\": \"q \\\" z\"}\n  },\n  {\"a\": []}\n]\n")
                .as_deref(),
            Ok("{\"a\":[1,2],\"s\":{\"b\":\"q \\\" z\"}}\n{\"a\":[]}\n")
        );
        assert_eq!(rewritten("{\n \"a\": 1\n}\n{\n \"a\": 2\n}").as_deref(), Ok("{\"a\":1}\n{\"a\":2}\n"));
        assert_eq!(rewritten("\u{feff}[]").as_deref(), Ok(""));
    }

    #[test]
    fn what_is_not_an_array_of_objects_is_named() {
        let e = rewritten("[{\"a\":1}, 2]").expect_err("an error");
        assert_eq!(
            e,
            "`t.json` line 1: element 2 of the JSON array is a number; lakegate reads arrays of objects (one object per row)"
        );
        let e = rewritten("[{\"a\":1}\n{\"a\":2}]").expect_err("an error");
        assert!(e.contains("line 2: expected `,` or `]` after element 1"), "{e}");
        let e = rewritten("[{\"a\":1}] x").expect_err("an error");
        assert!(e.contains("content after the end of the JSON array"), "{e}");
        let e = rewritten("[{\"a\":1},\n{\"a\":").expect_err("an error");
        assert!(e.contains("line 2: the JSON ends in the middle of a value"), "{e}");
        let e = rewritten("[{\"a\":1},]").expect_err("an error");
        assert!(e.contains("element 2 of the JSON array is `]`"), "{e}");
    }
}
