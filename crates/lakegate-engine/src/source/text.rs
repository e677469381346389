//! CSV and NDJSON datasets in bounded memory: large compressed files are decompressed once,
//! streaming, into a temporary file (polars would otherwise decompress the whole file again for
//! every slice), and a dataset of more rows than a slice is read in slices of rows, each slice a
//! row range that polars pushes into its CSV or NDJSON scan (it counts lines up to the range and
//! parses only the range), with the mergeable metric states of `merge.rs`.

use std::collections::BTreeMap;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lakegate_core::Source;
use lakegate_core::plan::DeclaredColumn;
use polars::prelude::*;

use super::{HiveTypes, conform, file_slices, json, open_range, open_with, sniff};

/// Compressed text files larger than this are decompressed into a temporary file before they
/// are read; smaller ones are read by polars directly (its decompression holds the file).
pub const SPILL_COMPRESSED_BYTES: u64 = 4 << 20;

/// The temporary copies made for a file in this process, by (file, what the copy is): a file
/// read again (the groups of a sliced dataset, another contract over the same file) is not
/// decompressed or rewritten again.
static COPIES: Mutex<BTreeMap<(PathBuf, &'static str), PathBuf>> = Mutex::new(BTreeMap::new());

/// The copy of `file` named `what` made earlier in this process, or the one `make` makes now.
pub fn copy_of(
    file: &Path,
    what: &'static str,
    make: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<PathBuf, String> {
    let key = (file.to_path_buf(), what);
    if let Some(p) = crate::lock(&COPIES).get(&key) {
        return Ok(p.clone());
    }
    let p = make()?;
    crate::lock(&COPIES).insert(key, p.clone());
    Ok(p)
}

/// The decompressed copy of a gzip- or zstd-compressed file larger than
/// [`SPILL_COMPRESSED_BYTES`] (any size with `always`; `shown` in messages); `None` for a file
/// read as it is.
pub fn decompressed(file: &Path, shown: &str, always: bool) -> Result<Option<PathBuf>, String> {
    let big = std::fs::metadata(file).is_ok_and(|m| m.len() > SPILL_COMPRESSED_BYTES);
    if !big && !always {
        return Ok(None);
    }
    let (compression, r) = sniff::reader(file).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if compression == sniff::Compression::None {
        return Ok(None);
    }
    drop(r);
    copy_of(file, "decompressed", || {
        let (_, r) = sniff::reader(file).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        let t0 = std::time::Instant::now();
        let (path, bytes) = spill_copy(r, shown)?;
        tracing::debug!(file = shown, bytes, ms = t0.elapsed().as_millis() as u64, "decompressed to a temporary file");
        Ok(path)
    })
    .map(Some)
}

/// Copies `reader` (decompressed content of `shown`) into a temporary file: (path, bytes).
fn spill_copy(reader: impl Read, shown: &str) -> Result<(PathBuf, u64), String> {
    let io_err = |e: io::Error| format!("cannot decompress `{shown}` into a temporary file: {e}");
    let (file, path) = json::spill().map_err(io_err)?;
    let mut out = BufWriter::with_capacity(1 << 20, file.try_clone().map_err(io_err)?);
    let bytes = io::copy(&mut BufReader::with_capacity(1 << 20, reader), &mut out).map_err(|e| {
        if e.kind() == io::ErrorKind::InvalidInput || e.kind() == io::ErrorKind::InvalidData {
            format!("cannot read `{shown}`: {e} (a corrupt or truncated compressed file?)")
        } else {
            io_err(e)
        }
    })?;
    out.flush().map_err(io_err)?;
    drop(out);
    json::keep(file);
    Ok((path, bytes))
}

/// Text files larger than this are read through polars' chunked reads rather than memory-mapped.
pub const STREAMED_BYTES: u64 = 64 << 20;

/// The path polars reads a CSV or NDJSON file from. polars maps a local file into memory, and
/// every page a scan touches counts in the process's resident memory until the scan ends: a
/// slice near the end of a 1.3 GB CSV, whose line ends polars finds from the start, held the
/// whole file. A large file is named by a `file://` URL instead, which polars reads in chunks
/// of 32 MiB (its object-store path for local files), so memory holds chunks, not the file.
pub fn read_path(file: &Path) -> PlRefPath {
    let big = std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() > STREAMED_BYTES);
    let abs = if big { std::path::absolute(file).ok() } else { None };
    // Only paths that are URL paths as they are (no space, `%`, `#`, non-ASCII...): a path polars
    // might decode differently is memory-mapped.
    match abs.as_deref().and_then(Path::to_str).filter(|a| url_safe(a)) {
        Some(a) => PlRefPath::new(format!("file://{a}").as_str()),
        None => PlRefPath::new(file.to_string_lossy().as_ref()),
    }
}

/// Whether a path is the same text as a URL path (unreserved characters and `/` only).
fn url_safe(path: &str) -> bool {
    path.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
}

/// The rows of the CSV or NDJSON files `files` (those read, in order) in slices of at most
/// `rows` rows with the dataset's full `schema`, when they hold more than `rows` rows; empty
/// when the dataset is read whole. `lf` is the dataset as opened (one file: it is cut into row
/// ranges; several: files are grouped, a large one cut, as for hive-partitioned Parquet).
pub fn text_slices(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    lf: &LazyFrame,
    schema: &Schema,
    rows: u64,
) -> PolarsResult<Vec<LazyFrame>> {
    if rows == 0 || files.is_empty() || !reads_rows() {
        return Ok(Vec::new());
    }
    // A row takes two bytes at least (a value and its line end): small uncompressed datasets
    // need no count.
    let plain = files.iter().all(|f| sniff::reader(f).is_ok_and(|(c, _)| c == sniff::Compression::None));
    let bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    if plain && bytes / 2 < rows {
        return Ok(Vec::new());
    }
    let count = |lf: &LazyFrame| -> PolarsResult<u64> {
        let df = lf.clone().select([len().alias("n")]).collect()?;
        Ok(df.column("n")?.cast(&DataType::UInt64)?.u64()?.get(0).unwrap_or(0))
    };
    let t0 = std::time::Instant::now();
    if files.len() == 1 {
        // A CSV file's rows were counted with its fields, an NDJSON file's with its lines, as
        // they were opened (polars' count of a file read by URL holds the whole file).
        let counted = crate::lock(&ROWS).get(&super::shown(&files[0])).copied();
        let (n, text, noted) = match counted {
            Some(counted) => counted,
            _ => (count(lf)?, bytes, false),
        };
        let rows = text_slice_rows(rows, n, text);
        tracing::debug!(dataset = %src.display, rows = n, slice_rows = rows, ms = t0.elapsed().as_millis() as u64, "rows counted");
        // A file whose record starts were not noted (a small compressed file, read by polars
        // directly) is read whole: polars' row ranges over compressed text lost or repeated
        // rows next to blank lines.
        if n <= rows || !noted {
            return Ok(Vec::new());
        }
        // Cut on the file's scan, where polars pushes the range into its reader: above the
        // parse expressions of `lf` it would stay above them and every slice read the file.
        let hive = HiveTypes::new(files, base, declared);
        let k = n.div_ceil(rows);
        return (0..k)
            .map(|i| {
                let len = if i + 1 == k { IdxSize::MAX as u64 } else { rows };
                let o = open_range(src, files, base, declared, &hive, Some((i * rows, len)))?;
                conform(o.lf, schema)
            })
            .collect();
    }
    let hive = HiveTypes::new(files, base, declared);
    let mut file_rows = Vec::with_capacity(files.len());
    let mut cuttable = Vec::with_capacity(files.len());
    for f in files {
        let one = open_with(src, std::slice::from_ref(f), base, declared, &hive)?.lf;
        // Counted as it was opened (CSV fields, NDJSON lines), or by polars.
        let counted = crate::lock(&ROWS).get(&super::shown(f)).copied();
        file_rows.push(match counted {
            Some((n, _, _)) => n,
            None => count(&one)?,
        });
        cuttable.push(counted.is_some_and(|c| c.2));
    }
    let total: u64 = file_rows.iter().sum();
    let text: u64 = files
        .iter()
        .map(|f| {
            crate::lock(&ROWS)
                .get(&super::shown(f))
                .map_or_else(|| std::fs::metadata(f).map_or(0, |m| m.len()), |c| c.1)
        })
        .sum();
    let rows = text_slice_rows(rows, total, text);
    tracing::debug!(dataset = %src.display, rows = total, slice_rows = rows, ms = t0.elapsed().as_millis() as u64, "rows counted");
    if total <= rows {
        return Ok(Vec::new());
    }
    file_slices(src, files, base, declared, &file_rows, &cuttable, rows, schema)
}

/// The records of a CSV or NDJSON file between two byte offsets (see [`RecordStarts`]), as one
/// lazily read scan: the bytes are read when the scan runs (one slice in memory at a time, not
/// the file), and only the columns the query needs are parsed.
struct TextRange {
    /// The file read (a decompressed, UTF-8 or NDJSON copy, as the whole file's scan reads).
    file: PathBuf,
    /// The file as messages name it.
    shown: String,
    /// Byte offsets: start (a record's first byte) and end (exclusive).
    bytes: (u64, u64),
    /// Every column of the file as its whole scan reads it.
    schema: SchemaRef,
    /// How the records are read.
    format: RangeFormat,
}

/// How a [`TextRange`]'s records are read.
enum RangeFormat {
    /// CSV with the whole scan's options (fields, quotes, missing values), by polars' reader;
    /// blank lines left out first when the file has some.
    Csv(CsvParseOptions, bool),
    /// NDJSON, in pieces parsed in parallel by polars' own line parser (the one its streaming
    /// scan uses).
    Lines,
}

impl polars::prelude::AnonymousScan for TextRange {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn scan(&self, args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        let mut buf = read_bytes(&self.file, &self.shown, self.bytes)?;
        if let RangeFormat::Csv(parse, true) = &self.format {
            buf = without_blank_lines(&buf, parse.quote_char);
        }
        let df = match &self.format {
            RangeFormat::Csv(parse, _) => CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(Some(self.schema.clone()))
                .with_columns(args.with_columns.clone())
                .with_n_rows(args.n_rows)
                .with_raise_if_empty(false)
                .with_parse_options(parse.clone())
                .into_reader_with_file_handle(io::Cursor::new(buf))
                .finish()?,
            RangeFormat::Lines => {
                let schema: Schema = match &args.with_columns {
                    Some(cols) => cols.iter().filter_map(|c| self.schema.get_field(c)).collect(),
                    None => self.schema.as_ref().clone(),
                };
                ndjson_pieces(&buf, &schema).map_err(|e| polars_err!(ComputeError: "`{}`: {e}", self.shown))?
            }
        };
        match &args.with_columns {
            // In the order asked (the readers keep the file's).
            Some(cols) => df.select(cols.iter().cloned()),
            None => Ok(df),
        }
    }

    fn allows_projection_pushdown(&self) -> bool {
        true
    }
}

/// NDJSON text parsed with `schema` in pieces of whole lines, one or two per thread.
fn ndjson_pieces(buf: &[u8], schema: &Schema) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let k = (rayon::current_num_threads() * 2).max(1);
    let mut pieces = Vec::with_capacity(k);
    let mut at = 0;
    while at < buf.len() {
        let want = (at + buf.len().div_ceil(k)).min(buf.len());
        let end = buf[want..].iter().position(|b| *b == b'\n').map_or(buf.len(), |i| want + i + 1);
        pieces.push(&buf[at..end]);
        at = end;
    }
    let frames = pieces
        .par_iter()
        .map(|p| polars::prelude::parse_ndjson(p, None, schema, false))
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut df = DataFrame::empty_with_schema(schema);
    for f in &frames {
        df.vstack_mut(f)?;
    }
    Ok(df)
}

