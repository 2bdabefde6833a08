//! Backstage descriptors against a workspace whose meta model predates the catalog's
//! attributes and ownership types: what the model cannot hold is a warning, the rest imports.

use domain::{
    exchange::{ImportOptions, import_backstage},
    fact_sheets,
};

use crate::support::World;

const API_OWNED_BY_A_TEAM: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-c
spec:
  type: team
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
spec:
  type: openapi
  lifecycle: experimental
  owner: team-c
";

#[tokio::test]
async fn what_an_older_meta_model_cannot_hold_is_warned_of_and_the_rest_imports() {
    let w = World::new().await;
    let mut model = w.model().await;
    model.relation_types.retain(|t| t.key != "teamOwnsApi");
    model
        .fact_sheet_type_mut("API")
        .unwrap()
        .attributes
        .retain(|a| a.key != "catalogLifecycle");

    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let report = import_backstage(
        &tx,
        &w.admin,
        &model,
        API_OWNED_BY_A_TEAM,
        ImportOptions::default(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        (report.created.fact_sheets, report.created.relations),
        (2, 0)
    );
    let messages: Vec<(usize, &str)> = report
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                2,
                "spec.lifecycle is not imported: API has no attribute `catalogLifecycle` in this meta model"
            ),
            (
                2,
                "spec.owner group:default/team-c is not imported: the meta model has no `teamOwnsApi` from Team to API"
            ),
        ]
    );
    let api =
        fact_sheets::by_external_id(w.db.conn(), &w.admin, "backstage", "api:default/petstore")
            .await
            .unwrap()
            .expect("imported");
    assert_eq!(api.attributes["catalogType"], "openapi");
}

#[tokio::test]
async fn a_validate_only_backstage_import_writes_nothing() {
    let w = World::new().await;
    let model = w.model().await;
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let options = ImportOptions {
        validate_only: true,
        ..ImportOptions::default()
    };
    let report = import_backstage(
        &tx,
        &w.admin,
        &model,
        API_OWNED_BY_A_TEAM,
        options,
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert!(!report.commits(options));
    drop(tx);
    assert_eq!(
        (report.created.fact_sheets, report.created.relations),
        (2, 1)
    );
    let stored =
        fact_sheets::by_external_id(w.db.conn(), &w.admin, "backstage", "api:default/petstore")
            .await
            .unwrap();
    assert!(stored.is_none());
}
