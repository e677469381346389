//! How Spark reads a dataset: the data source (format, options, files) of its view, the typed
//! projection over it (CSV, JSON and partition values parsed as the contract declares, as
//! the polars engine does), and warehouse table names.

use lakegate_core::plan::DeclaredColumn;
use lakegate_core::{ColumnType, Format, Source, WarehouseTable};
pub(crate) use lakegate_engine::source::RAW_SUFFIX;
use std::collections::{BTreeMap, BTreeSet};

/// A Spark data source read: `spark.read.format(format).options(options).load(paths)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataSourceRead {
    /// `parquet`, `csv` or `json`.
    pub format: &'static str,
    /// Reader options.
    pub options: BTreeMap<String, String>,
    /// Files (local ones, found by lakegate) or an object storage URL, glob or prefix.
    pub paths: Vec<String>,
    /// Hive partition keys found in the files' folders (local files only).
    pub hive_keys: BTreeSet<String>,
}

/// The read of `src`: local files are found here with the polars engine's rules (the same
/// files, hidden and marker files left out, each inside the data roots) and handed to Spark
/// one by one, their common folder as `basePath` so hive folders become columns; an object
/// storage URL is given to Spark as written.
pub(crate) fn data_source(src: &Source) -> Result<DataSourceRead, String> {
    let (paths, base, hive_keys) = if let Some(object) = &src.object {
        let base = glob_base(&object.url);
        (vec![object.url.clone()], base, BTreeSet::new())
    } else {
        let (files, base) = lakegate_engine::source::resolve_files(src)?;
        let hive: BTreeSet<String> =
            files.iter().flat_map(|f| lakegate_engine::source::hive_keys(f, &base)).map(|(k, _)| k).collect();
        let paths = files.iter().map(|f| escape_glob(&f.to_string_lossy())).collect();
        (paths, base.to_string_lossy().into_owned(), hive)
    };
    let mut options = BTreeMap::new();
    if !base.is_empty() {
        options.insert("basePath".to_owned(), base);
    }
    let format = match src.format {
        Format::Parquet => {
            // Files with different columns are read as their union by name (as in polars).
            options.insert("mergeSchema".into(), "true".into());
            // Parquet's page index (column index) is not used to skip pages: writers that put
            // NaN in a double column's page statistics (polars does: min = max = NaN when a
            // page holds one) make Spark's Parquet reader drop the page's every row under
            // `amount IS NOT NULL` or `amount < 10`, while `count(amount)` still counts them.
            // Row-group statistics stay on (the reader ignores min/max holding NaN there).
            options.insert("parquet.filter.columnindex.enabled".into(), "false".into());
            "parquet"
        }
        Format::Csv => {
            let csv = &src.csv;
            options.insert("header".into(), csv.header.to_string());
            options.insert("sep".into(), char::from(csv.delimiter).to_string());
            // Spark disables quoting with the NUL character.
            options.insert("quote".into(), csv.quote.map_or('\0', char::from).to_string());
            options.insert("escape".into(), csv.quote.map_or('\\', char::from).to_string());
            // Every value is read as text and typed by the declaration (the view's projection).
            options.insert("inferSchema".into(), "false".into());
            // An empty field is null only when `nullValues` lists "" (the default); the other
            // null markers are applied by the projection (Spark takes a single one).
            if !csv.null_values.iter().any(String::is_empty) {
                options.insert("nullValue".into(), "\u{1}lakegate:no-null\u{1}".into());
                options.insert("emptyValue".into(), String::new());
            }
            if let Some(encoding) = &csv.encoding {
                options.insert("encoding".into(), encoding.clone());
            }
            options.insert("mode".into(), "PERMISSIVE".into());
            "csv"
        }
        Format::Json => "json",
    };
    Ok(DataSourceRead { format, options, paths, hive_keys })
}

/// The folder of a URL or path before its first glob character (`s3://b/t/*/x` -> `s3://b/t`).
fn glob_base(url: &str) -> String {
    let Some(first) = url.find(['*', '?', '[', '{']) else {
        return String::new();
    };
    url[..first].rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or_default()
}