/// The records `range` (offset, rows) of `file` (`shown` in messages; its record starts noted
/// under `key`: delimiter and quote) read from their own bytes, with the columns `schema` of
/// the file's whole scan; `None` when the file's record starts were not noted for such a range
/// (the caller slices the whole scan instead).
fn range_scan(
    file: &Path,
    shown: &str,
    range: (u64, u64),
    schema: SchemaRef,
    key: (u8, Option<u8>),
    format: RangeFormat,
) -> PolarsResult<Option<LazyFrame>> {
    let Some(starts) = record_starts(file, key.0, key.1, SLICE_ROWS.get()) else { return Ok(None) };
    let Some(bytes) = starts.bytes(range.0, range.1) else { return Ok(None) };
    let format = match format {
        RangeFormat::Csv(parse, _) => RangeFormat::Csv(parse, starts.blank > 0),
        other => other,
    };
    tracing::debug!(file = shown, rows = ?range, bytes = ?bytes, "slice read from its bytes");
    let name = match format {
        RangeFormat::Csv(..) => "CSV RANGE",
        RangeFormat::Lines => "NDJSON RANGE",
    };
    let scan = TextRange { file: file.to_path_buf(), shown: shown.to_owned(), bytes, schema: schema.clone(), format };
    let args = ScanArgsAnonymous { schema: Some(schema), name, ..Default::default() };
    LazyFrame::anonymous_scan(Arc::new(scan), args).map(Some)
}

