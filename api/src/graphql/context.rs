use std::sync::Arc;

use async_graphql::Context;
use domain::{
    Principal,
    db::{StatementCounter, Store, TenantConnection, TenantScope},
    features::{Feature, GateOnce},
    meta_model::MetaModelVersion,
    meta_model_versions::{self, MetaModelCache},
    relations::WindowCache,
    versions::{Counter, ReadOnce},
};
use sea_orm::DatabaseTransaction;
use tokio::sync::RwLock;

use super::{errors::OrGql, loader::Loaders};

/// Everything a resolver needs for one request: the store (for writes), the caller, the
/// request's workspace-scoped read connection, the batched loader and the meta model (read at
/// most once per request, re-read after a meta model change).
pub struct RequestContext {
    pub store: Store,
    pub principal: Principal,
    pub loaders: Loaders,
    scope: TenantScope,
    meta_model: RwLock<Option<Arc<MetaModelVersion>>>,
    /// Parsed models shared by requests (the server's); without, each request reads its own.
    meta_models: Option<MetaModelCache>,
    /// The inventory counter that keys this request's cached totals, facets and relation
    /// windows, read once.
    pub inventory: Arc<ReadOnce>,
    /// The events counter that keys this request's cached metrics, read once.
    pub events: Arc<ReadOnce>,
    /// Whether the workspace has metrics, read once, with the meta model: two primary-key
    /// look-ups more in every request's first statement save a metrics read a round trip.
    pub metrics_gate: GateOnce,
}

impl RequestContext {
    pub fn new(store: Store, principal: Principal) -> Self {
        let scope = TenantScope::new(store.clone(), principal.workspace_id);
        Self::with_scope(store, principal, scope)
    }

    /// Like [`new`](Self::new), counting the statements the request reads with into `counter`
    /// (the `debug_sql_statement_header` option).
    pub fn counting(store: Store, principal: Principal, counter: StatementCounter) -> Self {
        let scope = TenantScope::counting(store.clone(), principal.workspace_id, counter);
        Self::with_scope(store, principal, scope)
    }

    fn with_scope(store: Store, principal: Principal, scope: TenantScope) -> Self {
        let loaders = Loaders::new(scope.clone(), principal.clone(), None);
        let inventory = Arc::new(ReadOnce::new(Counter::Inventory, principal.workspace_id));
        let events = Arc::new(ReadOnce::new(Counter::Events, principal.workspace_id));
        Self {
            inventory,
            events,
            metrics_gate: GateOnce::new(Feature::Metrics, principal.workspace_id),
            store,
            principal,
            loaders,
            scope,
            meta_model: RwLock::new(None),
            meta_models: None,
        }
    }

    /// Reads relation windows through `cache`, shared with other requests.
    pub fn with_relation_windows(mut self, cache: WindowCache) -> Self {
        let windows = Some((cache, self.inventory.clone()));
        self.loaders = Loaders::new(self.scope.clone(), self.principal.clone(), windows);
        self
    }

    /// Reads the meta model through `cache`, shared with other requests.
    pub fn with_meta_models(mut self, cache: MetaModelCache) -> Self {
        self.meta_models = Some(cache);
        self
    }

    /// Reads go through here: scoped to the caller's workspace (row-level security on
    /// PostgreSQL), opened on first use.
    pub async fn db(&self) -> async_graphql::Result<&TenantConnection> {
        self.scope.get().await.gql()
    }

    /// Opens the read scope now rather than on first use; fails with
    /// [`domain::Error::Unauthenticated`] when the workspace is gone (see
    /// [`domain::db::enter_workspace`]).
    pub async fn open_scope(&self) -> domain::Result<()> {
        self.scope.get().await.map(|_| ())
    }

    pub async fn meta_model(&self) -> async_graphql::Result<Arc<MetaModelVersion>> {
        if let Some(model) = self.meta_model.read().await.as_ref() {
            return Ok(model.clone());
        }
        let db = self.db().await?;
        let model = match &self.meta_models {
            Some(cache) => cache
                .current(
                    db,
                    &self.principal,
                    &[&self.inventory, &self.events],
                    &[&self.metrics_gate],
                )
                .await
                .gql()?,
            None => Arc::new(
                meta_model_versions::current(db, &self.principal)
                    .await
                    .gql()?,
            ),
        };
        *self.meta_model.write().await = Some(model.clone());
        Ok(model)
    }

    /// Runs `work` in one write transaction of the caller's workspace and commits it when
    /// `work` succeeds: the end of `work` is the commit. An error inside drops the transaction
    /// uncommitted, which rolls it back, so a refused mutation leaves nothing behind.
    pub async fn write_and_commit<T>(
        &self,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> async_graphql::Result<T>,
    ) -> async_graphql::Result<T> {
        let tx = self
            .store
            .begin_write(self.principal.workspace_id)
            .await
            .gql()?;
        let value = work(&tx).await?;
        tx.commit().await.gql()?;
        Ok(value)
    }

    /// After a meta model change the next read sees the new version.
    pub async fn forget_meta_model(&self) {
        *self.meta_model.write().await = None;
    }
}

/// The request context of a resolver. Every executed request carries one (the HTTP handler and
/// tests attach it); a schema run without it is a programming error reported as INTERNAL.
pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}
