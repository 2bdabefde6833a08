//! DORA four keys, Flow metrics and the vulnerability trend as a pure function of stored event
//! facts, per `docs/metrics.md` (the engine: no I/O), and `for_fact_sheet`, which loads a fact
//! sheet's facts (with its roll-up) and runs the engine.

mod cache;
pub mod change_failure;
pub mod compute;
pub mod deployment_frequency;
mod deployments;
pub mod facts;
mod facts_cache;
pub mod findings;
pub mod flow;
mod for_fact_sheet;
mod incidents;
mod intern;
pub mod lead_time;
pub mod levels;
pub mod load;
pub mod lookback;
pub mod recovery;
mod scanner_findings;
mod sources_cache;
pub mod stats;
pub mod vulnerability_trend;
pub mod window;
mod work_items;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use cache::{MetricsCache, RequestReads};
pub use change_failure::{ChangeFailureBucket, ChangeFailureRate};
pub use compute::{Metrics, compute, compute_unless_cancelled, compute_view};
pub use deployment_frequency::{DeploymentFrequency, DeploymentFrequencyBucket};
pub use facts::{
    Change, Deployment, DeploymentStatus, Facts, FactsView, FindingReport, IncidentEvent,
    IncidentEventKind, PRODUCTION, VulnerabilityEvent, WorkItemState, WorkItemTransition,
};
pub use facts_cache::FactsKept;
pub use findings::{Finding, findings};
pub use flow::{FlowBucket, FlowMetrics, TypeCount, TypeShare};
pub use for_fact_sheet::{Subject, for_fact_sheet, members};
pub use lead_time::{LeadTime, LeadTimeBucket};
pub use levels::Level;
pub use load::Needs;
pub use lookback::{LookbackError, parse_lookback};
// A metric's level is rated by the workspace's bands, which the meta model holds.
pub use crate::meta_model::{Bands, DeploymentFrequencyBands, DurationBands, RateBands};
pub use recovery::{Recovery, RecoveryBucket};
pub use scanner_findings::{ScannerFinding, scanner_findings};
pub use stats::{DurationStats, percentile_cont};
pub use vulnerability_trend::{
    FindingInterval, VulnerabilityBucket, VulnerabilityTrend, vulnerability_trend,
};
pub use window::{BucketSize, MetricWindow, WindowEnd, WindowError, WindowLimits};
