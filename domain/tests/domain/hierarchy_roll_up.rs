//! A parent fact sheet whose type rolls up its children is measured over the events of its
//! whole hierarchy (children, grandchildren, and what each rolls up over by relation), each
//! fact sheet once; and the cached figure moves at once when the hierarchy or the setting does.

use chrono::Duration;
use domain::{
    fact_sheets::{self, FactSheetPatch, NewFactSheet, Patch},
    meta_model_versions::{self, MetaModelEdit},
    metrics::{MetricsCache, Needs, Subject},
    relations::{self, NewRelation},
};
use testkit::facts::{day, deployment, two_weeks};
use uuid::Uuid;

use crate::{
    metrics_cache::{artifact, fresh_metrics, ingest, own},
    support::World,
};

/// A fact sheet of `fact_sheet_type` under `parent`.
async fn child(w: &World, fact_sheet_type: &str, name: &str, parent: Uuid) -> Uuid {
    let model = w.model().await;
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: fact_sheet_type.into(),
            name: name.into(),
            parent_id: Some(parent),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// An artifact with event source `source` and `count` production deployments in the window.
async fn deploying_artifact(w: &World, source: &str, count: usize) -> Uuid {
    let id = artifact(w, source, Some(source)).await;
    let events = (0..count)
        .map(|i| {
            let time = day(1) + Duration::minutes(i as i64);
            deployment(source, &format!("{source}-{i}"), time, &[])
        })
        .collect();
    ingest(w, events).await;
    id
}

async fn roll_up_children(w: &World, fact_sheet_type: &str, on: bool) {
    let edit = MetaModelEdit::SetRollUp {
        fact_sheet_type: fact_sheet_type.into(),
        roll_up: None,
        children: Some(on),
    };
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
        .await
        .unwrap();
}

/// The deployments of `id` over [`two_weeks`] through `cache`, checked against a fresh
/// computation so a stale entry cannot pass.
async fn deployments(w: &World, cache: &MetricsCache, id: Uuid) -> u64 {
    let model = meta_model_versions::current(w.db.conn(), &w.admin)
        .await
        .unwrap();
    let cached = cache
        .for_fact_sheet(
            w.db.conn(),
            &w.admin,
            &model,
            Subject::Id(id),
            &two_weeks(),
            Needs::ALL,
            None,
        )
        .await
        .unwrap();
    let fresh = fresh_metrics(w, w.db.conn(), id).await;
    assert_eq!(*cached, fresh, "the cached metrics are stale");
    fresh.deployment_frequency.deployments
}

/// A team of two teams, owning artifacts with 11 and 44 deployments.
struct TeamOfTeams {
    parent: Uuid,
    first: Uuid,
    second: Uuid,
}

async fn team_of_teams(w: &World) -> TeamOfTeams {
    let parent = w.create_fact_sheet("Team", "Platform").await.id;
    let first = child(w, "Team", "Build", parent).await;
    let second = child(w, "Team", "Runtime", parent).await;
    own(w, first, deploying_artifact(w, "build-tools", 11).await).await;
    own(w, second, deploying_artifact(w, "runtime", 44).await).await;
    TeamOfTeams {
        parent,
        first,
        second,
    }
}

#[tokio::test]
async fn a_team_of_teams_counts_its_sub_teams_deployments_only_while_its_type_rolls_up_children() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let teams = team_of_teams(&w).await;
    assert_eq!(deployments(&w, &cache, teams.first).await, 11);
    assert_eq!(deployments(&w, &cache, teams.second).await, 44);
    assert_eq!(
        deployments(&w, &cache, teams.parent).await,
        55,
        "the default meta model rolls teams up over their sub-teams"
    );
    assert_eq!(
        deployments(&w, &cache, teams.first).await,
        11,
        "a child with no children of its own measures itself"
    );

    roll_up_children(&w, "Team", false).await;
    assert_eq!(deployments(&w, &cache, teams.parent).await, 0);

    roll_up_children(&w, "Team", true).await;
    assert_eq!(deployments(&w, &cache, teams.parent).await, 55);
}

