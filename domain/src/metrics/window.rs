//! The query window and its calendar buckets in an IANA time zone.
//!
//! Bucket boundaries are computed once as UTC instants of local midnights so
//! that every metric assigns items the same way: an instant `t` belongs to the
//! bucket `[start_i, start_{i+1})` that contains it, and only when it is also
//! inside the half-open window `[from, to)`.

use chrono::{DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::limits::SUPPORTED_YEARS;

/// Calendar bucket sizes of the API (`DAY | WEEK | MONTH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BucketSize {
    Day,
    /// ISO week, Monday start.
    Week,
    Month,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("window start {from} must be before its end {to}")]
    EmptyRange {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// An instant outside [`SUPPORTED_YEARS`], which every store handles alike.
    #[error("must be in the years {} to {}", SUPPORTED_YEARS.start(), SUPPORTED_YEARS.end())]
    OutOfRange { end: WindowEnd },
    #[error(
        "a metrics window may span at most {} days and {} buckets; this one spans {days} days in {buckets} buckets",
        limits.max_days, limits.max_buckets
    )]
    TooLarge {
        days: i64,
        buckets: u64,
        limits: WindowLimits,
    },
}

/// Which end of a window an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowEnd {
    From,
    To,
}

/// How large a window one request may ask for. Computing a window costs memory and time in
/// proportion to its buckets (each metric family keeps one list of them) and reads every fact
/// in it, so both are capped before anything is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowLimits {
    pub max_days: u32,
    pub max_buckets: u32,
}

impl Default for WindowLimits {
    /// Ten years (with their leap days), and 1,000 buckets: more than two years of days,
    /// ten years of weeks or months.
    fn default() -> Self {
        Self {
            max_days: 3_660,
            max_buckets: 1_000,
        }
    }
}

/// A metric query window: half-open `[from, to)`, bucketed in `time_zone`.
///
/// The first bucket starts at the start of the bucket containing `from`
/// (e.g. the local Monday midnight of `from`'s ISO week), so bucket starts are
/// always calendar aligned; that bucket only counts items from `from` on. The
/// last bucket is the one containing the last instant before `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub bucket: BucketSize,
    /// Stored by IANA name so the struct serializes without chrono-tz's
    /// optional serde feature.
    #[serde(with = "tz_name")]
    pub time_zone: Tz,
}

impl MetricWindow {
    /// Validating constructor for API input; the engine's `compute`
    /// itself tolerates any window and treats `to <= from` as empty.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: BucketSize,
        time_zone: Tz,
    ) -> Result<Self, WindowError> {
        for (end, t) in [(WindowEnd::From, from), (WindowEnd::To, to)] {
            if !SUPPORTED_YEARS.contains(&t.year()) {
                return Err(WindowError::OutOfRange { end });
            }
        }
        if from >= to {
            return Err(WindowError::EmptyRange { from, to });
        }
        Ok(Self {
            from,
            to,
            bucket,
            time_zone,
        })
    }

    /// Refuses a window longer than `limits` allow, or cut into more buckets; computed from
    /// calendar dates, without building the buckets.
    pub fn check(&self, limits: &WindowLimits) -> Result<(), WindowError> {
        // Whole days and any part of one: a window a second longer than the cap is refused.
        let seconds = (self.to - self.from).num_seconds();
        let days = seconds / 86_400 + i64::from(seconds % 86_400 != 0);
        let buckets = self.bucket_count();
        if days > i64::from(limits.max_days) || buckets > u64::from(limits.max_buckets) {
            return Err(WindowError::TooLarge {
                days,
                buckets,
                limits: *limits,
            });
        }
        Ok(())
    }

    /// How many buckets the window is cut into: from the bucket holding `from` to the one
    /// holding the last instant before `to`, counted on the local calendar.
    pub fn bucket_count(&self) -> u64 {
        if self.to <= self.from {
            return 0;
        }
        let local = |t: DateTime<Utc>| t.with_timezone(&self.time_zone).date_naive();
        let first = bucket_start_date(self.bucket, local(self.from));
        let last = bucket_start_date(
            self.bucket,
            local(self.to - chrono::TimeDelta::nanoseconds(1)),
        );
        let count = match self.bucket {
            BucketSize::Day => (last - first).num_days() + 1,
            BucketSize::Week => (last - first).num_days() / 7 + 1,
            BucketSize::Month => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                months(last) - months(first) + 1
            }
        };
        count.max(0) as u64
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }

    /// Exact nanoseconds, so time-weighted averages need no rounding until
    /// the final division.
    pub(super) fn length_nanos(&self) -> i128 {
        if self.to <= self.from {
            0
        } else {
            super::stats::nanos_between(self.from, self.to)
        }
    }
}

mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>()
            .map_err(|_| D::Error::custom(format!("unknown IANA time zone {name:?}")))
    }
}

/// The UTC instant at which local calendar day `date` begins in `tz`.
///
/// Where midnight is ambiguous (clocks fall back over it) the earlier instant
/// is used; where midnight does not exist (clocks jump over it) the day begins
/// at the first instant whose local date is `date`, i.e. the transition.
pub fn local_day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => first_instant_of_date(tz, date, naive.and_utc().timestamp()),
    }
}

/// Binary search over whole seconds; offsets are within ±1 day of UTC, so the
/// local date one day before the naive midnight is earlier and one day after
/// is not. Transitions happen on whole seconds.
fn first_instant_of_date(tz: Tz, date: NaiveDate, naive_secs: i64) -> DateTime<Utc> {
    let local_date =
        |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).date_naive());
    let mut lo = naive_secs - 86_400; // local date < `date`
    let mut hi = naive_secs + 86_400; // local date >= `date`
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match local_date(mid) {
            Some(d) if d >= date => hi = mid,
            _ => lo = mid,
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn bucket_start_date(size: BucketSize, date: NaiveDate) -> NaiveDate {
    match size {
        BucketSize::Day => date,
        BucketSize::Week => date
            .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
            .unwrap_or(date),
        BucketSize::Month => date.with_day(1).unwrap_or(date),
    }
}

fn next_bucket_date(size: BucketSize, date: NaiveDate) -> Option<NaiveDate> {
    match size {
        BucketSize::Day => date.checked_add_days(Days::new(1)),
        BucketSize::Week => date.checked_add_days(Days::new(7)),
        BucketSize::Month => date.checked_add_months(Months::new(1)),
    }
}

/// Calendar buckets covering a window, as UTC boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct BucketGrid {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// `boundaries[i]..boundaries[i + 1]` is bucket `i`; one more boundary
    /// than buckets (none at all for an empty window).
    boundaries: Vec<DateTime<Utc>>,
}

impl BucketGrid {
    pub(super) fn new(window: &MetricWindow, size: BucketSize) -> Self {
        let (from, to, tz) = (window.from, window.to, window.time_zone);
        let mut boundaries = Vec::new();
        if from < to {
            let mut date = bucket_start_date(size, from.with_timezone(&tz).date_naive());
            boundaries.push(local_day_start(tz, date));
            while let Some(next) = next_bucket_date(size, date) {
                date = next;
                let start = local_day_start(tz, date);
                // Guard against a zone whose day starts do not advance.
                if boundaries.last().is_some_and(|last| start <= *last) {
                    continue;
                }
                boundaries.push(start);
                if start >= to {
                    break;
                }
            }
        }
        Self {
            from,
            to,
            boundaries,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.boundaries.len().saturating_sub(1)
    }

    pub(super) fn starts(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.boundaries.iter().take(self.len()).copied()
    }

    /// `(start, end)` of bucket `i`, unclipped by the window.
    pub(super) fn bounds(&self, i: usize) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((*self.boundaries.get(i)?, *self.boundaries.get(i + 1)?))
    }

    /// The bucket of `t`, or `None` when `t` is outside the window.
    pub(super) fn index_of(&self, t: DateTime<Utc>) -> Option<usize> {
        if t < self.from || t >= self.to {
            return None;
        }
        let i = self
            .boundaries
            .partition_point(|b| *b <= t)
            .checked_sub(1)?;
        (i < self.len()).then_some(i)
    }

