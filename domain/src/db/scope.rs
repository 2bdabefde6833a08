//! One request's read access to one workspace, opened on first use and shared by everything the
//! request resolves (resolvers and batch loaders alike), so a request costs one scoped
//! transaction on PostgreSQL however many statements it runs.

use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{StatementCounter, Store, TenantConnection};
use crate::error::Result;

#[derive(Clone)]
pub struct TenantScope {
    store: Store,
    workspace_id: Uuid,
    connection: Arc<OnceCell<TenantConnection>>,
    statements: Option<StatementCounter>,
}

impl TenantScope {
    pub fn new(store: Store, workspace_id: Uuid) -> Self {
        Self {
            store,
            workspace_id,
            connection: Arc::new(OnceCell::new()),
            statements: None,
        }
    }

    /// Like [`new`](Self::new), counting the request's statements into `counter`.
    pub fn counting(store: Store, workspace_id: Uuid, counter: StatementCounter) -> Self {
        Self {
            statements: Some(counter),
            ..Self::new(store, workspace_id)
        }
    }

    pub async fn get(&self) -> Result<&TenantConnection> {
        self.connection
            .get_or_try_init(|| async {
                let connection = self.store.tenant(self.workspace_id).await?;
                Ok(match &self.statements {
                    Some(counter) => connection.counting(counter.clone()),
                    None => connection,
                })
            })
            .await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