/// The data rows `range` (offset, rows) of the CSV file `file` read from their own bytes (see
/// [`range_scan`]), with the whole scan's `parse` options.
pub fn csv_range(
    file: &Path,
    shown: &str,
    range: (u64, u64),
    schema: SchemaRef,
    parse: CsvParseOptions,
) -> PolarsResult<Option<LazyFrame>> {
    let key = (parse.separator, parse.quote_char);
    range_scan(file, shown, range, schema, key, RangeFormat::Csv(parse, false))
}

/// The records `range` (offset, rows) of the NDJSON file `file` read from their own bytes (see
/// [`range_scan`]).
pub fn json_range(file: &Path, shown: &str, range: (u64, u64), schema: SchemaRef) -> PolarsResult<Option<LazyFrame>> {
    range_scan(file, shown, range, schema, LINES, RangeFormat::Lines)
}

/// CSV text without its blank lines (outside quoted fields), as a CSV reader that skips them
/// would read it.
fn without_blank_lines(buf: &[u8], quote: Option<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(buf.len());
    let (mut in_quote, mut start) = (false, 0);
    let keep = |line: &[u8], out: &mut Vec<u8>| {
        if !line.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            out.extend_from_slice(line);
        }
    };
    for (i, &b) in buf.iter().enumerate() {
        if Some(b) == quote {
            in_quote = !in_quote;
        } else if b == b'\n' && !in_quote {
            keep(&buf[start..=i], &mut out);
            start = i + 1;
        }
    }
    keep(&buf[start..], &mut out);
    out
}

