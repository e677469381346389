//! Change and anomaly statistics of a value against its history.
//!
//! The tested value never enters its own baseline (only runs strictly before this run's
//! clock), and failed or errored past runs are left out unless asked for.

use chrono::{DateTime, Datelike, SecondsFormat};
use lakegate_core::{Baseline, ChangeSpec, HistoryPoint, Status};

/// The number of consecutive failed runs right before `now`.
pub fn failing_streak(history: &[HistoryPoint], now: f64) -> usize {
    let mut past: Vec<&HistoryPoint> = history.iter().filter(|p| p.at < now).collect();
    past.sort_by(|a, b| b.at.total_cmp(&a.at));
    past.into_iter().take_while(|p| p.status == Status::Failed).count()
}

/// Where the latest streak of at least `n` consecutive failed runs before `now` starts, and
/// where it ends (the time of its first and last run). A run with the same value as the run
/// before it in the streak, on the same UTC day, is a re-run of the same data, not new
/// evidence: it does not count (a constant new level on later days does).
fn last_streak(history: &[HistoryPoint], now: f64, n: u64) -> Option<(f64, f64)> {
    let mut past: Vec<&HistoryPoint> = history.iter().filter(|p| p.at < now).collect();
    past.sort_by(|a, b| a.at.total_cmp(&b.at));
    let (mut found, mut start, mut len, mut last) = (None, 0.0, 0u64, None);
    for p in past {
        if p.status == Status::Failed {
            if len == 0 {
                start = p.at;
            }
            let key = (p.value.map(f64::to_bits), (p.at / 86_400.0).floor() as i64);
            if len == 0 || Some(key) != last {
                len += 1;
            }
            last = Some(key);
            if len >= n {
                found = Some((start, p.at));
            }
        } else {
            len = 0;
        }
    }
    found
}

