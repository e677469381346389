//! Durations of SLAs and freshness rules, and the bounds of date/timestamp options.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Help text listing the units lakegate reads.
pub const UNIT_HELP: &str = "units: ms/millisecond(s), s/sec/second(s), m/min/minute(s) (`m` is minutes), h/hr/hour(s), d/day(s), w/week(s), mo/month(s) (30 days), y/yr/year(s) (365 days); or an ISO 8601 duration as the value (`P1Y`, `PT15M`)";

/// Seconds in one of `unit`, or None when the unit is unknown. `m` means minutes.
pub fn parse_unit(unit: &str) -> Option<f64> {
    Some(match unit.trim().to_ascii_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "wk" | "week" | "weeks" => 7.0 * 86_400.0,
        "mo" | "mon" | "month" | "months" => 30.0 * 86_400.0,
        "y" | "yr" | "yrs" | "year" | "years" => 365.0 * 86_400.0,
        _ => return None,
    })
}

/// A duration written in an SLA (or a time-based rule): an amount and the unit it is
/// counted in, as the report shows it (`4 d`, `500 ms`, `1 y`).
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    /// The amount, in `unit`.
    pub amount: f64,
    /// Seconds in one `unit`.
    pub unit_seconds: f64,
    /// The unit as written (or `s` for a composite ISO 8601 duration).
    pub unit: String,
}

impl Duration {
    /// The duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.amount * self.unit_seconds
    }
}

/// Reads an SLA's `value` and `unit` as a duration. Accepted forms: a number with a `unit`
/// (`value: 4, unit: d`), a string number with a `unit` (`"4"`), a string with its unit
/// (`"500ms"`, `"15 min"`) and an ISO 8601 duration (`P1Y`, `PT15M`, `P1DT12H`), the last
/// two without `unit`. The error says what is wrong.
pub fn sla_duration(value: &serde_json::Value, unit: Option<&str>) -> Result<Duration, String> {
    let with_unit = |amount: f64, u: &str| -> Result<Duration, String> {
        let unit_seconds = parse_unit(u).ok_or_else(|| format!("unknown unit `{u}`"))?;
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(format!("the value must be a non-negative duration, got {amount}"));
        }
        Ok(Duration { amount, unit_seconds, unit: u.trim().to_owned() })
    };
    match (value, unit) {
        (serde_json::Value::Number(n), Some(u)) => with_unit(n.as_f64().unwrap_or(f64::NAN), u),
        (serde_json::Value::Number(_), None) => Err("a number needs a `unit` (e.g. `unit: h`)".into()),
        (serde_json::Value::String(s), u) => {
            let s = s.trim();
            if let Some(d) = iso8601_duration(s) {
                return match u {
                    None => Ok(d),
                    Some(u) => Err(format!("`{s}` is an ISO 8601 duration already: remove `unit: {u}`")),
                };
            }
            let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
            let (num, suffix) = s.split_at(split);
            let amount: f64 = num.parse().map_err(|_| format!("`{s}` is not a duration"))?;
            match (suffix.trim(), u) {
                ("", Some(u)) => with_unit(amount, u),
                ("", None) => Err(format!("`{s}` needs a `unit` (e.g. `unit: h`)")),
                (suf, None) => with_unit(amount, suf),
                (suf, Some(u)) => Err(format!("`{s}` carries its unit `{suf}` and `unit: {u}` is set too: keep one")),
            }
        }
        (other, _) => Err(format!("the value must be a duration, got {other}")),
    }
}

