//! One fact sheet read with its lists in one statement returns exactly what the batch loaders
//! return for it, on both databases: same items, same order, nothing of another fact sheet or
//! workspace.

use domain::{
    external_ids::{self, ExternalId},
    fact_sheets::{self, Lists, NewFactSheet},
    tags,
};

use crate::support::World;

fn external_id(namespace: &str, value: &str) -> ExternalId {
    ExternalId {
        namespace: namespace.into(),
        value: value.into(),
    }
}

#[tokio::test]
async fn a_fact_sheet_with_its_lists_matches_the_loaders() {
    let w = World::new().await;
    let model = w.model().await;
    let db = w.db.conn();
    tags::create_group(db, &w.admin, "Tier", tags::TagGroupMode::Single, None)
        .await
        .unwrap();
    tags::create(
        db,
        &w.admin,
        "tier-1",
        Some("Tier"),
        Some("#ff0000".into()),
        Some("Business critical".into()),
    )
    .await
    .unwrap();
    let create = |name: &str, ids: Vec<ExternalId>, tags: Vec<&str>| NewFactSheet {
        fact_sheet_type: "SoftwareArtifact".into(),
        name: name.into(),
        external_ids: ids,
        tags: tags.into_iter().map(Into::into).collect(),
        ..Default::default()
    };
    // Namespaces and values whose order differs by case and length, tags with and without a
    // group, colour and description.
    let sheet = fact_sheets::create(
        db,
        &w.admin,
        &model,
        create(
            "Checkout",
            vec![
                external_id("jira", "CHK"),
                external_id("eventSource", "checkout-b"),
                external_id("eventSource", "checkout-a"),
                external_id("backstage", "component:checkout"),
            ],
            vec!["zeta", "tier-1", "Alpha", "pci"],
        ),
    )
    .await
    .unwrap();
    let neighbour = fact_sheets::create(
        db,
        &w.admin,
        &model,
        create("Payments", vec![external_id("jira", "PAY")], vec!["pci"]),
    )
    .await
    .unwrap();
    let bare = fact_sheets::create(db, &w.admin, &model, create("Bare", vec![], vec![]))
        .await
        .unwrap();

    let ids = [sheet.id, neighbour.id, bare.id];
    let mut loaded_ids = external_ids::for_fact_sheets(db, &w.admin, &ids)
        .await
        .unwrap();
    let mut loaded_tags = tags::tags_of(db, &w.admin, &ids).await.unwrap();
    let both = Lists {
        external_ids: true,
        tags: true,
    };
    for id in ids {
        let found = fact_sheets::get_with_lists(db, &w.admin, id, both)
            .await
            .unwrap()
            .expect("the fact sheet");
        let plain = fact_sheets::get(db, &w.admin, id).await.unwrap().unwrap();
        assert_eq!(found.sheet, plain);
        assert_eq!(
            found.external_ids.unwrap(),
            loaded_ids.remove(&id).unwrap_or_default()
        );
        assert_eq!(
            found.tags.unwrap(),
            loaded_tags.remove(&id).unwrap_or_default()
        );
    }

    let found = fact_sheets::get_with_lists(db, &w.admin, sheet.id, both)
        .await
        .unwrap()
        .unwrap();
    let names: Vec<_> = found.tags.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["Alpha", "pci", "tier-1", "zeta"]);
    assert_eq!(found.external_ids.unwrap().len(), 4);

    // Lists not asked for are not read.
    let only_row = fact_sheets::get_with_lists(db, &w.admin, sheet.id, Lists::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((only_row.external_ids, only_row.tags), (None, None));
    let only_tags = fact_sheets::get_with_lists(
        db,
        &w.admin,
        sheet.id,
        Lists {
            tags: true,
            ..Lists::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(only_tags.external_ids.is_none());
    assert_eq!(only_tags.tags.unwrap().len(), 4);

    // Another workspace sees nothing, and an unknown id is no fact sheet.
    let other = w.other_workspace().await;
    assert!(
        fact_sheets::get_with_lists(db, &other, sheet.id, both)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        fact_sheets::get_with_lists(db, &w.admin, uuid::Uuid::now_v7(), both)
            .await
            .unwrap()
            .is_none()
    );
}
