//! An export pages through a workspace's relations by id and keeps those whose both ends it
//! exports. A page whose relations all touch a fact sheet left out must not end the export.

use domain::{
    exchange::{ExportCursor, ExportFilter, export_page},
    fact_sheets,
    relations::{self, NewRelation},
};
use serde_json::Value;
use uuid::Uuid;

use crate::support::World;

async fn own(w: &World, team: Uuid, artifact: Uuid) {
    let model = w.model().await;
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let input = NewRelation {
        relation_type: "teamOwnsArtifact".into(),
        from_id: team,
        to_id: artifact,
        attributes: Default::default(),
        active_from: None,
        active_until: None,
    };
    relations::create(&*tx, &w.admin, &model, input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The `(from, to)` ends of every relation line `filter` exports, read two rows a page.
async fn exported_relations(w: &World, filter: &ExportFilter) -> Vec<(String, String)> {
    let (mut cursor, mut ends) = (ExportCursor::START, Vec::new());
    while cursor != ExportCursor::Done {
        let (lines, next) = export_page(w.db.conn(), &w.admin, filter, cursor, 2)
            .await
            .unwrap();
        let id = |line: &Value, end: &str| line[end]["id"].as_str().unwrap().to_owned();
        ends.extend(
            lines
                .iter()
                .filter(|line| line["kind"] == "relation")
                .map(|line| (id(line, "from"), id(line, "to"))),
        );
        cursor = next;
    }
    ends
}

#[tokio::test]
async fn relations_after_a_page_of_left_out_ones_are_still_exported() {
    let w = World::new().await;
    let old = w.create_fact_sheet("Team", "Old team").await;
    let payments = w.create_fact_sheet("Team", "Payments").await;
    let mut artifacts = Vec::new();
    for name in ["ledger", "billing", "invoices", "checkout"] {
        artifacts.push(w.create_fact_sheet("SoftwareArtifact", name).await.id);
    }
    // Created in this order, so the first two pages of two hold the archived team's three.
    for artifact in &artifacts[..3] {
        own(&w, old.id, *artifact).await;
    }
    own(&w, payments.id, artifacts[3]).await;
    fact_sheets::archive(w.db.conn(), &w.admin, old.id, None)
        .await
        .unwrap();

    let pair = |team: Uuid, artifact: Uuid| (team.to_string(), artifact.to_string());
    assert_eq!(
        exported_relations(&w, &ExportFilter::default()).await,
        vec![pair(payments.id, artifacts[3])],
        "only the relation whose both ends are active, found past two pages without one"
    );
    let all = ExportFilter {
        include_archived: true,
        ..ExportFilter::default()
    };
    let mut expected: Vec<_> = artifacts[..3].iter().map(|a| pair(old.id, *a)).collect();
    expected.push(pair(payments.id, artifacts[3]));
    assert_eq!(exported_relations(&w, &all).await, expected);
    let teams_only = ExportFilter {
        types: Some(vec!["Team".into()]),
        include_archived: true,
    };
    assert_eq!(
        exported_relations(&w, &teams_only).await,
        vec![],
        "an artifact end left out by type leaves its relation out"
    );
}
