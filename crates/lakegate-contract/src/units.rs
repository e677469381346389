//! Durations of SLAs and freshness rules, and the bounds of date/timestamp options.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Help text listing the units lakegate reads.
pub const UNIT_HELP: &str = "units: s/sec/second(s), m/min/minute(s) (`m` is minutes), h/hr/hour(s), d/day(s), w/week(s), y/yr/year(s) (365 days)";

/// Seconds in one of `unit`, or None when the unit is unknown. `m` means minutes.
pub fn parse_unit(unit: &str) -> Option<f64> {
    Some(match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "wk" | "week" | "weeks" => 7.0 * 86_400.0,
        "y" | "yr" | "yrs" | "year" | "years" => 365.0 * 86_400.0,
        _ => return None,
    })
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