/// A literal path for Hadoop, which reads `*?[]{}\` in a path as a glob.
fn escape_glob(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Spark SQL identifier, backtick-quoted.
pub(crate) fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// A Spark SQL string literal (`'...'`, backslashes and quotes escaped).
fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The projection typing a raw read, or `None` when the raw read is the dataset as it is.
/// Each column parsed from text is followed (after the data's columns) by its text as written,
/// named `<column>\u{1}raw` as in the polars engine: a parse failure is text without a value.
/// `raw` holds the raw view's columns and whether each is text. Text columns of CSV and JSON
/// files and hive partition values are parsed into their declared type (`parse`); a value
/// that does not parse is null, blank text is null, as in the polars engine. CSV files
/// without a header name their columns by the declaration's order.
pub(crate) fn typed_select(
    raw_view: &str,
    raw: &[(String, bool)],
    src: &Source,
    declared: &[DeclaredColumn],
    hive_keys: &BTreeSet<String>,
) -> Option<String> {
    let csv = src.format == Format::Csv;
    // Positional names of a headerless CSV: `_c0`, `_c1` ... are the declared columns in order.
    let mut names: Vec<String> = raw.iter().map(|(n, _)| n.clone()).collect();
    if csv && !src.csv.header {
        let in_data: Vec<&DeclaredColumn> = declared.iter().filter(|d| !hive_keys.contains(&d.column)).collect();
        for (i, name) in names.iter_mut().enumerate() {
            if let (Some(d), true) = (in_data.get(i), *name == format!("_c{i}")) {
                *name = d.column.clone();
            }
        }
    }
    let extra_nulls: Vec<&String> = src.csv.null_values.iter().filter(|v| !v.is_empty()).collect();
    let mut changed = names.iter().zip(raw).any(|(n, (r, _))| n != r);
    let mut items = Vec::with_capacity(raw.len());
    let mut texts = Vec::new();
    for ((raw_name, is_text), name) in raw.iter().zip(&names) {
        let mut e = quote(raw_name);
        let text_source = (csv || src.format == Format::Json) && *is_text || hive_keys.contains(raw_name);
        if csv && *is_text && !extra_nulls.is_empty() {
            let list = extra_nulls.iter().map(|v| string_literal(v)).collect::<Vec<_>>().join(", ");
            e = format!("CASE WHEN {e} IN ({list}) THEN NULL ELSE {e} END");
            changed = true;
        }
        let target = declared.iter().find(|d| d.column == *name).and_then(|d| d.parse.as_ref());
        if let (Some(t), true) = (target, text_source || src.format == Format::Json)
            && let Some(parsed) = parse_text(&e, *is_text, t, csv && src.csv.decimal_comma)
        {
            if *t != ColumnType::String {
                // The text as written (blank: missing), beside the parsed value: a value that
                // did not parse is text without a value (the polars engine's `<column>\u{1}raw`).
                let text = if *is_text { e.clone() } else { format!("CAST({e} AS STRING)") };
                let raw = format!("CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END");
                texts.push(format!("{raw} AS {}", quote(&format!("{name}{RAW_SUFFIX}"))));
            }
            e = parsed;
            changed = true;
        }
        items.push(if e == quote(name) { e } else { format!("{e} AS {}", quote(name)) });
    }
    items.extend(texts);
    changed.then(|| format!("SELECT {} FROM {}", items.join(", "), quote(raw_view)))
}

/// `e` parsed into `t`; `None` for text and the types kept as read (nested, time, binary).
fn parse_text(e: &str, is_text: bool, t: &ColumnType, decimal_comma: bool) -> Option<String> {
    let text = if is_text { e.to_owned() } else { format!("CAST({e} AS STRING)") };
    let trimmed = if decimal_comma { format!("replace(trim({text}), ',', '.')") } else { format!("trim({text})") };
    let cast = |ty: &str| format!("try_cast({trimmed} AS {ty})");
    // Unsigned integers: a wider signed type, and a negative value does not parse.
    let unsigned = |ty: &str, max: &str| {
        let v = cast(ty);
        format!("CASE WHEN {v} BETWEEN 0 AND {max} THEN {v} END")
    };
    Some(match t {
        ColumnType::Int(8) => cast("TINYINT"),
        ColumnType::Int(16) => cast("SMALLINT"),
        ColumnType::Int(32) => cast("INT"),
        ColumnType::Int(64) => cast("BIGINT"),
        ColumnType::UInt(8) => unsigned("SMALLINT", "255"),
        ColumnType::UInt(16) => unsigned("INT", "65535"),
        ColumnType::UInt(32) => unsigned("BIGINT", "4294967295"),
        ColumnType::UInt(64) => unsigned("DECIMAL(20,0)", "18446744073709551615"),
        ColumnType::Float(32) => cast("FLOAT"),
        ColumnType::Float(64) => cast("DOUBLE"),
        ColumnType::Decimal(p, s) => {
            let p = p.unwrap_or(38).clamp(1, 38);
            cast(&format!("DECIMAL({p},{})", s.unwrap_or(0).min(p)))
        }
        ColumnType::Boolean => cast("BOOLEAN"),
        ColumnType::Date => cast("DATE"),
        // ISO 8601 text; offsets are converted to UTC (the session's time zone), values without
        // one are read as UTC. Without a time zone the UTC wall clock is kept.
        ColumnType::Timestamp { tz: true } => cast("TIMESTAMP"),
        ColumnType::Timestamp { tz: false } => format!("CAST({} AS TIMESTAMP_NTZ)", cast("TIMESTAMP")),
        ColumnType::String => {
            if is_text {
                return None;
            }
            format!("CAST({e} AS STRING)")
        }
        ColumnType::Int(_)
        | ColumnType::UInt(_)
        | ColumnType::Float(_)
        | ColumnType::Time
        | ColumnType::Duration
        | ColumnType::Binary
        | ColumnType::List(_)
        | ColumnType::Struct(_)
        | ColumnType::Null
        | ColumnType::Other(_) => return None,
    })
}

/// The relation of a table on a `databricks` (`catalog`.`schema`.`table`) or `hive`
/// (`database`.`table`) server, as the server names it.
pub(crate) fn warehouse_relation(t: &WarehouseTable) -> Result<String, String> {
    let parts: Vec<&str> = match t.server_type.to_ascii_lowercase().as_str() {
        "databricks" => {
            [t.database.as_deref(), t.schema.as_deref(), Some(t.table.as_str())].into_iter().flatten().collect()
        }
        "hive" => {
            [t.database.as_deref().or(t.schema.as_deref()), Some(t.table.as_str())].into_iter().flatten().collect()
        }
        other => {
            return Err(format!(
                "table `{}` is on a `{other}` server (`{}`), which Spark does not read: run it with --engine {other}",
                t.table, t.server
            ));
        }
    };
    Ok(parts.iter().map(|p| quote(p)).collect::<Vec<_>>().join("."))
}

/// A view name for dataset `name` (number `n` of the session): letters, digits and `_`.
pub(crate) fn view_name(name: &str, n: usize) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(40).collect();
    format!("lakegate_{clean}_{n}")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lakegate_core::CsvOptions;

    use super::*;

    fn source(path: &Path, format: Format) -> Source {
        Source {
            path: path.to_path_buf(),
            display: path.display().to_string(),
            format,
            csv: CsvOptions::default(),
            roots: Vec::new(),
            skip_bad_files: false,
            object: None,
        }
    }

    fn declared(column: &str, parse: Option<ColumnType>) -> DeclaredColumn {
        DeclaredColumn { column: column.into(), logical: None, parse }
    }

    #[test]
    fn local_files_are_listed_with_their_base_and_hive_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        for p in ["dt=2026-01-01/a.parquet", "dt=2026-01-02/b.parquet", "dt=2026-01-02/_SUCCESS", "odd[1].parquet"] {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(&f, b"x").expect("write");
        }
        let r = data_source(&source(dir.path(), Format::Parquet)).expect("reads");
        assert_eq!(r.format, "parquet");
        assert_eq!(r.paths.len(), 3, "{:?}", r.paths);
        assert!(r.paths.iter().any(|p| p.ends_with("odd\\[1\\].parquet")), "{:?}", r.paths);
        assert_eq!(r.hive_keys, BTreeSet::from(["dt".to_owned()]));
        assert_eq!(r.options["basePath"], dir.path().to_string_lossy());
        assert_eq!(r.options["mergeSchema"], "true");
        assert_eq!(r.options["parquet.filter.columnindex.enabled"], "false");
    }

    #[test]
    fn a_missing_path_is_the_polars_engines_error() {
        let e =
            data_source(&source(Path::new("/nonexistent/lakegate/x.parquet"), Format::Parquet)).expect_err("missing");
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn csv_options_follow_the_servers_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").expect("write");
        let mut s = source(&dir.path().join("a.csv"), Format::Csv);
        s.csv = CsvOptions {
            delimiter: b';',
            header: false,
            quote: None,
            null_values: vec!["NA".into()],
            decimal_comma: true,
            encoding: Some("latin1".into()),
        };
        let r = data_source(&s).expect("reads");
        assert_eq!(r.options["sep"], ";");
        assert_eq!(r.options["header"], "false");
        assert_eq!(r.options["quote"], "\0");
        assert_eq!(r.options["encoding"], "latin1");
        assert_eq!(r.options["emptyValue"], "");
        assert!(r.options["nullValue"].contains("no-null"));
        assert_eq!(r.options["inferSchema"], "false");
    }

    #[test]
    fn object_storage_urls_go_to_spark_as_written() {
        let mut s = source(Path::new("s3://bucket/orders/*/part.parquet"), Format::Parquet);
        s.object = Some(lakegate_core::plan::ObjectLocation {
            url: "s3://bucket/orders/*/part.parquet".into(),
            endpoint: None,
        });
        let r = data_source(&s).expect("reads");
        assert_eq!(r.paths, ["s3://bucket/orders/*/part.parquet"]);
        assert_eq!(r.options["basePath"], "s3://bucket/orders");
    }

    #[test]
    fn csv_text_is_typed_by_the_declaration() {
        let mut s = source(Path::new("/x.csv"), Format::Csv);
        s.csv.null_values = vec![String::new(), "NA".into()];
        let raw = vec![("id".to_owned(), true), ("amount".to_owned(), true), ("note".to_owned(), true)];
        let d = vec![
            declared("id", Some(ColumnType::UInt(8))),
            declared("amount", Some(ColumnType::Decimal(Some(12), Some(2)))),
            declared("note", Some(ColumnType::String)),
        ];
        let sql = typed_select("raw_1", &raw, &s, &d, &BTreeSet::new()).expect("typed");
        assert_eq!(
            sql,
            "SELECT CASE WHEN try_cast(trim(CASE WHEN `id` IN ('NA') THEN NULL ELSE `id` END) AS SMALLINT) BETWEEN 0 \
             AND 255 THEN try_cast(trim(CASE WHEN `id` IN ('NA') THEN NULL ELSE `id` END) AS SMALLINT) END AS `id`, \
             try_cast(trim(CASE WHEN `amount` IN ('NA') THEN NULL ELSE `amount` END) AS DECIMAL(12,2)) AS `amount`, \
             CASE WHEN `note` IN ('NA') THEN NULL ELSE `note` END AS `note`, \
             CASE WHEN trim(CASE WHEN `id` IN ('NA') THEN NULL ELSE `id` END) = '' THEN NULL ELSE CASE WHEN `id` IN \
             ('NA') THEN NULL ELSE `id` END END AS `id\u{1}raw`, \
             CASE WHEN trim(CASE WHEN `amount` IN ('NA') THEN NULL ELSE `amount` END) = '' THEN NULL ELSE CASE WHEN \
             `amount` IN ('NA') THEN NULL ELSE `amount` END END AS `amount\u{1}raw` FROM `raw_1`"
        );
    }

    #[test]
    fn headerless_csv_columns_take_the_declared_names() {
        let mut s = source(Path::new("/x.csv"), Format::Csv);
        s.csv.header = false;
        let raw = vec![("_c0".to_owned(), true), ("_c1".to_owned(), true), ("_c2".to_owned(), true)];
        let d = vec![declared("a", None), declared("b", Some(ColumnType::Timestamp { tz: false }))];
        let sql = typed_select("r", &raw, &s, &d, &BTreeSet::new()).expect("typed");
        assert_eq!(
            sql,
            "SELECT `_c0` AS `a`, CAST(try_cast(trim(`_c1`) AS TIMESTAMP) AS TIMESTAMP_NTZ) AS `b`, `_c2`, \
             CASE WHEN trim(`_c1`) = '' THEN NULL ELSE `_c1` END AS `b\u{1}raw` FROM `r`"
        );
    }

    #[test]
    fn parquet_is_read_as_it_is_except_declared_partition_values() {
        let s = source(Path::new("/x"), Format::Parquet);
        let raw = vec![("id".to_owned(), false), ("dt".to_owned(), true), ("code".to_owned(), true)];
        let d = vec![
            declared("id", Some(ColumnType::Int(32))),
            declared("dt", Some(ColumnType::Date)),
            declared("code", Some(ColumnType::Int(64))),
        ];
        assert_eq!(typed_select("r", &raw, &s, &d, &BTreeSet::new()), None);
        let hive = BTreeSet::from(["dt".to_owned()]);
        assert_eq!(
            typed_select("r", &raw, &s, &d, &hive).expect("typed"),
            "SELECT `id`, try_cast(trim(`dt`) AS DATE) AS `dt`, `code`, \
             CASE WHEN trim(`dt`) = '' THEN NULL ELSE `dt` END AS `dt\u{1}raw` FROM `r`"
        );
    }

    #[test]
    fn names_are_quoted_and_literals_escaped() {
        assert_eq!(quote("we`ird name"), "`we``ird name`");
        assert_eq!(string_literal("it's \\"), "'it\\'s \\\\'");
        assert_eq!(view_name("Orders-2026 ü", 3), "lakegate_orders_2026___3");
    }

    #[test]
    fn databricks_and_hive_tables_are_named_by_their_server() {
        let t = |server_type: &str, database: Option<&str>, schema: Option<&str>| WarehouseTable {
            server_type: server_type.into(),
            server: "prod".into(),
            host: None,
            port: None,
            database: database.map(Into::into),
            schema: schema.map(Into::into),
            table: "orders".into(),
            region: None,
        };
        assert_eq!(
            warehouse_relation(&t("databricks", Some("main"), Some("sales"))).expect("ok"),
            "`main`.`sales`.`orders`"
        );
        assert_eq!(warehouse_relation(&t("hive", Some("lake"), None)).expect("ok"), "`lake`.`orders`");
        let e = warehouse_relation(&t("postgres", Some("db"), Some("public"))).expect_err("refused");
        assert!(e.contains("--engine postgres"), "{e}");
    }
}
