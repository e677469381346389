//! Data sources: local files (globs, folders, hive partitions) as polars LazyFrames.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lakegate_core::plan::DeclaredColumn;
use lakegate_core::{ColumnType, Format, Source};
use polars::prelude::*;

mod encoding;
mod json;
pub mod object;
mod sniff;
mod text;
mod union;

pub use text::{schema_only, text_slices, with_slice_rows};

/// The files a source pattern designates, sorted. A folder means every file below it with
/// the format's extension (also gzip- or zstd-compressed: `t.csv.gz`, `t.ndjson.zst`); a
/// pattern with `*`, `?` or `[` is a glob.
pub fn resolve_files(src: &Source) -> Result<(Vec<PathBuf>, PathBuf), String> {
    if src.object.is_some() {
        // Object storage: listed by prefix (data roots are local folders; see object.rs).
        return object::list(src, extensions(src.format));
    }
    if src.roots.is_empty() {
        return find_files(src);
    }
    let nothing = || {
        format!(
            "no file matches `{}` inside the allowed data roots ({}; to allow a folder, add it to `roots` in the top \
             `.lakegate.yaml`, or pass --root)",
            src.display,
            src.roots.iter().map(|r| format!("`{}`", r.display())).collect::<Vec<_>>().join(", ")
        )
    };
    // The same words whether nothing matched or what matched lies outside the roots.
    let (files, base) = match find_files(src) {
        Err(e) if e.starts_with("no file matches") => return Err(nothing()),
        other => other?,
    };
    // A contract's path: each file found, by its real path, stays inside the data roots (a
    // symbolic link in the lake, or `*` matching one, must not lead to `/etc`). A file outside is
    // not read, and not named either (a public message must not tell which files exist outside
    // the roots): a pattern that finds only such files finds nothing.
    let total = files.len();
    let inside: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| std::fs::canonicalize(f).is_ok_and(|real| src.roots.iter().any(|r| real.starts_with(r))))
        .collect();
    if inside.len() < total {
        tracing::debug!(pattern = %src.display, left_out = total - inside.len(), "files outside the data roots");
    }
    if inside.is_empty() {
        return Err(nothing());
    }
    Ok((inside, base))
}

/// The files of `src` before the roots check.
fn find_files(src: &Source) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let path = &src.path;
    let text = path.to_string_lossy();
    let exts = extensions(src.format);
    if text.contains(['*', '?', '[']) {
        let base = glob_base(path);
        let mut files = Vec::new();
        let entries = glob::glob(&text).map_err(|e| format!("invalid glob `{}`: {e}", src.display))?;
        // As in a folder, `_SUCCESS`, `.crc` and other hidden or marker files are not data,
        // unless the pattern's file name asks for them.
        let marker_pattern = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']));
        for entry in entries {
            let p = entry.map_err(|e| format!("cannot read `{}`: {e}", e.path().display()))?;
            let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']));
            if p.is_file() && (marker_pattern || !hidden) {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(format!("no file matches `{}` (resolved to `{text}`)", src.display));
        }
        Ok((files, base))
    } else if path.is_dir() {
        let mut files = Vec::new();
        walk(path, exts, &mut files).map_err(|e| format!("cannot read folder `{}`: {e}", path.display()))?;
        files.sort();
        if files.is_empty() {
            return Err(format!("folder `{}` holds no {} file", src.display, exts[0]));
        }
        Ok((files, path.clone()))
    } else if path.is_file() {
        Ok((vec![path.clone()], path.parent().map(Path::to_path_buf).unwrap_or_default()))
    } else {
        Err(format!("`{}` does not exist (resolved to `{text}`)", src.display))
    }
}

fn extensions(format: Format) -> &'static [&'static str] {
    match format {
        Format::Parquet => &["parquet", "pq"],
        Format::Csv => &["csv", "tsv", "txt"],
        Format::Json => &["json", "ndjson", "jsonl"],
    }
}

/// Whether a file name has one of `exts`, possibly followed by `.gz`, `.zst` or `.zstd`.
fn has_extension(name: &str, exts: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    let inner = [".gz", ".zst", ".zstd"].iter().find_map(|c| lower.strip_suffix(c)).unwrap_or(&lower);
    inner.rsplit_once('.').is_some_and(|(_, e)| exts.contains(&e))
}

fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if p.is_dir() {
            walk(&p, exts, out)?;
        } else if has_extension(name, exts) {
            out.push(p);
        }
    }
    Ok(())
}

/// The folder before the first glob character.
fn glob_base(path: &Path) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in path.components() {
        if comp.as_os_str().to_string_lossy().contains(['*', '?', '[']) {
            break;
        }
        base.push(comp);
    }
    base
}

/// Hive partition keys of `file` below `base`: `dt=2026-11-25/part.parquet` -> (dt, 2026-11-25).
/// Values are percent-decoded (`ts=2026-11-25 10%3A00%3A00`, as Spark and polars write them).
pub fn hive_keys(file: &Path, base: &Path) -> Vec<(String, String)> {
    let rel = file.strip_prefix(base).unwrap_or(file);
    let parent = rel.parent().unwrap_or(Path::new(""));
    parent
        .components()
        .filter_map(|c| {
            let s = c.as_os_str().to_string_lossy();
            let (k, v) = s.split_once('=')?;
            (!k.is_empty()).then(|| (k.to_owned(), percent_decode(v)))
        })
        .collect()
}

