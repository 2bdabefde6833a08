//! Admins renaming and deleting tags and tag groups.

use domain::{
    Error, Principal, Role,
    history::{self, ChangeKind},
    tags::{self, GroupDeletion, TagGroupMode},
    versions::{self, Counter},
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{World, paths};

async fn tag(w: &World, fs: Uuid, names: &[&str]) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    tags::tag_fact_sheet(w.db.conn(), &w.admin, fs, &names)
        .await
        .unwrap();
}

async fn tags_on(w: &World, fs: Uuid) -> Vec<String> {
    tags::tags_of(w.db.conn(), &w.admin, &[fs])
        .await
        .unwrap()
        .remove(&fs)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

async fn inventory_version(w: &World) -> i64 {
    versions::current(w.db.conn(), Counter::Inventory, w.admin.workspace_id)
        .await
        .unwrap()
}

async fn group(w: &World, name: &str) {
    tags::create_group(w.db.conn(), &w.admin, name, TagGroupMode::Multiple, None)
        .await
        .unwrap();
}

async fn grouped_tag(w: &World, name: &str, group: &str) {
    tags::create(w.db.conn(), &w.admin, name, Some(group), None, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_renamed_tag_keeps_its_fact_sheets_and_a_taken_name_is_refused() {
    let w = World::new().await;
    let fs = w.create_fact_sheet("SoftwareArtifact", "Checkout").await;
    tag(&w, fs.id, &["pci", "tier-1"]).await;
    let before = inventory_version(&w).await;

    let renamed = tags::rename(w.db.conn(), &w.admin, "pci", "pci-dss")
        .await
        .unwrap();
    assert_eq!(renamed.name, "pci-dss");
    assert_eq!(tags_on(&w, fs.id).await, ["pci-dss", "tier-1"]);
    assert!(
        inventory_version(&w).await > before,
        "cached tag reads move on"
    );

    let err = tags::rename(w.db.conn(), &w.admin, "pci-dss", "tier-1")
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["newName"]);
    let err = tags::rename(w.db.conn(), &w.admin, "nope", "other")
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["name"]);
    let err = tags::rename(w.db.conn(), &w.admin, "tier-1", " ")
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["newName"]);
    let err = tags::rename(w.db.conn(), &w.as_role(Role::Member), "tier-1", "t1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    assert_eq!(w.tag_names().await, ["pci-dss", "tier-1"]);
}

#[tokio::test]
async fn a_deleted_tag_leaves_each_fact_sheet_with_history() {
    let w = World::new().await;
    let checkout = w.create_fact_sheet("SoftwareArtifact", "Checkout").await;
    let cart = w.create_fact_sheet("SoftwareArtifact", "Cart").await;
    tag(&w, checkout.id, &["pci", "tier-1"]).await;
    tag(&w, cart.id, &["pci"]).await;

    tags::delete(w.db.conn(), &w.admin, "pci").await.unwrap();
    assert_eq!(w.tag_names().await, ["tier-1"]);
    assert_eq!(tags_on(&w, checkout.id).await, ["tier-1"]);
    assert!(tags_on(&w, cart.id).await.is_empty());
    for (fs, after) in [(checkout.id, json!(["tier-1"])), (cart.id, json!([]))] {
        let newest = history::list(w.db.conn(), &w.admin, fs, Some(1), None)
            .await
            .unwrap();
        let change = &newest.items[0].1;
        assert_eq!(change.kind, ChangeKind::TagsChanged);
        assert_eq!(change.diff["tags"]["new"], after);
    }
    let err = tags::delete(w.db.conn(), &w.admin, "pci")
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["name"]);
}

#[tokio::test]
async fn a_tag_group_with_tags_is_deleted_only_when_forced() {
    let w = World::new().await;
    let fs = w.create_fact_sheet("SoftwareArtifact", "Checkout").await;
    group(&w, "Compliance").await;
    grouped_tag(&w, "sox", "Compliance").await;
    grouped_tag(&w, "gdpr", "Compliance").await;
    tag(&w, fs.id, &["gdpr", "tier-1"]).await;

    let renamed = tags::rename_group(w.db.conn(), &w.admin, "Compliance", "Regulation")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Regulation");
    group(&w, "Ownership").await;
    let err = tags::rename_group(w.db.conn(), &w.admin, "Regulation", "Ownership")
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["newName"]);

    let err = tags::delete_group(
        w.db.conn(),
        &w.admin,
        "Regulation",
        GroupDeletion::OnlyIfEmpty,
    )
    .await
    .unwrap_err();
    let Error::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].path, "name");
    assert!(
        errors[0].message.contains("gdpr, sox"),
        "{}",
        errors[0].message
    );

    tags::delete_group(
        w.db.conn(),
        &w.admin,
        "Regulation",
        GroupDeletion::WithItsTags,
    )
    .await
    .unwrap();
    tags::delete_group(
        w.db.conn(),
        &w.admin,
        "Ownership",
        GroupDeletion::OnlyIfEmpty,
    )
    .await
    .unwrap();
    let groups = tags::list_groups(w.db.conn(), &w.admin).await.unwrap();
    assert!(groups.is_empty(), "{groups:?}");
    assert_eq!(w.tag_names().await, ["tier-1"]);
    assert_eq!(tags_on(&w, fs.id).await, ["tier-1"]);
}

#[tokio::test]
async fn tag_administration_stays_in_its_workspace() {
    let w = World::new().await;
    let globex: Principal = w.other_workspace().await;
    let fs = w.create_fact_sheet("SoftwareArtifact", "Checkout").await;
    tag(&w, fs.id, &["pci"]).await;
    group(&w, "Compliance").await;

    for err in [
        tags::rename(w.db.conn(), &globex, "pci", "x")
            .await
            .unwrap_err(),
        tags::delete(w.db.conn(), &globex, "pci").await.unwrap_err(),
        tags::rename_group(w.db.conn(), &globex, "Compliance", "x")
            .await
            .unwrap_err(),
        tags::delete_group(
            w.db.conn(),
            &globex,
            "Compliance",
            GroupDeletion::WithItsTags,
        )
        .await
        .unwrap_err(),
    ] {
        assert_eq!(paths(err), ["name"]);
    }
    assert_eq!(tags_on(&w, fs.id).await, ["pci"]);
    assert_eq!(
        tags::list_groups(w.db.conn(), &w.admin)
            .await
            .unwrap()
            .len(),
        1
    );
}
