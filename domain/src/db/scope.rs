//! One request's read access to one workspace, opened on first use and shared by everything the
//! request resolves (resolvers and batch loaders alike), so a request costs one scoped
//! transaction on PostgreSQL however many statements it runs.

use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{Store, TenantConnection};
use crate::Result;

#[derive(Clone)]
pub struct TenantScope {
    store: Store,
    workspace_id: Uuid,
    connection: Arc<OnceCell<TenantConnection>>,
}

impl TenantScope {
    pub fn new(store: Store, workspace_id: Uuid) -> Self {
        Self {
            store,
            workspace_id,
            connection: Arc::new(OnceCell::new()),
        }
    }

    pub async fn get(&self) -> Result<&TenantConnection> {
        self.connection
            .get_or_try_init(|| self.store.tenant(self.workspace_id))
            .await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