fn percent_decode(v: &str) -> String {
    if !v.contains('%') {
        return v.to_owned();
    }
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| v.to_owned())
}

/// The type of each hive partition key of a dataset: the declared type when the contract
/// declares the column (`hour=01` declared `string` stays "01"), else inferred from every
/// file's value: dates when all are `YYYY-MM-DD`, int64 when all are integers, else strings.
/// The same type for every file, so that the files concatenate.
#[derive(Debug, Clone, Default)]
pub struct HiveTypes(BTreeMap<String, DataType>);

impl HiveTypes {
    /// The key types of `files` below `base`.
    pub fn new(files: &[PathBuf], base: &Path, declared: &[DeclaredColumn]) -> HiveTypes {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in files {
            for (k, v) in hive_keys(f, base) {
                values.entry(k).or_default().push(v);
            }
        }
        let types = values
            .into_iter()
            .map(|(k, vs)| {
                let declared = declared.iter().find(|d| d.column == k).and_then(|d| d.parse.as_ref());
                let t = match declared.and_then(dtype_of) {
                    Some(t) => t,
                    None if declared == Some(&ColumnType::String) => DataType::String,
                    None => {
                        let vs: Vec<&String> = vs.iter().filter(|v| !is_hive_null(v)).collect();
                        if !vs.is_empty() && vs.iter().all(|v| v.len() == 10 && civil_date(v).is_ok()) {
                            DataType::Date
                        } else if !vs.is_empty() && vs.iter().all(|v| v.parse::<i64>().is_ok()) {
                            DataType::Int64
                        } else {
                            DataType::String
                        }
                    }
                };
                (k, t)
            })
            .collect();
        HiveTypes(types)
    }
}

fn is_hive_null(v: &str) -> bool {
    v == "__HIVE_DEFAULT_PARTITION__" || v.is_empty()
}

/// A hive partition value as a literal of the key's type; a value that is not of the declared
/// type is an error naming the file.
fn hive_literal(key: &str, v: &str, t: &DataType, file: &Path) -> PolarsResult<Expr> {
    if is_hive_null(v) {
        return Ok(lit(NULL).cast(t.clone()));
    }
    let wrong = || {
        polars_err!(ComputeError:
            "partition value `{key}={v}` of `{}` is not of type {}, the type the contract declares for `{key}`",
            shown(file),
            union::type_name(t)
        )
    };
    let text = lit(v.to_owned());
    Ok(match t {
        DataType::String => text,
        DataType::Date => lit(civil_date(v).map_err(|_| wrong())?).cast(DataType::Date),
        DataType::Boolean => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" | "yes" => lit(true),
            "false" | "0" | "f" | "no" => lit(false),
            _ => return Err(wrong()),
        },
        t if t.is_integer() => {
            let i = v.trim().parse::<i128>().map_err(|_| wrong())?;
            let bits: u32 = match t {
                DataType::Int8 | DataType::UInt8 => 8,
                DataType::Int16 | DataType::UInt16 => 16,
                DataType::Int32 | DataType::UInt32 => 32,
                _ => 64,
            };
            let (lo, hi) = if t.is_signed_integer() {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            if !(lo..=hi).contains(&i) {
                return Err(wrong());
            }
            lit(i).cast(t.clone())
        }
        t if t.is_float() => lit(v.trim().parse::<f64>().map_err(|_| wrong())?).cast(t.clone()),
        // Decimals, timestamps and times through the text parser (a value that does not parse is
        // null, counted by the parse check).
        _ => parse_text(text, t, false),
    })
}

/// `YYYY-MM-DD` as days since the epoch, without pulling a date library into the engine.
fn civil_date(v: &str) -> Result<i32, ()> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(());
    }
    let y: i64 = v[0..4].parse().map_err(|_| ())?;
    let m: i64 = v[5..7].parse().map_err(|_| ())?;
    let d: i64 = v[8..10].parse().map_err(|_| ())?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > days[(m - 1) as usize] {
        return Err(());
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) as i32)
}

/// Slices of a dataset of several files (`file_rows`: each file's row count): whole files
/// grouped in file order to at most `rows` rows each, a larger file cut into row ranges of its
/// own. polars does not push a row slice into the scans of a concatenation, so slicing the whole
/// dataset by row offsets read every earlier file again for each slice (10M rows in 30
/// partitions: 2.45 s against 1.33 s in one read). Each slice has the dataset's full `schema`,
/// columns a group lacks being null, so that every slice answers the same metrics.
#[allow(clippy::too_many_arguments)]
pub fn file_slices(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    file_rows: &[u64],
    cuttable: &[bool],
    rows: u64,
    schema: &Schema,
) -> PolarsResult<Vec<LazyFrame>> {
    // A file that may not be cut (a small compressed text file: polars' row ranges over it lost
    // or repeated rows next to blank lines) is one slice of its own.
    let even = |i: usize, rows: u64| {
        let n = file_rows[i];
        if cuttable.get(i).copied().unwrap_or(false) {
            (0..n.div_ceil(rows)).map(|k| (k * rows, rows)).collect()
        } else {
            vec![(0, IdxSize::MAX as u64)]
        }
    };
    grouped_slices(src, files, base, declared, file_rows, &even, rows, schema)
}

