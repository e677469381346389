//! Text files in a single-byte encoding (the server's `encoding`: Latin-1, Windows-1252, as
//! Excel and many European exports write them), transcoded to UTF-8 as a stream into a
//! temporary file that polars reads.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

/// A single-byte encoding lakegate transcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (nothing to do).
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
    /// Windows-1252: Latin-1 with printable characters in 0x80..0x9F (€, ‚, „, …).
    Windows1252,
}

/// The encoding a name designates; `Err` lists the supported names.
pub fn parse(name: &str) -> Result<Encoding, String> {
    let n: String = name.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Ok(match n.as_str() {
        "utf8" | "utf8bom" | "utf8sig" | "ascii" | "usascii" => Encoding::Utf8,
        "latin1" | "iso88591" | "l1" => Encoding::Latin1,
        "windows1252" | "cp1252" | "win1252" => Encoding::Windows1252,
        _ => {
            return Err(format!(
                "encoding `{name}` is not supported: lakegate reads UTF-8, Latin-1 (ISO-8859-1) and Windows-1252"
            ));
        }
    })
}

/// Windows-1252's characters for 0x80..=0x9F (undefined bytes keep their Latin-1 meaning).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Transcodes `reader` (`shown` in messages) to UTF-8 in a temporary file; returns its path.
pub fn to_utf8(reader: impl Read, encoding: Encoding, shown: &str) -> Result<PathBuf, String> {
    let io_err = |e: io::Error| format!("cannot transcode `{shown}` to UTF-8 in a temporary file: {e}");
    let (file, path) = super::json::spill().map_err(io_err)?;
    let mut out = BufWriter::with_capacity(1 << 20, file.try_clone().map_err(io_err)?);
    transcode(BufReader::with_capacity(1 << 20, reader), &mut out, encoding)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    out.flush().map_err(io_err)?;
    drop(out);
    super::json::keep(file);
    Ok(path)
}

fn transcode(mut r: impl Read, out: &mut impl Write, encoding: Encoding) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 16];
    let mut text = String::with_capacity(2 << 16);
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        text.clear();
        text.extend(buf[..n].iter().map(|&b| match (encoding, b) {
            (Encoding::Windows1252, 0x80..=0x9f) => CP1252[(b - 0x80) as usize],
            _ => b as char,
        }));
        out.write_all(text.as_bytes())?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_byte_encodings_become_utf8() {
        let mut out = Vec::new();
        transcode(&b"caf\xe9;\x80 5\n"[..], &mut out, Encoding::Windows1252).expect("transcode");
        assert_eq!(String::from_utf8(out).as_deref(), Ok("café;€ 5\n"));
        let mut out = Vec::new();
        transcode(&b"caf\xe9\x80"[..], &mut out, Encoding::Latin1).expect("transcode");
        assert_eq!(String::from_utf8(out).as_deref(), Ok("café\u{80}"));
        assert_eq!(parse("ISO-8859-1"), Ok(Encoding::Latin1));
        assert_eq!(parse("UTF-8"), Ok(Encoding::Utf8));
        assert!(parse("shift_jis").is_err());
    }
}
