//! Mutations. Each runs in one write transaction
//! ([`RequestContext::write_and_commit`](super::RequestContext::write_and_commit)): it commits
//! only when the domain calls succeeded, so a refused request leaves nothing behind.

mod api_tokens;
mod fact_sheets;
mod meta_model;
mod relations;
mod saved_views;
mod tags;
mod webhooks;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    fact_sheets::FactSheetMutation,
    relations::RelationMutation,
    tags::TagMutation,
    meta_model::MetaModelMutation,
    api_tokens::ApiTokenMutation,
    webhooks::WebhookMutation,
    saved_views::SavedViewMutation,
);