/// [`file_slices`] of a Parquet dataset (`footer`: its files' footers): a larger file is cut on
/// its row-group boundaries ([`crate::footer::Footer::file_slices`]), no row group read twice.
pub fn parquet_file_slices(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    footer: &crate::footer::Footer,
    rows: u64,
    schema: &Schema,
) -> PolarsResult<Vec<LazyFrame>> {
    let cuts = |i: usize, rows: u64| footer.file_slices(i, rows);
    grouped_slices(src, files, base, declared, &footer.file_rows, &cuts, rows, schema)
}

/// [`file_slices`], the row ranges of the `i`-th file (larger than a slice) from `cuts`.
#[allow(clippy::too_many_arguments)]
fn grouped_slices(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    file_rows: &[u64],
    cuts: &dyn Fn(usize, u64) -> Vec<(u64, u64)>,
    rows: u64,
    schema: &Schema,
) -> PolarsResult<Vec<LazyFrame>> {
    let hive = HiveTypes::new(files, base, declared);
    let whole = |group: &[PathBuf]| -> PolarsResult<LazyFrame> {
        let lf = open_with(src, group, base, declared, &hive)?.lf;
        conform(lf, schema)
    };
    let rows = rows.max(1);
    let (mut out, mut group, mut in_group) = (Vec::new(), Vec::new(), 0u64);
    for (i, (f, &n)) in files.iter().zip(file_rows).enumerate() {
        if !group.is_empty() && (n > rows || in_group + n > rows) {
            out.push(whole(&group)?);
            group.clear();
            in_group = 0;
        }
        if n > rows {
            // The row range is cut on the file's scan, where polars pushes it into the reader
            // (a text file's parse expressions would keep it above the scan).
            for range in cuts(i, rows) {
                let lf = open_range(src, std::slice::from_ref(f), base, declared, &hive, Some(range))?.lf;
                out.push(conform(lf, schema)?);
            }
        } else {
            group.push(f.clone());
            in_group += n;
        }
    }
    if !group.is_empty() {
        out.push(whole(&group)?);
    }
    Ok(out)
}

/// `lf` with exactly the columns of `schema`, in its order and types (a column `lf` lacks is
/// null).
fn conform(mut lf: LazyFrame, schema: &Schema) -> PolarsResult<LazyFrame> {
    let have = lf.collect_schema()?;
    let exprs: Vec<Expr> = schema
        .iter()
        .map(|(n, t)| match have.get(n) {
            Some(h) if h == t => col(n.clone()),
            Some(_) => col(n.clone()).cast(t.clone()),
            None => lit(NULL).cast(t.clone()).alias(n.clone()),
        })
        .collect();
    Ok(lf.select(exprs))
}

/// Suffix of the hidden raw-text copy of a typed CSV/JSON column (for parse-failure counts).
pub const RAW_SUFFIX: &str = "\u{1}raw";

/// A dataset's files opened as one LazyFrame, and what differs between the files.
pub struct Opened {
    /// Every file's rows, the columns being the union of the files' columns by name.
    pub lf: LazyFrame,
    /// For each column that some files lack: how many files lack it (their rows hold nulls).
    pub missing_in_files: BTreeMap<String, usize>,
    /// With `--on-bad-file skip`: the files left out, each with why (the file is named).
    pub skipped: Vec<String>,
    /// The files read (those not left out), in order.
    pub files: Vec<PathBuf>,
}

/// polars' own hive partitioning is off: lakegate adds the folders' keys itself (typed by the
/// contract, with a warning when a file holds the same column), for every format alike.
fn no_hive() -> HiveOptions {
    HiveOptions::new_disabled()
}

/// Opens the files of a source as one LazyFrame (hive keys as columns). Text formats are
/// typed by the contract: declared non-string columns are parsed leniently, and the raw text
/// stays available as `<column>\u{1}raw` so that values that do not parse are counted.
pub fn open(src: &Source, files: &[PathBuf], base: &Path, declared: &[DeclaredColumn]) -> PolarsResult<LazyFrame> {
    open_dataset(src, files, base, declared).map(|o| o.lf)
}

/// The first of `files` whose rows cannot be read on their own (a corrupt page or object), for
/// errors that name the file: a dataset's files are read as one, and polars names none.
pub fn failing_file(src: &Source, files: &[PathBuf], base: &Path, declared: &[DeclaredColumn]) -> Option<PathBuf> {
    files
        .iter()
        .find(|f| open(src, std::slice::from_ref(*f), base, declared).and_then(|lf| lf.collect()).is_err())
        .cloned()
}

/// [`open`], also saying which columns some files lack.
pub fn open_dataset(src: &Source, files: &[PathBuf], base: &Path, declared: &[DeclaredColumn]) -> PolarsResult<Opened> {
    open_with(src, files, base, declared, &HiveTypes::new(files, base, declared))
}

/// A file as messages name it: relative to the working directory when below it.
fn shown(f: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    f.strip_prefix(&cwd).unwrap_or(f).display().to_string()
}

