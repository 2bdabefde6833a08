//! A tenant to test in: workspace `acme` in a fresh database, its admin, and the other
//! principals a test acts as. The domain tests use it as it is; the API tests build their
//! server on top of it.

use domain::{
    Principal, Role,
    fact_sheets::{self, FactSheet, NewFactSheet},
    meta_model::MetaModel,
    meta_model_versions, tags, workspaces,
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::TestDb;

/// A new workspace `slug` (named `name`) in `db`, and `subject` as its admin.
pub async fn new_workspace(
    db: &TestDb,
    slug: &str,
    name: Option<&str>,
    subject: &str,
) -> Principal {
    let ws = workspaces::create(db.conn(), slug, name, "test")
        .await
        .unwrap();
    Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: subject.into(),
        role: Role::Admin,
    }
}

pub struct World {
    pub db: TestDb,
    /// Alice, admin of `acme`.
    pub admin: Principal,
}

impl World {
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let admin = new_workspace(&db, "acme", Some("Acme"), "alice@acme.test").await;
        Self { db, admin }
    }

    /// Someone of `acme` with `role`, named after it.
    pub fn as_role(&self, role: Role) -> Principal {
        Principal {
            role,
            subject: format!("{role}@acme.test"),
            ..self.admin.clone()
        }
    }

    /// The admin of a second tenant, `globex`, in the same database.
    pub async fn other_workspace(&self) -> Principal {
        new_workspace(&self.db, "globex", None, "bob@globex.test").await
    }

    /// The admin's current meta model.
    pub async fn model(&self) -> MetaModel {
        meta_model_versions::current(self.db.conn(), &self.admin)
            .await
            .unwrap()
            .model
    }

    /// A fact sheet of `fact_sheet_type` named `name` in the admin's workspace, with nothing
    /// else set, written straight through the domain (not through a server under test) and
    /// committed.
    pub async fn create_fact_sheet(&self, fact_sheet_type: &str, name: &str) -> FactSheet {
        let model = self.model().await;
        let tx = self
            .db
            .store
            .begin_write(self.admin.workspace_id)
            .await
            .unwrap();
        let sheet = fact_sheets::create(
            &*tx,
            &self.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: fact_sheet_type.into(),
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        sheet
    }

    /// Active fact sheets of the admin's workspace, counted in the database directly.
    pub async fn fact_sheet_count(&self) -> u64 {
        let model = self.model().await;
        fact_sheets::count(self.db.conn(), &self.admin, &model, &Default::default())
            .await
            .unwrap()
    }

    /// Events stored in every workspace, read from the database directly: what a refused
    /// request must not have added to.
    pub async fn stored_events(&self) -> u64 {
        entity::event::Entity::find()
            .count(self.db.conn())
            .await
            .unwrap()
    }

    /// The names of the admin's workspace's tags, read from the database directly.
    pub async fn tag_names(&self) -> Vec<String> {
        tags::list(self.db.conn(), &self.admin)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect()
    }
}