/// Whether the CSV file `file` has blank lines between its records (noted as its fields were
/// counted): its whole read then goes through [`csv_range`], which leaves them out.
pub fn has_blank_lines(file: &Path, delimiter: u8, quote: Option<u8>) -> bool {
    record_starts(file, delimiter, quote, SLICE_ROWS.get()).is_some_and(|s| s.blank > 0)
}

/// The bytes `start..end` of `file` (`shown` in messages).
fn read_bytes(file: &Path, shown: &str, (start, end): (u64, u64)) -> PolarsResult<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let fail = |e: io::Error| polars_err!(ComputeError: "cannot read `{shown}`: {e}");
    let len = usize::try_from(end - start).map_err(|_| polars_err!(ComputeError: "`{shown}`: slice too large"))?;
    let mut buf = vec![0u8; len];
    let mut f = std::fs::File::open(file).map_err(fail)?;
    f.seek(SeekFrom::Start(start)).map_err(fail)?;
    f.read_exact(&mut buf).map_err(fail)?;
    Ok(buf)
}

/// The key NDJSON files' line starts are noted under (no CSV file is split at line ends).
const LINES: (u8, Option<u8>) = (b'\n', None);

/// Counts the records (lines holding more than spaces) of the NDJSON file `file` (`shown` in
/// messages) and notes where slices start when rows are read in slices ([`with_slice_rows`]):
/// once per file and process.
pub fn check_lines(file: &Path, shown: &str) -> Result<(), String> {
    let every = SLICE_ROWS.get();
    if !reads_rows() || every == 0 {
        return Ok(());
    }
    let key = (file.to_path_buf(), LINES.0, LINES.1, every);
    if crate::lock(&FIELDS_CHECKED).contains_key(&key) {
        return Ok(());
    }
    let (compression, r) = sniff::reader(file).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let scan = scan_lines(r, if compression == sniff::Compression::None { every } else { 0 })
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let noted = compression == sniff::Compression::None;
    crate::lock(&ROWS).insert(shown.to_owned(), (scan.records, scan.bytes, noted));
    if noted {
        let starts = RecordStarts { starts: scan.starts, records: scan.records, len: scan.bytes, blank: 0 };
        crate::lock(&RECORD_STARTS).insert(key.clone(), Arc::new(starts));
    }
    crate::lock(&FIELDS_CHECKED).insert(key, None);
    Ok(())
}

/// The records of NDJSON text (lines with a character other than space, tab or CR, as polars
/// reads them) and where those of an index multiple of `every` or of [`START_STEP`] start.
fn scan_lines(mut r: impl Read, every: u64) -> io::Result<Records> {
    let mut buf = vec![0u8; 1 << 20];
    let (mut pos, mut records, mut blank) = (0u64, 0u64, true);
    let mut starts = if every > 0 { vec![(0, 0)] } else { Vec::new() };
    let mut end_line = |blank: bool, end: u64, starts: &mut Vec<(u64, u64)>| {
        if blank {
            return;
        }
        records += 1;
        if every > 0 && (records.is_multiple_of(every) || records.is_multiple_of(START_STEP)) {
            starts.push((records, end));
        }
    };
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut at = pos;
        let mut segments = buf[..n].split(|b| *b == b'\n').peekable();
        while let Some(seg) = segments.next() {
            blank &= seg.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
            at += seg.len() as u64 + 1;
            if segments.peek().is_some() {
                end_line(blank, at, &mut starts);
                blank = true;
            }
        }
        pos += n as u64;
    }
    end_line(blank, pos, &mut starts);
    Ok(Records { ragged: None, records, starts, bytes: pos, blank: 0, open_quote: None })
}

/// A CSV file whose lines do not all have the same number of fields: polars fails the whole
/// read on a line with more fields than the header (without saying where) and pads a shorter
/// one with nulls, so such a file is refused as a whole, naming its first ragged line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ragged {
    /// The line (1-based) of the first record whose field count differs.
    pub line: u64,
    /// Its number of fields.
    pub fields: u64,
    /// The first record's number of fields (the header's, when there is one).
    pub expected: u64,
    /// How many records differ.
    pub records: u64,
}

impl Ragged {
    /// The message naming `shown`'s first ragged line.
    pub fn message(&self, shown: &str, header: bool) -> String {
        let first = if header { "the header" } else { "the first line" };
        let more = match self.records {
            1 => String::new(),
            n => format!("; {} more such lines", n - 1),
        };
        format!(
            "`{shown}` line {}: {} fields where {first} has {} (a ragged CSV line{more})",
            self.line, self.fields, self.expected
        )
    }
}

