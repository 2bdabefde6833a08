//! `wayfinder-tools seed` end to end: a workspace with a realistic graph and events that the server
//! then serves (relations traversable, events counted by metrics).

use domain::{Principal, Role, workspaces};
use sea_orm::{EntityTrait, PaginatorTrait};
use testkit::TestDb;

use crate::wayfinder_tools;

#[tokio::test]
async fn seed_creates_a_connected_graph_with_events_and_shows_progress() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let out = wayfinder_tools(dir.path(), &db.url)
        .args([
            "seed",
            "--workspace",
            "seeded",
            "--scale",
            "200",
            "--events",
            "3000",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("rows") && stderr.contains("100%"),
        "progress: {stderr}"
    );
    assert!(stderr.contains("events 3000/3000"), "progress: {stderr}");

    let ws = workspaces::find_by_slug(db.conn(), "seeded")
        .await
        .unwrap()
        .unwrap();
    let count = |n: u64| n as usize;
    let sheets = entity::fact_sheet::Entity::find()
        .count(db.conn())
        .await
        .unwrap();
    let relations = entity::relation::Entity::find()
        .count(db.conn())
        .await
        .unwrap();
    let events = entity::event::Entity::find()
        .count(db.conn())
        .await
        .unwrap();
    assert_eq!(count(sheets), 200);
    assert!(
        (500..800).contains(&count(relations)),
        "{relations} relations"
    );
    assert_eq!(count(events), 3000);
    // Every artifact has its owning team, as the meta model demands.
    let principal = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: "t".into(),
        role: Role::Viewer,
    };
    let model = domain::meta_model_versions::current(db.conn(), &principal)
        .await
        .unwrap()
        .model;
    let artifacts = domain::fact_sheets::list(
        db.conn(),
        &principal,
        &model,
        &domain::fact_sheets::FactSheetFilter {
            types: Some(vec!["SoftwareArtifact".into()]),
            ..Default::default()
        },
        Default::default(),
        Some(500),
        None,
    )
    .await
    .unwrap();
    let ids: Vec<_> = artifacts.items.iter().map(|(_, f)| f.id).collect();
    let by_sheet = domain::relations::for_fact_sheets(db.conn(), &principal, &ids)
        .await
        .unwrap();
    for id in &ids {
        let owners = by_sheet[id]
            .iter()
            .filter(|r| r.relation_type == "teamOwnsArtifact")
            .count();
        assert_eq!(owners, 1, "artifact {id}");
    }
}
