//! Saved views: who sees and changes them, how they are checked against the meta model, and
//! the cells a view's rows hold.

use chrono::Utc;
use domain::{
    Error, Role,
    authz::Visibility,
    fact_sheets::{
        self, FactSheet, FactSheetFilter, FactSheetOrder, NewFactSheet, OrderField,
        RelationDirection,
    },
    relations::{self, NewRelation},
    reports::{
        Cell, ColumnSource, Figure, NewSavedView, RelationStep, SavedView, SavedViewPatch,
        ViewColumn, ViewDefinition, ViewField, saved_views, view_rows,
    },
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{World, attrs, paths};

fn column(source: ColumnSource) -> ViewColumn {
    ViewColumn {
        label: None,
        source,
    }
}

fn artifacts_view(name: &str, visibility: Visibility) -> NewSavedView {
    NewSavedView {
        name: name.into(),
        visibility,
        definition: ViewDefinition {
            filter: FactSheetFilter {
                types: Some(vec!["SoftwareArtifact".into()]),
                ..Default::default()
            },
            columns: vec![
                column(ColumnSource::Field {
                    field: ViewField::Name,
                }),
                column(ColumnSource::Attribute {
                    key: "language".into(),
                }),
                column(ColumnSource::Related {
                    path: vec![RelationStep {
                        relation_type: "teamOwnsArtifact".into(),
                        direction: RelationDirection::Incoming,
                    }],
                }),
            ],
            order: FactSheetOrder::field(OrderField::Name, true),
        },
    }
}

async fn save(
    w: &World,
    principal: &domain::Principal,
    new: NewSavedView,
) -> domain::Result<SavedView> {
    let model = w.model().await;
    saved_views::create(w.db.conn(), principal, &model, new).await
}

async fn sheet(
    w: &World,
    fact_sheet_type: &str,
    name: &str,
    attributes: serde_json::Value,
) -> FactSheet {
    let model = w.model().await;
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: fact_sheet_type.into(),
            name: name.into(),
            attributes: attrs(attributes),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn owns(w: &World, team: Uuid, artifact: Uuid) {
    let model = w.model().await;
    relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team,
            to_id: artifact,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_private_view_is_seen_by_its_owner_only_and_a_shared_one_by_everyone() {
    let w = World::new().await;
    let member = w.as_role(Role::Member);
    let viewer = w.as_role(Role::Viewer);
    let private = save(&w, &member, artifacts_view("mine", Visibility::Private))
        .await
        .unwrap();
    let shared = save(&w, &member, artifacts_view("ours", Visibility::Workspace))
        .await
        .unwrap();
    let db = w.db.conn();
    for other in [&w.admin, &viewer] {
        assert!(
            saved_views::get(db, other, private.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            saved_views::get(db, other, shared.id)
                .await
                .unwrap()
                .is_some()
        );
        let names: Vec<String> = saved_views::list(db, other)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(names, vec!["ours"]);
    }
    let names: Vec<String> = saved_views::list(db, &member)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, vec!["mine", "ours"]);
    let err = saved_views::delete(db, &w.admin, private.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let globex = w.other_workspace().await;
    assert!(
        saved_views::get(db, &globex, shared.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn only_the_owner_or_an_admin_changes_a_shared_view_and_viewers_keep_theirs_private() {
    let w = World::new().await;
    let member = w.as_role(Role::Member);
    let viewer = w.as_role(Role::Viewer);
    let other_member = domain::Principal {
        subject: "carol@acme.test".into(),
        ..member.clone()
    };
    let model = w.model().await;
    let db = w.db.conn();
    let shared = save(&w, &member, artifacts_view("ours", Visibility::Workspace))
        .await
        .unwrap();
    let rename = |name: &str| SavedViewPatch {
        name: Some(name.into()),
        ..Default::default()
    };
    let err = saved_views::update(db, &other_member, &model, shared.id, rename("theirs"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let err = saved_views::delete(db, &viewer, shared.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let renamed = saved_views::update(db, &w.admin, &model, shared.id, rename("renamed"))
        .await
        .unwrap();
    assert_eq!(renamed.name, "renamed");
    assert_eq!(
        renamed.owner, member.subject,
        "an admin's edit keeps the owner"
    );

    let err = save(&w, &viewer, artifacts_view("team", Visibility::Workspace))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let own = save(&w, &viewer, artifacts_view("bookmark", Visibility::Private))
        .await
        .unwrap();
    let err = saved_views::update(
        db,
        &viewer,
        &model,
        own.id,
        SavedViewPatch {
            visibility: Some(Visibility::Workspace),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    saved_views::delete(db, &viewer, own.id).await.unwrap();
    saved_views::delete(db, &w.admin, shared.id).await.unwrap();
    assert!(saved_views::list(db, &member).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_view_is_checked_against_the_meta_model_naming_each_bad_column() {
    let w = World::new().await;
    let mut new = artifacts_view("bad", Visibility::Private);
    new.definition.columns.push(column(ColumnSource::Attribute {
        key: "colour".into(),
    }));
    new.definition.columns.push(column(ColumnSource::Related {
        path: vec![RelationStep {
            relation_type: "teamOwnsArtifact".into(),
            direction: RelationDirection::Outgoing,
        }],
    }));
    new.definition.columns.push(column(ColumnSource::Metric {
        figure: Figure::LeadTime,
        last: "a while".into(),
    }));
    let err = save(&w, &w.admin, new).await.unwrap_err();
    assert_eq!(
        paths(err),
        vec![
            "columns.3.attribute",
            "columns.4.related.0.type",
            "columns.5.metric.last"
        ]
    );
    let mut new = artifacts_view("bad filter", Visibility::Private);
    new.definition.filter.attributes = Some(json!({"colour": "red"}));
    assert!(!paths(save(&w, &w.admin, new).await.unwrap_err()).is_empty());
    let mut new = artifacts_view("bad order", Visibility::Private);
    new.definition.order = FactSheetOrder::attribute("language", false);
    assert_eq!(
        paths(save(&w, &w.admin, new).await.unwrap_err()),
        vec!["orderBy.attribute"]
    );
}

#[tokio::test]
async fn a_views_rows_hold_fields_attributes_and_related_names_in_its_order() {
    let w = World::new().await;
    let checkout = sheet(
        &w,
        "SoftwareArtifact",
        "checkout",
        json!({"language": "go"}),
    )
    .await;
    let billing = sheet(&w, "SoftwareArtifact", "=billing", json!({})).await;
    sheet(&w, "Team", "not an artifact", json!({})).await;
    let payments = sheet(&w, "Team", "Payments", json!({})).await;
    let shop = sheet(&w, "Team", "Shop", json!({})).await;
    owns(&w, payments.id, checkout.id).await;
    owns(&w, shop.id, billing.id).await;
    let view = save(
        &w,
        &w.admin,
        artifacts_view("artifacts", Visibility::Private),
    )
    .await
    .unwrap();
    let model = w.model().await;
    let checked = view.definition.checked(&model, Utc::now()).unwrap();
    assert_eq!(
        checked.labels(),
        vec!["Name", "Language", "Team (teamOwnsArtifact)"]
    );
    let page = view_rows(w.db.conn(), &w.admin, &model, &checked, Some(1), None)
        .await
        .unwrap();
    assert!(page.has_next_page);
    let (cursor, first) = &page.items[0];
    assert_eq!(first.fact_sheet_id, checkout.id);
    assert_eq!(
        first.cells,
        vec![
            Cell::Text("checkout".into()),
            Cell::Text("go".into()),
            Cell::Text("Payments".into()),
        ]
    );
    let rest = view_rows(w.db.conn(), &w.admin, &model, &checked, None, Some(cursor))
        .await
        .unwrap();
    assert!(!rest.has_next_page);
    let cells: Vec<Vec<Cell>> = rest.items.into_iter().map(|(_, r)| r.cells).collect();
    assert_eq!(
        cells,
        vec![vec![
            Cell::Text("=billing".into()),
            Cell::Empty,
            Cell::Text("Shop".into()),
        ]]
    );
}

#[tokio::test]
async fn related_names_along_two_steps_are_read_for_a_whole_page_and_named_once() {
    let w = World::new().await;
    let team = sheet(&w, "Team", "Payments", json!({})).await;
    let a = sheet(&w, "SoftwareArtifact", "a", json!({})).await;
    let b = sheet(&w, "SoftwareArtifact", "b", json!({})).await;
    owns(&w, team.id, a.id).await;
    owns(&w, team.id, b.id).await;
    let model = w.model().await;
    let path = domain::reports::RelationPath::new(
        &model,
        Some(&["SoftwareArtifact".to_string()]),
        vec![
            RelationStep {
                relation_type: "teamOwnsArtifact".into(),
                direction: RelationDirection::Incoming,
            },
            RelationStep {
                relation_type: "teamOwnsArtifact".into(),
                direction: RelationDirection::Outgoing,
            },
        ],
        "path",
    )
    .unwrap();
    let names = domain::reports::related_names(w.db.conn(), &w.admin, &[a.id, team.id], &path)
        .await
        .unwrap();
    assert_eq!(
        names[&a.id],
        vec!["a", "b"],
        "siblings through the team, each once"
    );
    assert!(!names.contains_key(&team.id));
}

#[tokio::test]
async fn a_workspace_keeps_at_most_its_limit_of_views_and_another_workspace_is_unaffected() {
    let w = World::new().await;
    let model = w.model().await;
    let limit = saved_views::MAX_VIEWS_PER_WORKSPACE;
    for i in 0..limit {
        saved_views::create(
            w.db.conn(),
            &w.admin,
            &model,
            artifacts_view(&format!("view {i}"), Visibility::Private),
        )
        .await
        .unwrap();
    }
    let refused = save(
        &w,
        &w.admin,
        artifacts_view("one more", Visibility::Private),
    )
    .await;
    assert!(
        matches!(&refused, Err(Error::LimitExceeded(m)) if m.contains(&limit.to_string())),
        "{refused:?}"
    );
    let globex = w.other_workspace().await;
    save(&w, &globex, artifacts_view("theirs", Visibility::Private))
        .await
        .unwrap();
}
