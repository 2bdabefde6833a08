use chrono::{Duration, Utc};
use domain::{
    Principal, Role, api_tokens,
    fact_sheets::{self, FactSheetPatch, NewFactSheet},
    history::{self, AuthorKind, ChangeKind},
    relations::{self, NewRelation},
};
use serde_json::{Value, json};

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

#[tokio::test]
async fn relation_changes_name_the_far_end_as_it_was_when_they_happened() {
    let w = World::new().await;
    let model = w.model().await;
    let team = w.create_fact_sheet("Team", "Payments").await;
    let artifact = w.create_fact_sheet("SoftwareArtifact", "Checkout").await;
    let relation = relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team.id,
            to_id: artifact.id,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rename = |id, name: &str| FactSheetPatch {
        id,
        name: Some(name.into()),
        ..Default::default()
    };
    fact_sheets::update(w.db.conn(), &w.admin, &model, rename(artifact.id, "Cart"))
        .await
        .unwrap();
    relations::delete(w.db.conn(), &w.admin, relation.id)
        .await
        .unwrap();
    fact_sheets::update(w.db.conn(), &w.admin, &model, rename(artifact.id, "Basket"))
        .await
        .unwrap();

    let history = history::list(w.db.conn(), &w.admin, team.id, None, None)
        .await
        .unwrap();
    let far_ends: Vec<_> = history
        .items
        .iter()
        .map(|(_, c)| {
            let r = &c.diff["relation"];
            (
                c.kind,
                r["toName"].clone(),
                r["toType"].clone(),
                r["fromName"].clone(),
            )
        })
        .collect();
    assert_eq!(
        far_ends,
        [
            (
                ChangeKind::RelationDeleted,
                json!("Cart"),
                json!("SoftwareArtifact"),
                json!("Payments")
            ),
            (
                ChangeKind::RelationCreated,
                json!("Checkout"),
                json!("SoftwareArtifact"),
                json!("Payments")
            ),
            (ChangeKind::Created, Value::Null, Value::Null, Value::Null),
        ]
    );
}

#[tokio::test]
async fn changes_through_an_api_token_keep_its_name_and_users_keep_their_subject() {
    let w = World::new().await;
    let model = w.model().await;
    let created = api_tokens::create(
        w.db.conn(),
        &w.admin,
        "CI pipeline",
        Role::Member,
        Utc::now() + Duration::days(1),
    )
    .await
    .unwrap();
    let pipeline = Principal {
        subject: api_tokens::subject(created.api_token.id),
        role: Role::Member,
        ..w.admin.clone()
    };
    let fs = fact_sheets::create(
        w.db.conn(),
        &pipeline,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Payments".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    api_tokens::revoke(w.db.conn(), &w.admin, created.api_token.id)
        .await
        .unwrap();
    fact_sheets::archive(w.db.conn(), &w.admin, fs.id, None)
        .await
        .unwrap();

    let page = history::list(w.db.conn(), &w.admin, fs.id, None, None)
        .await
        .unwrap();
    let authors: Vec<_> = page
        .items
        .iter()
        .map(|(_, c)| (c.author_kind(), c.author_name().to_owned()))
        .collect();
    assert_eq!(
        authors,
        [
            (AuthorKind::User, "alice@acme.test".to_owned()),
            (AuthorKind::ApiToken, "CI pipeline".to_owned()),
        ]
    );
    assert_eq!(page.items[1].1.actor, pipeline.subject);
}
