//! `landscapeDiff`: what changed in the landscape between two instants.

use async_graphql::{ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::reports::{
    as_of::PastFactSheet,
    landscape_diff::{FieldChange, LandscapeDiff, RelationChange},
};
use serde_json::Value;

use super::fact_sheet::FactSheetNode;

/// What changed between `from` and `to`. Fact sheets are shown as they were at `to`.
#[derive(SimpleObject)]
#[graphql(name = "LandscapeDiff")]
pub struct LandscapeDiffObject {
    /// Did not exist at `from`, exist at `to`.
    pub created: Vec<FactSheetNode>,
    /// Active at `from`, archived at `to`.
    pub archived: Vec<FactSheetNode>,
    /// Archived at `from`, active at `to`.
    pub restored: Vec<FactSheetNode>,
    /// Existed at both instants with fields that differ.
    pub changed: Vec<FactSheetChange>,
    /// Relations that did not exist at `from` and exist at `to`.
    pub related: Vec<RelationDiff>,
    /// Relations that existed at `from` and no longer at `to`.
    pub unrelated: Vec<RelationDiff>,
}

/// A fact sheet whose fields differ between the two instants.
#[derive(SimpleObject)]
pub struct FactSheetChange {
    pub fact_sheet: FactSheetNode,
    pub fields: Vec<FieldDiff>,
}

/// One field that differs: `name`, `description`, `parentId`, `tags` or `attributes.<key>`.
#[derive(SimpleObject)]
pub struct FieldDiff {
    pub field: String,
    pub old: Json<Value>,
    pub new: Json<Value>,
}

/// A relation made or removed, as the history describes it (`type`, `fromId`, `fromName`,
/// `toId`, `toName`, `attributes`, with the ends named as at its last change).
#[derive(SimpleObject)]
pub struct RelationDiff {
    pub id: ID,
    pub relation: Json<Value>,
}

impl LandscapeDiffObject {
    pub fn new(diff: LandscapeDiff, to: DateTime<Utc>) -> Self {
        let node = |p: PastFactSheet| FactSheetNode::at(p.sheet, to, Some(p.tags));
        let relation = |r: RelationChange| RelationDiff {
            id: ID(r.relation_id.to_string()),
            relation: Json(r.relation),
        };
        Self {
            created: diff.created.into_iter().map(node).collect(),
            archived: diff.archived.into_iter().map(node).collect(),
            restored: diff.restored.into_iter().map(node).collect(),
            changed: diff
                .changed
                .into_iter()
                .map(|c| FactSheetChange {
                    fact_sheet: node(c.fact_sheet),
                    fields: c.fields.into_iter().map(field).collect(),
                })
                .collect(),
            related: diff.related.into_iter().map(relation).collect(),
            unrelated: diff.unrelated.into_iter().map(relation).collect(),
        }
    }
}

fn field(f: FieldChange) -> FieldDiff {
    FieldDiff {
        field: f.field,
        old: Json(f.old),
        new: Json(f.new),
    }
}
