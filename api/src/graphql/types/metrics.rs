//! Metric outputs, field for field the engine's results under the contract's names.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use domain::metrics as m;

use crate::graphql::errors::{bad_input, to_gql};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl From<Bucket> for m::BucketSize {
    fn from(b: Bucket) -> Self {
        match b {
            Bucket::Day => m::BucketSize::Day,
            Bucket::Week => m::BucketSize::Week,
            Bucket::Month => m::BucketSize::Month,
        }
    }
}

/// A half-open window `[from, to)` cut into buckets in an IANA time zone: either `from` and
/// `to`, or `last`, a duration ending now (`P30D`, `P4W`, `PT12H`), so a dashboard need not
/// compute dates.
#[derive(InputObject)]
pub struct MetricWindowInput {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// An ISO 8601 duration of days, weeks or hours ending now; instead of `from` and `to`.
    pub last: Option<String>,
    #[graphql(default_with = "Bucket::Week")]
    pub bucket: Bucket,
    #[graphql(default_with = "String::from(\"UTC\")")]
    pub time_zone: String,
}

impl MetricWindowInput {
    /// `[from, to)` as given, or the `last` duration ending at `now`; bad input names the field.
    pub fn range(
        &self,
        now: DateTime<Utc>,
    ) -> async_graphql::Result<(DateTime<Utc>, DateTime<Utc>)> {
        match (&self.last, self.from, self.to) {
            (Some(_), Some(_), _) => Err(bad_input(
                "window.from",
                "cannot be given with window.last: give either last or from and to",
            )),
            (Some(_), None, Some(_)) => Err(bad_input(
                "window.to",
                "cannot be given with window.last: give either last or from and to",
            )),
            (Some(last), None, None) => {
                let bad = |message: &str| bad_input("window.last", message);
                let length = m::parse_lookback(last).map_err(|e| bad(&e.to_string()))?;
                let from = now
                    .checked_sub_signed(length)
                    .ok_or_else(|| bad("reaches back before the supported calendar"))?;
                Ok((from, now))
            }
            (None, Some(from), Some(to)) => Ok((from, to)),
            (None, None, _) => Err(bad_input(
                "window.from",
                "is required unless window.last is given",
            )),
            (None, Some(_), None) => Err(bad_input(
                "window.to",
                "is required unless window.last is given",
            )),
        }
    }

