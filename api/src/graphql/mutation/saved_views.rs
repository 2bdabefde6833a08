use async_graphql::{Context, ID, InputObject, Object};
use domain::reports::{NewSavedView, SavedViewPatch, ViewDefinition, saved_views};

use crate::graphql::{
    context::request,
    errors::{OrGql, parse_id},
    types::{
        inputs::{FactSheetFilter, FactSheetOrderInput},
        payloads::DeletePayload,
        saved_view::{
            SavedViewObject, SavedViewPayload, SavedViewVisibility, ViewColumnInput, columns,
        },
    },
};

#[derive(Default)]
pub struct SavedViewMutation;

#[derive(InputObject)]
pub struct CreateSavedViewInput {
    pub name: String,
    #[graphql(default_with = "SavedViewVisibility::Private")]
    pub visibility: SavedViewVisibility,
    pub filter: Option<FactSheetFilter>,
    pub columns: Vec<ViewColumnInput>,
    pub order_by: Option<FactSheetOrderInput>,
}

/// Fields left out keep their saved value.
#[derive(InputObject)]
pub struct UpdateSavedViewInput {
    pub id: ID,
    pub name: Option<String>,
    pub visibility: Option<SavedViewVisibility>,
    pub filter: Option<FactSheetFilter>,
    pub columns: Option<Vec<ViewColumnInput>>,
    pub order_by: Option<FactSheetOrderInput>,
}

#[Object]
impl SavedViewMutation {
    /// Saves a view owned by the caller. Any role may keep a PRIVATE view; sharing one with the
    /// WORKSPACE takes a role that changes the inventory. The filter, columns and order are
    /// checked against the meta model now and again whenever the view is run.
    async fn create_saved_view(
        &self,
        ctx: &Context<'_>,
        input: CreateSavedViewInput,
    ) -> async_graphql::Result<SavedViewPayload> {
        let rc = request(ctx)?;
        let new = NewSavedView {
            name: input.name,
            visibility: input.visibility.into(),
            definition: ViewDefinition {
                filter: input.filter.unwrap_or_default().into_domain()?,
                columns: columns(input.columns, "columns")?,
                order: input
                    .order_by
                    .map(TryInto::try_into)
                    .transpose()?
                    .unwrap_or_default(),
            },
        };
        let model = rc.meta_model().await?;
        let saved = rc
            .write_and_commit(async |tx| {
                saved_views::create(tx, &rc.principal, &model.model, new)
                    .await
                    .gql()
            })
            .await?;
        Ok(SavedViewPayload {
            saved_view: SavedViewObject(saved),
        })
    }

    /// Changes a view: the caller's own, or (for an admin) any view shared with the workspace.
    async fn update_saved_view(
        &self,
        ctx: &Context<'_>,
        input: UpdateSavedViewInput,
    ) -> async_graphql::Result<SavedViewPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&input.id, "id")?;
        let patch = SavedViewPatch {
            name: input.name,
            visibility: input.visibility.map(Into::into),
            filter: input.filter.map(FactSheetFilter::into_domain).transpose()?,
            columns: input.columns.map(|c| columns(c, "columns")).transpose()?,
            order: input.order_by.map(TryInto::try_into).transpose()?,
        };
        let model = rc.meta_model().await?;
        let saved = rc
            .write_and_commit(async |tx| {
                saved_views::update(tx, &rc.principal, &model.model, id, patch)
                    .await
                    .gql()
            })
            .await?;
        Ok(SavedViewPayload {
            saved_view: SavedViewObject(saved),
        })
    }

    /// Deletes a view: the caller's own, or (for an admin) any view shared with the workspace.
    async fn delete_saved_view(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeletePayload> {
        let rc = request(ctx)?;
        let uuid = parse_id(&id, "id")?;
        rc.write_and_commit(async |tx| saved_views::delete(tx, &rc.principal, uuid).await.gql())
            .await?;
        Ok(DeletePayload { id })
    }
}