/// An ISO 8601 duration (`P1Y2M3DT4H5M6.5S`, `P2W`): years are 365 days and months 30.
/// One component keeps its unit (`P1Y` is 1 y); several are counted in seconds.
pub fn iso8601_duration(s: &str) -> Option<Duration> {
    let upper = s.trim().to_ascii_uppercase();
    let body = upper.strip_prefix('P')?;
    if body.is_empty() {
        return None;
    }
    let (date, time) = match body.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (body, None),
    };
    let mut parts: Vec<(f64, f64, &str)> = Vec::new();
    let mut read = |text: &str, units: &[(char, f64, &'static str)]| -> Option<()> {
        let mut num = String::new();
        let mut next = 0;
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                num.push(if c == ',' { '.' } else { c });
                continue;
            }
            let k = units[next..].iter().position(|(u, _, _)| *u == c)? + next;
            let amount: f64 = num.parse().ok()?;
            parts.push((amount, units[k].1, units[k].2));
            num.clear();
            next = k + 1;
        }
        num.is_empty().then_some(())
    };
    read(
        date,
        &[('Y', 365.0 * 86_400.0, "y"), ('M', 30.0 * 86_400.0, "mo"), ('W', 7.0 * 86_400.0, "w"), ('D', 86_400.0, "d")],
    )?;
    if let Some(t) = time {
        read(t, &[('H', 3600.0, "h"), ('M', 60.0, "m"), ('S', 1.0, "s")])?;
    }
    match parts.as_slice() {
        [] => None,
        [(amount, unit_seconds, unit)] => {
            Some(Duration { amount: *amount, unit_seconds: *unit_seconds, unit: (*unit).to_owned() })
        }
        many => {
            Some(Duration { amount: many.iter().map(|(a, u, _)| a * u).sum(), unit_seconds: 1.0, unit: "s".into() })
        }
    }
}

/// A date bound (`YYYY-MM-DD`) as days since 1970-01-01.
pub fn parse_date_bound(s: &str) -> Option<f64> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days() as f64)
}

/// A timestamp bound (RFC 3339, or naive `YYYY-MM-DD[ T]HH:MM:SS[.f]` read as UTC, or a
/// date) as microseconds since the Unix epoch.
pub fn parse_timestamp_bound(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros() as f64);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_micros() as f64);
        }
    }
    parse_date_bound(s).map(|d| d * 86_400e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_durations_in_every_schema_valid_form() {
        use serde_json::json;
        let secs = |v: serde_json::Value, u: Option<&str>| sla_duration(&v, u).map(|d| d.seconds());
        assert_eq!(secs(json!(4), Some("d")), Ok(4.0 * 86_400.0));
        assert_eq!(secs(json!(500), Some("ms")), Ok(0.5));
        assert_eq!(secs(json!("500ms"), None), Ok(0.5));
        assert_eq!(secs(json!("15 min"), None), Ok(900.0));
        assert_eq!(secs(json!("4"), Some("h")), Ok(14_400.0));
        assert_eq!(secs(json!("P1Y"), None), Ok(365.0 * 86_400.0));
        assert_eq!(secs(json!("PT15M"), None), Ok(900.0));
        assert_eq!(secs(json!("P1DT12H"), None), Ok(1.5 * 86_400.0));
        assert_eq!(secs(json!("P2W"), None), Ok(14.0 * 86_400.0));
        assert_eq!(sla_duration(&json!("P1Y"), None).map(|d| (d.amount, d.unit)), Ok((1.0, "y".to_owned())));
        for (v, u) in [
            (json!(4), None),
            (json!("P1Y"), Some("d")),
            (json!("500ms"), Some("s")),
            (json!("soon"), None),
            (json!(-1), Some("h")),
            (json!(4), Some("fortnight")),
            (json!(true), Some("h")),
            (json!("PT"), None),
            (json!("P1H"), None),
        ] {
            assert!(sla_duration(&v, u).is_err(), "{v} {u:?}");
        }
    }

    #[test]
    fn units_and_bounds() {
        assert_eq!(parse_unit("m"), Some(60.0));
        assert_eq!(parse_unit("Days"), Some(86_400.0));
        assert_eq!(parse_unit("fortnight"), None);
        assert_eq!(parse_date_bound("1970-01-11"), Some(10.0));
        assert_eq!(parse_timestamp_bound("1970-01-01T00:00:01Z"), Some(1e6));
        assert_eq!(parse_timestamp_bound("1970-01-01 00:00:02"), Some(2e6));
        assert_eq!(parse_timestamp_bound("1970-01-02"), Some(86_400e6));
        assert_eq!(parse_timestamp_bound("yesterday"), None);
    }
}