    /// The domain's window, refused as bad input naming the field, or as too large naming
    /// both limits.
    pub fn checked(&self, limits: &m::WindowLimits) -> async_graphql::Result<m::MetricWindow> {
        let time_zone: chrono_tz::Tz = self.time_zone.parse().map_err(|_| {
            bad_input(
                "window.timeZone",
                "is not an IANA time zone such as Europe/Berlin",
            )
        })?;
        let refused = |e: m::WindowError| match e {
            m::WindowError::EmptyRange { .. } => {
                bad_input("window.to", "must be after window.from")
            }
            m::WindowError::OutOfRange { end } => bad_input(
                match end {
                    m::WindowEnd::From => "window.from",
                    m::WindowEnd::To => "window.to",
                },
                &e.to_string(),
            ),
            m::WindowError::TooLarge { .. } => to_gql(domain::Error::LimitExceeded(e.to_string())),
        };
        let (from, to) = self.range(Utc::now())?;
        let window =
            m::MetricWindow::new(from, to, self.bucket.into(), time_zone).map_err(refused)?;
        window.check(limits).map_err(refused)?;
        Ok(window)
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PerformanceLevel {
    Elite,
    High,
    Medium,
    Low,
}

fn level(l: Option<m::Level>) -> Option<PerformanceLevel> {
    l.map(|l| match l {
        m::Level::Elite => PerformanceLevel::Elite,
        m::Level::High => PerformanceLevel::High,
        m::Level::Medium => PerformanceLevel::Medium,
        m::Level::Low => PerformanceLevel::Low,
    })
}

/// Null statistics mean "no items": never a fake zero.
#[derive(SimpleObject)]
pub struct DurationStats {
    pub count: u64,
    pub p50_seconds: Option<f64>,
    pub p75_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub mean_seconds: Option<f64>,
}

impl From<m::DurationStats> for DurationStats {
    fn from(s: m::DurationStats) -> Self {
        Self {
            count: s.count,
            p50_seconds: s.p50_seconds,
            p75_seconds: s.p75_seconds,
            p90_seconds: s.p90_seconds,
            mean_seconds: s.mean_seconds,
        }
    }
}

#[derive(SimpleObject)]
pub struct DeploymentFrequencyBucket {
    pub start: DateTime<Utc>,
    pub deployments: u64,
}

#[derive(SimpleObject)]
pub struct DeploymentFrequency {
    pub deployments: u64,
    pub deployment_days: u64,
    pub per_day: Option<f64>,
    pub level: Option<PerformanceLevel>,
    /// Median deployment days per complete ISO week: the figure `level` is rated on (ELITE
    /// from 5, HIGH from 1 by default). It can disagree with `perDay`, which counts
    /// deployments, not days. Null when there is no complete week, as `level`.
    pub deployment_days_per_week: Option<f64>,
    pub buckets: Vec<DeploymentFrequencyBucket>,
}

#[derive(SimpleObject)]
pub struct StatsBucket {
    pub start: DateTime<Utc>,
    pub stats: DurationStats,
}

#[derive(SimpleObject)]
pub struct LeadTime {
    pub stats: DurationStats,
    pub pending_changes: u64,
    pub negative_durations: u64,
    pub level: Option<PerformanceLevel>,
    pub buckets: Vec<StatsBucket>,
}

#[derive(SimpleObject)]
pub struct ChangeFailureBucket {
    pub start: DateTime<Utc>,
    pub deployments: u64,
    pub failed_deployments: u64,
    pub rate: Option<f64>,
}

#[derive(SimpleObject)]
pub struct ChangeFailureRate {
    pub deployments: u64,
    pub failed_deployments: u64,
    pub rate: Option<f64>,
    pub level: Option<PerformanceLevel>,
    pub buckets: Vec<ChangeFailureBucket>,
}

#[derive(SimpleObject)]
pub struct Recovery {
    pub stats: DurationStats,
    pub open_count: u64,
    pub oldest_open_seconds: Option<f64>,
    pub level: Option<PerformanceLevel>,
    pub buckets: Vec<StatsBucket>,
}

#[derive(SimpleObject)]
pub struct ItemTypeCount {
    pub item_type: String,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct ItemTypeShare {
    pub item_type: String,
    pub share: f64,
}

#[derive(SimpleObject)]
pub struct FlowBucket {
    pub start: DateTime<Utc>,
    pub velocity: u64,
    pub flow_time: DurationStats,
}

#[derive(SimpleObject)]
pub struct FlowMetrics {
    pub velocity: u64,
    pub velocity_by_type: Vec<ItemTypeCount>,
    pub flow_time: DurationStats,
    pub efficiency: Option<f64>,
    pub load: u64,
    pub load_average: Option<f64>,
    pub distribution: Vec<ItemTypeShare>,
    pub buckets: Vec<FlowBucket>,
}

#[derive(SimpleObject)]
pub struct VulnerabilityTrendBucket {
    pub start: DateTime<Utc>,
    pub opened: u64,
    pub resolved: u64,
    /// Open at the bucket's end (or the window's, when that comes first).
    pub open_at_end: u64,
}

/// Findings (scanner findings and advisory matches together) opened and resolved in the
/// window, and open at its end.
#[derive(SimpleObject)]
pub struct VulnerabilityTrend {
    pub opened: u64,
    pub resolved: u64,
    pub open_at_end: u64,
    /// From opened to resolved, for the findings resolved in the window.
    pub remediation_time: DurationStats,
    pub buckets: Vec<VulnerabilityTrendBucket>,
}

impl From<m::VulnerabilityTrend> for VulnerabilityTrend {
    fn from(t: m::VulnerabilityTrend) -> Self {
        Self {
            opened: t.opened,
            resolved: t.resolved,
            open_at_end: t.open_at_end,
            remediation_time: t.remediation_time.into(),
            buckets: t
                .buckets
                .into_iter()
                .map(|b| VulnerabilityTrendBucket {
                    start: b.start,
                    opened: b.opened,
                    resolved: b.resolved,
                    open_at_end: b.open_at_end,
                })
                .collect(),
        }
    }
}

/// DORA four keys, Flow metrics and the vulnerability trend of one window (see `metrics.md`
/// for every definition).
#[derive(SimpleObject)]
pub struct Metrics {
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub failed_deployment_recovery_time: Recovery,
    pub time_to_restore: Recovery,
    pub flow: FlowMetrics,
    pub vulnerabilities: VulnerabilityTrend,
}

fn recovery(r: m::Recovery) -> Recovery {
    Recovery {
        stats: r.stats.into(),
        open_count: r.open_count,
        oldest_open_seconds: r.oldest_open_seconds,
        level: level(r.level),
        buckets: r
            .buckets
            .into_iter()
            .map(|b| StatsBucket {
                start: b.start,
                stats: b.stats.into(),
            })
            .collect(),
    }
}

impl From<m::Metrics> for Metrics {
    fn from(x: m::Metrics) -> Self {
        let df = x.deployment_frequency;
        let lt = x.lead_time;
        let cfr = x.change_failure_rate;
        let flow = x.flow;
        Self {
            deployment_frequency: DeploymentFrequency {
                deployments: df.deployments,
                deployment_days: df.deployment_days,
                per_day: df.per_day,
                level: level(df.level),
                deployment_days_per_week: df.deployment_days_per_week,
                buckets: df
                    .buckets
                    .into_iter()
                    .map(|b| DeploymentFrequencyBucket {
                        start: b.start,
                        deployments: b.deployments,
                    })
                    .collect(),
            },
            lead_time: LeadTime {
                stats: lt.stats.into(),
                pending_changes: lt.pending_changes,
                negative_durations: lt.negative_durations,
                level: level(lt.level),
                buckets: lt
                    .buckets
                    .into_iter()
                    .map(|b| StatsBucket {
                        start: b.start,
                        stats: b.stats.into(),
                    })
                    .collect(),
            },
            change_failure_rate: ChangeFailureRate {
                deployments: cfr.deployments,
                failed_deployments: cfr.failed_deployments,
                rate: cfr.rate,
                level: level(cfr.level),
                buckets: cfr
                    .buckets
                    .into_iter()
                    .map(|b| ChangeFailureBucket {
                        start: b.start,
                        deployments: b.deployments,
                        failed_deployments: b.failed_deployments,
                        rate: b.rate,
                    })
                    .collect(),
            },
            failed_deployment_recovery_time: recovery(x.failed_deployment_recovery_time),
            time_to_restore: recovery(x.time_to_restore),
            flow: FlowMetrics {
                velocity: flow.velocity,
                velocity_by_type: flow
                    .velocity_by_type
                    .into_iter()
                    .map(|t| ItemTypeCount {
                        item_type: t.item_type,
                        count: t.count,
                    })
                    .collect(),
                flow_time: flow.flow_time.into(),
                efficiency: flow.efficiency,
                load: flow.load,
                load_average: flow.load_average,
                distribution: flow
                    .distribution
                    .into_iter()
                    .map(|t| ItemTypeShare {
                        item_type: t.item_type,
                        share: t.share,
                    })
                    .collect(),
                buckets: flow
                    .buckets
                    .into_iter()
                    .map(|b| FlowBucket {
                        start: b.start,
                        velocity: b.velocity,
                        flow_time: b.flow_time.into(),
                    })
                    .collect(),
            },
            vulnerabilities: x.vulnerabilities.into(),
        }
    }
}
