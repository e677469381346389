//! The local run history: `DIR/date=YYYY-MM-DD/run-<run id>-<nanos>.parquet`, one file per
//! run, holding one row per check. Append-only and written atomically (temporary file, then
//! rename), so two runs at the same time write two files and a killed run leaves none.
//! A corrupt or foreign file is reported and skipped, never fatal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use lakegate_core::{HistoryPoint, RunResult, Status};
use polars::prelude::*;

/// One check of one past run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The run.
    pub run_id: String,
    /// The run's clock, RFC 3339.
    pub now: String,
    /// The run's clock, seconds since the epoch.
    pub at: f64,
    /// Contract id.
    pub contract: String,
    /// Check id (the stable fingerprint).
    pub check: String,
    /// Status.
    pub status: Status,
    /// Observed value.
    pub observed: Option<f64>,
    /// Tracked value (the metric of change rules).
    pub value: Option<f64>,
    /// Rows of the check's dataset.
    pub rows: Option<f64>,
}

impl Row {
    /// As a point of a change rule's baseline.
    pub fn point(&self) -> HistoryPoint {
        HistoryPoint { at: self.at, value: self.value.or(self.observed), status: self.status }
    }
}

fn epoch(rfc3339: &str) -> Option<f64> {
    DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.timestamp_micros() as f64 / 1e6)
}

/// Appends `run` to the history in `dir`; returns the file written.
pub fn append(dir: &Path, run: &RunResult) -> Result<PathBuf, String> {
    let at = epoch(&run.now).ok_or_else(|| format!("run clock `{}` is not RFC 3339", run.now))?;
    let day = run.now.get(..10).unwrap_or("unknown");
    let part = dir.join(format!("date={day}"));
    std::fs::create_dir_all(&part).map_err(|e| format!("cannot create `{}`: {e}", part.display()))?;
    let mut cols: [Vec<Option<String>>; 6] = Default::default();
    let (mut observed, mut value, mut rows, mut ats) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for c in &run.contracts {
        for r in &c.checks {
            let ds_rows =
                r.info.dataset.as_ref().and_then(|d| c.datasets.iter().find(|x| &x.name == d)).and_then(|d| d.rows);
            for (i, v) in [
                Some(run.run_id.clone()),
                Some(run.now.clone()),
                Some(c.id.clone()),
                Some(r.info.id.clone()),
                Some(r.status.as_str().to_owned()),
                Some(r.expected.clone()),
            ]
            .into_iter()
            .enumerate()
            {
                cols[i].push(v);
            }
            observed.push(r.observed);
            value.push(r.value.or(r.observed));
            rows.push(ds_rows.map(|x| x as f64));
            ats.push(at);
        }
    }
    let n = ats.len();
    let names = ["run_id", "now", "contract", "check", "status", "threshold"];
    let mut columns: Vec<Column> = names.iter().zip(cols).map(|(n, v)| Column::new((*n).into(), v)).collect();
    columns.push(Column::new("at".into(), ats));
    columns.push(Column::new("observed".into(), observed));
    columns.push(Column::new("value".into(), value));
    columns.push(Column::new("rows".into(), rows));
    let mut df = DataFrame::new(n, columns).map_err(|e| e.to_string())?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".run-")
        .suffix(".tmp")
        .tempfile_in(&part)
        .map_err(|e| format!("cannot write in `{}`: {e}", part.display()))?;
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let path = part.join(format!("run-{}-{nanos}.parquet", run.run_id));
    // A full disk shows as a writer error ("Invalid thrift"...): say which file, and the cause.
    let cannot = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
    ParquetWriter::new(tmp.as_file_mut()).finish(&mut df).map_err(|e| cannot(&e))?;
    tmp.as_file().sync_all().map_err(|e| cannot(&e))?;
    tmp.persist(&path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(path)
}

/// The run files of the history, by day, skipping days before `since` (seconds).
fn files(dir: &Path, since: Option<f64>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(days) = std::fs::read_dir(dir) else { return out };
    let since_day = since.and_then(|s| DateTime::from_timestamp(s as i64, 0)).map(|d| d.date_naive());
    let mut days: Vec<PathBuf> = days.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    days.sort();
    for day in days {
        let name = day.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let date = name.strip_prefix("date=").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if let (Some(date), Some(since)) = (date, since_day)
            && date < since
        {
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(&day) {
            let mut f: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .collect();
            f.sort();
            out.extend(f);
        }
    }
    out
}

/// Reads the history: the rows of `checks` (all when None) from `since` (seconds) on.
/// Returns the rows, oldest first, and a warning per file that could not be read.
pub fn load(dir: &Path, checks: Option<&BTreeSet<String>>, since: Option<f64>) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for file in files(dir, since) {
        // polars panics on some foreign files (a float16 column): such a file is skipped too.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_file(&file, checks, since)))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format!("it cannot be read: {}", msg.lines().next().unwrap_or("")))
            });
        match read {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => warnings.push(format!("history file `{}` skipped: {e}", file.display())),
        }
    }
    rows.sort_by(|a, b| a.at.total_cmp(&b.at).then_with(|| a.check.cmp(&b.check)));
    (rows, warnings)
}

