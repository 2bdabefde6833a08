use domain::{
    fact_sheets::{self, FactSheetPatch},
    history::{self, ChangeKind},
};
use serde_json::json;

use crate::support::{World, attrs};

#[tokio::test]
async fn every_change_is_a_revision_with_a_diff_newest_first() {
    let w = World::new().await;
    let model = w.model().await;
    let fs = w.create_fact_sheet("API", "Payments API").await;
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            attributes: Some(attrs(json!({"protocol": "rest"}))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: fs.id,
            name: Some("Payments API v2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    fact_sheets::archive(w.db.conn(), &w.admin, fs.id, Some("superseded"))
        .await
        .unwrap();

    let page = history::list(w.db.conn(), &w.admin, fs.id, Some(2), None)
        .await
        .unwrap();
    let kinds: Vec<_> = page
        .items
        .iter()
        .map(|(_, c)| (c.revision, c.kind))
        .collect();
    assert_eq!(kinds, [(4, ChangeKind::Archived), (3, ChangeKind::Updated)]);
    assert!(page.has_next_page);
    assert_eq!(page.items[0].1.comment.as_deref(), Some("superseded"));
    assert_eq!(
        page.items[1].1.diff,
        json!({"name": {"old": "Payments API", "new": "Payments API v2"}})
    );
    assert_eq!(page.items[1].1.actor, "alice@acme.test");

    let rest = history::list(w.db.conn(), &w.admin, fs.id, Some(10), page.end_cursor())
        .await
        .unwrap();
    let kinds: Vec<_> = rest
        .items
        .iter()
        .map(|(_, c)| (c.revision, c.kind))
        .collect();
    assert_eq!(kinds, [(2, ChangeKind::Updated), (1, ChangeKind::Created)]);
    assert!(!rest.has_next_page);
    assert_eq!(
        rest.items[0].1.diff,
        json!({"attributes.protocol": {"old": null, "new": "rest"}})
    );
}