thread_local! {
    /// Datasets are opened for their schema only (`--schema-only`): no row is read.
    static SCHEMA_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (which opens datasets on this thread) with datasets opened for their schema only
/// when `on`: CSV files are not scanned for ragged lines nor their rows counted for slicing.
pub fn schema_only<T>(on: bool, f: impl FnOnce() -> T) -> T {
    with_local(&SCHEMA_ONLY, on, f)
}

/// Runs `f` with the thread-local `cell` set to `value`, restored after (also on a panic).
fn with_local<V: Copy + 'static, T>(
    cell: &'static std::thread::LocalKey<std::cell::Cell<V>>,
    value: V,
    f: impl FnOnce() -> T,
) -> T {
    struct Restore<V: Copy + 'static>(&'static std::thread::LocalKey<std::cell::Cell<V>>, V);
    impl<V: Copy + 'static> Drop for Restore<V> {
        fn drop(&mut self) {
            self.0.set(self.1);
        }
    }
    let _restore = Restore(cell, cell.replace(value));
    f()
}

/// Whether rows are read (not [`schema_only`]).
pub fn reads_rows() -> bool {
    !SCHEMA_ONLY.get()
}

/// Per text file counted (by the name messages give it): data rows, bytes of text, and whether
/// its record starts were noted (its slices read their own bytes).
static ROWS: Mutex<BTreeMap<String, (u64, u64, bool)>> = Mutex::new(BTreeMap::new());

/// The files whose fields were counted in this process, with the ragged-line error found.
static FIELDS_CHECKED: Mutex<BTreeMap<FieldsKey, Option<String>>> = Mutex::new(BTreeMap::new());

/// Where the records of a CSV file start, found by the count of its fields: the byte offsets of
/// the data records whose index is a multiple of the slice rows or of [`START_STEP`], so that a
/// slice of rows is read from its bytes alone (polars' own row range counts every line before
/// it, once per slice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordStarts {
    /// (data record, byte offset of its first byte), by record.
    pub starts: Vec<(u64, u64)>,
    /// Data records in the file.
    pub records: u64,
    /// Bytes in the file.
    pub len: u64,
    /// Blank lines between records (polars' CSV reader reads each as a row of nulls: they are
    /// left out of the bytes it parses).
    pub blank: u64,
}

impl RecordStarts {
    /// The bytes (start, end) holding the `rows` data records from record `offset` (to the end of
    /// the file when the range reaches it), when `offset` is a noted start and the range ends on
    /// one or at the end.
    pub fn bytes(&self, offset: u64, rows: u64) -> Option<(u64, u64)> {
        let at = |row: u64| self.starts.binary_search_by_key(&row, |s| s.0).ok().map(|i| self.starts[i].1);
        let start = at(offset)?;
        let end_row = offset.saturating_add(rows);
        let end = if end_row >= self.records { self.len } else { at(end_row)? };
        Some((start, end.max(start)))
    }
}

/// Record starts by file, delimiter and quote (see [`RecordStarts`]).
static RECORD_STARTS: Mutex<BTreeMap<FieldsKey, Arc<RecordStarts>>> = Mutex::new(BTreeMap::new());

