use async_graphql::{ID, SimpleObject};

use super::{
    fact_sheet::FactSheetNode,
    meta_model::MetaModelObject,
    relation::RelationNode,
    tags::{SubscriptionObject, TagGroupObject, TagObject},
};

#[derive(SimpleObject)]
pub struct FactSheetPayload {
    pub fact_sheet: FactSheetNode,
}

#[derive(SimpleObject)]
pub struct RelationPayload {
    pub relation: RelationNode,
}

#[derive(SimpleObject)]
pub struct DeletePayload {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct TagPayload {
    pub tag: TagObject,
}

#[derive(SimpleObject)]
pub struct TagGroupPayload {
    pub tag_group: TagGroupObject,
}

#[derive(SimpleObject)]
pub struct SubscriptionPayload {
    pub subscription: SubscriptionObject,
    pub fact_sheet: FactSheetNode,
}

/// The outcome of a meta model change: the new model and what it did to stored data.
#[derive(SimpleObject)]
pub struct MetaModelPayload {
    pub meta_model: MetaModelObject,
    pub affected_fact_sheets: u64,
    pub affected_relations: u64,
    pub details: Vec<String>,
}

/// The secret itself is never returned: it stays between the workspace and the provider.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    pub provider: crate::graphql::enums::WebhookProvider,
    /// Where the provider sends deliveries, relative to the server's address
    /// (`/webhooks/github/<workspace>`).
    pub path: String,
}
