//! Performance levels: each metric rated by the workspace's versioned
//! [`Bands`](crate::meta_model::Bands).

use serde::{Deserialize, Serialize};

use crate::meta_model::{DeploymentFrequencyBands, DurationBands, RateBands};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    Elite,
    High,
    Medium,
    Low,
}

impl DurationBands {
    pub fn rate(&self, p50_seconds: Option<f64>) -> Option<Level> {
        let p50 = p50_seconds?;
        Some(if p50 < self.elite_below_seconds {
            Level::Elite
        } else if p50 < self.high_below_seconds {
            Level::High
        } else if p50 < self.medium_below_seconds {
            Level::Medium
        } else {
            Level::Low
        })
    }
}

impl RateBands {
    pub fn rate(&self, rate: Option<f64>) -> Option<Level> {
        let rate = rate?;
        Some(if rate <= self.elite_max {
            Level::Elite
        } else if rate <= self.high_max {
            Level::High
        } else if rate <= self.medium_max {
            Level::Medium
        } else {
            Level::Low
        })
    }
}

impl DeploymentFrequencyBands {
    /// The median deployment days of the complete ISO weeks in `weekly_days`: the figure the
    /// ELITE and HIGH bands compare, shown beside the level so a client can say why.
    pub fn days_per_week(weekly_days: &[u64]) -> Option<f64> {
        let mut sorted: Vec<f64> = weekly_days.iter().map(|&d| d as f64).collect();
        sorted.sort_by(f64::total_cmp);
        super::stats::percentile_cont(&sorted, 0.5)
    }

    /// `weekly_days` holds the deployment days of each complete ISO week;
    /// without a complete week there is nothing to rate.
    pub fn rate(&self, weekly_days: &[u64]) -> Option<Level> {
        if weekly_days.is_empty() {
            return None;
        }
        let median = Self::days_per_week(weekly_days)?;
        let total: u64 = weekly_days.iter().sum();
        let per_month = total as f64 * 30.0 / (7.0 * weekly_days.len() as f64);
        Some(if median >= self.elite_min_days_per_week {
            Level::Elite
        } else if median >= self.high_min_days_per_week {
            Level::High
        } else if per_month >= self.medium_min_days_per_month {
            Level::Medium
        } else {
            Level::Low
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta_model::{Bands, DEFAULT_BANDS_VERSION};

    const HOUR: f64 = 3_600.0;
    const DAY: f64 = 24.0 * HOUR;

    #[test]
    fn default_matches_spec_table() {
        let b = Bands::default();
        let lt = &b.lead_time;
        assert_eq!(lt.rate(None), None);
        assert_eq!(lt.rate(Some(DAY - 1.0)), Some(Level::Elite));
        assert_eq!(lt.rate(Some(DAY)), Some(Level::High));
        assert_eq!(lt.rate(Some(7.0 * DAY)), Some(Level::Medium));
        assert_eq!(lt.rate(Some(30.0 * DAY)), Some(Level::Low));

        let r = &b.recovery;
        assert_eq!(r.rate(Some(HOUR - 1.0)), Some(Level::Elite));
        assert_eq!(r.rate(Some(HOUR)), Some(Level::High));
        assert_eq!(r.rate(Some(DAY)), Some(Level::Medium));
        assert_eq!(r.rate(Some(7.0 * DAY)), Some(Level::Low));

        let c = &b.change_failure_rate;
        assert_eq!(c.rate(None), None);
        assert_eq!(c.rate(Some(1.0 / 20.0)), Some(Level::Elite));
        assert_eq!(c.rate(Some(1.0 / 10.0)), Some(Level::High));
        assert_eq!(c.rate(Some(3.0 / 20.0)), Some(Level::Medium));
        assert_eq!(c.rate(Some(2.0 / 3.0)), Some(Level::Low));

        let d = &b.deployment_frequency;
        assert_eq!(d.rate(&[]), None);
        assert_eq!(d.rate(&[5, 5, 0]), Some(Level::Elite));
        assert_eq!(d.rate(&[7, 4, 4]), Some(Level::High));
        assert_eq!(d.rate(&[1, 0, 0, 0]), Some(Level::Medium)); // 30/28 per month
        assert_eq!(d.rate(&[1, 0, 0, 0, 0]), Some(Level::Low)); // 30/35 per month
        assert_eq!(d.rate(&[0]), Some(Level::Low));
    }

    #[test]
    fn bands_serialize_with_version() {
        let json = serde_json::to_value(Bands::default()).unwrap();
        assert_eq!(json["version"], DEFAULT_BANDS_VERSION);
        assert_eq!(json["changeFailureRate"]["eliteMax"], 0.05);
        let back: Bands = serde_json::from_value(json).unwrap();
        assert_eq!(back, Bands::default());
        assert_eq!(serde_json::to_value(Level::Elite).unwrap(), "ELITE");
    }
}