thread_local! {
    /// Rows per slice of the dataset being opened on this thread (0: not sliced).
    static SLICE_ROWS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Text in one slice of a CSV or NDJSON dataset, at most (about): a slice of text takes several
/// times its bytes once parsed (10M orders, 1.3 GB of CSV: 2M-row slices of 260 MB peaked at
/// 2.6 GB with two slices read at once, 512k-row slices of 64 MB at 1.2 GB, as fast).
pub const TEXT_SLICE_BYTES: u64 = 64 << 20;

/// Record starts are also noted every this many data records, for slices cut to
/// [`TEXT_SLICE_BYTES`] (whole multiples of it).
const START_STEP: u64 = 16_384;

/// Rows per slice of a text dataset of `records` rows in `bytes` bytes of text, sliced by
/// `rows`: the rows asked for when they hold no more than about [`TEXT_SLICE_BYTES`] of text
/// (or are fewer than a step), else whole steps of [`START_STEP`] rows that do.
fn text_slice_rows(rows: u64, records: u64, bytes: u64) -> u64 {
    let fit = u64::try_from(u128::from(TEXT_SLICE_BYTES) * u128::from(records) / u128::from(bytes.max(1)))
        .unwrap_or(u64::MAX);
    if fit >= rows || rows <= START_STEP { rows } else { (fit - fit % START_STEP).max(START_STEP) }
}

/// Runs `f` (which opens datasets on this thread) noting record starts every `rows` data records
/// of the CSV files it counts the fields of (0: none), so that their slices read their own bytes.
pub fn with_slice_rows<T>(rows: u64, f: impl FnOnce() -> T) -> T {
    with_local(&SLICE_ROWS, rows, f)
}

/// The record starts of `file` noted by [`check_fields`] for slices of `every` rows.
pub fn record_starts(file: &Path, delimiter: u8, quote: Option<u8>, every: u64) -> Option<Arc<RecordStarts>> {
    let key = (file.to_path_buf(), delimiter, quote, every);
    crate::lock(&RECORD_STARTS).get(&key).cloned()
}

/// A file, how its fields are told apart (delimiter, quote), and the rows between the record
/// starts noted.
type FieldsKey = (PathBuf, u8, Option<u8>, u64);

/// Checks that every record of the CSV file `file` (`shown` in messages; read decompressed) has
/// as many fields as its first: once per file and process (slices of a dataset open it again).
/// Notes the file's rows, and its record starts when slices of rows are read ([`with_slice_rows`]).
pub fn check_fields(file: &Path, shown: &str, delimiter: u8, quote: Option<u8>, header: bool) -> Result<(), String> {
    if !reads_rows() {
        return Ok(());
    }
    let every = SLICE_ROWS.get();
    let key = (file.to_path_buf(), delimiter, quote, every);
    if let Some(found) = crate::lock(&FIELDS_CHECKED).get(&key) {
        return found.clone().map_or(Ok(()), Err);
    }
    let t0 = std::time::Instant::now();
    let (compression, r) = sniff::reader(file).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    // A compressed file's offsets are not its bytes': a small compressed file (a larger one is
    // read from a decompressed copy) is read whole, by polars.
    let plain = compression == sniff::Compression::None;
    let scan = scan_records(r, delimiter, quote, header, if plain { every } else { 0 })
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let found = scan.ragged.map(|g| g.message(shown, header)).or_else(|| {
        scan.open_quote.map(|line| {
            format!(
                "`{shown}` line {line}: a quoted field is still open at the end of the file (a missing closing quote)"
            )
        })
    });
    let records = scan.records.saturating_sub(u64::from(header));
    crate::lock(&ROWS).insert(shown.to_owned(), (records, scan.bytes, plain));
    // A compressed file's starts are not noted (not its bytes), its blank lines are.
    let starts = if plain { scan.starts } else { Vec::new() };
    let starts = RecordStarts { starts, records, len: scan.bytes, blank: scan.blank };
    crate::lock(&RECORD_STARTS).insert(key.clone(), Arc::new(starts));
    tracing::debug!(file = shown, ms = t0.elapsed().as_millis() as u64, "fields counted");
    crate::lock(&FIELDS_CHECKED).insert(key, found.clone());
    found.map_or(Ok(()), Err)
}

/// Counts the fields of every record of the CSV text `r` (a quoted field may hold delimiters and
/// line ends; blank lines are no records, as polars skips them): the first record whose count
/// differs from the first record's, and how many differ.
#[cfg(test)]
pub fn ragged(r: impl Read, delimiter: u8, quote: Option<u8>) -> io::Result<Option<Ragged>> {
    scan_records(r, delimiter, quote, true, 0).map(|s| s.ragged)
}

/// What one pass over a CSV text finds.
struct Records {
    /// The first ragged record (see [`ragged`]).
    ragged: Option<Ragged>,
    /// Records, the header's line included.
    records: u64,
    /// (data record, byte offset) of the records whose index is a multiple of `every` or of
    /// [`START_STEP`] (none when `every` is 0).
    starts: Vec<(u64, u64)>,
    /// Bytes read.
    bytes: u64,
    /// Blank lines outside quoted fields (no records).
    blank: u64,
    /// The line of a record whose quoted field is still open at the end of the text.
    open_quote: Option<u64>,
}

/// [`ragged`], the number of records, and where the data records of an index multiple of
/// `every` or of [`START_STEP`] start (`header`: the first record is the header).
fn scan_records(mut r: impl Read, delimiter: u8, quote: Option<u8>, header: bool, every: u64) -> io::Result<Records> {
    let quote = quote.unwrap_or(delimiter);
    let quoting = quote != delimiter;
    let mut buf = vec![0u8; 1 << 20];
    let (mut line, mut record_line, mut fields, mut empty) = (1u64, 1u64, 1u64, true);
    let (mut in_quote, mut expected, mut found): (bool, Option<u64>, Option<Ragged>) = (false, None, None);
    let (mut records, mut total) = (0u64, 0u64);
    // The first data record's start is always noted (a whole read of a file with blank lines
    // reads its records from there).
    let mut starts = if header { Vec::new() } else { vec![(0, 0)] };
    let mut blank = 0u64;
    // A record ended by the line end at byte `end` (exclusive: the next record starts there).
    let mut end_record = |fields: u64, empty: bool, at: u64, end: u64, found: &mut Option<Ragged>| {
        if empty {
            // A blank line (not the end of the text after its last line end).
            blank += u64::from(end != u64::MAX);
            return;
        }
        total += 1;
        let data = total - u64::from(header);
        if data == 0 || every > 0 && (data.is_multiple_of(every) || data.is_multiple_of(START_STEP)) {
            starts.push((data, end));
        }
        match expected {
            None => expected = Some(fields),
            Some(e) if e != fields => {
                records += 1;
                if found.is_none() {
                    *found = Some(Ragged { line: at, fields, expected: e, records: 0 });
                }
            }
            Some(_) => {}
        }
    };
    let mut pos = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        // Most buffers hold no quote: lines and delimiters are counted a slice at a time.
        if !(in_quote || quoting && chunk.contains(&quote)) {
            let mut segments = chunk.split(|b| *b == b'\n').peekable();
            let mut at = pos;
            while let Some(seg) = segments.next() {
                fields += seg.iter().filter(|b| **b == delimiter).count() as u64;
                empty &= seg.iter().all(|b| *b == b'\r');
                at += seg.len() as u64 + 1;
                if segments.peek().is_some() {
                    line += 1;
                    end_record(fields, empty, record_line, at, &mut found);
                    (fields, empty, record_line) = (1, true, line);
                }
            }
            pos += n as u64;
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            if quoting && b == quote {
                in_quote = !in_quote;
                empty = false;
            } else if b == b'\n' {
                line += 1;
                if !in_quote {
                    end_record(fields, empty, record_line, pos + i as u64 + 1, &mut found);
                    (fields, empty, record_line) = (1, true, line);
                }
            } else if in_quote {
            } else if b == delimiter {
                fields += 1;
                empty = false;
            } else if b != b'\r' {
                empty = false;
            }
        }
        pos += n as u64;
    }
    let open_quote = in_quote.then_some(record_line);
    // The end of the text: u64::MAX tells the record's end from a blank line.
    end_record(fields, empty, record_line, u64::MAX, &mut found);
    // A last record without a line end ends at the end of the text.
    if let Some(last) = starts.last_mut().filter(|s| s.1 == u64::MAX) {
        last.1 = pos;
    }
    Ok(Records {
        ragged: found.map(|f| Ragged { records, ..f }),
        records: total,
        starts,
        bytes: pos,
        blank,
        open_quote,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compressed_stream_is_copied_whole() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let body: String = (0..50_000).map(|i| format!("{i},x{i}\n")).collect();
        gz.write_all(body.as_bytes()).expect("gzip");
        let bytes = gz.finish().expect("gzip");
        let r = flate2::read::MultiGzDecoder::new(&bytes[..]);
        let (path, n) = spill_copy(r, "t.csv.gz").expect("spill");
        assert_eq!(n, body.len() as u64);
        assert_eq!(std::fs::read_to_string(path).expect("read back"), body);
        // A truncated stream is an error naming the file.
        let r = flate2::read::MultiGzDecoder::new(&bytes[..bytes.len() / 2]);
        let e = spill_copy(r, "t.csv.gz").expect_err("truncated");
        assert!(e.contains("`t.csv.gz`"), "{e}");
    }

    #[test]
    fn large_files_are_read_by_url_with_their_path_encoded() {
        assert!(url_safe("/data/lake-1/t_2.csv") && url_safe("/proc/self/fd/7"));
        assert!(!url_safe("/data/lake 1/t.csv") && !url_safe("/d/é.csv") && !url_safe("/d/a%20b.csv"));
        // A small file keeps its path (memory-mapped: fastest).
        let f = tempfile::NamedTempFile::new().expect("tempfile");
        assert_eq!(read_path(f.path()).as_str(), f.path().to_str().unwrap_or_default());
    }

    #[test]
    fn record_starts_are_the_bytes_after_record_ends() {
        let starts = |t: &str, header: bool, every: u64| -> Vec<u64> {
            scan_records(t.as_bytes(), b',', Some(b'"'), header, every)
                .expect("read")
                .starts
                .iter()
                .map(|s| s.1)
                .collect()
        };
        // Header, a quoted line end, a blank line, CRLF, no final line end.
        let t = "a,b\n1,\"x\ny\"\n\n2,3\r\n4,5\n6,7";
        assert_eq!(starts(t, true, 1), vec![4, 12, 18, 22, 25]);
        assert_eq!(&t[12..], "\n2,3\r\n4,5\n6,7");
        assert_eq!(starts(t, true, 2), vec![4, 18, 25]);
        assert_eq!(starts(t, false, 2), vec![0, 12, 22]);
        // Without slices, the first data record's start only.
        assert_eq!(starts(t, true, 0), vec![4]);
        // A final line end: the start after the last record is the end of the text.
        assert_eq!(starts("a\n1\n2\n", true, 2), vec![2, 6]);
        let r = RecordStarts { starts: vec![(0, 4), (2, 18), (4, 25)], records: 4, len: 25, blank: 1 };
        assert_eq!(r.bytes(0, 2), Some((4, 18)));
        assert_eq!(r.bytes(2, 2), Some((18, 25)));
        assert_eq!(r.bytes(2, u64::from(u32::MAX)), Some((18, 25)));
        assert_eq!(r.bytes(0, 4), Some((4, 25)));
        // Not on a noted start, or ending inside the file off one: not read from bytes.
        assert_eq!(r.bytes(1, 2), None);
        assert_eq!(r.bytes(0, 1), None);
        assert_eq!(r.bytes(6, 2), None);
        // Multiples of the slice rows and of the step are noted.
        let text: String = std::iter::once("a\n".to_owned()).chain((0..40_000).map(|i| format!("{i}\n"))).collect();
        let noted: Vec<u64> =
            scan_records(text.as_bytes(), b',', None, true, 25_000).expect("read").starts.iter().map(|s| s.0).collect();
        assert_eq!(noted, vec![0, 16_384, 25_000, 32_768]);
    }

    #[test]
    fn blank_lines_and_open_quotes_are_found() {
        let scan = |t: &str| scan_records(t.as_bytes(), b',', Some(b'"'), true, 0).expect("read");
        // Blank lines (CRLF too) between records and at the end; an empty line in a quoted field
        // is text.
        let s = scan("a,b\n\n1,\"x\n\ny\"\r\n\r\n2,3\n\n");
        assert_eq!((s.blank, s.records, s.open_quote), (3, 3, None));
        assert_eq!(scan("a,b\n1,2\n").blank, 0);
        assert_eq!(scan("a,b\n1,2").blank, 0);
        // A quote opened in the last record and never closed: the record's line.
        assert_eq!(scan("a,b\n1,2\n3,\"x\n4,5\n").open_quote, Some(3));
        let kept = without_blank_lines(b"a,b\n\n1,\"x\n\ny\"\r\n\r\n2,3\n\n4,5", Some(b'"'));
        assert_eq!(String::from_utf8_lossy(&kept), "a,b\n1,\"x\n\ny\"\r\n2,3\n4,5");
    }

    #[test]
    fn text_slices_hold_about_their_bytes_of_text_in_whole_steps() {
        // 10M orders, 1.3 GB of CSV: 2M-row slices are cut to 64 MiB of text, whole steps.
        let r = text_slice_rows(2 << 20, 10_000_000, 1_295_380_396);
        assert_eq!(r % START_STEP, 0);
        assert_eq!(r, 507_904);
        // Rows that fit: as asked, a step or not.
        assert_eq!(text_slice_rows(25_000, 60_000, 15_000_000), 25_000);
        // Narrow rows: the rows asked for.
        assert_eq!(text_slice_rows(2 << 20, 10_000_000, 100_000_000), 2 << 20);
        // Below one step: the rows asked for (every row its own slice).
        assert_eq!(text_slice_rows(1, 120, 3_000), 1);
        assert_eq!(text_slice_rows(300, 2_000, 60_000), 300);
        // Rows wider than the whole budget: one step.
        assert_eq!(text_slice_rows(2 << 20, 1_000_000, 1 << 40), START_STEP);
    }

    #[test]
    fn ragged_lines_are_found_outside_quotes() {
        let r = |t: &str| ragged(t.as_bytes(), b',', Some(b'"')).expect("read");
        assert_eq!(r("a,b\n1,2\n\n3,\"x,\ny\"\n4,5"), None);
        assert_eq!(r("a,b\r\n1,2\r\n"), None);
        assert_eq!(r("a,b\n1,2\n\"q\nq\",3,4\n5\n"), Some(Ragged { line: 3, fields: 3, expected: 2, records: 2 }));
        assert_eq!(r("a,b\n1,2,"), Some(Ragged { line: 2, fields: 3, expected: 2, records: 1 }));
        // No quoting: a quote is a character like any other.
        assert_eq!(ragged(&b"a;b\n\"1;2\n"[..], b';', None).expect("read"), None);
        // Across buffers, with and without quotes (the fast path and the byte-by-byte one): a
        // quoted field with a delimiter and a line end in the second megabyte, a ragged line later.
        let mut big = String::from("a,b,c\n");
        for i in 0..120_000u64 {
            match i {
                60_000 => big.push_str("1,\"x,\ny\",3\n"),
                100_000 => big.push_str("1,2\n"),
                _ => big.push_str(&format!("{i},{i},{i}\n")),
            }
        }
        assert_eq!(r(&big), Some(Ragged { line: 100_003, fields: 2, expected: 3, records: 1 }));
        let m = Ragged { line: 4, fields: 4, expected: 3, records: 2 }.message("t.csv", true);
        assert!(
            m.starts_with("`t.csv` line 4: 4 fields where the header has 3 (a ragged CSV line; 1 more such lines)")
        );
    }
}
