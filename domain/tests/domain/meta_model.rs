use domain::{
    Error, Role,
    fact_sheets::{self, NewFactSheet},
    history::{self, ChangeKind},
    meta_model::{
        AttributeDefinition, AttributeType, Cardinality, Constraints, FactSheetType, SelectOption,
    },
    meta_model_versions::{self, AttributeOwner, MetaModelEdit},
    relations::{self, NewRelation},
};
use serde_json::json;

use crate::support::{World, attrs, paths};

fn definition(key: &str, kind: AttributeType) -> AttributeDefinition {
    AttributeDefinition {
        key: key.into(),
        label: key.into(),
        description: None,
        kind,
        required: false,
        constraints: Constraints::default(),
        weight: 1.0,
        options: vec![],
    }
}

#[tokio::test]
async fn admins_add_types_at_runtime_and_every_version_stays_readable() {
    let w = World::new().await;
    let domain_type = FactSheetType {
        key: "Domain".into(),
        label: "Business domain".into(),
        description: None,
        attributes: vec![definition("vision", AttributeType::Text)],
        roll_up: vec![],
        roll_up_children: false,
    };
    let change = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::AddFactSheetType(domain_type),
        Some(1),
        false,
    )
    .await
    .unwrap();
    assert_eq!(change.version.version, 2);
    let model = w.model().await;
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Domain".into(),
            name: "Payments".into(),
            attributes: attrs(json!({"vision": "Pay anywhere"})),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(fs.completion, 1.0);
    let v1 = meta_model_versions::version(w.db.conn(), &w.admin, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(v1.model.fact_sheet_type("Domain").is_none());
    let versions: Vec<_> = meta_model_versions::history(w.db.conn(), &w.admin)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.summary))
        .collect();
    assert_eq!(
        versions,
        [
            (2, "added fact sheet type Domain".to_string()),
            (1, "default meta model".to_string())
        ]
    );
    // A stale base version is refused.
    let err = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::RemoveFactSheetType {
            key: "Domain".into(),
        },
        Some(1),
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
}

#[tokio::test]
async fn only_admins_change_the_meta_model_and_contradictions_are_refused() {
    let w = World::new().await;
    let edit = MetaModelEdit::RemoveAttribute {
        owner: AttributeOwner::FactSheetType("Team".into()),
        key: "size".into(),
    };
    let err =
        meta_model_versions::apply_edit(w.db.conn(), &w.as_role(Role::Member), &edit, None, false)
            .await
            .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    let mut bad = definition("tier", AttributeType::SingleSelect);
    bad.options.clear();
    let err = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::AddAttribute {
            owner: AttributeOwner::FactSheetType("Team".into()),
            definition: bad,
        },
        None,
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["factSheetTypes.Team.attributes.tier.options"]);
    let err = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::RemoveFactSheetType { key: "Team".into() },
        None,
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["key"], "a relation type still uses Team");
}

#[tokio::test]
async fn removing_an_attribute_in_use_is_refused_with_a_count_unless_forced() {
    let w = World::new().await;
    let model = w.model().await;
    let mut ids = Vec::new();
    for (name, language) in [("A", Some("go")), ("B", Some("rust")), ("C", None)] {
        let attributes = language
            .map(|l| attrs(json!({"language": l})))
            .unwrap_or_default();
        let fs = fact_sheets::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: name.into(),
                attributes,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(fs.id);
    }
    let edit = MetaModelEdit::RemoveAttribute {
        owner: AttributeOwner::FactSheetType("SoftwareArtifact".into()),
        key: "language".into(),
    };
    let err = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                affected_fact_sheets: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        meta_model_versions::current(w.db.conn(), &w.admin)
            .await
            .unwrap()
            .version,
        1,
        "nothing changed"
    );

    let change = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, true)
        .await
        .unwrap();
    assert_eq!(change.impact.affected_fact_sheets, 2);
    let a = fact_sheets::get(w.db.conn(), &w.admin, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.attributes, json!({}));
    let h = history::list(w.db.conn(), &w.admin, ids[0], None, None)
        .await
        .unwrap();
    assert_eq!(h.items[0].1.kind, ChangeKind::MetaModelMigrated);
    assert_eq!(
        h.items[0].1.diff,
        json!({"attributes.language": {"old": "go", "new": null}})
    );
    // Completion follows the new weights: 5 of the original 6 remain, none filled.
    assert_eq!(a.completion, 0.0);
}

