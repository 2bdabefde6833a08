//! Inputs every report shares: a walk along relations and a metric figure. A path is checked
//! against the meta model in the domain ([`domain::reports::RelationPath::new`]); here it is
//! only translated.

use async_graphql::{Enum, InputObject};
use domain::{fact_sheets, reports};

use crate::graphql::{enums::RelationDirection, errors::bad_input};

/// One hop along relations of a type: OUTGOING from a relation's source to its target,
/// INCOMING from its target back to its source. A Team reaches the artifacts it owns with
/// `{type: "ownedBy", direction: INCOMING}`.
#[derive(InputObject, Clone, Debug)]
pub struct RelationStepInput {
    #[graphql(name = "type")]
    pub relation_type: String,
    #[graphql(default_with = "RelationDirection::Outgoing")]
    pub direction: RelationDirection,
}

/// The steps of a path as the domain takes them; `field` names the list in errors.
pub fn steps(
    input: Vec<RelationStepInput>,
    field: &str,
) -> async_graphql::Result<Vec<reports::RelationStep>> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            let direction = match step.direction {
                RelationDirection::Outgoing => fact_sheets::RelationDirection::Outgoing,
                RelationDirection::Incoming => fact_sheets::RelationDirection::Incoming,
                RelationDirection::Both => {
                    return Err(bad_input(
                        &format!("{field}.{i}.direction"),
                        "choose OUTGOING or INCOMING",
                    ));
                }
            };
            Ok(reports::RelationStep {
                relation_type: step.relation_type,
                direction,
            })
        })
        .collect()
}

/// One number of a fact sheet's metrics over a window, as its `metrics` field computes it
/// (durations in seconds, rates from 0 to 1).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::reports::Figure")]
pub enum MetricFigure {
    /// Deployments per day.
    DeploymentFrequency,
    /// Median lead time for changes, in seconds.
    LeadTime,
    /// Failed deployments ÷ deployments.
    ChangeFailureRate,
    /// Median time to restore service, in seconds.
    TimeToRestore,
    /// Median recovery time of failed deployments, in seconds.
    FailedDeploymentRecoveryTime,
    /// Work items completed.
    FlowVelocity,
    /// Median flow time, in seconds.
    FlowTime,
    /// Active time ÷ flow time.
    FlowEfficiency,
    /// Work items in progress at the window end.
    FlowLoad,
}
