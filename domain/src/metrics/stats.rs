//! Duration statistics.
//!
//! Durations are kept as exact integer nanoseconds until the end so sums (and
//! therefore means) do not depend on the order items were added; percentiles
//! are taken from sorted values. Both make results independent of input order
//! down to the last bit.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

const NANOS_PER_SECOND: f64 = 1e9;

/// `count`, `p50`, `p75`, `p90`, `mean` in seconds; every statistic is `None`
/// (never 0) when there is nothing to measure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    pub count: u64,
    pub p50_seconds: Option<f64>,
    pub p75_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub mean_seconds: Option<f64>,
}

impl DurationStats {
    /// Takes ownership of the values to sort them; order of input is irrelevant.
    pub fn from_nanos(mut durations: Vec<i128>) -> Self {
        durations.sort_unstable();
        let seconds: Vec<f64> = durations.iter().map(|&n| seconds_from_nanos(n)).collect();
        let count = durations.len() as u64;
        let mean_seconds = (count > 0).then(|| {
            let sum: i128 = durations.iter().sum();
            sum as f64 / count as f64 / NANOS_PER_SECOND
        });
        Self {
            count,
            p50_seconds: percentile_cont(&seconds, 0.5),
            p75_seconds: percentile_cont(&seconds, 0.75),
            p90_seconds: percentile_cont(&seconds, 0.9),
            mean_seconds,
        }
    }
}

/// PostgreSQL `percentile_cont`: linear interpolation between the closest
/// ranks of the ascending `sorted` values; `None` for no values.
pub fn percentile_cont(sorted: &[f64], fraction: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = fraction.clamp(0.0, 1.0) * last as f64;
    let lower = position.floor();
    let lower_index = (lower as usize).min(last);
    let upper_index = (position.ceil() as usize).min(last);
    let low = sorted[lower_index];
    let high = sorted[upper_index];
    Some(low + (high - low) * (position - lower))
}

/// Exact, without the ±292-year limit of `TimeDelta::num_nanoseconds`.
pub fn nanos(delta: TimeDelta) -> i128 {
    i128::from(delta.num_seconds()) * 1_000_000_000 + i128::from(delta.subsec_nanos())
}

pub fn nanos_between(start: DateTime<Utc>, end: DateTime<Utc>) -> i128 {
    nanos(end - start)
}

pub fn seconds_from_nanos(n: i128) -> f64 {
    n as f64 / NANOS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i128 = 3_600_000_000_000;

    #[test]
    fn percentile_of_nothing_is_none() {
        assert_eq!(percentile_cont(&[], 0.5), None);
    }

    #[test]
    fn percentile_of_one_value_is_that_value() {
        for p in [0.0, 0.5, 0.75, 0.9, 1.0] {
            assert_eq!(percentile_cont(&[7.0], p), Some(7.0));
        }
    }

    #[test]
    fn percentile_of_two_values_interpolates() {
        let v = [10.0, 20.0];
        assert_eq!(percentile_cont(&v, 0.5), Some(15.0));
        assert_eq!(percentile_cont(&v, 0.75), Some(17.5));
        assert_eq!(percentile_cont(&v, 0.9), Some(19.0));
        assert_eq!(percentile_cont(&v, 0.0), Some(10.0));
        assert_eq!(percentile_cont(&v, 1.0), Some(20.0));
    }

    #[test]
    fn percentile_matches_postgres_examples() {
        // SELECT percentile_cont(p) WITHIN GROUP (ORDER BY x) FROM (VALUES (1),(2),(3),(4)) t(x)
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_cont(&v, 0.5), Some(2.5));
        assert_eq!(percentile_cont(&v, 0.75), Some(3.25));
        assert!((percentile_cont(&v, 0.9).unwrap() - 3.7).abs() < 1e-12);
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile_cont(&v, 0.5), Some(3.0));
        assert_eq!(percentile_cont(&v, 0.75), Some(4.0));
        assert!((percentile_cont(&v, 0.9).unwrap() - 4.6).abs() < 1e-12);
    }

    #[test]
    fn stats_are_none_without_values() {
        let s = DurationStats::from_nanos(vec![]);
        assert_eq!(s, DurationStats::default());
        assert_eq!(s.count, 0);
        assert_eq!(s.p50_seconds, None);
        assert_eq!(s.mean_seconds, None);
    }

    #[test]
    fn stats_sort_and_average_exactly() {
        let s = DurationStats::from_nanos(vec![26 * H, 27 * H, 21 * H]);
        assert_eq!(s.count, 3);
        assert_eq!(s.p50_seconds, Some(26.0 * 3600.0));
        assert_eq!(s.mean_seconds, Some(74.0 * 3600.0 / 3.0));
        assert!((s.p90_seconds.unwrap() - 26.8 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn durations_keep_sub_second_precision() {
        let a: DateTime<Utc> = "2024-03-04T00:00:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2024-03-04T00:00:01.5Z".parse().unwrap();
        assert_eq!(seconds_from_nanos(nanos_between(a, b)), 1.5);
        assert_eq!(seconds_from_nanos(nanos_between(b, a)), -1.5);
    }
}
