use async_graphql::{Context, ID, Object};
use domain::relations::{self, NewRelation, RelationPatch};

use crate::graphql::{
    context::request,
    errors::{OrGql, parse_id},
    types::{
        inputs::{CreateRelationInput, UpdateRelationInput, object, patch},
        payloads::{DeletePayload, RelationPayload},
        relation::RelationNode,
    },
};

#[derive(Default)]
pub struct RelationMutation;

#[Object]
impl RelationMutation {
    async fn create_relation(
        &self,
        ctx: &Context<'_>,
        input: CreateRelationInput,
    ) -> async_graphql::Result<RelationPayload> {
        let rc = request(ctx)?;
        let input = NewRelation {
            relation_type: input.relation_type,
            from_id: parse_id(&input.from_id, "fromId")?,
            to_id: parse_id(&input.to_id, "toId")?,
            attributes: object(input.attributes, "attributes")?,
            active_from: input.active_from,
            active_until: input.active_until,
        };
        let r = rc
            .write_and_commit(async |tx| {
                let model = rc.meta_model().await?;
                relations::create(tx, &rc.principal, &model.model, input)
                    .await
                    .gql()
            })
            .await?;
        Ok(RelationPayload {
            relation: RelationNode::alone(r),
        })
    }

    async fn update_relation(
        &self,
        ctx: &Context<'_>,
        input: UpdateRelationInput,
    ) -> async_graphql::Result<RelationPayload> {
        let rc = request(ctx)?;
        let patch = RelationPatch {
            id: parse_id(&input.id, "id")?,
            attributes: input
                .attributes
                .map(|a| object(Some(a), "attributes"))
                .transpose()?,
            active_from: patch(input.active_from, Ok)?,
            active_until: patch(input.active_until, Ok)?,
        };
        let r = rc
            .write_and_commit(async |tx| {
                let model = rc.meta_model().await?;
                relations::update(tx, &rc.principal, &model.model, patch)
                    .await
                    .gql()
            })
            .await?;
        Ok(RelationPayload {
            relation: RelationNode::alone(r),
        })
    }

    async fn delete_relation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeletePayload> {
        let rc = request(ctx)?;
        let uuid = parse_id(&id, "id")?;
        rc.write_and_commit(async |tx| relations::delete(tx, &rc.principal, uuid).await.gql())
            .await?;
        Ok(DeletePayload { id })
    }
}