#[tokio::test]
async fn removing_an_option_strips_only_that_option() {
    let w = World::new().await;
    let model = w.model().await;
    let mut multi = definition("regions", AttributeType::MultiSelect);
    multi.options = ["eu", "us", "apac"]
        .iter()
        .zip(0..)
        .map(|(k, order)| SelectOption {
            key: (*k).into(),
            label: (*k).into(),
            order,
        })
        .collect();
    let owner = AttributeOwner::FactSheetType("Product".into());
    meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::AddAttribute {
            owner: owner.clone(),
            definition: multi.clone(),
        },
        None,
        false,
    )
    .await
    .unwrap();
    let model2 = w.model().await;
    let fs = fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model2,
        NewFactSheet {
            fact_sheet_type: "Product".into(),
            name: "Shop".into(),
            attributes: attrs(json!({"regions": ["eu", "apac"]})),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let _ = model;
    multi.options.retain(|o| o.key != "apac");
    let edit = MetaModelEdit::UpdateAttribute {
        owner,
        definition: multi,
    };
    assert!(matches!(
        meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
            .await
            .unwrap_err(),
        Error::Conflict {
            affected_fact_sheets: Some(1),
            ..
        }
    ));
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, true)
        .await
        .unwrap();
    let fs = fact_sheets::get(w.db.conn(), &w.admin, fs.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fs.attributes, json!({"regions": ["eu"]}));
}

#[tokio::test]
async fn widening_is_free_and_tightening_cardinality_needs_force() {
    let w = World::new().await;
    let model = w.model().await;
    // integer → number widens: no stored value can break.
    let mut size = model
        .fact_sheet_type("Team")
        .unwrap()
        .attribute("size")
        .unwrap()
        .clone();
    size.kind = AttributeType::Number;
    meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::UpdateAttribute {
            owner: AttributeOwner::FactSheetType("Team".into()),
            definition: size,
        },
        None,
        false,
    )
    .await
    .unwrap();

    let model = w.model().await;
    let product = w.create_fact_sheet("Product", "Shop").await;
    for name in ["A", "B"] {
        let a = w.create_fact_sheet("SoftwareArtifact", name).await;
        relations::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewRelation {
                relation_type: "productContainsArtifact".into(),
                from_id: product.id,
                to_id: a.id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let mut contains = model
        .relation_type("productContainsArtifact")
        .unwrap()
        .clone();
    contains.to_cardinality = Cardinality::One;
    let edit = MetaModelEdit::UpdateRelationType(contains);
    assert!(matches!(
        meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
            .await
            .unwrap_err(),
        Error::Conflict {
            affected_fact_sheets: Some(1),
            ..
        }
    ));
    let change = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, true)
        .await
        .unwrap();
    assert_eq!(
        change.impact.affected_relations, 0,
        "existing relations are kept"
    );

    // Removing a relation type in use deletes its relations only when forced, with history.
    let edit = MetaModelEdit::RemoveRelationType {
        key: "productContainsArtifact".into(),
    };
    // First, Product's metrics still roll up through it: the model would contradict itself.
    let err = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, true)
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["factSheetTypes.Product.rollUp.0.relationType"]);
    let clear = MetaModelEdit::SetRollUp {
        fact_sheet_type: "Product".into(),
        roll_up: Some(vec![]),
        children: None,
    };
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &clear, None, false)
        .await
        .unwrap();
    assert!(matches!(
        meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
            .await
            .unwrap_err(),
        Error::Conflict {
            affected_fact_sheets: Some(3),
            ..
        }
    ));
    let change = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, true)
        .await
        .unwrap();
    assert_eq!(change.impact.affected_relations, 2);
    let h = history::list(w.db.conn(), &w.admin, product.id, None, None)
        .await
        .unwrap();
    assert_eq!(h.items[0].1.kind, ChangeKind::RelationDeleted);
}