/// One file as a LazyFrame, cut to the row range `range` (offset, rows) when given; `None` for a
/// CSV or JSON file without content (empty, blank, or an empty JSON array): it has no rows and
/// no columns to add to the union.
fn scan_file(
    src: &Source,
    f: &Path,
    declared: &[DeclaredColumn],
    hive: &HiveTypes,
    range: Option<(u64, u64)>,
) -> PolarsResult<Option<LazyFrame>> {
    // From the first row to the end: the whole file.
    let mut range = range.filter(|r| !(r.0 == 0 && r.1 >= IdxSize::MAX as u64));
    let lf = scan_whole(src, f, declared, hive, &mut range)?;
    // A range the reader did not take is a slice of the whole scan (polars pushes it into the
    // scan: CSV and NDJSON count the lines before it).
    Ok(lf.map(|lf| match range {
        Some((offset, rows)) => lf.slice(offset as i64, rows as IdxSize),
        None => lf,
    }))
}

/// [`scan_file`]: a CSV or NDJSON file whose record starts were noted reads `range` from its
/// own bytes (and takes it: `None` after), any other file is scanned whole.
fn scan_whole(
    src: &Source,
    f: &Path,
    declared: &[DeclaredColumn],
    hive: &HiveTypes,
    range: &mut Option<(u64, u64)>,
) -> PolarsResult<Option<LazyFrame>> {
    let name = shown(f);
    if src.format == Format::Parquet && object::is_url(f) && object::copied(f).is_none() {
        // polars reads Parquet objects itself, by range requests (small ones were fetched whole).
        let args = ScanArgsParquet {
            glob: false,
            cloud_options: object::options(src),
            hive_options: no_hive(),
            ..Default::default()
        };
        return LazyFrame::scan_parquet(PlRefPath::new(f.to_string_lossy().as_ref()), args).map(Some);
    }
    // An object is read from a local copy; a text file in a single-byte encoding from its UTF-8
    // copy.
    let mut data = object::local_copy(f)?.unwrap_or_else(|| f.to_path_buf());
    if src.format != Format::Parquet
        && let Some(e) = &src.csv.encoding
    {
        let enc = encoding::parse(e).map_err(|e| polars_err!(ComputeError: "{e}"))?;
        if enc != encoding::Encoding::Utf8 {
            let (_, r) = sniff::reader(&data).map_err(|e| polars_err!(ComputeError: "cannot read `{name}`: {e}"))?;
            data = encoding::to_utf8(r, enc, &name).map_err(|e| polars_err!(ComputeError: "{e}"))?;
        }
    }
    // A large compressed text file is read from its decompressed copy, made once (text.rs).
    if src.format != Format::Parquet
        && let Some(copy) = text::decompressed(&data, &name, false).map_err(|e| polars_err!(ComputeError: "{e}"))?
    {
        data = copy;
    }
    let head = sniff::check(&data, &name, src.format).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    if src.format != Format::Parquet && head.complete && sniff::first_non_space(&head.bytes).is_none() {
        tracing::debug!(file = %name, "no content: no rows, no columns");
        return Ok(None);
    }
    let p = if src.format == Format::Parquet {
        PlRefPath::new(data.to_string_lossy().as_ref())
    } else {
        text::read_path(&data)
    };
    Ok(Some(match src.format {
        Format::Parquet => {
            LazyFrame::scan_parquet(p, ScanArgsParquet { glob: false, hive_options: no_hive(), ..Default::default() })?
        }
        Format::Csv => {
            let o = &src.csv;
            // A `.tsv` file is tab-separated unless the contract names another delimiter.
            let tsv = f.file_name().is_some_and(|n| has_extension(&n.to_string_lossy(), &["tsv"]));
            let delimiter = if tsv && o.delimiter == b',' { b'\t' } else { o.delimiter };
            // Every line has the header's number of fields (polars fails a longer one without
            // saying where, and pads a shorter one with nulls).
            text::check_fields(&data, &name, delimiter, o.quote, o.header)
                .map_err(|e| polars_err!(ComputeError: "{e}"))?;
            // A small compressed file with blank lines is read from a decompressed copy too,
            // whose blank lines the range read leaves out.
            let mut p = p;
            if text::has_blank_lines(&data, delimiter, o.quote)
                && let Some(copy) =
                    text::decompressed(&data, &name, true).map_err(|e| polars_err!(ComputeError: "{e}"))?
            {
                data = copy;
                text::check_fields(&data, &name, delimiter, o.quote, o.header)
                    .map_err(|e| polars_err!(ComputeError: "{e}"))?;
                p = text::read_path(&data);
            }
            let markers: Vec<PlSmallStr> =
                o.null_values.iter().filter(|v| !v.is_empty()).map(|v| v.as_str().into()).collect();
            let parse = CsvParseOptions::default()
                .with_separator(delimiter)
                .with_quote_char(o.quote)
                .with_null_values((!markers.is_empty()).then_some(NullValues::AllColumns(markers)))
                .with_missing_is_null(o.null_values.iter().any(String::is_empty));
            let mut lf = LazyCsvReader::new(p)
                .with_has_header(o.header)
                .with_separator(delimiter)
                .with_quote_char(o.quote)
                .with_null_values(parse.null_values.clone())
                .with_missing_is_null(parse.missing_is_null)
                .with_infer_schema_length(Some(0))
                .with_glob(false)
                .finish()?;
            if !o.header && !declared.is_empty() {
                // No header line: the columns are the declared properties, in contract order
                // (partition columns come from the path).
                let found = lf.collect_schema().map_err(|e| in_file(e, f))?;
                let in_data = declared.iter().filter(|d| !hive.0.contains_key(&d.column));
                let (old, new): (Vec<PlSmallStr>, Vec<PlSmallStr>) =
                    found.iter_names().zip(in_data).map(|(n, d)| (n.clone(), d.column.as_str().into())).unzip();
                lf = lf.rename(old, new, true);
            }
            // A whole read of a file with blank lines is a range too: polars reads each blank
            // line as a row of nulls, the range leaves them out (as pandas, DuckDB and the
            // sliced read do).
            let whole = range.is_none() && text::has_blank_lines(&data, delimiter, o.quote);
            if let Some(r) = range.or(whole.then_some((0, u64::MAX))) {
                let schema = lf.collect_schema().map_err(|e| in_file(e, f))?;
                if let Some(part) = text::csv_range(&data, &name, r, schema, parse)? {
                    *range = None;
                    return Ok(Some(part));
                }
            }
            lf
        }
        Format::Json => {
            // polars' NDJSON reader refuses a byte order mark: such files are rewritten too.
            let bom = head.bytes.starts_with(&[0xef, 0xbb, 0xbf]);
            let mut lines = data.clone();
            let p = match if bom { json::Layout::Document } else { json::layout(&head.bytes) } {
                json::Layout::Lines => p,
                json::Layout::Document => {
                    // Rewritten once per process (the groups of a sliced dataset read it again).
                    let tmp = text::copy_of(&data, "ndjson", || {
                        let (_, r) = sniff::reader(&data).map_err(|e| format!("cannot read `{name}`: {e}"))?;
                        json::to_ndjson(r, &name).map(|(tmp, _)| tmp)
                    })
                    .map_err(|e| polars_err!(ComputeError: "{e}"))?;
                    // No object: no rows, no columns.
                    if std::fs::metadata(&tmp).is_ok_and(|m| m.len() == 0) {
                        return Ok(None);
                    }
                    lines.clone_from(&tmp);
                    text::read_path(&tmp)
                }
            };
            // Declared columns are read as text and typed by the declaration: the types polars
            // infers from the first rows would fail on a later `2.5` in a column of `1`s.
            let mut found = json_schema(&lines, &p, false).map_err(|e| in_file(e, f))?;
            // polars infers the columns from the first 100 lines: a declared column that first
            // appears later is looked for in every line (a full read of the file, only then).
            let top = |d: &DeclaredColumn| d.column.split('.').next().unwrap_or_default().to_owned();
            if declared.iter().any(|d| !hive.0.contains_key(&d.column) && found.get(top(d).as_str()).is_none()) {
                found = json_schema(&lines, &p, true).map_err(|e| in_file(e, f))?;
            }
            let mut schema = found.as_ref().clone();
            for d in declared {
                let text = d.parse.as_ref().is_some_and(|t| *t == ColumnType::String || dtype_of(t).is_some());
                if let Some(t) = schema.get_mut(d.column.as_str()).filter(|t| text && !t.is_nested()) {
                    *t = DataType::String;
                }
            }
            let schema = Arc::new(schema);
            let lf = LazyJsonLineReader::new(p).with_schema(Some(schema.clone())).finish()?;
            // Lines (records) are counted, and where slices start noted, once per file.
            text::check_lines(&lines, &name).map_err(|e| polars_err!(ComputeError: "{e}"))?;
            if let Some(r) = *range
                && let Some(part) = text::json_range(&lines, &name, r, schema)?
            {
                *range = None;
                return Ok(Some(part));
            }
            lf
        }
    }))
}

