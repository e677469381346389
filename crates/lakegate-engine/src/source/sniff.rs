//! What a data file holds, from its first bytes: its compression and its format. A file that
//! is not in the declared format is an error that says what it is, never a parse into
//! garbage columns; gzip and zstd files are read through (polars streams them).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use lakegate_core::Format;

/// How a file is compressed (as a whole, outside the format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (RFC 1952), also multi-member files.
    Gzip,
    /// Zstandard.
    Zstd,
}

/// The start of a file: its compression and up to [`PEEK`] bytes of its (decompressed) content.
#[derive(Debug)]
pub struct Head {
    /// The file's compression.
    pub compression: Compression,
    /// The first bytes of the content, decompressed.
    pub bytes: Vec<u8>,
    /// The content ends within `bytes`.
    pub complete: bool,
}

/// Bytes read to tell what a file holds.
pub const PEEK: usize = 8192;

/// Opens `path` and decompresses it when it is gzip or zstd (by its magic bytes).
pub fn reader(path: &Path) -> io::Result<(Compression, Box<dyn Read>)> {
    let mut f = File::open(path)?;
    let mut magic = [0u8; 4];
    let n = read_full(&mut f, &mut magic)?;
    let compression = compression_of(&magic[..n]);
    let f = File::open(path)?;
    let r: Box<dyn Read> = match compression {
        Compression::None => Box::new(f),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f))),
        Compression::Zstd => Box::new(zstd::Decoder::new(f)?),
    };
    Ok((compression, r))
}