#[tokio::test]
async fn a_grandchild_counts_in_its_grandparent() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let teams = team_of_teams(&w).await;
    roll_up_children(&w, "Team", true).await;
    let grandchild = child(&w, "Team", "Compilers", teams.first).await;
    own(&w, grandchild, deploying_artifact(&w, "compiler", 5).await).await;
    assert_eq!(deployments(&w, &cache, teams.first).await, 16);
    assert_eq!(deployments(&w, &cache, teams.parent).await, 60);
}

#[tokio::test]
async fn an_artifact_in_both_a_product_family_and_one_of_its_products_counts_once() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let model = w.model().await;
    let family = w.create_fact_sheet("Product", "Payments").await.id;
    let product = child(&w, "Product", "Checkout", family).await;
    let shared = deploying_artifact(&w, "ledger", 7).await;
    let own_artifact = deploying_artifact(&w, "checkout", 3).await;
    for (from, to) in [(family, shared), (product, shared), (product, own_artifact)] {
        relations::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewRelation {
                relation_type: "productContainsArtifact".into(),
                from_id: from,
                to_id: to,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(
        deployments(&w, &cache, family).await,
        10,
        "the ledger's 7 once, the checkout's 3"
    );
    roll_up_children(&w, "Product", false).await;
    assert_eq!(deployments(&w, &cache, family).await, 7, "only its own");
}

#[tokio::test]
async fn re_parenting_or_archiving_a_child_changes_the_cached_figure_at_once() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let teams = team_of_teams(&w).await;
    roll_up_children(&w, "Team", true).await;
    let other = w.create_fact_sheet("Team", "Data").await.id;
    assert_eq!(deployments(&w, &cache, teams.parent).await, 55);
    assert_eq!(deployments(&w, &cache, other).await, 0);

    let model = w.model().await;
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: teams.second,
            parent_id: Patch::Set(other),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(deployments(&w, &cache, teams.parent).await, 11);
    assert_eq!(deployments(&w, &cache, other).await, 44);

    // An archived child still counts, as an archived artifact still counts in its owning
    // team: its deployments happened. `deployments` checks the cache agrees.
    fact_sheets::archive(w.db.conn(), &w.admin, teams.first, None)
        .await
        .unwrap();
    assert_eq!(deployments(&w, &cache, teams.parent).await, 11);

    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: teams.second,
            parent_id: Patch::Clear,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(deployments(&w, &cache, other).await, 0);
}

#[tokio::test]
async fn a_roll_up_edit_changes_only_the_part_it_names() {
    let w = World::new().await;
    let team =
        |model: &domain::meta_model::MetaModel| model.fact_sheet_type("Team").unwrap().clone();
    let before = team(&w.model().await);
    assert!(before.roll_up_children, "on in the default meta model");
    roll_up_children(&w, "Team", false).await;
    let switched = team(&w.model().await);
    assert!(!switched.roll_up_children);
    assert_eq!(switched.roll_up, before.roll_up, "the relation list stays");

    let clear = MetaModelEdit::SetRollUp {
        fact_sheet_type: "Team".into(),
        roll_up: Some(vec![]),
        children: None,
    };
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &clear, None, false)
        .await
        .unwrap();
    let cleared = team(&w.model().await);
    assert!(cleared.roll_up.is_empty());
    assert!(!cleared.roll_up_children, "the child setting stays");
}

#[test]
fn a_fact_sheet_type_stored_before_the_setting_existed_does_not_roll_up_children() {
    let stored = serde_json::json!({
        "key": "Team",
        "label": "Team",
        "rollUp": [{"relationType": "teamOwnsArtifact", "direction": "OUTGOING"}]
    });
    let t: domain::meta_model::FactSheetType = serde_json::from_value(stored).unwrap();
    assert!(!t.roll_up_children);
}
