use async_graphql::{Context, ID, InputObject, Object};
use domain::{fact_sheets, subscriptions, tags};

use crate::graphql::{
    context::request,
    enums::{SubscriptionRole, TagGroupMode},
    errors::{OrGql, parse_id},
    types::{
        fact_sheet::FactSheetNode,
        payloads::{
            DeletePayload, FactSheetPayload, SubscriptionPayload, TagGroupPayload, TagPayload,
        },
    },
};

#[derive(Default)]
pub struct TagMutation;

#[derive(InputObject)]
pub struct CreateTagInput {
    pub name: String,
    /// The tag group's name.
    pub group: Option<String>,
    /// A hex color such as `#1f77b4`.
    pub color: Option<String>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct CreateTagGroupInput {
    pub name: String,
    #[graphql(default_with = "TagGroupMode::Multiple")]
    pub mode: TagGroupMode,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct SubscribeInput {
    pub fact_sheet_id: ID,
    /// A user id or email address.
    pub user: String,
    pub role: SubscriptionRole,
}

#[Object]
impl TagMutation {
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        input: CreateTagInput,
    ) -> async_graphql::Result<TagPayload> {
        let rc = request(ctx)?;
        let tag = rc
            .write_and_commit(async |tx| {
                tags::create(
                    tx,
                    &rc.principal,
                    &input.name,
                    input.group.as_deref(),
                    input.color,
                    input.description,
                )
                .await
                .gql()
            })
            .await?;
        Ok(TagPayload { tag: tag.into() })
    }

    /// Admin: groups organise tags; a SINGLE group allows one of its tags per fact sheet.
    async fn create_tag_group(
        &self,
        ctx: &Context<'_>,
        input: CreateTagGroupInput,
    ) -> async_graphql::Result<TagGroupPayload> {
        let rc = request(ctx)?;
        let group = rc
            .write_and_commit(async |tx| {
                tags::create_group(
                    tx,
                    &rc.principal,
                    &input.name,
                    input.mode.into(),
                    input.description,
                )
                .await
                .gql()
            })
            .await?;
        Ok(TagGroupPayload {
            tag_group: group.into(),
        })
    }

    /// Admin: renames a tag; the fact sheets carrying it keep it under the new name.
    async fn rename_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
        new_name: String,
    ) -> async_graphql::Result<TagPayload> {
        let rc = request(ctx)?;
        let tag = rc
            .write_and_commit(async |tx| {
                tags::rename(tx, &rc.principal, &name, &new_name)
                    .await
                    .gql()
            })
            .await?;
        Ok(TagPayload { tag: tag.into() })
    }

    /// Admin: deletes a tag, taking it off every fact sheet (each gets a TAGS_CHANGED
    /// revision). Returns the deleted tag's id.
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<DeletePayload> {
        let rc = request(ctx)?;
        let tag = rc
            .write_and_commit(async |tx| tags::delete(tx, &rc.principal, &name).await.gql())
            .await?;
        Ok(DeletePayload {
            id: ID(tag.id.to_string()),
        })
    }

    /// Admin: renames a tag group; its tags stay in it.
    async fn rename_tag_group(
        &self,
        ctx: &Context<'_>,
        name: String,
        new_name: String,
    ) -> async_graphql::Result<TagGroupPayload> {
        let rc = request(ctx)?;
        let group = rc
            .write_and_commit(async |tx| {
                tags::rename_group(tx, &rc.principal, &name, &new_name)
                    .await
                    .gql()
            })
            .await?;
        Ok(TagGroupPayload {
            tag_group: group.into(),
        })
    }

    /// Admin: deletes a tag group. While it still has tags it is refused, naming them, so no
    /// assignment disappears by surprise; with `force` its tags are deleted too, each taken
    /// off its fact sheets with a TAGS_CHANGED revision. Returns the deleted group's id.
    async fn delete_tag_group(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<DeletePayload> {
        let rc = request(ctx)?;
        let deletion = if force {
            tags::GroupDeletion::WithItsTags
        } else {
            tags::GroupDeletion::OnlyIfEmpty
        };
        let group = rc
            .write_and_commit(async |tx| {
                tags::delete_group(tx, &rc.principal, &name, deletion)
                    .await
                    .gql()
            })
            .await?;
        Ok(DeletePayload {
            id: ID(group.id.to_string()),
        })
    }

    /// Adds tags by name; unknown names become new tags.
    async fn tag_fact_sheet(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tags: Vec<String>,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        let fs = rc
            .write_and_commit(async |tx| {
                tags::tag_fact_sheet(tx, &rc.principal, id, &tags)
                    .await
                    .gql()?;
                fact_sheets::require(tx, &rc.principal, id).await.gql()
            })
            .await?;
        Ok(FactSheetPayload {
            fact_sheet: FactSheetNode::new(fs),
        })
    }

    async fn untag_fact_sheet(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tags: Vec<String>,
    ) -> async_graphql::Result<FactSheetPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        let fs = rc
            .write_and_commit(async |tx| {
                tags::untag_fact_sheet(tx, &rc.principal, id, &tags)
                    .await
                    .gql()?;
                fact_sheets::require(tx, &rc.principal, id).await.gql()
            })
            .await?;
        Ok(FactSheetPayload {
            fact_sheet: FactSheetNode::new(fs),
        })
    }

    async fn subscribe(
        &self,
        ctx: &Context<'_>,
        input: SubscribeInput,
    ) -> async_graphql::Result<SubscriptionPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&input.fact_sheet_id, "factSheetId")?;
        let (s, fs) = rc
            .write_and_commit(async |tx| {
                let s =
                    subscriptions::subscribe(tx, &rc.principal, id, &input.user, input.role.into())
                        .await
                        .gql()?;
                let fs = fact_sheets::require(tx, &rc.principal, id).await.gql()?;
                Ok((s, fs))
            })
            .await?;
        Ok(SubscriptionPayload {
            subscription: s.into(),
            fact_sheet: FactSheetNode::new(fs),
        })
    }

    async fn unsubscribe(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<DeletePayload> {
        let rc = request(ctx)?;
        let uuid = parse_id(&id, "id")?;
        rc.write_and_commit(async |tx| {
            subscriptions::unsubscribe(tx, &rc.principal, uuid)
                .await
                .gql()
        })
        .await?;
        Ok(DeletePayload { id })
    }
}
