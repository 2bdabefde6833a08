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

/// A write makes stale only the windows it touched: renaming one artifact refreshes the
/// windows that anchor at it or show it, and leaves every other window served from the cache.
#[tokio::test]
async fn a_change_leaves_the_windows_it_did_not_touch_warm() {
    let w = World::new().await;
    let db = w.db.conn();
    let model = w.model().await;
    let cache = WindowCache::new(1_000);
    let team = sheet(&w, &model, "Team", "team").await;
    let other_team = sheet(&w, &model, "Team", "other team").await;
    let a = sheet(&w, &model, "SoftwareArtifact", "a").await;
    let c = sheet(&w, &model, "SoftwareArtifact", "c").await;
    for (owner, artifact) in [(team.id, a.id), (other_team.id, c.id)] {
        relations::create(db, &w.admin, &model, owns(owner, artifact))
            .await
            .unwrap();
    }
    let anchors = [team.id, other_team.id, a.id, c.id];
    let before = check(&w, &cache, &anchors, "the relations").await;

    fact_sheets::update(
        db,
        &w.admin,
        &model,
        FactSheetPatch {
            id: c.id,
            name: Some("c renamed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let after = check(&w, &cache, &anchors, "renaming c").await;
    for untouched in [team.id, a.id] {
        assert!(
            Arc::ptr_eq(&before[&untouched], &after[&untouched]),
            "a window without c stays cached"
        );
    }
    for touched in [other_team.id, c.id] {
        assert!(
            !Arc::ptr_eq(&before[&touched], &after[&touched]),
            "a window anchored at c or showing it is read again"
        );
    }
}

/// Writes and reads interleaved at random, through two caches (two replicas) that each keep
/// their windows across writes: every answer equals an uncached read, and windows are really
/// kept across writes that did not touch them.
#[tokio::test]
async fn interleaved_writes_and_reads_always_equal_an_uncached_read() {
    let w = World::new().await;
    let db = w.db.conn();
    let model = w.model().await;
    let replicas = [WindowCache::new(1_000), WindowCache::new(1_000)];
    let mut teams = Vec::new();
    let mut artifacts = Vec::new();
    for i in 0..4 {
        teams.push(sheet(&w, &model, "Team", &format!("team {i}")).await.id);
    }
    for i in 0..8 {
        artifacts.push(
            sheet(&w, &model, "SoftwareArtifact", &format!("a{i}"))
                .await
                .id,
        );
    }
    let anchors: Vec<Uuid> = teams.iter().chain(&artifacts).copied().collect();
    let mut relations: Vec<Uuid> = Vec::new();
    // A fixed xorshift sequence: the same run every time, different steps in one run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut previous: Vec<HashMap<Uuid, Arc<RelationWindow>>> = Vec::new();
    let mut kept_across_writes = 0;
    for step in 0..40 {
        let what = match next(5) {
            0 | 1 => {
                let (team, artifact) = (teams[next(teams.len())], artifacts[next(artifacts.len())]);
                // An artifact has one owning team: a refused write changes nothing.
                if let Ok(r) = relations::create(db, &w.admin, &model, owns(team, artifact)).await {
                    relations.push(r.id);
                }
                "a new relation"
            }
            2 if !relations.is_empty() => {
                let r = relations.swap_remove(next(relations.len()));
                relations::delete(db, &w.admin, r).await.unwrap();
                "a deleted relation"
            }
            _ => {
                let id = anchors[next(anchors.len())];
                fact_sheets::update(
                    db,
                    &w.admin,
                    &model,
                    FactSheetPatch {
                        id,
                        name: Some(format!("renamed at step {step}")),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                "a rename"
            }
        };
        let mut now = Vec::new();
        for (i, cache) in replicas.iter().enumerate() {
            // Each replica reads a random part of the map, as different views would.
            let part: Vec<Uuid> = anchors.iter().copied().filter(|_| next(3) > 0).collect();
            let read = check(
                &w,
                cache,
                &part,
                &format!("{what} (step {step}, replica {i})"),
            )
            .await;
            if let Some(before) = previous.get(i) {
                kept_across_writes += read
                    .iter()
                    .filter(|(id, window)| before.get(id).is_some_and(|b| Arc::ptr_eq(b, window)))
                    .count();
            }
            now.push(read);
        }
        previous = now;
    }
    assert!(
        kept_across_writes > 40,
        "windows were kept across writes that did not touch them: {kept_across_writes}"
    );
}
