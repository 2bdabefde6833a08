//! One DataLoader per request batches every nested read: all fact sheets, relations, external
//! IDs, tags and subscriptions asked for at one level of a query become one statement each.
//! Each key type is a newtype over the fact sheet id so one loader serves them all.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use domain::{
    Principal,
    db::Store,
    external_ids::{self, ExternalId},
    fact_sheets::{self, FactSheet},
    relations::{self, Relation},
    subscriptions::{self, Subscription},
    tags::{self, Tag},
};
use uuid::Uuid;

pub struct InventoryLoader {
    store: Store,
    principal: Principal,
}

impl InventoryLoader {
    pub fn new(store: Store, principal: Principal) -> Self {
        Self { store, principal }
    }
}

type LoadError = Arc<domain::Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactSheetKey(pub Uuid);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelationsOf(pub Uuid);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternalIdsOf(pub Uuid);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagsOf(pub Uuid);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionsOf(pub Uuid);

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

/// Every key gets an entry (empty when nothing is stored), so the loader never asks twice.
fn complete<K: std::hash::Hash + Eq + Copy, V>(
    keys: &[K],
    id: impl Fn(K) -> Uuid,
    mut found: HashMap<Uuid, Vec<V>>,
) -> HashMap<K, Arc<Vec<V>>> {
    keys.iter()
        .map(|k| (*k, Arc::new(found.remove(&id(*k)).unwrap_or_default())))
        .collect()
}

impl Loader<FactSheetKey> for InventoryLoader {
    type Value = Arc<FactSheet>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FactSheetKey],
    ) -> Result<HashMap<FactSheetKey, Self::Value>, Self::Error> {
        let rows = fact_sheets::get_many(
            self.store.connection(),
            &self.principal,
            &ids(keys, |k| k.0),
        )
        .await
        .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|fs| (FactSheetKey(fs.id), Arc::new(fs)))
            .collect())
    }
}

impl Loader<RelationsOf> for InventoryLoader {
    type Value = Arc<Vec<Relation>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RelationsOf],
    ) -> Result<HashMap<RelationsOf, Self::Value>, Self::Error> {
        let found = relations::for_fact_sheets(
            self.store.connection(),
            &self.principal,
            &ids(keys, |k| k.0),
        )
        .await
        .map_err(Arc::new)?;
        Ok(complete(keys, |k| k.0, found))
    }
}

impl Loader<ExternalIdsOf> for InventoryLoader {
    type Value = Arc<Vec<ExternalId>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ExternalIdsOf],
    ) -> Result<HashMap<ExternalIdsOf, Self::Value>, Self::Error> {
        let found = external_ids::for_fact_sheets(
            self.store.connection(),
            self.principal.workspace_id,
            &ids(keys, |k| k.0),
        )
        .await
        .map_err(Arc::new)?;
        Ok(complete(keys, |k| k.0, found))
    }
}

impl Loader<TagsOf> for InventoryLoader {
    type Value = Arc<Vec<Tag>>;
    type Error = LoadError;

    async fn load(&self, keys: &[TagsOf]) -> Result<HashMap<TagsOf, Self::Value>, Self::Error> {
        let found = tags::tags_of(
            self.store.connection(),
            self.principal.workspace_id,
            &ids(keys, |k| k.0),
        )
        .await
        .map_err(Arc::new)?;
        Ok(complete(keys, |k| k.0, found))
    }
}

impl Loader<SubscriptionsOf> for InventoryLoader {
    type Value = Arc<Vec<Subscription>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SubscriptionsOf],
    ) -> Result<HashMap<SubscriptionsOf, Self::Value>, Self::Error> {
        let found = subscriptions::for_fact_sheets(
            self.store.connection(),
            self.principal.workspace_id,
            &ids(keys, |k| k.0),
        )
        .await
        .map_err(Arc::new)?;
        Ok(complete(keys, |k| k.0, found))
    }
}

/// Loader failures are database failures: INTERNAL for the client, the cause in the log.
pub fn load_error(e: LoadError) -> async_graphql::Error {
    super::errors::internal(&format!("loader: {e:?}"))
}
