use domain::{
    Error,
    fact_sheets::{self, FactSheet, NewFactSheet, Patch},
    history::{self, ChangeKind},
    meta_model::MetaModel,
    relations::{self, NewRelation, RelationPatch},
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{World, attrs, paths};

async fn make(w: &World, model: &MetaModel, t: &str, name: &str) -> FactSheet {
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        model,
        NewFactSheet {
            fact_sheet_type: t.into(),
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn rel(t: &str, from: Uuid, to: Uuid) -> NewRelation {
    NewRelation {
        relation_type: t.into(),
        from_id: from,
        to_id: to,
        ..Default::default()
    }
}

#[tokio::test]
async fn relations_are_validated_against_their_type() {
    let w = World::new().await;
    let model = w.model().await;
    let team = make(&w, &model, "Team", "Payments").await;
    let other_team = make(&w, &model, "Team", "Platform").await;
    let artifact = make(&w, &model, "SoftwareArtifact", "Checkout").await;
    let api = make(&w, &model, "API", "Checkout API").await;

    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", api.id, artifact.id),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["fromId"]);
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("nope", team.id, artifact.id),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["type"]);
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", team.id, Uuid::now_v7()),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["toId"]);

    relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", team.id, artifact.id),
    )
    .await
    .unwrap();
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", team.id, artifact.id),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["toId"], "duplicate");
    // An artifact has one owning team.
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", other_team.id, artifact.id),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["toId"], "cardinality");

    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            attributes: attrs(json!({"usage": "sometimes"})),
            ..rel("artifactConsumesApi", artifact.id, api.id)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["attributes.usage"]);

    let t0 = chrono::Utc::now();
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            active_from: Some(t0),
            active_until: Some(t0 - chrono::Duration::days(1)),
            ..rel("artifactConsumesApi", artifact.id, api.id)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["activeUntil"]);
}

#[tokio::test]
async fn relations_are_traversable_from_both_ends_and_recorded_on_both() {
    let w = World::new().await;
    let model = w.model().await;
    let artifact = make(&w, &model, "SoftwareArtifact", "Checkout").await;
    let api = make(&w, &model, "API", "Checkout API").await;
    let r = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            attributes: attrs(json!({"usage": "critical"})),
            ..rel("artifactConsumesApi", artifact.id, api.id)
        },
    )
    .await
    .unwrap();
    let map = relations::for_fact_sheets(w.db.conn(), &w.admin, &[artifact.id, api.id])
        .await
        .unwrap();
    assert_eq!(
        map[&artifact.id].iter().map(|r| r.id).collect::<Vec<_>>(),
        [r.id]
    );
    assert_eq!(
        map[&api.id].iter().map(|r| r.id).collect::<Vec<_>>(),
        [r.id]
    );

    let updated = relations::update(
        w.db.conn(),
        &w.admin,
        &model,
        RelationPatch {
            id: r.id,
            attributes: Some(attrs(json!({"usage": "optional"}))),
            active_from: Patch::Set(chrono::Utc::now()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.attributes, json!({"usage": "optional"}));
    relations::delete(w.db.conn(), &w.admin, r.id)
        .await
        .unwrap();
    assert!(
        relations::get(w.db.conn(), &w.admin, r.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        relations::delete(w.db.conn(), &w.admin, r.id)
            .await
            .unwrap_err(),
        Error::NotFound { .. }
    ));

    for id in [artifact.id, api.id] {
        let h = history::list(w.db.conn(), &w.admin, id, None, None)
            .await
            .unwrap();
        let kinds: Vec<_> = h.items.iter().map(|(_, c)| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::RelationDeleted,
                ChangeKind::RelationUpdated,
                ChangeKind::RelationCreated,
                ChangeKind::Created
            ]
        );
    }
}

#[tokio::test]
async fn archived_fact_sheets_take_no_new_relations() {
    let w = World::new().await;
    let model = w.model().await;
    let team = make(&w, &model, "Team", "Payments").await;
    let artifact = make(&w, &model, "SoftwareArtifact", "Old").await;
    fact_sheets::archive(w.db.conn(), &w.admin, artifact.id, None)
        .await
        .unwrap();
    let err = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        rel("teamOwnsArtifact", team.id, artifact.id),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["toId"]);
}
