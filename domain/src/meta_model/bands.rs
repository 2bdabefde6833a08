//! Performance bands: the thresholds that rate a workspace's DORA metrics.
//!
//! Bands are data, not code (docs/metrics.md, "Performance levels"), so a workspace can store
//! its own set in its meta model; the `version` travels with them so a stored result can say
//! which set rated it. [`Bands::default`] is that page's table (DORA 2023 as adapted by
//! DevLake). Rating a metric by them is the metrics' business.

use serde::{Deserialize, Serialize};

const HOUR: f64 = 3_600.0;
const DAY: f64 = 24.0 * HOUR;

/// Thresholds in deployment days, measured per ISO week of the window.
///
/// Elite and high compare the *median* deployment days per complete ISO week.
/// A median of whole-week counts is useless below one per week (it is 0 or
/// 0.5), so medium compares the *average* deployment days per 30 days over the
/// same complete weeks (`days × 30 ÷ (7 × weeks)`) with
/// `medium_min_days_per_month`; anything less is low.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentFrequencyBands {
    pub elite_min_days_per_week: f64,
    pub high_min_days_per_week: f64,
    pub medium_min_days_per_month: f64,
}

/// Upper bounds (exclusive) of a p50 duration, in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationBands {
    pub elite_below_seconds: f64,
    pub high_below_seconds: f64,
    pub medium_below_seconds: f64,
}

/// Upper bounds (inclusive) of a rate in `0..=1`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateBands {
    pub elite_max: f64,
    pub high_max: f64,
    pub medium_max: f64,
}

/// One versioned band set. `recovery` rates both failed deployment recovery
/// time and time to restore: classic MTTR used the same thresholds, and the API
/// returns both as the same `Recovery` type with a level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bands {
    pub version: String,
    pub deployment_frequency: DeploymentFrequencyBands,
    pub lead_time: DurationBands,
    pub change_failure_rate: RateBands,
    pub recovery: DurationBands,
}

pub const DEFAULT_BANDS_VERSION: &str = "dora-2023-devlake-1";

impl Default for Bands {
    fn default() -> Self {
        Self {
            version: DEFAULT_BANDS_VERSION.to_owned(),
            deployment_frequency: DeploymentFrequencyBands {
                elite_min_days_per_week: 5.0,
                high_min_days_per_week: 1.0,
                medium_min_days_per_month: 1.0,
            },
            lead_time: DurationBands {
                elite_below_seconds: DAY,
                high_below_seconds: 7.0 * DAY,
                medium_below_seconds: 30.0 * DAY,
            },
            change_failure_rate: RateBands {
                elite_max: 0.05,
                high_max: 0.10,
                medium_max: 0.15,
            },
            recovery: DurationBands {
                elite_below_seconds: HOUR,
                high_below_seconds: DAY,
                medium_below_seconds: 7.0 * DAY,
            },
        }
    }
}
