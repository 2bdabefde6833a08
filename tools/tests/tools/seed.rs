//! `wayfinder-tools seed` end to end: a workspace with a realistic graph and events that the server
//! then serves (relations traversable, events counted by metrics).

use domain::{Principal, Role, workspaces};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use testkit::TestDb;
use wayfinder_tools::dataset::components::LOG4J_VULNERABLE;

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

    // Every artifact has its SBOM of about 150 components, and Log4Shell is open on the few
    // that run an affected log4j-core.
    assert!(stderr.contains("Log4Shell imported"), "progress: {stderr}");
    let components = entity::component::Entity::find()
        .filter(entity::component::Column::WorkspaceId.eq(ws.id))
        .all(db.conn())
        .await
        .unwrap();
    let mut per_artifact = std::collections::HashMap::new();
    for c in &components {
        *per_artifact.entry(c.fact_sheet_id).or_insert(0usize) += 1;
    }
    assert_eq!(
        per_artifact.len(),
        ids.len(),
        "every artifact has components"
    );
    assert!(
        per_artifact.values().all(|n| (135..=166).contains(n)),
        "{per_artifact:?}"
    );
    let sboms = entity::sbom::Entity::find()
        .filter(entity::sbom::Column::WorkspaceId.eq(ws.id))
        .all(db.conn())
        .await
        .unwrap();
    assert_eq!(sboms.len(), ids.len());
    assert!(
        sboms
            .iter()
            .all(|s| s.component_count as usize == per_artifact[&s.fact_sheet_id])
    );
    let log4j: Vec<_> = components
        .iter()
        .filter(|c| c.package.as_deref() == Some("org.apache.logging.log4j:log4j-core"))
        .collect();
    let open = entity::vulnerability_match::Entity::find()
        .filter(entity::vulnerability_match::Column::WorkspaceId.eq(ws.id))
        .filter(entity::vulnerability_match::Column::AdvisoryId.eq("GHSA-jfh8-c2jp-5v3q"))
        .filter(entity::vulnerability_match::Column::ResolvedAt.is_null())
        .all(db.conn())
        .await
        .unwrap();
    assert!(
        (2..log4j.len()).contains(&open.len()),
        "{} of {} log4j-core components matched",
        open.len(),
        log4j.len()
    );
    for m in &open {
        let version = m.version.as_deref().unwrap_or_default();
        assert!(
            LOG4J_VULNERABLE.contains(&version),
            "{version} is not affected"
        );
    }
}

#[tokio::test]
async fn seed_without_components_writes_none() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let out = wayfinder_tools(dir.path(), &db.url)
        .args([
            "seed",
            "--workspace",
            "bare",
            "--scale",
            "50",
            "--components",
            "0",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let components = entity::component::Entity::find()
        .count(db.conn())
        .await
        .unwrap();
    assert_eq!(components, 0);
}
