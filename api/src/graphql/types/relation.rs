use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use domain::relations::Relation;

use super::{fact_sheet::FactSheetNode, row_json::RowJson};
use crate::graphql::{context::request, errors::internal, loader::load_error};

/// A typed, directed edge between two fact sheets.
pub struct RelationNode {
    pub relation: Arc<Relation>,
    /// Ends loaded together with the relation (the fact sheet a traversal came from and the
    /// one at the other end), so following the edge costs no further statement.
    pub known_ends: Vec<FactSheetNode>,
}

impl RelationNode {
    /// A relation read on its own: both ends come from the batch loader.
    pub fn alone(relation: Relation) -> Self {
        Self {
            relation: Arc::new(relation),
            known_ends: Vec::new(),
        }
    }

    /// The end `id` when it was loaded with the relation.
    pub fn known_end(&self, id: uuid::Uuid) -> Option<&FactSheetNode> {
        self.known_ends.iter().find(|fs| fs.sheet().id == id)
    }

    async fn end(&self, ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<FactSheetNode> {
        if let Some(known) = self.known_end(id) {
            return Ok(known.clone());
        }
        request(ctx)?
            .loaders
            .fact_sheets
            .load(id)
            .await
            .map_err(load_error)?
            .map(FactSheetNode::new)
            .ok_or_else(|| {
                internal(&format!(
                    "relation {} points at missing fact sheet {id}",
                    self.relation.id
                ))
            })
    }
}

#[Object(name = "Relation", serial)]
impl RelationNode {
    async fn id(&self) -> ID {
        ID(self.relation.id.to_string())
    }

    /// The relation type's key in the meta model.
    #[graphql(name = "type")]
    async fn relation_type(&self) -> &str {
        &self.relation.relation_type
    }

    async fn from(&self, ctx: &Context<'_>) -> async_graphql::Result<FactSheetNode> {
        self.end(ctx, self.relation.from_id).await
    }

    async fn to(&self, ctx: &Context<'_>) -> async_graphql::Result<FactSheetNode> {
        self.end(ctx, self.relation.to_id).await
    }

    async fn attributes(&self) -> Json<RowJson<Relation>> {
        Json(RowJson::new(self.relation.clone(), |r| &r.attributes))
    }

    async fn active_from(&self) -> Option<DateTime<Utc>> {
        self.relation.active_from
    }

    async fn active_until(&self) -> Option<DateTime<Utc>> {
        self.relation.active_until
    }

    async fn revision(&self) -> i32 {
        self.relation.revision
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.relation.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.relation.updated_at
    }
}
