use domain::{
    Principal, Role,
    fact_sheets::{self, FactSheet, NewFactSheet},
    meta_model::MetaModel,
    meta_model_versions, workspaces,
};
use serde_json::Value;
pub use testkit::TestDb;

pub struct World {
    pub db: TestDb,
    pub admin: Principal,
}

impl World {
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let ws = workspaces::create(db.conn(), "acme", Some("Acme"), "test")
            .await
            .unwrap();
        let admin = Principal {
            workspace_id: ws.id,
            workspace_slug: ws.slug,
            subject: "alice@acme.test".into(),
            role: Role::Admin,
        };
        Self { db, admin }
    }

    pub fn as_role(&self, role: Role) -> Principal {
        Principal {
            role,
            subject: format!("{role}@acme.test"),
            ..self.admin.clone()
        }
    }

    /// A second tenant in the same database.
    pub async fn other_workspace(&self) -> Principal {
        let ws = workspaces::create(self.db.conn(), "globex", None, "test")
            .await
            .unwrap();
        Principal {
            workspace_id: ws.id,
            workspace_slug: ws.slug,
            subject: "bob@globex.test".into(),
            role: Role::Admin,
        }
    }

    /// A fact sheet of the admin's workspace with only a type and a name.
    pub async fn plain_fact_sheet(&self, fact_sheet_type: &str, name: &str) -> FactSheet {
        let model = self.model().await;
        fact_sheets::create(
            self.db.conn(),
            &self.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: fact_sheet_type.into(),
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }

    pub async fn model(&self) -> MetaModel {
        meta_model_versions::current(self.db.conn(), &self.admin)
            .await
            .unwrap()
            .model
    }
}

pub fn attrs(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

pub fn paths(err: domain::Error) -> Vec<String> {
    match err {
        domain::Error::Invalid(errors) => errors.into_iter().map(|e| e.path).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}