/// The columns polars infers for the NDJSON file `lines` (read as `p`) from its first 100 lines,
/// or from every line with `every_line`: once per file and process (each slice of a dataset
/// opens its file again, and a full inference reads the whole file).
fn json_schema(lines: &Path, p: &PlRefPath, every_line: bool) -> PolarsResult<SchemaRef> {
    static SCHEMAS: std::sync::Mutex<BTreeMap<(PathBuf, bool), SchemaRef>> = std::sync::Mutex::new(BTreeMap::new());
    let key = (lines.to_path_buf(), every_line);
    if let Some(s) = crate::lock(&SCHEMAS).get(&key) {
        return Ok(s.clone());
    }
    let infer = if every_line { None } else { std::num::NonZeroUsize::new(100) };
    let schema = LazyJsonLineReader::new(p.clone()).with_infer_schema_length(infer).finish()?.collect_schema()?;
    crate::lock(&SCHEMAS).insert(key, schema.clone());
    Ok(schema)
}

fn open_with(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    hive: &HiveTypes,
) -> PolarsResult<Opened> {
    open_range(src, files, base, declared, hive, None)
}

/// [`open_with`], each file's scan cut to the row range `range` (offset, rows) when given.
fn open_range(
    src: &Source,
    files: &[PathBuf],
    base: &Path,
    declared: &[DeclaredColumn],
    hive: &HiveTypes,
    range: Option<(u64, u64)>,
) -> PolarsResult<Opened> {
    // Every file's own columns (hive keys included): the union, and who lacks what.
    let mut frames = Vec::with_capacity(files.len());
    let mut schemas = Vec::with_capacity(files.len());
    let mut hive_cols = BTreeSet::new();
    let mut kept = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for f in files {
        // `--on-bad-file skip`: a file that cannot be opened is left out, named in the report.
        let scanned = scan_file(src, f, declared, hive, range).and_then(|lf| match lf {
            Some(mut lf) => lf.collect_schema().map(|_| Some(lf)).map_err(|e| in_file(e, f)),
            None => Ok(None),
        });
        let mut lf = match scanned {
            Ok(Some(lf)) => lf,
            Ok(None) => continue,
            Err(e) if src.skip_bad_files => {
                let why = e.to_string().lines().next().unwrap_or("").trim().to_owned();
                tracing::warn!("--on-bad-file skip: left out {why}");
                skipped.push(why);
                continue;
            }
            Err(e) => return Err(e),
        };
        kept.push(f.clone());
        let keys = hive_keys(f, base);
        if !keys.is_empty() {
            let own = lf.collect_schema().map_err(|e| in_file(e, f))?;
            let mut exprs = Vec::with_capacity(keys.len());
            for (k, v) in &keys {
                if own.get(k.as_str()).is_some() {
                    // Spark's rule: the folder's value wins; say so, it may hide a bad file.
                    tracing::warn!(
                        "`{}` has a column `{k}` and lies in the folder `{k}={v}`: the folder's value is used",
                        shown(f)
                    );
                }
                let t = hive.0.get(k).cloned().unwrap_or(DataType::String);
                exprs.push(hive_literal(k, v, &t, f)?.alias(k.as_str()));
                hive_cols.insert(k.clone());
            }
            lf = lf.with_columns(exprs);
        }
        let schema = lf.collect_schema().map_err(|e| in_file(e, f))?;
        schemas.push(schema);
        frames.push(lf);
    }
    // `--on-bad-file skip` leaves out bad files, never the whole dataset: with no file read,
    // every check would pass on no rows.
    if kept.is_empty() && !skipped.is_empty() {
        let empty = files.len() - skipped.len();
        let others = if empty > 0 { format!(" (the {empty} others are empty)") } else { String::new() };
        return Err(
            polars_err!(ComputeError: "every file of `{}` was left out{others}: {}", src.display, skipped.join("; ")),
        );
    }
    let is_declared = |n: &str| declared.iter().any(|d| d.column == n || d.column.split('.').next() == Some(n));
    let json = src.format == Format::Json;
    if src.skip_bad_files && union::union(&kept, &schemas, json, shown, &is_declared).is_err() {
        // `--on-bad-file skip`: the files whose types do not agree with the files before them
        // (on a declared column) are left out, in file order.
        let (mut k, mut s, mut fr) = (Vec::new(), Vec::new(), Vec::new());
        for ((f, schema), lf) in kept.into_iter().zip(schemas).zip(frames) {
            let mut trial = s.clone();
            trial.push(schema.clone());
            let mut files = k.clone();
            files.push(f.clone());
            match union::union(&files, &trial, json, shown, &is_declared) {
                Ok(_) => {
                    k.push(f);
                    s.push(schema);
                    fr.push(lf);
                }
                Err(e) => {
                    let why = e.to_string().lines().next().unwrap_or("").trim().to_owned();
                    tracing::warn!("--on-bad-file skip: left out `{}`: {why}", shown(&f));
                    skipped.push(format!("`{}`: {why}", shown(&f)));
                }
            }
        }
        (kept, schemas, frames) = (k, s, fr);
    }
    let (union, missing_in_files) = union::union(&kept, &schemas, json, shown, &is_declared)?;
    let same = schemas.iter().all(|s| s.as_ref() == &union);
    let mut lf = if src.format == Format::Parquet && hive_cols.is_empty() && same && frames.len() > 1 {
        // One multi-file scan when every footer has the same schema. (One file keeps its own
        // scan, below: its footer is read already; a new scan would fetch it again.)
        let paths: Vec<PlRefPath> =
            kept.iter().map(|f| PlRefPath::new(object::readable(f).to_string_lossy().as_ref())).collect();
        let args = ScanArgsParquet {
            glob: false,
            cloud_options: object::options(src),
            hive_options: no_hive(),
            ..Default::default()
        };
        LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?
    } else if frames.is_empty() {
        // Every file is empty: no rows, no columns.
        DataFrame::empty().lazy()
    } else if frames.len() == 1 && same {
        frames.pop().unwrap_or_default()
    } else {
        // The union by name: each file's columns cast to the union's types, the columns a file
        // lacks null.
        let frames = frames.into_iter().map(|lf| conform(lf, &union)).collect::<PolarsResult<Vec<_>>>()?;
        concat(frames, UnionArgs { diagonal: true, ..Default::default() })?
    };
    lf = typed(lf, &union, src, declared, &hive_cols);
    Ok(Opened { lf, missing_in_files, skipped, files: kept })
}

