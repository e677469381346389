//! Source locations of every node of a YAML document, by JSON pointer.
//!
//! serde_yaml deserializes without spans, so the document is read a second time with
//! yaml-rust2's event parser (maintained, pure Rust, reports a line and column for every
//! event) to index where each key and value starts. Diagnostics and check results look
//! their location up here by the pointer of the node they are about.

use std::collections::BTreeMap;

use serde::Serialize;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A position in a source file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Where one node of the document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key of a mapping entry, when the node is a mapping value.
    pub key: Option<(Pos, usize)>,
    /// The value's first character and its length in characters (1 for collections).
    pub value: (Pos, usize),
}

impl NodeSpan {
    /// The position to report for the node: its key when it has one, else its value.
    pub fn pos(&self) -> Pos {
        self.key.map_or(self.value.0, |k| k.0)
    }
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Renders a path as an RFC 6901 JSON pointer (`/schema/0/properties/2`).
pub fn pointer(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// The locations of all nodes of one document.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    nodes: BTreeMap<String, NodeSpan>,
    duplicates: Vec<(String, Pos, usize)>,
}

impl SpanIndex {
    /// Indexes `text`; a document yaml-rust2 cannot read yields an empty index.
    pub fn build(text: &str) -> SpanIndex {
        let mut builder = Builder { stack: Vec::new(), nodes: BTreeMap::new(), duplicates: Vec::new(), done: false };
        let mut parser = Parser::new_from_str(text);
        // A scan error leaves the nodes indexed so far; serde_yaml reports the error itself.
        let _ = parser.load(&mut builder, false);
        SpanIndex { nodes: builder.nodes, duplicates: builder.duplicates }
    }

    /// Mapping keys written twice: the pointer, and the position and length of the second key.
    pub fn duplicate_keys(&self) -> &[(String, Pos, usize)] {
        &self.duplicates
    }

    /// The span of the node at `pointer`, if it exists.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.nodes.get(pointer).copied()
    }

    /// The position of the node at `pointer`, or of its nearest indexed ancestor.
    pub fn locate(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(n) = self.nodes.get(p) {
                return n.pos();
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Pos { line: 1, column: 1 },
            }
        }
    }

    /// The key of the mapping entry at `pointer` (position and length), when indexed.
    pub fn key(&self, pointer: &str) -> Option<(Pos, usize)> {
        self.nodes.get(pointer).and_then(|n| n.key)
    }
}

enum Frame {
    Map { path: String, key: Option<(String, Pos, usize)>, first: bool },
    Seq { path: String, next: usize },
}

struct Builder {
    stack: Vec<Frame>,
    nodes: BTreeMap<String, NodeSpan>,
    duplicates: Vec<(String, Pos, usize)>,
    done: bool,
}

/// The deepest nesting of mappings and sequences a contract may have. Real contracts stay far
/// below it (a struct of structs of lists is a handful of levels); a deeper document is an
/// attack or a mistake, and reading it would take minutes and risk the stack.
pub const MAX_DEPTH: usize = 64;

/// The position of the first mapping or sequence nested deeper than [`MAX_DEPTH`], found
/// with yaml-rust2's event parser (iterative, stopped at once: its cost grows with the depth
/// it reached, so the scan stays cheap). None for a document within the limit, or one that
/// cannot be read (the YAML error is reported by the reading itself).
pub fn too_deep(text: &str) -> Option<Pos> {
    // A flow collection may be a mapping key (`{a: 1}: b`), so a YAML scanner looks for its
    // end before it yields it: nested flow collections cost time quadratic in their depth
    // (minutes at 200k levels). Their depth is measured on the text first.
    if let Some(pos) = flow_too_deep(text) {
        return Some(pos);
    }
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        match parser.next_token() {
            Ok((Event::MappingStart(..) | Event::SequenceStart(..), m)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(pos(m));
                }
            }
            Ok((Event::MappingEnd | Event::SequenceEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::StreamEnd, _)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The position of the first `[` or `{` nested deeper than [`MAX_DEPTH`] flow collections,
/// read lexically: quoted scalars, comments and block scalars (`|`, `>`) are skipped, and
/// outside flow collections a bracket only counts where a value starts.
fn flow_too_deep(text: &str) -> Option<Pos> {
    let mut depth = 0usize;
    // The indentation of the line that opened a block scalar, while its lines are skipped.
    let mut block_scalar: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(open) = block_scalar {
            if line.trim().is_empty() || indent > open {
                continue;
            }
            block_scalar = None;
        }
        let b = line.as_bytes();
        let mut i = 0;
        let mut value_start = true;
        let mut after_space = true;
        while i < b.len() {
            let c = b[i];
            match c {
                b'#' if after_space => break,
                b'\'' | b'"' if depth > 0 || value_start => {
                    i += 1;
                    while i < b.len() {
                        if c == b'"' && b[i] == b'\\' {
                            i += 2;
                            continue;
                        }
                        if b[i] == c {
                            if c == b'\'' && b.get(i + 1) == Some(&b'\'') {
                                i += 2;
                                continue;
                            }
                            break;
                        }
                        i += 1;
                    }
                    value_start = false;
                }
                b'[' | b'{' if depth > 0 || value_start => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(Pos { line: n + 1, column: line[..i].chars().count() + 1 });
                    }
                }
                b']' | b'}' if depth > 0 => depth -= 1,
                b' ' | b'\t' => {}
                b'-' | b'?' | b':' if depth == 0 && b.get(i + 1).is_none_or(|n| *n == b' ') => value_start = true,
                b'|' | b'>' if depth == 0 && value_start => {
                    let rest = line[i + 1..].trim_start_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
                    let rest = rest.trim_start();
                    if rest.is_empty() || rest.starts_with('#') {
                        block_scalar = Some(indent);
                        break;
                    }
                    value_start = false;
                }
                _ => value_start = depth > 0,
            }
            after_space = c == b' ' || c == b'\t';
            i += 1;
        }
    }
    None
}

