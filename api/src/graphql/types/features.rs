use async_graphql::SimpleObject;
use domain::features::{Edition, FeatureSetting};

use crate::graphql::enums::FeatureStatus;

/// The workspace's edition and every feature as it applies now. Changed by a platform operator
/// (`wayfinder feature set`), read by workspace admins.
#[derive(SimpleObject)]
pub struct WorkspaceFeatures {
    pub edition: String,
    pub features: Vec<WorkspaceFeature>,
}

#[derive(SimpleObject)]
pub struct WorkspaceFeature {
    /// Stable id, as in `extensions.feature` of a refusal.
    pub id: String,
    pub description: String,
    pub status: FeatureStatus,
    /// The limit in `quotaUnit`; null means unlimited or no quota.
    pub quota: Option<i64>,
    pub quota_unit: Option<String>,
    /// Current consumption in `quotaUnit` (today's, for daily quotas).
    pub used: Option<i64>,
    /// True when this workspace overrides its edition's default.
    pub overridden: bool,
}

impl WorkspaceFeatures {
    pub fn new(edition: Edition, settings: Vec<FeatureSetting>) -> Self {
        Self {
            edition: edition.id().to_owned(),
            features: settings
                .into_iter()
                .map(|s| WorkspaceFeature {
                    id: s.feature.id().to_owned(),
                    description: s.feature.description().to_owned(),
                    status: s.status.into(),
                    quota: s.quota,
                    quota_unit: s.feature.quota_unit().map(str::to_owned),
                    used: s.used,
                    overridden: s.overridden,
                })
                .collect(),
        }
    }
}