fn read_file(file: &Path, checks: Option<&BTreeSet<String>>, since: Option<f64>) -> Result<Vec<Row>, String> {
    let mut lf = LazyFrame::scan_parquet(PlRefPath::new(file.to_string_lossy().as_ref()), ScanArgsParquet::default())
        .map_err(|e| e.to_string())?
        .select([
            col("run_id"),
            col("now"),
            col("at").cast(DataType::Float64),
            col("contract"),
            col("check"),
            col("status"),
            col("observed").cast(DataType::Float64),
            col("value").cast(DataType::Float64),
            col("rows").cast(DataType::Float64),
        ]);
    if let Some(ids) = checks {
        let v: Vec<&str> = ids.iter().map(String::as_str).collect();
        lf = lf.filter(col("check").is_in(lit(Series::new("c".into(), v)).implode(false), false));
    }
    if let Some(s) = since {
        lf = lf.filter(col("at").gt_eq(lit(s)));
    }
    let df = lf.collect().map_err(|e| e.to_string().lines().next().unwrap_or("").to_owned())?;
    let s = |n: &str| -> Result<Vec<Option<String>>, String> {
        Ok(df
            .column(n)
            .and_then(|c| c.str().cloned())
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect())
    };
    let f = |n: &str| -> Result<Vec<Option<f64>>, String> {
        Ok(df.column(n).and_then(|c| c.f64().cloned()).map_err(|e| e.to_string())?.iter().collect())
    };
    let (run_id, now, contract, check, status) = (s("run_id")?, s("now")?, s("contract")?, s("check")?, s("status")?);
    let (at, observed, value, rows) = (f("at")?, f("observed")?, f("value")?, f("rows")?);
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (Some(st), Some(at)) = (status[i].as_deref().and_then(Status::parse), at[i]) else {
            return Err(format!("row {i} has no status or clock"));
        };
        out.push(Row {
            run_id: run_id[i].clone().unwrap_or_default(),
            now: now[i].clone().unwrap_or_default(),
            at,
            contract: contract[i].clone().unwrap_or_default(),
            check: check[i].clone().unwrap_or_default(),
            status: st,
            observed: observed[i],
            value: value[i],
            rows: rows[i],
        });
    }
    Ok(out)
}

/// Deletes the day folders older than `before` (seconds); returns how many were removed.
pub fn prune(dir: &Path, before: f64) -> Result<usize, String> {
    let Some(cut) = DateTime::from_timestamp(before as i64, 0).map(|d| d.date_naive()) else { return Ok(0) };
    let mut removed = 0;
    let Ok(days) = std::fs::read_dir(dir) else { return Ok(0) };
    for day in days.filter_map(Result::ok).map(|e| e.path()) {
        let name = day.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        if let Some(date) = name.strip_prefix("date=").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            && date < cut
            && day.is_dir()
        {
            // Only lakegate's own run files (and its unfinished temporary files) are deleted;
            // the day folder goes only when nothing else is left in it.
            let entries = std::fs::read_dir(&day).map_err(|e| format!("cannot prune `{}`: {e}", day.display()))?;
            for f in entries.filter_map(Result::ok).map(|e| e.path()) {
                if is_run_file(&f) || is_temporary(&f) {
                    std::fs::remove_file(&f).map_err(|e| format!("cannot prune `{}`: {e}", f.display()))?;
                }
            }
            if std::fs::remove_dir(&day).is_ok() {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// A run file lakegate wrote: `run-<run id>-<nanos>.parquet`.
fn is_run_file(p: &Path) -> bool {
    p.is_file()
        && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("run-") && n.ends_with(".parquet"))
}

/// A temporary file of an interrupted append: `.run-*.tmp`.
fn is_temporary(p: &Path) -> bool {
    p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".run-") && n.ends_with(".tmp"))
}

/// The first entry of a history day folder that lakegate did not write (a data file of a
/// hive-partitioned lake, say), if any; hidden files are allowed.
pub fn foreign_file(day: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(day).ok()?;
    entries.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        !hidden && !is_run_file(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_deletes_only_lakegate_run_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("date=2020-01-01");
        std::fs::create_dir_all(&old).expect("mkdir");
        std::fs::write(old.join("run-r1-1.parquet"), b"x").expect("run file");
        std::fs::write(old.join(".run-x.tmp"), b"x").expect("temporary");
        let lake = dir.path().join("date=2020-01-02");
        std::fs::create_dir_all(&lake).expect("mkdir");
        std::fs::write(lake.join("part-0000.parquet"), b"data").expect("data file");
        std::fs::write(lake.join("_SUCCESS"), b"").expect("marker");
        let removed = prune(dir.path(), 1_700_000_000.0).expect("prune");
        assert_eq!(removed, 1, "only the day of lakegate's own files");
        assert!(!old.exists());
        assert!(lake.join("part-0000.parquet").is_file() && lake.join("_SUCCESS").is_file(), "data is never deleted");
        assert!(foreign_file(&lake).is_some(), "a lake's day folder is not history");
        let day = dir.path().join("date=2026-11-26");
        std::fs::create_dir_all(&day).expect("mkdir");
        std::fs::write(day.join("run-r2-2.parquet"), b"x").expect("run file");
        assert_eq!(foreign_file(&day), None);
    }
}
