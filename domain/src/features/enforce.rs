//! The checks services make before gated or metered work.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, EntityTrait,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::{
    Feature, FeatureStatus,
    settings::{FeatureSetting, settings},
    usage::{live_fact_sheets, period, used_in},
};
use crate::{
    error::{Error, Result},
    security_log::Refusal,
};
use entity::feature_usage;

/// The feature's setting, or [`Error::FeatureDisabled`] when it is switched off.
pub async fn require_enabled(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    feature: Feature,
) -> Result<FeatureSetting> {
    let setting = settings(db, workspace_id, &[feature])
        .await?
        .1
        .pop()
        .ok_or_else(|| Error::Internal(format!("no setting for {feature}")))?;
    if setting.status == FeatureStatus::Disabled {
        return Err(disabled(workspace_id, feature));
    }
    Ok(setting)
}

/// The refusal of work `feature` gates in a workspace that has it switched off, logged.
pub(super) fn disabled(workspace_id: Uuid, feature: Feature) -> Error {
    Refusal::new("forbidden", "feature disabled")
        .in_workspace(workspace_id)
        .feature(feature.id())
        .log();
    Error::FeatureDisabled {
        feature: feature.id().to_owned(),
    }
}

/// Fact sheets: enabled, and room for `adding` more under the per-workspace quota.
pub async fn require_within_total(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    adding: u64,
) -> Result<()> {
    let setting = require_enabled(db, workspace_id, Feature::FactSheets).await?;
    if let Some(quota) = setting.quota {
        let live = live_fact_sheets(db, workspace_id).await?;
        if live + adding > u64::try_from(quota).unwrap_or(0) {
            return Err(exhausted(workspace_id, Feature::FactSheets, quota));
        }
    }
    Ok(())
}

/// Counts `amount` against today's (UTC) quota of `feature`, in the caller's transaction: the
/// counter row is locked until commit, so concurrent requests cannot both slip under the quota,
/// and a request that fails afterwards rolls its count back with everything else.
pub async fn consume_daily(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    feature: Feature,
    amount: u64,
) -> Result<()> {
    let setting = require_enabled(db, workspace_id, feature).await?;
    let Some(quota) = setting.quota else {
        return Ok(());
    };
    let today = period(Utc::now());
    feature_usage::Entity::insert(feature_usage::ActiveModel {
        workspace_id: Set(workspace_id),
        feature: Set(feature.id().to_owned()),
        period: Set(today.clone()),
        used: Set(amount as i64),
    })
    .on_conflict(
        OnConflict::columns([
            feature_usage::Column::WorkspaceId,
            feature_usage::Column::Feature,
            feature_usage::Column::Period,
        ])
        .value(
            feature_usage::Column::Used,
            Expr::col((feature_usage::Entity, feature_usage::Column::Used)).add(amount as i64),
        )
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let used = used_in(db, workspace_id, feature, &today).await?;
    if used > quota {
        return Err(exhausted(workspace_id, feature, quota));
    }
    Ok(())
}

fn exhausted(workspace_id: Uuid, feature: Feature, quota: i64) -> Error {
    Refusal::new("limit exceeded", "quota exhausted")
        .in_workspace(workspace_id)
        .feature(feature.id())
        .quota(Some(quota))
        .log();
    Error::QuotaExhausted {
        feature: feature.id().to_owned(),
        quota,
    }
}
