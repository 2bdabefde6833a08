//! What a workspace has used of its features: metered units per UTC day and live fact sheets.
//! Both the checks before gated work and the settings an admin reads count them, the same way.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::Feature;
use crate::error::Result;
use entity::{fact_sheet, feature_usage};

/// The metering period of `now`: its UTC date.
pub(super) fn period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

pub(super) async fn used_in(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    feature: Feature,
    period: &str,
) -> Result<i64> {
    Ok(feature_usage::Entity::find()
        .filter(feature_usage::Column::WorkspaceId.eq(workspace_id))
        .filter(feature_usage::Column::Feature.eq(feature.id()))
        .filter(feature_usage::Column::Period.eq(period))
        .one(db)
        .await?
        .map_or(0, |u| u.used))
}

pub(super) async fn usage_today(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    feature: Feature,
) -> Result<i64> {
    used_in(db, workspace_id, feature, &period(Utc::now())).await
}

pub(super) async fn live_fact_sheets(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<u64> {
    Ok(fact_sheet::Entity::find()
        .filter(fact_sheet::Column::WorkspaceId.eq(workspace_id))
        .filter(fact_sheet::Column::Status.ne("ARCHIVED"))
        .count(db)
        .await?)
}
