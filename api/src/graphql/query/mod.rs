mod aggregate;
mod api_tokens;
mod events;
mod inventory;
mod landscape;
mod meta_model;
mod saved_views;
mod supply_chain;
mod tags;
mod viewer;
mod workspace;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    inventory::InventoryQuery,
    meta_model::MetaModelQuery,
    tags::TagQuery,
    viewer::ViewerQuery,
    api_tokens::ApiTokenQuery,
    workspace::WorkspaceQuery,
    events::EventQuery,
    supply_chain::SupplyChainQuery,
    saved_views::SavedViewQuery,
    aggregate::AggregateQuery,
    landscape::LandscapeQuery,
);
