//! Reading and changing a workspace's features: the edition's defaults with the workspace's
//! overrides on top.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

use super::{
    Edition, Feature, FeatureStatus,
    usage::{live_fact_sheets, usage_today},
};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    principal::Principal,
    security_log::Audit,
};
use entity::{workspace, workspace_feature};

/// One feature as it applies to a workspace now.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSetting {
    pub feature: Feature,
    pub status: FeatureStatus,
    /// `None`: unlimited (or the feature has no quota).
    pub quota: Option<i64>,
    /// Whether the workspace overrides its edition for this feature.
    pub overridden: bool,
    /// Current consumption of the quota's unit, for features with a quota.
    pub used: Option<i64>,
}

/// A platform operator's override of one feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub status: FeatureStatus,
    pub quota: Option<i64>,
}

async fn edition_of(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Edition> {
    let ws = workspace::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("workspace", workspace_id))?;
    ws.edition.parse()
}

/// The workspace's edition and the settings of `features` for it, without usage (what
/// enforcement needs). One statement: the edition with its overrides of `features` joined on. Every
/// gated read (each metrics query, each ingestion) pays this check, so it costs one round
/// trip rather than two.
pub(super) async fn settings(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    features: &[Feature],
) -> Result<(Edition, Vec<FeatureSetting>)> {
    let ids: Vec<&str> = features.iter().map(|f| f.id()).collect();
    let wf = workspace_feature::Entity;
    let statement = Query::select()
        .column((workspace::Entity, workspace::Column::Edition))
        .columns([
            (wf, workspace_feature::Column::Feature),
            (wf, workspace_feature::Column::Status),
            (wf, workspace_feature::Column::Quota),
        ])
        .from(workspace::Entity)
        .join(
            JoinType::LeftJoin,
            wf,
            Condition::all()
                .add(
                    Expr::col((wf, workspace_feature::Column::WorkspaceId))
                        .equals((workspace::Entity, workspace::Column::Id)),
                )
                .add(Expr::col((wf, workspace_feature::Column::Feature)).is_in(ids)),
        )
        .and_where(Expr::col((workspace::Entity, workspace::Column::Id)).eq(workspace_id))
        .to_owned();
    let rows = db.query_all(&statement).await?;
    let Some(first) = rows.first() else {
        return Err(Error::not_found("workspace", workspace_id));
    };
    let edition: Edition = first.try_get_by_index::<String>(0)?.parse()?;
    let mut overrides = Vec::new();
    for row in &rows {
        if let Some(feature) = row.try_get_by_index::<Option<String>>(1)? {
            let status: String = row.try_get_by_index(2)?;
            overrides.push((feature, status, row.try_get_by_index::<Option<i64>>(3)?));
        }
    }
    let settings = features
        .iter()
        .map(|&feature| {
            let (status, quota) = edition.grants(feature);
            match overrides.iter().find(|(id, ..)| id == feature.id()) {
                Some((_, status, quota)) => Ok(FeatureSetting {
                    feature,
                    status: status.parse()?,
                    quota: *quota,
                    overridden: true,
                    used: None,
                }),
                None => Ok(FeatureSetting {
                    feature,
                    status,
                    quota,
                    overridden: false,
                    used: None,
                }),
            }
        })
        .collect::<Result<_>>()?;
    Ok((edition, settings))
}

/// Every feature of a workspace with its usage: what a platform operator sees.
pub async fn for_workspace(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<(Edition, Vec<FeatureSetting>)> {
    let (edition, mut all) = settings(db, workspace_id, &Feature::ALL).await?;
    for setting in &mut all {
        setting.used = match setting.feature {
            Feature::FactSheets => Some(live_fact_sheets(db, workspace_id).await? as i64),
            Feature::Events => Some(usage_today(db, workspace_id, Feature::Events).await?),
            _ => None,
        };
    }
    Ok((edition, all))
}

/// What a workspace admin reads (GraphQL `workspaceFeatures`).
pub async fn effective(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<(Edition, Vec<FeatureSetting>)> {
    authz::require(principal, Action::AdministerWorkspace)?;
    for_workspace(db, principal.workspace_id).await
}

/// Overrides one feature (platform operation; the CLI calls it). `None` removes the override,
/// so the edition's default applies again. Run in a transaction scoped to the workspace.
pub async fn set(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    feature: Feature,
    setting: Option<Setting>,
    actor: &str,
) -> Result<()> {
    edition_of(db, workspace_id).await?;
    let Some(setting) = setting else {
        workspace_feature::Entity::delete_many()
            .filter(workspace_feature::Column::WorkspaceId.eq(workspace_id))
            .filter(workspace_feature::Column::Feature.eq(feature.id()))
            .exec(db)
            .await?;
        return Ok(());
    };
    if setting.quota.is_some() && feature.quota_unit().is_none() {
        return Err(Error::invalid("quota", format!("{feature} has no quota")));
    }
    if setting.quota.is_some_and(|q| q < 0) {
        return Err(Error::invalid("quota", "must not be negative"));
    }
    let row = workspace_feature::ActiveModel {
        workspace_id: Set(workspace_id),
        feature: Set(feature.id().to_owned()),
        status: Set(setting.status.as_str().to_owned()),
        quota: Set(setting.quota),
        updated_at: Set(Utc::now()),
        updated_by: Set(actor.to_owned()),
    };
    workspace_feature::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                workspace_feature::Column::WorkspaceId,
                workspace_feature::Column::Feature,
            ])
            .update_columns([
                workspace_feature::Column::Status,
                workspace_feature::Column::Quota,
                workspace_feature::Column::UpdatedAt,
                workspace_feature::Column::UpdatedBy,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Audit::new("feature changed", "feature override set")
        .in_workspace(workspace_id)
        .feature(feature.id())
        .status(setting.status.as_str())
        .quota(setting.quota)
        .actor(actor)
        .log();
    Ok(())
}

/// Moves a workspace to another edition (platform operation).
pub async fn set_edition(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    edition: Edition,
) -> Result<()> {
    let ws = workspace::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("workspace", workspace_id))?;
    let mut active: workspace::ActiveModel = ws.into();
    active.edition = Set(edition.id().to_owned());
    workspace::Entity::update(active).exec(db).await?;
    Ok(())
}
