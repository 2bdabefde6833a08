//! The single numbers of a fact sheet's metrics that reports aggregate, sort and show as
//! columns. Each is read from the same [`Metrics`] the `metrics` field of a fact sheet returns,
//! so a report and the fact sheet's own page never disagree.

use crate::metrics::{Metrics, Needs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Figure {
    /// Deployments per day.
    DeploymentFrequency,
    /// Median lead time for changes, in seconds.
    LeadTime,
    /// Failed deployments ÷ deployments, 0 to 1.
    ChangeFailureRate,
    /// Median time to restore service after an incident, in seconds.
    TimeToRestore,
    /// Median recovery time of failed deployments, in seconds.
    FailedDeploymentRecoveryTime,
    /// Work items completed in the window.
    FlowVelocity,
    /// Median flow time of completed work items, in seconds.
    FlowTime,
    /// Active time ÷ flow time, 0 to 1.
    FlowEfficiency,
    /// Work items in progress at the window end.
    FlowLoad,
}

impl Figure {
    /// The metric families the figure is computed from, so only their facts are loaded.
    pub fn needs(self) -> Needs {
        let flow = matches!(
            self,
            Self::FlowVelocity | Self::FlowTime | Self::FlowEfficiency | Self::FlowLoad
        );
        Needs {
            dora: !flow,
            flow,
            vulnerabilities: false,
        }
    }

    /// `None` where the metric has no value (no deployment to rate, no change to time).
    pub fn of(self, metrics: &Metrics) -> Option<f64> {
        match self {
            Self::DeploymentFrequency => metrics.deployment_frequency.per_day,
            Self::LeadTime => metrics.lead_time.stats.p50_seconds,
            Self::ChangeFailureRate => metrics.change_failure_rate.rate,
            Self::TimeToRestore => metrics.time_to_restore.stats.p50_seconds,
            Self::FailedDeploymentRecoveryTime => {
                metrics.failed_deployment_recovery_time.stats.p50_seconds
            }
            Self::FlowVelocity => Some(metrics.flow.velocity as f64),
            Self::FlowTime => metrics.flow.flow_time.p50_seconds,
            Self::FlowEfficiency => metrics.flow.efficiency,
            Self::FlowLoad => Some(metrics.flow.load as f64),
        }
    }
}