fn in_file(e: PolarsError, f: &Path) -> PolarsError {
    let msg = e.to_string();
    let first = msg.lines().next().unwrap_or("").trim();
    polars_err!(ComputeError: "`{}`: {first}", shown(f))
}

/// Text columns typed by the declaration (CSV and JSON sources): each declared column whose
/// parse type differs from what was read is parsed from its text, the text staying as
/// `<column>\u{1}raw`.
fn typed(
    lf: LazyFrame,
    schema: &Schema,
    src: &Source,
    declared: &[DeclaredColumn],
    hive: &BTreeSet<String>,
) -> LazyFrame {
    if src.format == Format::Parquet {
        return lf;
    }
    let mut exprs = Vec::new();
    for d in declared {
        if hive.contains(&d.column) {
            continue; // typed from the path already
        }
        let Some(target) = d.parse.as_ref().and_then(dtype_of) else { continue };
        let Some(have) = schema.get(d.column.as_str()) else { continue };
        if *have == target {
            continue;
        }
        // Values typed by their source (hive columns of text files aside, JSON columns are read
        // as text) are parsed from their text too: a value out of the declared range is a
        // parse failure.
        if !(have.is_string() || have.is_primitive_numeric() || have.is_bool() || have.is_null()) {
            continue;
        }
        let c = col(d.column.as_str());
        let text = if have.is_string() { c.clone() } else { c.clone().cast(DataType::String) };
        // Blank text is a missing value, not one that failed to parse.
        exprs.push(blank_as_null(text.clone()).alias(format!("{}{RAW_SUFFIX}", d.column)));
        let parsed = parse_text(text, &target, src.csv.decimal_comma);
        exprs.push(parsed.alias(d.column.as_str()));
    }
    if exprs.is_empty() { lf } else { lf.with_columns(exprs) }
}