    /// Buckets lying entirely inside the window (not cut by `from` or `to`).
    pub(super) fn is_complete(&self, i: usize) -> bool {
        self.bounds(i)
            .is_some_and(|(s, e)| s >= self.from && e <= self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{at, window};
    use super::*;
    use chrono_tz::{America::New_York, Europe::Berlin, UTC};

    #[test]
    fn bucket_count_matches_the_grid() {
        let cases = [
            ("2024-03-06T12:00:00Z", "2024-03-20T00:00:00Z"),
            ("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            ("2023-12-31T23:30:00Z", "2024-03-31T22:00:00Z"),
            ("2024-10-26T21:00:00Z", "2024-10-28T01:00:00Z"),
            ("2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z"),
        ];
        for (from, to) in cases {
            for bucket in [BucketSize::Day, BucketSize::Week, BucketSize::Month] {
                for tz in [UTC, Berlin, New_York] {
                    let w = window(from, to, bucket, tz);
                    assert_eq!(
                        w.bucket_count(),
                        BucketGrid::new(&w, bucket).len() as u64,
                        "{from}..{to} {bucket:?} {tz}"
                    );
                }
            }
        }
    }

    #[test]
    fn windows_beyond_the_limits_are_refused_naming_both() {
        let limits = WindowLimits {
            max_days: 366,
            max_buckets: 60,
        };
        let year = window(
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
            BucketSize::Week,
            UTC,
        );
        assert_eq!(year.check(&limits), Ok(()));
        let a_second_more = window(
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:01Z",
            BucketSize::Month,
            UTC,
        );
        // 2024 has 366 days: one second more starts a 367th.
        let error = a_second_more.check(&limits).unwrap_err();
        assert!(
            matches!(error, WindowError::TooLarge { days: 367, .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("366 days") && message.contains("60 buckets"),
            "{message}"
        );
        let days = window(
            "2024-01-01T00:00:00Z",
            "2024-03-01T00:00:01Z",
            BucketSize::Day,
            UTC,
        );
        assert!(matches!(
            days.check(&limits),
            Err(WindowError::TooLarge { buckets: 61, .. })
        ));
    }

    #[test]
    fn ends_outside_the_supported_years_are_refused() {
        let far = DateTime::<Utc>::from_timestamp(-8_000_000_000_000, 0).unwrap();
        assert_eq!(
            MetricWindow::new(far, at("2024-01-01T00:00:00Z"), BucketSize::Day, UTC),
            Err(WindowError::OutOfRange {
                end: WindowEnd::From
            })
        );
        let far = at("9999-12-31T23:00:00Z") + chrono::TimeDelta::days(1);
        assert_eq!(
            MetricWindow::new(at("2024-01-01T00:00:00Z"), far, BucketSize::Day, UTC),
            Err(WindowError::OutOfRange { end: WindowEnd::To })
        );
    }

    #[test]
    fn rejects_empty_range() {
        let t = at("2024-03-04T00:00:00Z");
        assert!(MetricWindow::new(t, t, BucketSize::Day, UTC).is_err());
    }

    #[test]
    fn utc_days_cover_window() {
        let w = window(
            "2024-03-04T00:00:00Z",
            "2024-03-11T00:00:00Z",
            BucketSize::Day,
            UTC,
        );
        let g = BucketGrid::new(&w, BucketSize::Day);
        assert_eq!(g.len(), 7);
        assert_eq!(g.starts().next(), Some(at("2024-03-04T00:00:00Z")));
        assert_eq!(g.index_of(at("2024-03-10T23:59:59Z")), Some(6));
        assert_eq!(g.index_of(at("2024-03-11T00:00:00Z")), None);
        assert_eq!(g.index_of(at("2024-03-03T23:59:59Z")), None);
    }

    #[test]
    fn first_bucket_starts_at_bucket_containing_from() {
        let w = window(
            "2024-03-06T12:00:00Z",
            "2024-03-20T00:00:00Z",
            BucketSize::Week,
            UTC,
        );
        let g = BucketGrid::new(&w, BucketSize::Week);
        let starts: Vec<_> = g.starts().collect();
        assert_eq!(
            starts,
            vec![
                at("2024-03-04T00:00:00Z"),
                at("2024-03-11T00:00:00Z"),
                at("2024-03-18T00:00:00Z")
            ]
        );
        assert!(!g.is_complete(0));
        assert!(g.is_complete(1));
        assert!(!g.is_complete(2));
        // Before `from` in the first bucket: not counted.
        assert_eq!(g.index_of(at("2024-03-05T00:00:00Z")), None);
    }

    #[test]
    fn berlin_dst_days_and_weeks() {
        // Spring forward 2024-03-31 02:00 CET -> 03:00 CEST: that day has 23 h.
        let w = window(
            "2024-03-29T23:00:00Z",
            "2024-04-02T22:00:00Z",
            BucketSize::Day,
            Berlin,
        );
        let g = BucketGrid::new(&w, BucketSize::Day);
        let starts: Vec<_> = g.starts().collect();
        assert_eq!(
            starts,
            vec![
                at("2024-03-29T23:00:00Z"),
                at("2024-03-30T23:00:00Z"),
                at("2024-03-31T22:00:00Z"),
                at("2024-04-01T22:00:00Z"),
            ]
        );
        let (s, e) = g.bounds(1).unwrap();
        assert_eq!((e - s).num_hours(), 23);
        // 01:30 UTC on 03-31 is 03:30 CEST on 03-31.
        assert_eq!(g.index_of(at("2024-03-31T01:30:00Z")), Some(1));
        // 22:30 UTC on 03-31 is 00:30 CEST on 04-01.
        assert_eq!(g.index_of(at("2024-03-31T22:30:00Z")), Some(2));

        // Fall back 2024-10-27 03:00 CEST -> 02:00 CET: that ISO week has 169 h.
        let w = window(
            "2024-10-20T22:00:00Z",
            "2024-11-03T23:00:00Z",
            BucketSize::Week,
            Berlin,
        );
        let g = BucketGrid::new(&w, BucketSize::Week);
        let starts: Vec<_> = g.starts().collect();
        assert_eq!(
            starts,
            vec![at("2024-10-20T22:00:00Z"), at("2024-10-27T23:00:00Z")]
        );
        let (s, e) = g.bounds(0).unwrap();
        assert_eq!((e - s).num_hours(), 169);
        assert!(g.is_complete(0) && g.is_complete(1));
    }

    #[test]
    fn months_in_new_york() {
        let w = window(
            "2024-01-15T00:00:00Z",
            "2024-03-15T00:00:00Z",
            BucketSize::Month,
            New_York,
        );
        let g = BucketGrid::new(&w, BucketSize::Month);
        let starts: Vec<_> = g.starts().collect();
        assert_eq!(
            starts,
            vec![
                at("2024-01-01T05:00:00Z"),
                at("2024-02-01T05:00:00Z"),
                at("2024-03-01T05:00:00Z")
            ]
        );
    }

    #[test]
    fn skipped_midnight_starts_at_transition() {
        // America/Santiago sprang forward at local midnight on 2022-09-11
        // (00:00 -04 -> 01:00 -03): the day begins at 04:00 UTC.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        assert_eq!(local_day_start(tz, date), at("2022-09-11T04:00:00Z"));
        // America/Havana fell back at 01:00 CDT -> 00:00 CST on 2023-11-05,
        // so that midnight happens twice: the earlier one (04:00 UTC) counts.
        let tz: Tz = "America/Havana".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2023, 11, 5).unwrap();
        assert!(matches!(
            tz.from_local_datetime(&date.and_time(NaiveTime::MIN)),
            LocalResult::Ambiguous(..)
        ));
        assert_eq!(local_day_start(tz, date), at("2023-11-05T04:00:00Z"));
    }

    #[test]
    fn window_serializes_zone_by_name() {
        let w = window(
            "2024-03-04T00:00:00Z",
            "2024-03-11T00:00:00Z",
            BucketSize::Week,
            Berlin,
        );
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(json["timeZone"], "Europe/Berlin");
        assert_eq!(json["bucket"], "WEEK");
        let back: MetricWindow = serde_json::from_value(json).unwrap();
        assert_eq!(back, w);
        let bad = serde_json::json!({
            "from": "2024-03-04T00:00:00Z", "to": "2024-03-11T00:00:00Z",
            "bucket": "DAY", "timeZone": "Mars/Olympus"
        });
        assert!(serde_json::from_value::<MetricWindow>(bad).is_err());
    }
}