/// Reads the start of `path`, decompressed.
pub fn head(path: &Path) -> io::Result<Head> {
    let (compression, mut r) = reader(path)?;
    let mut bytes = vec![0u8; PEEK];
    let n = read_full(&mut r, &mut bytes)?;
    bytes.truncate(n);
    Ok(Head { compression, complete: n < PEEK, bytes })
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn compression_of(magic: &[u8]) -> Compression {
    match magic {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// A container or compression lakegate does not read, by its magic bytes.
fn unsupported(b: &[u8]) -> Option<&'static str> {
    Some(match b {
        [b'B', b'Z', b'h', ..] => "a bzip2-compressed file",
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => "an xz-compressed file",
        [b'P', b'K', 0x03, 0x04, ..] => "a zip archive",
        [0x04, 0x22, 0x4d, 0x18, ..] => "an lz4-compressed file",
        [0xff, 0x06, 0x00, 0x00, b's', b'N', b'a', b'P', b'p', b'Y', ..] => "a snappy-compressed file",
        [b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, ..] => "a 7z archive",
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => "a zlib stream",
        _ => return None,
    })
}

const CSV_TEXT: &str = "text (CSV or other delimited text)";
const NOT_UTF8: &str = "text that is not UTF-8";

/// What a file's content is, for messages: `a Parquet file (magic PAR1)`.
fn kind(b: &[u8], complete: bool) -> String {
    if b.is_empty() {
        return "empty (0 bytes)".into();
    }
    if let Some(u) = unsupported(b) {
        return u.into();
    }
    let k = match b {
        [b'P', b'A', b'R', b'1', ..] => "a Parquet file (magic PAR1)",
        [b'P', b'A', b'R', b'E', ..] => "an encrypted Parquet file (magic PARE)",
        [b'A', b'R', b'R', b'O', b'W', b'1', ..] => "an Arrow IPC file (magic ARROW1)",
        [0xff, 0xff, 0xff, 0xff, ..] => "an Arrow IPC stream",
        [b'O', b'b', b'j', 0x01, ..] => "an Avro file (magic Obj)",
        [b'O', b'R', b'C', ..] => "an ORC file (magic ORC)",
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => "UTF-16 text (convert it to UTF-8)",
        [0x1f, 0x8b, ..] => "a gzip file inside a compressed file",
        [0x28, 0xb5, 0x2f, 0xfd, ..] => "a zstd file inside a compressed file",
        _ if b.contains(&0) => "binary data, not text",
        _ => {
            if let Some(at) = not_utf8(b, complete) {
                return format!(
                    "{NOT_UTF8} (byte 0x{:02X} at offset {at}): declare the server's `encoding` (latin1 or windows-1252) or convert the file to UTF-8",
                    b[at]
                );
            }
            if looks_like_json(b) { "JSON text" } else { CSV_TEXT }
        }
    };
    k.into()
}

fn without_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(b)
}

/// JSON text: an object (`{` then `"` or `}`) or an array of values (`[` then `{`, `[`, `]`, `"`,
/// a digit or `-`); a CSV header such as `[id],[name]` is not.
fn looks_like_json(b: &[u8]) -> bool {
    let b = without_bom(b);
    let mut it = b.iter().copied().filter(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
    matches!(
        (it.next(), it.next()),
        (Some(b'{'), Some(b'"' | b'}') | None)
            | (Some(b'['), Some(b'{' | b'[' | b']' | b'"' | b'-' | b'0'..=b'9') | None)
    )
}

/// The first byte that is not JSON whitespace (after a UTF-8 byte order mark).
pub fn first_non_space(b: &[u8]) -> Option<u8> {
    without_bom(b).iter().copied().find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The offset of the first byte that is not UTF-8 (a character cut by the end of a partial
/// read is fine).
fn not_utf8(b: &[u8], complete: bool) -> Option<usize> {
    match std::str::from_utf8(b) {
        Ok(_) => None,
        // `error_len() == None`: the input ended inside a character.
        Err(e) => (e.error_len().is_some() || complete).then(|| e.valid_up_to()),
    }
}

/// Checks that `path` holds `format`; `Err` says what it holds instead. `shown` is the file
/// as messages name it.
pub fn check(path: &Path, shown: &str, format: Format) -> Result<Head, String> {
    let h = head(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let declared = match format {
        Format::Parquet => "parquet",
        Format::Csv => "csv",
        Format::Json => "json",
    };
    let mismatch = |what: String| format!("`{shown}` is {what}, but the server declares format {declared}");
    let compressed = h.compression != Compression::None;
    if format == Format::Parquet {
        if compressed {
            let c = if h.compression == Compression::Gzip { "gzip" } else { "zstd" };
            return Err(format!(
                "`{shown}` is {c}-compressed, but the server declares format parquet (Parquet compresses inside \
                 the file: decompress it)"
            ));
        }
        if !h.bytes.starts_with(b"PAR1") {
            return Err(mismatch(kind(&h.bytes, h.complete)));
        }
        return Ok(h);
    }
    if let Some(u) = unsupported(&h.bytes) {
        return Err(format!("`{shown}` is {u}; lakegate reads {declared} files as they are, gzip- or zstd-compressed"));
    }
    if h.bytes.is_empty() {
        return Ok(h);
    }
    let k = kind(&h.bytes, h.complete);
    if k.starts_with(NOT_UTF8) {
        return Err(format!("`{shown}` is {k}"));
    }
    let ok = match format {
        Format::Csv => k == CSV_TEXT,
        Format::Json => k == "JSON text",
        Format::Parquet => false,
    };
    if ok {
        Ok(h)
    } else {
        Err(mismatch(if format == Format::Json && k == CSV_TEXT { text_kind(&h.bytes) } else { k }))
    }
}

/// Text that is not JSON: what it starts with.
fn text_kind(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(without_bom(b));
    let line: String = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("").chars().take(40).collect();
    format!("text that is not JSON (it starts with `{}`)", line.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_magic() {
        assert_eq!(kind(b"PAR1\x15\x04", false), "a Parquet file (magic PAR1)");
        assert_eq!(kind(b"id,name\n1,a\n", true), "text (CSV or other delimited text)");
        assert_eq!(kind(b"  [{\"a\":1}]", true), "JSON text");
        assert_eq!(kind(b"{\"a\":1}\n{\"a\":2}\n", true), "JSON text");
        assert_eq!(kind(b"[id],[name]\n1,x\n", true), "text (CSV or other delimited text)");
        assert_eq!(kind(b"{id},name\n", true), "text (CSV or other delimited text)");
        assert_eq!(kind(b"\x00\x01\x02garbage", true), "binary data, not text");
        assert_eq!(kind(b"BZh91AY", true), "a bzip2-compressed file");
        assert_eq!(kind(b"", true), "empty (0 bytes)");
        // A multi-byte character cut by the end of a partial read is still text.
        assert_eq!(kind("a,é".as_bytes().split_last().map(|(_, b)| b).unwrap_or_default(), false), kind(b"a,b", false));
        assert_eq!(
            kind(b"a,\xe9t\xe9\n", true),
            "text that is not UTF-8 (byte 0xE9 at offset 2): declare the server's `encoding` (latin1 or windows-1252) or convert the file to UTF-8"
        );
    }

    #[test]
    fn first_byte_after_bom_and_spaces() {
        assert_eq!(first_non_space(b"\xef\xbb\xbf \n [1]"), Some(b'['));
        assert_eq!(first_non_space(b" \n\t"), None);
    }
}
