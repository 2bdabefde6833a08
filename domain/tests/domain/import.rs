//! Bulk import: validated like single writes, all or nothing, and the result reads back like
//! fact sheets created one by one.

use domain::{
    Error,
    fact_sheets::{self, FactSheetFilter},
    history,
    import::{ImportFactSheet, ImportRelation, import_graph},
    relations,
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{World, attrs};

fn sheet(t: &str, name: &str) -> ImportFactSheet {
    ImportFactSheet {
        id: Uuid::now_v7(),
        fact_sheet_type: t.into(),
        name: name.into(),
        ..Default::default()
    }
}

fn relation(t: &str, from: &ImportFactSheet, to: &ImportFactSheet) -> ImportRelation {
    ImportRelation {
        relation_type: t.into(),
        from_id: from.id,
        to_id: to.id,
    }
}

#[tokio::test]
async fn an_import_reads_back_like_single_writes() {
    let w = World::new().await;
    let model = w.model().await;
    let team = ImportFactSheet {
        tags: vec!["pci".into()],
        ..sheet("Team", "Payments")
    };
    let artifact = ImportFactSheet {
        attributes: attrs(json!({ "language": "rust" })),
        ..sheet("SoftwareArtifact", "Ledger")
    };
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let summary = import_graph(
        &*tx,
        &w.admin,
        &model,
        vec![team.clone(), artifact.clone()],
        vec![relation("teamOwnsArtifact", &team, &artifact)],
        &mut |_, _| {},
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((summary.fact_sheets, summary.relations), (2, 1));

    let filter = FactSheetFilter {
        attributes: Some(json!({ "language": "rust" })),
        ..Default::default()
    };
    let found = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &filter,
        Default::default(),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(found.items.len(), 1, "the attribute index was written");
    let owned = relations::for_fact_sheets(w.db.conn(), &w.admin, &[team.id])
        .await
        .unwrap();
    assert_eq!(owned[&team.id][0].to_id, artifact.id);
    let changes = history::list(w.db.conn(), &w.admin, artifact.id, None, None)
        .await
        .unwrap();
    assert_eq!(changes.items.len(), 1);
    assert!(
        changes.items[0]
            .1
            .diff
            .to_string()
            .contains("teamOwnsArtifact")
    );
}

#[tokio::test]
async fn every_problem_is_reported_by_path_and_nothing_is_written() {
    let w = World::new().await;
    let model = w.model().await;
    let team = sheet("Team", "Payments");
    let other_team = sheet("Team", "Risk");
    let artifact = ImportFactSheet {
        attributes: attrs(json!({ "language": "cobol-ish" })),
        ..sheet("SoftwareArtifact", "Ledger")
    };
    let result = import_graph(
        w.db.conn(),
        &w.admin,
        &model,
        vec![
            team.clone(),
            other_team.clone(),
            artifact.clone(),
            sheet("Nope", " "),
        ],
        vec![
            relation("teamOwnsArtifact", &team, &artifact),
            // An artifact has one owning team.
            relation("teamOwnsArtifact", &other_team, &artifact),
            // Ends of the wrong type.
            relation("teamOwnsArtifact", &artifact, &team),
        ],
        &mut |_, _| {},
    )
    .await;
    let Err(Error::Invalid(errors)) = result else {
        panic!("expected BAD_USER_INPUT, got {result:?}");
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "factSheets.2.attributes.language",
        "factSheets.3.name",
        "factSheets.3.type",
        "relations.1.toId",
        "relations.2.fromId",
        "relations.2.toId",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    assert_eq!(w.fact_sheet_count().await, 0, "nothing written");
}

/// PostgreSQL cannot store U+0000: an import holding it anywhere is refused by path on both
/// databases, and nothing is written.
#[tokio::test]
async fn texts_holding_nul_are_refused_by_path() {
    let w = World::new().await;
    let model = w.model().await;
    let artifact = ImportFactSheet {
        description: Some("about\u{0}".into()),
        attributes: attrs(json!({ "repositoryUrl": "https://git.example/\u{0}" })),
        external_ids: vec![domain::external_ids::ExternalId {
            namespace: "repo".into(),
            value: "x\u{0}".into(),
        }],
        tags: vec!["ok".into(), "p\u{0}ci".into()],
        ..sheet("SoftwareArtifact", "Led\u{0}ger")
    };
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let err = import_graph(
        &*tx,
        &w.admin,
        &model,
        vec![artifact],
        vec![],
        &mut |_, _| {},
    )
    .await
    .unwrap_err();
    drop(tx);
    let Error::Invalid(errors) = err else {
        panic!("refused as invalid: {err:?}");
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "factSheets.0.name",
            "factSheets.0.description",
            "factSheets.0.attributes.repositoryUrl",
            "factSheets.0.externalIds.0.value",
            "factSheets.0.tags.1",
        ]
    );
    let all = FactSheetFilter::default();
    let count = fact_sheets::count(w.db.conn(), &w.admin, &model, &all);
    assert_eq!(count.await.unwrap(), 0);
}
