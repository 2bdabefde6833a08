//! A feature's gate read once per request, with a statement the request makes anyway.
//!
//! Why: a team's DORA tile read three statements when nothing had changed (its fact sheet, the
//! meta model with the request's counters, and the metrics feature), and each of them waits
//! its turn on a busy server. The gate read as two columns of the meta model's statement makes
//! it two. The check is as exact as before: the setting is read in the request's own
//! transaction, before anything it gates.

use std::sync::OnceLock;

use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Query, SimpleExpr},
};
use uuid::Uuid;

use super::{
    Edition, Feature, FeatureStatus,
    enforce::{disabled, require_enabled},
};
use crate::error::Result;
use entity::{workspace, workspace_feature};

/// One feature's status for one workspace, as the request's first statement read it.
#[derive(Debug)]
pub struct GateOnce {
    feature: Feature,
    workspace_id: Uuid,
    status: OnceLock<FeatureStatus>,
}

impl GateOnce {
    pub fn new(feature: Feature, workspace_id: Uuid) -> Self {
        Self {
            feature,
            workspace_id,
            status: OnceLock::new(),
        }
    }

    /// Whether this is the gate of `feature` in `workspace_id`.
    pub fn is_for(&self, feature: Feature, workspace_id: Uuid) -> bool {
        self.feature == feature && self.workspace_id == workspace_id
    }

    /// Whether this gate is of `workspace_id` and was not read yet.
    pub(crate) fn unread(&self, workspace_id: Uuid) -> bool {
        self.workspace_id == workspace_id && self.status.get().is_none()
    }

    /// The gate as two columns of another statement: the workspace's edition (NULL when the
    /// workspace does not exist) and its override of the feature's status (NULL when none).
    pub(crate) fn columns(&self) -> [SimpleExpr; 2] {
        let edition = Query::select()
            .column(workspace::Column::Edition)
            .from(workspace::Entity)
            .and_where(Expr::col((workspace::Entity, workspace::Column::Id)).eq(self.workspace_id))
            .to_owned();
        let overridden = Query::select()
            .column(workspace_feature::Column::Status)
            .from(workspace_feature::Entity)
            .and_where(
                Expr::col((
                    workspace_feature::Entity,
                    workspace_feature::Column::WorkspaceId,
                ))
                .eq(self.workspace_id),
            )
            .and_where(
                Expr::col((
                    workspace_feature::Entity,
                    workspace_feature::Column::Feature,
                ))
                .eq(self.feature.id()),
            )
            .to_owned();
        [
            Expr::SubQuery(None, Box::new(edition.into())),
            Expr::SubQuery(None, Box::new(overridden.into())),
        ]
    }

    /// Takes the gate from the [`columns`](Self::columns) another statement of this request
    /// read, before anything the feature gates; a gate read already stays. Columns that do not
    /// make a status (no such workspace, an unknown edition) leave the gate unread, for
    /// [`require`](Self::require) to read and refuse as it always has.
    pub(crate) fn prime(&self, edition: Option<String>, overridden: Option<String>) {
        let Some(Ok(edition)) = edition.map(|e| e.parse::<Edition>()) else {
            return;
        };
        let status = match overridden.map(|s| s.parse::<FeatureStatus>()) {
            Some(Ok(status)) => status,
            Some(Err(_)) => return,
            None => edition.grants(self.feature).0,
        };
        let _ = self.status.set(status);
    }

    /// Ok when the feature is enabled; [`crate::Error::FeatureDisabled`] when it is switched off, as
    /// [`require_enabled`] says, which reads the setting when the gate was not primed.
    pub async fn require(&self, db: &impl ConnectionTrait) -> Result<()> {
        match self.status.get() {
            Some(FeatureStatus::Disabled) => Err(disabled(self.workspace_id, self.feature)),
            Some(FeatureStatus::Enabled) => Ok(()),
            None => require_enabled(db, self.workspace_id, self.feature)
                .await
                .map(|_| ()),
        }
    }
}
