use chrono::{DateTime, Utc};

use super::model::MetaModel;

/// One stored version of a workspace's meta model. A version is written once and never
/// changed, so its number names the same model forever.
#[derive(Debug, Clone)]
pub struct MetaModelVersion {
    pub version: i32,
    pub model: MetaModel,
    pub summary: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}