/// The polars type of a declared parse type; `None` for text and nested types (kept as read).
pub(crate) fn dtype_of(t: &ColumnType) -> Option<DataType> {
    Some(match t {
        ColumnType::Int(8) => DataType::Int8,
        ColumnType::Int(16) => DataType::Int16,
        ColumnType::Int(32) => DataType::Int32,
        ColumnType::Int(64) => DataType::Int64,
        ColumnType::UInt(8) => DataType::UInt8,
        ColumnType::UInt(16) => DataType::UInt16,
        ColumnType::UInt(32) => DataType::UInt32,
        ColumnType::UInt(64) => DataType::UInt64,
        ColumnType::Float(32) => DataType::Float32,
        ColumnType::Float(64) => DataType::Float64,
        ColumnType::Decimal(p, s) => DataType::Decimal(p.unwrap_or(38).clamp(1, 38), s.unwrap_or(0).min(38)),
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Date => DataType::Date,
        ColumnType::Timestamp { tz } => DataType::Datetime(TimeUnit::Microseconds, tz.then(|| TimeZone::UTC)),
        ColumnType::Time => DataType::Time,
        _ => return None,
    })
}

/// Text parsed leniently into `target`: a value that does not parse is null.
fn parse_text(c: Expr, target: &DataType, decimal_comma: bool) -> Expr {
    let number = |c: Expr| {
        let c = c.str().strip_chars(lit(NULL));
        if decimal_comma { c.str().replace_all(lit(","), lit("."), true) } else { c }
    };
    match target {
        // Explicit formats: polars infers one from the first value otherwise, and a first value
        // that is no date (`2026-02-30`) failed the whole read instead of counting as a failure.
        DataType::Date => dates(c),
        // ISO 8601 / RFC 3339 text in the usual shapes (see `literals::data_timestamp`); offsets
        // are converted to UTC, naive values are read as UTC.
        DataType::Datetime(tu, tz) => timestamps(c, *tu, tz.clone()),
        DataType::Time => coalesce(
            &["%H:%M:%S", "%H:%M:%S%.f", "%H:%M"]
                .iter()
                .map(|f| {
                    let o = StrptimeOptions { format: Some((*f).into()), strict: false, exact: true, cache: true };
                    c.clone().str().to_time(o)
                })
                .collect::<Vec<_>>(),
        ),
        DataType::Boolean => {
            let lower = c.str().strip_chars(lit(NULL)).str().to_lowercase();
            when(lower.clone().is_in(lit(Series::new("t".into(), ["true", "1", "t", "yes"])).implode(false), false))
                .then(lit(true))
                .when(lower.is_in(lit(Series::new("f".into(), ["false", "0", "f", "no"])).implode(false), false))
                .then(lit(false))
                .otherwise(lit(NULL).cast(DataType::Boolean))
        }
        // polars truncates digits beyond the scale (12.345 as DECIMAL(10,2) is 12.34): such a value
        // is not of the declared type, it does not parse (SQL engines would round it).
        DataType::Decimal(p, sc) if sc + 38 - p > *sc => {
            let fine = DataType::Decimal(38, (sc + 10).min(sc + 38 - p));
            let typed = number(c.clone()).cast(target.clone());
            let exact = number(c).cast(fine.clone());
            when(exact.clone().is_null().or(typed.clone().cast(fine).eq(exact)))
                .then(typed)
                .otherwise(lit(NULL).cast(target.clone()))
        }
        DataType::Decimal(_, _) | DataType::Float32 | DataType::Float64 => number(c).cast(target.clone()),
        // Integers: `1.0` is 1 (as DuckDB reads it); `1.5` is not an integer.
        other if other.is_integer() => {
            let c = c.str().strip_chars(lit(NULL));
            let f = c.clone().cast(DataType::Float64);
            let whole = f.clone().eq(f.clone().floor()).and(f.clone().abs().lt(lit(9_007_199_254_740_992.0)));
            coalesce(&[
                c.cast(other.clone()),
                when(whole).then(f.cast(other.clone())).otherwise(lit(NULL).cast(other.clone())),
            ])
        }
        other => c.str().strip_chars(lit(NULL)).cast(other.clone()),
    }
}