fn pos(m: Marker) -> Pos {
    Pos { line: m.line(), column: m.col() + 1 }
}

impl Builder {
    /// Registers a value starting at `m`; returns its pointer, or None when it is a key.
    fn value(&mut self, m: Marker, len: usize, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}/{next}");
                *next += 1;
                self.nodes.insert(p.clone(), NodeSpan { key: None, value: (pos(m), len) });
                Some(p)
            }
            Some(Frame::Map { path, key, first }) => match key.take() {
                None => {
                    // A key: remember it until its value arrives. A block mapping's own
                    // position is reported by the parser after its first key; use that key.
                    if std::mem::replace(first, false)
                        && let Some(node) = self.nodes.get_mut(path.as_str())
                    {
                        node.value.0 = pos(m);
                    }
                    let k = scalar.unwrap_or("?").to_owned();
                    *key = Some((k, pos(m), len));
                    None
                }
                Some((k, kpos, klen)) => {
                    let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if self.nodes.contains_key(&p) {
                        self.duplicates.push((p.clone(), kpos, klen));
                    }
                    self.nodes.insert(p.clone(), NodeSpan { key: Some((kpos, klen)), value: (pos(m), len) });
                    Some(p)
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, m: Marker) {
        if self.done {
            return;
        }
        match ev {
            Event::Scalar(v, ..) => {
                let len = v.chars().count().max(1);
                self.value(m, len, Some(&v));
            }
            Event::Alias(_) => {
                self.value(m, 1, Some("*"));
            }
            Event::MappingStart(..) => {
                let path = self.value(m, 1, None).unwrap_or_else(|| "/?".into());
                self.stack.push(Frame::Map { path, key: None, first: true });
            }
            Event::SequenceStart(..) => {
                let path = self.value(m, 1, None).unwrap_or_else(|| "/?".into());
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            // Only the first document is a contract.
            Event::DocumentEnd => self.done = true,
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_keys_and_values() {
        let text = "a: 1\nlist:\n  - x: hello\n    y: [1, 2]\n";
        let idx = SpanIndex::build(text);
        assert_eq!(idx.get("/a").map(|n| n.pos()), Some(Pos { line: 1, column: 1 }));
        let x = idx.get("/list/0/x").expect("indexed");
        assert_eq!(x.key, Some((Pos { line: 3, column: 5 }, 1)));
        assert_eq!(x.value, (Pos { line: 3, column: 8 }, 5));
        assert_eq!(idx.get("/list/0/y/1").map(|n| n.value.0), Some(Pos { line: 4, column: 12 }));
        assert_eq!(idx.locate("/list/0/missing"), Pos { line: 3, column: 5 });
    }

    #[test]
    fn escapes_pointer_segments() {
        let p = pointer(&[Seg::Key("a/b~c".into()), Seg::Index(3)]);
        assert_eq!(p, "/a~1b~0c/3");
        let idx = SpanIndex::build("a/b~c: [x, y, z, w]\n");
        assert_eq!(idx.get(&p).map(|n| n.value.0.column), Some(18));
    }
}
