use domain::{
    Error,
    fact_sheets::{self, NewFactSheet},
    history::{self, ChangeKind},
    subscriptions::{self, SubscriptionRole},
    tags::{self, TagGroupMode},
};

use crate::support::{World, paths};

#[tokio::test]
async fn tags_are_created_on_use_and_single_groups_allow_one() {
    let w = World::new().await;
    let model = w.model().await;
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "Checkout".into(),
            tags: vec!["pci".into(), "tier-1".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let names = |map: std::collections::HashMap<uuid::Uuid, Vec<tags::Tag>>| {
        map.get(&fs.id)
            .map(|t| t.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(
        names(
            tags::tags_of(w.db.conn(), &w.admin, &[fs.id])
                .await
                .unwrap()
        ),
        ["pci", "tier-1"]
    );

    tags::create_group(
        w.db.conn(),
        &w.admin,
        "Data classification",
        TagGroupMode::Single,
        None,
    )
    .await
    .unwrap();
    tags::create(
        w.db.conn(),
        &w.admin,
        "public",
        Some("Data classification"),
        None,
        None,
    )
    .await
    .unwrap();
    tags::create(
        w.db.conn(),
        &w.admin,
        "confidential",
        Some("Data classification"),
        Some("#ff0000".into()),
        None,
    )
    .await
    .unwrap();
    tags::tag_fact_sheet(w.db.conn(), &w.admin, fs.id, &["public".into()])
        .await
        .unwrap();
    let err = tags::tag_fact_sheet(w.db.conn(), &w.admin, fs.id, &["confidential".into()])
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["tags"]);
    tags::untag_fact_sheet(
        w.db.conn(),
        &w.admin,
        fs.id,
        &["public".into(), "pci".into()],
    )
    .await
    .unwrap();
    assert_eq!(
        names(
            tags::tags_of(w.db.conn(), &w.admin, &[fs.id])
                .await
                .unwrap()
        ),
        ["tier-1"]
    );

    let h = history::list(w.db.conn(), &w.admin, fs.id, None, None)
        .await
        .unwrap();
    let kinds: Vec<_> = h.items.iter().map(|(_, c)| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::TagsChanged,
            ChangeKind::TagsChanged,
            ChangeKind::Created
        ]
    );
}

#[tokio::test]
async fn at_most_one_accountable_and_no_duplicate_subscriptions() {
    let w = World::new().await;
    let fs = w.create_fact_sheet("Product", "Shop").await;
    let s = subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "ann@acme.test",
        SubscriptionRole::Accountable,
    )
    .await
    .unwrap();
    let err = subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "bob@acme.test",
        SubscriptionRole::Accountable,
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["role"]);
    subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "bob@acme.test",
        SubscriptionRole::Responsible,
    )
    .await
    .unwrap();
    let err = subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "bob@acme.test",
        SubscriptionRole::Responsible,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
    let err = subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "bob@",
        SubscriptionRole::Observer,
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["user"]);
    subscriptions::unsubscribe(w.db.conn(), &w.admin, s.id)
        .await
        .unwrap();
    subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        fs.id,
        "bob@acme.test",
        SubscriptionRole::Accountable,
    )
    .await
    .unwrap();
    assert_eq!(
        subscriptions::count(w.db.conn(), &w.admin, fs.id)
            .await
            .unwrap(),
        2
    );
    let current = fact_sheets::get(w.db.conn(), &w.admin, fs.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        current.revision, 5,
        "each subscription change is a revision"
    );
}

/// Two writers tagging with the same new tag at once: the second must find the tag the first
/// created, not fail on it (PostgreSQL lets both read "no such tag" before either commits).
#[tokio::test]
async fn concurrent_writers_creating_the_same_new_tag_both_succeed() {
    let w = World::new().await;
    let model = w.model().await;
    let tagged = |name: &'static str| {
        let (w, model) = (&w, &model);
        async move {
            let tx = w.db.store.begin_write(w.admin.workspace_id).await?;
            let fs = fact_sheets::create(
                &*tx,
                &w.admin,
                model,
                NewFactSheet {
                    fact_sheet_type: "Team".into(),
                    name: name.into(),
                    tags: vec!["brand-new".into()],
                    ..Default::default()
                },
            )
            .await?;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            tx.commit().await?;
            Ok::<_, Error>(fs)
        }
    };
    let (a, b) = tokio::join!(tagged("Alpha"), tagged("Beta"));
    a.unwrap();
    b.unwrap();
    let tags = tags::list(w.db.conn(), &w.admin).await.unwrap();
    assert_eq!(tags.iter().filter(|t| t.name == "brand-new").count(), 1);
}
