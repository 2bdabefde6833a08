use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use domain::relations::Relation;
use serde_json::Value;

use super::fact_sheet::FactSheetNode;
use crate::graphql::{context::request, errors::internal, loader::load_error};

/// A typed, directed edge between two fact sheets.
pub struct RelationNode(pub Arc<Relation>);

impl RelationNode {
    async fn end(&self, ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<FactSheetNode> {
        request(ctx)?
            .loaders
            .fact_sheets
            .load(id)
            .await
            .map_err(load_error)?
            .map(FactSheetNode)
            .ok_or_else(|| {
                internal(&format!(
                    "relation {} points at missing fact sheet {id}",
                    self.0.id
                ))
            })
    }
}

#[Object(name = "Relation")]
impl RelationNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The relation type's key in the meta model.
    #[graphql(name = "type")]
    async fn relation_type(&self) -> &str {
        &self.0.relation_type
    }

    async fn from(&self, ctx: &Context<'_>) -> async_graphql::Result<FactSheetNode> {
        self.end(ctx, self.0.from_id).await
    }

    async fn to(&self, ctx: &Context<'_>) -> async_graphql::Result<FactSheetNode> {
        self.end(ctx, self.0.to_id).await
    }

    async fn attributes(&self) -> Json<Value> {
        Json(self.0.attributes.clone())
    }

    async fn active_from(&self) -> Option<DateTime<Utc>> {
        self.0.active_from
    }

    async fn active_until(&self) -> Option<DateTime<Utc>> {
        self.0.active_until
    }

    async fn revision(&self) -> i32 {
        self.0.revision
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
