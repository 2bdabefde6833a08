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

/// The windowed read (one page per fact sheet plus the far ends, in one statement) must page
/// exactly like filtering and paging every relation of a fact sheet in memory: same relations,
/// same order, same totals, for every type, direction, page size and cursor.
#[tokio::test]
async fn relation_windows_page_like_the_full_relation_list() {
    use relations::{Direction, FarEnds, RelationSlice};

    let w = World::new().await;
    let model = w.model().await;
    let db = w.db.conn();
    let team = make(&w, &model, "Team", "team").await;
    let mut artifacts = Vec::new();
    let mut apis = Vec::new();
    for i in 0..6 {
        // With attributes and a description, so far ends read as summaries show.
        let a = fact_sheets::create(
            db,
            &w.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: format!("artifact-{i}"),
                description: Some(format!("Artifact {i} of the test.")),
                attributes: attrs(json!({"language": "kotlin"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let api = make(&w, &model, "API", &format!("api-{i}")).await;
        for r in [
            rel("teamOwnsArtifact", team.id, a.id),
            rel("artifactProvidesApi", a.id, api.id),
        ] {
            relations::create(db, &w.admin, &model, r).await.unwrap();
        }
        for consumed in apis.iter().rev().take(i % 3) {
            relations::create(
                db,
                &w.admin,
                &model,
                rel("artifactConsumesApi", a.id, *consumed),
            )
            .await
            .unwrap();
        }
        artifacts.push(a.id);
        apis.push(api.id);
    }
    // Another workspace's graph must never show up.
    let other = w.other_workspace().await;
    let other_model = domain::meta_model_versions::current(db, &other)
        .await
        .unwrap()
        .model;
    let foreign = fact_sheets::create(
        db,
        &other,
        &other_model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "foreign".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let mut anchors = vec![team.id, foreign.id];
    anchors.extend(&artifacts);
    anchors.extend(&apis);
    let everything = relations::for_fact_sheets(db, &w.admin, &anchors)
        .await
        .unwrap();
    let all_ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = everything.values().flatten().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let fact_sheets_by_id: std::collections::HashMap<Uuid, fact_sheets::FactSheet> =
        fact_sheets::get_many(db, &w.admin, &anchors)
            .await
            .unwrap()
            .into_iter()
            .map(|fs| (fs.id, fs))
            .collect();
    let mut checked = 0;
    let (mut with_attributes, expected_empty) = (0, json!({}));
    for relation_type in [None, Some("teamOwnsArtifact"), Some("artifactConsumesApi")] {
        for direction in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
            for limit in [1, 2, 50] {
                for after in [None, Some(all_ids[all_ids.len() / 3]), Some(all_ids[0])] {
                    let slice = RelationSlice {
                        relation_type: relation_type.map(str::to_owned),
                        direction,
                        after,
                        limit,
                        // Counting is optional on PostgreSQL: leaving it out must not change the page.
                        with_total: limit != 2,
                        far_ends: match limit {
                            1 => FarEnds::Summary,
                            _ => FarEnds::Whole,
                        },
                    };
                    let windows = relations::windows_for(db, &w.admin, &slice, &anchors)
                        .await
                        .unwrap();
                    assert!(!windows.contains_key(&foreign.id));
                    for anchor in &anchors {
                        let matching: Vec<_> = everything
                            .get(anchor)
                            .into_iter()
                            .flatten()
                            .filter(|r| relation_type.is_none_or(|t| r.relation_type == t))
                            .filter(|r| match direction {
                                Direction::Outgoing => r.from_id == *anchor,
                                Direction::Incoming => r.to_id == *anchor,
                                Direction::Both => true,
                            })
                            .collect();
                        // Whole rows, not only ids: the window reads some columns by position.
                        let expected: Vec<&relations::Relation> = matching
                            .iter()
                            .copied()
                            .filter(|r| after.is_none_or(|a| r.id > a))
                            .take(limit as usize)
                            .collect();
                        let window = windows.get(anchor).cloned().unwrap_or_default();
                        let got: Vec<&relations::Relation> =
                            window.items.iter().map(|(r, _)| r.as_ref()).collect();
                        assert_eq!(got, expected, "{slice:?} of {anchor}");
                        if !expected.is_empty() && slice.with_total {
                            assert_eq!(window.total, Some(matching.len() as u64), "{slice:?}");
                        }
                        for (r, far) in &window.items {
                            let far_id = if r.from_id == *anchor {
                                r.to_id
                            } else {
                                r.from_id
                            };
                            let mut expected = fact_sheets_by_id[&far_id].clone();
                            if slice.far_ends == FarEnds::Summary {
                                expected.attributes = json!({});
                                expected.description = None;
                                expected.search_text.clear();
                                expected.created_by.clear();
                                expected.updated_by.clear();
                            }
                            assert_eq!(**far, expected, "the far end of {} ({slice:?})", r.id);
                            with_attributes += usize::from(far.attributes != expected_empty);
                        }
                        checked += got.len();
                    }
                }
            }
        }
    }
    assert!(
        checked > 100,
        "the cases really return relations ({checked})"
    );
    assert!(
        with_attributes > 10,
        "some far ends really have attributes ({with_attributes})"
    );
}

/// PostgreSQL cannot store instants before 4713 BC, and SQLite sorts its text timestamps right
/// only with four-digit years: a period outside the years 1 to 9999 is refused on both.
#[tokio::test]
async fn periods_outside_the_years_1_to_9999_are_refused() {
    let w = World::new().await;
    let model = w.model().await;
    let team = make(&w, &model, "Team", "Payments").await;
    let artifact = make(&w, &model, "SoftwareArtifact", "Ledger").await;
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let input = NewRelation {
        active_from: Some(at("-4714-11-24T00:00:00Z")),
        active_until: Some(at("+10000-01-01T00:00:00Z")),
        ..rel("teamOwnsArtifact", team.id, artifact.id)
    };
    let err = relations::create(w.db.conn(), &w.admin, &model, input)
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["activeFrom", "activeUntil"]);
    let input = NewRelation {
        active_from: Some(at("0001-01-01T00:00:00Z")),
        active_until: Some(at("9999-12-31T23:59:59Z")),
        ..rel("teamOwnsArtifact", team.id, artifact.id)
    };
    let r = relations::create(w.db.conn(), &w.admin, &model, input)
        .await
        .unwrap();
    let patch = RelationPatch {
        id: r.id,
        active_from: Patch::Set(at("-0001-01-01T00:00:00Z")),
        ..Default::default()
    };
    let err = relations::update(w.db.conn(), &w.admin, &model, patch)
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["activeFrom"]);
}
