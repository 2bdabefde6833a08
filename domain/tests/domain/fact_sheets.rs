use domain::{
    Error, Role,
    external_ids::ExternalId,
    fact_sheets::{self, FactSheetPatch, NewFactSheet, Patch, Status},
};
use serde_json::json;

use crate::support::{World, attrs, paths};

fn artifact(name: &str) -> NewFactSheet {
    NewFactSheet {
        fact_sheet_type: "SoftwareArtifact".into(),
        name: name.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_validates_every_field_and_writes_nothing_when_one_is_bad() {
    let w = World::new().await;
    let model = w.model().await;
    let input = NewFactSheet {
        name: " ".into(),
        attributes: attrs(json!({"language": "cobol", "repositoryUrl": "nope", "unknown": 1})),
        external_ids: vec![ExternalId {
            namespace: "".into(),
            value: "x".into(),
        }],
        ..artifact("x")
    };
    let err = fact_sheets::create(w.db.conn(), &w.admin, &model, input)
        .await
        .unwrap_err();
    assert_eq!(
        paths(err),
        [
            "name",
            "attributes.language",
            "attributes.repositoryUrl",
            "attributes.unknown",
            "externalIds.0.namespace"
        ]
    );
    let count = fact_sheets::count(w.db.conn(), &w.admin, &model, &Default::default())
        .await
        .unwrap();
    assert_eq!(count, 0);

    let err = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Spaceship".into(),
            ..artifact("x")
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["type"]);
}

#[tokio::test]
async fn create_stores_normalized_values_and_scores_completion() {
    let w = World::new().await;
    let model = w.model().await;
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            attributes: attrs(
                json!({"repositoryUrl": "https://git.acme.test/checkout", "language": "rust"}),
            ),
            external_ids: vec![ExternalId {
                namespace: "eventSource".into(),
                value: "checkout".into(),
            }],
            ..artifact("Checkout")
        },
    )
    .await
    .unwrap();
    assert_eq!(fs.revision, 1);
    assert_eq!(fs.status, "ACTIVE");
    // repositoryUrl (2) + language (1) of 6.
    assert!((fs.completion - 0.5).abs() < 1e-9, "{}", fs.completion);
    let found = fact_sheets::by_external_id(w.db.conn(), &w.admin, "eventSource", "checkout")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, fs.id);

    let err = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            external_ids: vec![ExternalId {
                namespace: "eventSource".into(),
                value: "checkout".into(),
            }],
            ..artifact("Other")
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["externalIds.0.value"]);
}

#[tokio::test]
async fn update_is_partial_and_guarded_by_revision() {
    let w = World::new().await;
    let model = w.model().await;
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            description: Some("Takes money".into()),
            attributes: attrs(json!({"language": "go", "artifactType": "service"})),
            ..artifact("Checkout")
        },
    )
    .await
    .unwrap();
    let updated = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            expected_revision: Some(1),
            attributes: Some(attrs(
                json!({"language": null, "businessCriticality": "missionCritical"}),
            )),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.name, "Checkout");
    assert_eq!(updated.description.as_deref(), Some("Takes money"));
    assert_eq!(
        updated.attributes,
        json!({"artifactType": "service", "businessCriticality": "missionCritical"})
    );

    let err = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            expected_revision: Some(1),
            name: Some("Stale".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::StaleRevision {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{err:?}"
    );

    let cleared = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            description: Patch::Clear,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(cleared.description, None);
    assert_eq!(cleared.revision, 3);

    // An update that changes nothing writes no revision.
    let same = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            name: Some("Checkout".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(same.revision, 3);
}

#[tokio::test]
async fn a_merge_may_not_remove_a_required_attribute() {
    let w = World::new().await;
    let mut model = w.model().await;
    let language = model
        .fact_sheet_type_mut("SoftwareArtifact")
        .unwrap()
        .attributes
        .iter_mut()
        .find(|a| a.key == "language")
        .unwrap();
    language.required = true;
    let err = fact_sheets::create(w.db.conn(), &w.admin, &model, artifact("No language"))
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["attributes.language"]);
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            attributes: attrs(json!({"language": "go"})),
            ..artifact("Go")
        },
    )
    .await
    .unwrap();
    let err = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            attributes: Some(attrs(json!({"language": null}))),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["attributes.language"]);
}

#[tokio::test]
async fn archive_and_restore_are_recorded_and_refused_twice() {
    let w = World::new().await;
    let model = w.model().await;
    let fs = fact_sheets::create(w.db.conn(), &w.admin, &model, artifact("Legacy"))
        .await
        .unwrap();
    let archived = fact_sheets::archive(w.db.conn(), &w.admin, fs.id, Some("replaced by Checkout"))
        .await
        .unwrap();
    assert_eq!(Status::of(&archived), Status::Archived);
    assert!(matches!(
        fact_sheets::archive(w.db.conn(), &w.admin, fs.id, None)
            .await
            .unwrap_err(),
        Error::Conflict { .. }
    ));
    let active = fact_sheets::count(w.db.conn(), &w.admin, &model, &Default::default())
        .await
        .unwrap();
    assert_eq!(active, 0, "archived fact sheets leave default lists");
    let restored = fact_sheets::restore(w.db.conn(), &w.admin, fs.id, None)
        .await
        .unwrap();
    assert_eq!(Status::of(&restored), Status::Active);
    assert_eq!(restored.revision, 3);
}

#[tokio::test]
async fn hierarchies_need_the_same_type_and_no_cycles() {
    let w = World::new().await;
    let model = w.model().await;
    let team = |name: &str, parent| NewFactSheet {
        fact_sheet_type: "Team".into(),
        name: name.into(),
        parent_id: parent,
        ..Default::default()
    };
    let root = fact_sheets::create(w.db.conn(), &w.admin, &model, team("Engineering", None))
        .await
        .unwrap();
    let child = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        team("Payments", Some(root.id)),
    )
    .await
    .unwrap();
    let grandchild = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        team("Checkout team", Some(child.id)),
    )
    .await
    .unwrap();
    let err = fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: root.id,
            parent_id: Patch::Set(grandchild.id),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["parentId"]);
    let a = fact_sheets::create(w.db.conn(), &w.admin, &model, artifact("A"))
        .await
        .unwrap();
    let err = fact_sheets::create(w.db.conn(), &w.admin, &model, team("Wrong", Some(a.id)))
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["parentId"]);
}

#[tokio::test]
async fn viewers_cannot_write_and_tenants_cannot_see_each_other() {
    let w = World::new().await;
    let model = w.model().await;
    let viewer = w.as_role(Role::Viewer);
    let err = fact_sheets::create(w.db.conn(), &viewer, &model, artifact("X"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    let fs = fact_sheets::create(w.db.conn(), &w.admin, &model, artifact("Secret"))
        .await
        .unwrap();
    let other = w.other_workspace().await;
    assert!(
        fact_sheets::get(w.db.conn(), &other, fs.id)
            .await
            .unwrap()
            .is_none()
    );
    let err = fact_sheets::archive(w.db.conn(), &other, fs.id, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(
        fact_sheets::count(w.db.conn(), &other, &model, &Default::default())
            .await
            .unwrap(),
        0
    );
}