#[tokio::test]
async fn a_type_with_fact_sheets_cannot_be_removed() {
    let w = World::new().await;
    let model = w.model().await;
    let domain_type = FactSheetType {
        key: "Domain".into(),
        label: "Domain".into(),
        description: None,
        attributes: vec![],
        roll_up: vec![],
        roll_up_children: false,
    };
    meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::AddFactSheetType(domain_type),
        None,
        false,
    )
    .await
    .unwrap();
    let model2 = w.model().await;
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model2,
        NewFactSheet {
            fact_sheet_type: "Domain".into(),
            name: "D".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let _ = model;
    let err = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::RemoveFactSheetType {
            key: "Domain".into(),
        },
        None,
        true,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Conflict {
            affected_fact_sheets: Some(1),
            ..
        }
    ));
}

/// The shared cache of parsed meta models answers with the workspace's current version: the
/// same model again until a change, the new one right after it, never another workspace's.
#[tokio::test]
async fn the_meta_model_cache_follows_every_change_and_each_workspace() {
    let w = World::new().await;
    let cache = meta_model_versions::MetaModelCache::default();
    let db = w.db.conn();
    let first = cache.current(db, &w.admin, &[], &[]).await.unwrap();
    let again = cache.current(db, &w.admin, &[], &[]).await.unwrap();
    assert_eq!(first.version, 1);
    assert!(std::sync::Arc::ptr_eq(&first, &again), "parsed once");

    let other = w.other_workspace().await;
    let edit = MetaModelEdit::AddFactSheetType(FactSheetType {
        key: "Domain".into(),
        label: "Business domain".into(),
        description: None,
        attributes: vec![],
        roll_up: vec![],
        roll_up_children: false,
    });
    meta_model_versions::apply_edit(db, &other, &edit, Some(1), false)
        .await
        .unwrap();
    let theirs = cache.current(db, &other, &[], &[]).await.unwrap();
    assert_eq!(theirs.version, 2);
    assert!(theirs.model.fact_sheet_type("Domain").is_some());
    let ours = cache.current(db, &w.admin, &[], &[]).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&ours, &first),
        "untouched by their change"
    );

    meta_model_versions::apply_edit(db, &w.admin, &edit, Some(1), false)
        .await
        .unwrap();
    let changed = cache.current(db, &w.admin, &[], &[]).await.unwrap();
    assert_eq!(changed.version, 2);
    assert!(changed.model.fact_sheet_type("Domain").is_some());

    let viewer = cache
        .current(db, &w.as_role(Role::Viewer), &[], &[])
        .await
        .unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&viewer, &changed),
        "one model for every role"
    );
}

#[tokio::test]
async fn an_edit_that_changes_nothing_makes_no_version() {
    let w = World::new().await;
    let label = w
        .model()
        .await
        .fact_sheet_type("Team")
        .unwrap()
        .label
        .clone();
    let same = MetaModelEdit::UpdateFactSheetType {
        key: "Team".into(),
        label: Some(label),
        description: None,
    };
    let change = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &same, Some(1), false)
        .await
        .unwrap();
    assert_eq!(change.version.version, 1);
    let versions = meta_model_versions::history(w.db.conn(), &w.admin)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1, "no version was written");

    // A real change still makes one.
    let renamed = MetaModelEdit::UpdateFactSheetType {
        key: "Team".into(),
        label: Some("Squad".into()),
        description: None,
    };
    let change = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &renamed, Some(1), false)
        .await
        .unwrap();
    assert_eq!(change.version.version, 2);
}
