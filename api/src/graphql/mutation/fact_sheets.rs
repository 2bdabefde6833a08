use async_graphql::{Context, ID, Object};
use domain::fact_sheets::{self, FactSheetPatch, NewFactSheet};

use crate::graphql::{
    context::request,
    errors::{OrGql, parse_id},
    types::{
        fact_sheet::FactSheetNode,
        inputs::{CreateFactSheetInput, UpdateFactSheetInput, object, patch},
        payloads::FactSheetPayload,
    },
};

#[derive(Default)]
pub struct FactSheetMutation;

fn payload(fs: fact_sheets::FactSheet) -> FactSheetPayload {
    FactSheetPayload {
        fact_sheet: FactSheetNode::new(fs),
    }
}

#[Object]
impl FactSheetMutation {
    async fn create_fact_sheet(
        &self,
        ctx: &Context<'_>,
        input: CreateFactSheetInput,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let input = NewFactSheet {
            fact_sheet_type: input.fact_sheet_type,
            name: input.name,
            description: input.description,
            attributes: object(input.attributes, "attributes")?,
            external_ids: input
                .external_ids
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            parent_id: input
                .parent_id
                .as_ref()
                .map(|id| parse_id(id, "parentId"))
                .transpose()?,
            tags: input.tags.unwrap_or_default(),
        };
        let fs = rc
            .write_and_commit(async |tx| {
                let model = rc.meta_model().await?;
                fact_sheets::create(tx, &rc.principal, &model.model, input)
                    .await
                    .gql()
            })
            .await?;
        Ok(payload(fs))
    }

    /// Changes only the fields given.
    async fn update_fact_sheet(
        &self,
        ctx: &Context<'_>,
        input: UpdateFactSheetInput,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let patch = FactSheetPatch {
            id: parse_id(&input.id, "id")?,
            expected_revision: input.expected_revision,
            name: input.name,
            description: patch(input.description, Ok)?,
            attributes: input
                .attributes
                .map(|a| object(Some(a), "attributes"))
                .transpose()?,
            parent_id: patch(input.parent_id, |id| parse_id(&id, "parentId"))?,
            external_ids: input
                .external_ids
                .map(|ids| ids.into_iter().map(Into::into).collect()),
        };
        let fs = rc
            .write_and_commit(async |tx| {
                let model = rc.meta_model().await?;
                fact_sheets::update(tx, &rc.principal, &model.model, patch)
                    .await
                    .gql()
            })
            .await?;
        Ok(payload(fs))
    }

    /// Archives a fact sheet; its data, relations and history stay and `restoreFactSheet`
    /// brings it back.
    async fn archive_fact_sheet(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: Option<String>,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        let fs = rc
            .write_and_commit(async |tx| {
                fact_sheets::archive(tx, &rc.principal, id, comment.as_deref())
                    .await
                    .gql()
            })
            .await?;
        Ok(payload(fs))
    }

    async fn restore_fact_sheet(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: Option<String>,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        let fs = rc
            .write_and_commit(async |tx| {
                fact_sheets::restore(tx, &rc.principal, id, comment.as_deref())
                    .await
                    .gql()
            })
            .await?;
        Ok(payload(fs))
    }
}
