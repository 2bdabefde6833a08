//! Cached relation windows must never be stale: after every kind of change to a relation or
//! to a fact sheet at either end, the cached windows equal a fresh read, and they are really
//! served from the cache while nothing changes.

use std::{collections::HashMap, sync::Arc};

use chrono::{TimeZone, Utc};
use domain::{
    fact_sheets::{self, FactSheet, FactSheetPatch, NewFactSheet, Patch},
    meta_model::MetaModel,
    relations::{
        self, Direction, FarEnds, NewRelation, Relation, RelationPatch, RelationSlice,
        RelationWindow, WindowCache,
    },
    versions::{Counter, ReadOnce},
};
use uuid::Uuid;

use crate::support::World;

fn slice() -> RelationSlice {
    RelationSlice {
        relation_type: None,
        direction: Direction::Both,
        after: None,
        limit: 10,
        with_total: true,
        far_ends: FarEnds::Whole,
    }
}

async fn sheet(w: &World, model: &MetaModel, t: &str, name: &str) -> FactSheet {
    let new = NewFactSheet {
        fact_sheet_type: t.into(),
        name: name.into(),
        ..Default::default()
    };
    fact_sheets::create(w.db.conn(), &w.admin, model, new)
        .await
        .unwrap()
}

fn owns(team: Uuid, artifact: Uuid) -> NewRelation {
    NewRelation {
        relation_type: "teamOwnsArtifact".into(),
        from_id: team,
        to_id: artifact,
        ..Default::default()
    }
}

fn rows(window: &RelationWindow) -> (Option<u64>, Vec<(Relation, FactSheet)>) {
    let items = window
        .items
        .iter()
        .map(|(r, f)| ((**r).clone(), (**f).clone()))
        .collect();
    (window.total, items)
}

/// One new request's cached windows of `anchors`, checked against a fresh read.
async fn check(
    w: &World,
    cache: &WindowCache,
    anchors: &[Uuid],
    step: &str,
) -> HashMap<Uuid, Arc<RelationWindow>> {
    let db = w.db.conn();
    let inventory = ReadOnce::new(Counter::Inventory, w.admin.workspace_id);
    let cached = cache
        .windows_for(db, &w.admin, &inventory, &slice(), anchors)
        .await
        .unwrap();
    let fresh = relations::windows_for(db, &w.admin, &slice(), anchors)
        .await
        .unwrap();
    for anchor in anchors {
        assert_eq!(
            rows(&cached[anchor]),
            rows(&fresh.get(anchor).cloned().unwrap_or_default()),
            "the window of {anchor} after {step}"
        );
    }
    cached
}

#[tokio::test]
async fn cached_relation_windows_follow_every_change() {
    let w = World::new().await;
    let db = w.db.conn();
    let model = w.model().await;
    let cache = WindowCache::new(1_000);
    let team = sheet(&w, &model, "Team", "team").await;
    let a = sheet(&w, &model, "SoftwareArtifact", "a").await;
    let b = sheet(&w, &model, "SoftwareArtifact", "b").await;
    let owns = |to| owns(team.id, to);
    let anchors = [team.id, a.id, b.id];
    let first = relations::create(db, &w.admin, &model, owns(a.id))
        .await
        .unwrap();
    let before = check(&w, &cache, &anchors, "the first relation").await;
    assert_eq!(before[&team.id].items.len(), 1);

    let again = check(&w, &cache, &anchors, "nothing").await;
    for anchor in &anchors {
        assert!(
            Arc::ptr_eq(&before[anchor], &again[anchor]),
            "served from the cache while nothing changed"
        );
    }

    relations::create(db, &w.admin, &model, owns(b.id))
        .await
        .unwrap();
    let added = check(&w, &cache, &anchors, "a new relation").await;
    assert_eq!(
        added[&team.id].items.len(),
        2,
        "an empty window was refreshed"
    );

    fact_sheets::update(
        db,
        &w.admin,
        &model,
        FactSheetPatch {
            id: a.id,
            name: Some("a renamed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let renamed = check(&w, &cache, &anchors, "renaming a far end").await;
    assert!(
        renamed[&team.id]
            .items
            .iter()
            .any(|(_, far)| far.name == "a renamed")
    );

    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    relations::update(
        db,
        &w.admin,
        &model,
        RelationPatch {
            id: first.id,
            attributes: None,
            active_from: Patch::Set(start),
            active_until: Patch::Keep,
        },
    )
    .await
    .unwrap();
    check(&w, &cache, &anchors, "a relation's activity").await;

    fact_sheets::archive(db, &w.admin, b.id, None)
        .await
        .unwrap();
    check(&w, &cache, &anchors, "archiving a far end").await;

    relations::delete(db, &w.admin, first.id).await.unwrap();
    let deleted = check(&w, &cache, &anchors, "deleting a relation").await;
    assert!(deleted[&a.id].items.is_empty());
}

/// Another workspace's windows are never served, even for the same anchor ids and version.
#[tokio::test]
async fn cached_relation_windows_stay_in_their_workspace() {
    let w = World::new().await;
    let db = w.db.conn();
    let model = w.model().await;
    let cache = WindowCache::new(1_000);
    let team = sheet(&w, &model, "Team", "team").await;
    let a = sheet(&w, &model, "SoftwareArtifact", "a").await;
    relations::create(db, &w.admin, &model, owns(team.id, a.id))
        .await
        .unwrap();
    check(&w, &cache, &[team.id], "the relation").await;

    let other = w.other_workspace().await;
    let inventory = ReadOnce::new(Counter::Inventory, other.workspace_id);
    let theirs = cache
        .windows_for(db, &other, &inventory, &slice(), &[team.id])
        .await
        .unwrap();
    assert!(theirs[&team.id].items.is_empty(), "{:?}", theirs[&team.id]);

    let mismatched = ReadOnce::new(Counter::Inventory, w.admin.workspace_id);
    assert!(
        cache
            .windows_for(db, &other, &mismatched, &slice(), &[team.id])
            .await
            .is_err(),
        "a counter read for another workspace is refused"
    );
}