/// Date text parsed into `Date` (null where it does not parse): `YYYY-MM-DD`, `YYYY/MM/DD` or
/// `YYYY.MM.DD` exactly (year first, as ISO 8601 and the usual exports write them; day-first
/// text is ambiguous, and `2026-1-01`, ` 2026-01-01` or `+2026-01-01` are no dates, which
/// polars' `%Y-%m-%d` accepted).
fn dates(c: Expr) -> Expr {
    c.map(
        |c: Column| {
            let text = c.str()?;
            let mut v: Int32Chunked = text
                .iter()
                .map(|t| {
                    let b = t?.as_bytes();
                    let sep = *b.get(4)?;
                    if b.len() != 10 || !matches!(sep, b'-' | b'/' | b'.') || b[7] != sep {
                        return None;
                    }
                    let iso: Vec<u8> = b.iter().map(|&x| if x == sep { b'-' } else { x }).collect();
                    let days = crate::lower::literals::date(std::str::from_utf8(&iso).ok()?)?;
                    i32::try_from(days).ok()
                })
                .collect();
            v.rename(c.name().clone());
            Ok(v.into_date().into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Date)),
    )
}

/// Timestamp text parsed into `Datetime(unit, tz)` (null where it does not parse or is out of
/// the unit's range): one pass over the text, values read by `literals::data_timestamp`.
fn timestamps(c: Expr, unit: TimeUnit, tz: Option<TimeZone>) -> Expr {
    let out = DataType::Datetime(unit, tz.clone());
    let per = match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    };
    c.map(
        move |c: Column| {
            let text = c.str()?;
            let mut v: Int64Chunked = text
                .iter()
                .map(|t| {
                    let nanos = crate::lower::literals::data_timestamp(t?.as_bytes())?;
                    i64::try_from(nanos.div_euclid(per)).ok()
                })
                .collect();
            v.rename(c.name().clone());
            Ok(v.into_datetime(unit, tz.clone()).into_column())
        },
        move |_, f| Ok(Field::new(f.name().clone(), out.clone())),
    )
}

/// Text with blank values (empty, or white space only) made null, sharing the text's buffers:
/// the raw text of a parsed column, where blank is missing rather than a value that failed.
fn blank_as_null(c: Expr) -> Expr {
    c.map(
        |c: Column| {
            use polars_arrow::array::Array;
            let text = c.str()?;
            let chunks = text.downcast_iter().map(|arr| {
                let blank: polars_arrow::bitmap::Bitmap = arr.values_iter().map(|v| !v.trim().is_empty()).collect();
                let validity = match arr.validity() {
                    Some(v) => v & &blank,
                    None => blank,
                };
                arr.clone().with_validity(Some(validity))
            });
            Ok(StringChunked::from_chunk_iter(c.name().clone(), chunks).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_keys_below_base() {
        let keys = hive_keys(Path::new("/lake/ads/dt=2026-11-25/country=DE/part-0.parquet"), Path::new("/lake/ads"));
        assert_eq!(keys, vec![("dt".into(), "2026-11-25".into()), ("country".into(), "DE".into())]);
        assert!(hive_keys(Path::new("/lake/ads/part-0.parquet"), Path::new("/lake/ads")).is_empty());
    }

    #[test]
    fn hive_values_of_a_declared_type() {
        let f = Path::new("lake/h=300/part.parquet");
        assert!(hive_literal("h", "300", &DataType::Int16, f).is_ok());
        let e = hive_literal("h", "300", &DataType::Int8, f).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("partition value `h=300` of `lake/h=300/part.parquet` is not of type int8"), "{e}");
        assert!(hive_literal("h", "-1", &DataType::UInt32, f).is_err());
        assert!(hive_literal("h", "__HIVE_DEFAULT_PARTITION__", &DataType::Int8, f).is_ok());
        assert!(hive_literal("d", "2026-02-30x", &DataType::Date, f).is_err());
        assert_eq!(percent_decode("10%3A00%3a00"), "10:00:00");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn compressed_extensions() {
        assert!(has_extension("part-0.CSV.GZ", &["csv"]));
        assert!(has_extension("a.ndjson.zst", &["json", "ndjson"]));
        assert!(!has_extension("a.gz", &["csv"]));
        assert!(!has_extension("notes.csv.bz2", &["csv"]));
    }

    #[test]
    fn date_text_is_read_strictly() {
        let text = [
            "2024-02-29",
            "2024/02/29",
            "2024.02.29",
            "2026-1-01",
            " 2026-01-01",
            "+2026-01-01",
            "2023-02-29",
            "2024-02/29",
            "",
        ];
        let df = df!("d" => text).expect("frame");
        let out = df.lazy().select([dates(col("d")).cast(DataType::Int32)]).collect().expect("collect");
        let got: Vec<Option<i32>> = out.column("d").expect("d").i32().expect("i32").iter().collect();
        let leap = Some(19_782);
        assert_eq!(got, vec![leap, leap, leap, None, None, None, None, None, None]);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date("1970-01-01"), Ok(0));
        assert_eq!(civil_date("2000-03-01"), Ok(11_017));
        assert_eq!(civil_date("2026-11-25"), Ok(20_782));
        assert!(civil_date("2026-13-01").is_err());
        assert!(civil_date("2026-02-29").is_err());
        assert_eq!(civil_date("2024-02-29"), Ok(19_782));
    }
}