/// The baseline points of `spec` at `now` (seconds since the epoch), oldest first. With
/// `rebase_after: N`, the latest streak of at least N consecutive failed runs marks a level
/// shift: the baseline starts at that streak, whose failed runs count as the new normal.
pub fn baseline_points(spec: &ChangeSpec, history: &[HistoryPoint], now: f64) -> Vec<HistoryPoint> {
    let weekday = |t: f64| DateTime::from_timestamp(t as i64, 0).map(|d| d.weekday());
    let rebased = spec.rebase_after.and_then(|n| last_streak(history, now, n));
    let mut points: Vec<HistoryPoint> = history
        .iter()
        .filter(|p| p.at < now && p.value.is_some_and(f64::is_finite))
        .filter(|p| rebased.is_none_or(|(start, _)| p.at >= start))
        .filter(|p| {
            spec.include_failed
                || rebased.is_some_and(|(start, end)| p.at >= start && p.at <= end)
                || !matches!(p.status, Status::Failed | Status::Errored)
        })
        .filter(|p| !spec.same_weekday || weekday(p.at) == weekday(now))
        .copied()
        .collect();
    points.sort_by(|a, b| a.at.total_cmp(&b.at));
    match spec.window {
        Ok(n) => {
            let skip = points.len().saturating_sub(n as usize);
            points.drain(..skip);
        }
        Err(seconds) => points.retain(|p| p.at >= now - seconds),
    }
    points
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn stddev(v: &[f64]) -> Option<f64> {
    (v.len() >= 2).then(|| {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
}

/// The change statistic of `x` against `points`, and the baseline it used; `Err` explains
/// why it is undefined (a zero spread or a zero mean).
pub fn statistic(method: &str, x: f64, points: &[HistoryPoint]) -> Result<(f64, Baseline), String> {
    let values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let trend = points
        .iter()
        .filter_map(|p| {
            let at = DateTime::from_timestamp(p.at as i64, 0)?.to_rfc3339_opts(SecondsFormat::Secs, true);
            Some((at, p.value?))
        })
        .collect();
    let mut b = Baseline {
        method: method.to_owned(),
        points: values.len(),
        center: mean(&values),
        spread: stddev(&values),
        trend,
    };
    let stat = match method {
        "relative" => {
            if b.center == 0.0 {
                return Err("the baseline mean is 0: a relative change is undefined".into());
            }
            100.0 * (x - b.center).abs() / b.center.abs()
        }
        "absolute" => (x - b.center).abs(),
        "zscore" | "seasonal" => match b.spread {
            Some(s) if s > 0.0 => (x - b.center).abs() / s,
            _ if x == b.center => 0.0,
            _ => f64::INFINITY,
        },
        "mad" => {
            let med = median(&values);
            let deviations: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
            let mad = 1.4826 * median(&deviations);
            b.center = med;
            b.spread = Some(mad);
            if mad > 0.0 {
                (x - med).abs() / mad
            } else if x == med {
                0.0
            } else {
                f64::INFINITY
            }
        }
        other => return Err(format!("unknown change method `{other}`")),
    };
    Ok((stat, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;

    fn series(values: &[f64]) -> Vec<HistoryPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| HistoryPoint { at: i as f64 * DAY, value: Some(*v), status: Status::Passed })
            .collect()
    }

    fn spec(method: &str, window: Result<u64, f64>) -> ChangeSpec {
        ChangeSpec {
            method: method.into(),
            window,
            min_history: 3,
            same_weekday: false,
            include_failed: false,
            rebase_after: None,
        }
    }

    #[test]
    fn spikes_and_drops_stand_out_normal_days_do_not() {
        let days = [1000.0, 1010.0, 990.0, 1005.0, 995.0, 1002.0, 998.0, 1001.0, 999.0, 1003.0];
        let h = series(&days);
        let now = days.len() as f64 * DAY;
        let s = spec("zscore", Ok(7));
        let pts = baseline_points(&s, &h, now);
        assert_eq!(pts.len(), 7);
        let (normal, _) = statistic("zscore", 1004.0, &pts).expect("stat");
        let (spike, _) = statistic("zscore", 1500.0, &pts).expect("stat");
        let (drop, _) = statistic("zscore", 300.0, &pts).expect("stat");
        assert!(normal < 3.0, "{normal}");
        assert!(spike > 50.0 && drop > 50.0, "{spike} {drop}");
        let (rel, b) = statistic("relative", 1500.0, &pts).expect("stat");
        assert!((rel - 100.0 * (1500.0 - b.center) / b.center).abs() < 1e-9);
        let (mad, _) = statistic("mad", 1500.0, &pts).expect("stat");
        assert!(mad > 50.0);
    }

    #[test]
    fn the_tested_value_and_failed_runs_stay_out_of_the_baseline() {
        let mut h = series(&[10.0, 10.0, 10.0, 999.0]);
        h[3].status = Status::Failed;
        h.push(HistoryPoint { at: 10.0 * DAY, value: Some(5.0), status: Status::Passed }); // this run
        let pts = baseline_points(&spec("absolute", Ok(10)), &h, 10.0 * DAY);
        assert_eq!(pts.iter().map(|p| p.value.unwrap_or(0.0)).collect::<Vec<_>>(), vec![10.0, 10.0, 10.0]);
        let with_failed = ChangeSpec { include_failed: true, ..spec("absolute", Ok(10)) };
        assert_eq!(baseline_points(&with_failed, &h, 10.0 * DAY).len(), 4);
    }

    #[test]
    fn windows_by_period_and_weekly_seasonality() {
        // Weekly pattern: weekends (days 5, 6 of each week) are low.
        let values: Vec<f64> = (0..28).map(|d| if d % 7 >= 5 { 100.0 } else { 1000.0 }).collect();
        let h = series(&values);
        let now = 28.0 * DAY; // day 28 = weekday of day 0
        let weekly = ChangeSpec { same_weekday: true, ..spec("seasonal", Ok(4)) };
        let pts = baseline_points(&weekly, &h, now);
        assert_eq!(pts.len(), 4);
        assert!(pts.iter().all(|p| p.value == Some(1000.0)));
        // A weekday value of 1000 is normal against weekdays, not against all days.
        let (s, _) = statistic("seasonal", 1000.0, &pts).expect("stat");
        assert_eq!(s, 0.0);
        let all = baseline_points(&spec("zscore", Err(14.0 * DAY)), &h, now);
        assert_eq!(all.len(), 14);
        // A holiday gap: fewer points than minHistory.
        let gap: Vec<HistoryPoint> = h.iter().filter(|p| p.at < 2.0 * DAY).copied().collect();
        assert!(baseline_points(&spec("zscore", Err(7.0 * DAY)), &gap, now).is_empty());
    }

    #[test]
    fn slow_drift_is_caught_by_a_long_window_relative_rule() {
        let values: Vec<f64> = (0..30).map(|d| 1000.0 * (1.0 + 0.01 * d as f64)).collect();
        let h = series(&values);
        let pts = baseline_points(&spec("relative", Ok(30)), &h, 30.0 * DAY);
        let (rel, _) = statistic("relative", 1300.0, &pts).expect("stat");
        assert!(rel > 10.0, "{rel}");
    }

    #[test]
    fn a_level_shift_is_rebased_after_n_failures() {
        let at = |i: usize| 1_000.0 + i as f64;
        let point = |i: usize, v: f64, status: Status| HistoryPoint { at: at(i), value: Some(v), status };
        // Five runs at 100, then four failing runs at 200 (a legitimate level shift).
        let mut h: Vec<HistoryPoint> = (0..5).map(|i| point(i, 100.0, Status::Passed)).collect();
        h.extend((5..9).map(|i| point(i, 195.0 + i as f64, Status::Failed)));
        let plain = spec("absolute", Ok(20));
        let values = |s: &ChangeSpec, h: &[HistoryPoint], now: f64| -> Vec<f64> {
            baseline_points(s, h, now).iter().filter_map(|p| p.value).collect()
        };
        assert_eq!(values(&plain, &h, at(9)), [100.0; 5], "without rebaseAfter the old level stays the baseline");
        let rebase = ChangeSpec { rebase_after: Some(3), ..spec("absolute", Ok(20)) };
        assert_eq!(values(&rebase, &h, at(9)), [200.0, 201.0, 202.0, 203.0], "the failing streak is the new normal");
        // The next run passes at the new level: the baseline stays at the new level (no flapping).
        h.push(point(9, 201.0, Status::Passed));
        assert_eq!(values(&rebase, &h, at(10)), [200.0, 201.0, 202.0, 203.0, 201.0]);
        // A streak shorter than rebaseAfter changes nothing.
        let rebase5 = ChangeSpec { rebase_after: Some(5), ..spec("absolute", Ok(20)) };
        assert_eq!(values(&rebase5, &h, at(10)), [100.0, 100.0, 100.0, 100.0, 100.0, 201.0]);
        assert_eq!(failing_streak(&h, at(9)), 4);
        assert_eq!(failing_streak(&h, at(10)), 0);
        // Three re-runs of the same day's data are one failure, not three.
        let mut reruns: Vec<HistoryPoint> = (0..5).map(|i| point(i, 100.0, Status::Passed)).collect();
        reruns.extend((5..8).map(|i| point(i, 500.0, Status::Failed)));
        assert_eq!(values(&rebase, &reruns, at(8)), [100.0; 5], "re-runs of the same value do not re-base");
        // A constant new level on three days is a level shift.
        let day = |d: usize, v: f64, status: Status| HistoryPoint { at: 86_400.0 * d as f64, value: Some(v), status };
        let mut daily: Vec<HistoryPoint> = (0..5).map(|d| day(d, 100.0, Status::Passed)).collect();
        daily.extend((5..8).map(|d| day(d, 200.0, Status::Failed)));
        assert_eq!(values(&rebase, &daily, 86_400.0 * 8.0), [200.0; 3]);
    }
}
