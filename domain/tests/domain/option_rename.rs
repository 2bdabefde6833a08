//! Renaming a select option: the model's key changes and every stored value follows, with
//! history, in one meta model version.

use domain::{
    Error, Role,
    fact_sheets::{self, FactSheetFilter, FactSheetOrder, NewFactSheet},
    history::{self, ChangeKind},
    meta_model::{AttributeDefinition, AttributeType, Constraints, SelectOption},
    meta_model_versions::{self, AttributeOwner, MetaModelEdit, OptionRename},
    versions::{self, Counter},
};
use serde_json::{Value, json};

use crate::support::{World, attrs, paths};

fn option_rename(attribute: &str, from: &str, to: &str) -> OptionRename {
    OptionRename {
        fact_sheet_type: "API".into(),
        attribute: attribute.into(),
        from: from.into(),
        to: to.into(),
        label: None,
    }
}

fn rename(attribute: &str, from: &str, to: &str) -> MetaModelEdit {
    MetaModelEdit::RenameAttributeOption(option_rename(attribute, from, to))
}

/// API gains a multi-select `channels` (web, mobile, partner).
async fn with_channels(w: &World) {
    let options = ["web", "mobile", "partner"]
        .into_iter()
        .zip(0..)
        .map(|(key, order)| SelectOption {
            key: key.into(),
            label: key.into(),
            order,
        })
        .collect();
    meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::AddAttribute {
            owner: AttributeOwner::FactSheetType("API".into()),
            definition: AttributeDefinition {
                key: "channels".into(),
                label: "Channels".into(),
                description: None,
                kind: AttributeType::MultiSelect,
                required: false,
                constraints: Constraints::default(),
                weight: 1.0,
                options,
            },
        },
        None,
        false,
    )
    .await
    .unwrap();
}

async fn api(w: &World, name: &str, attributes: Value) -> fact_sheets::FactSheet {
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &w.model().await,
        NewFactSheet {
            fact_sheet_type: "API".into(),
            name: name.into(),
            attributes: attrs(attributes),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn names_where(w: &World, attributes: Value) -> Result<Vec<String>, Error> {
    let filter = FactSheetFilter {
        attributes: Some(attributes),
        ..Default::default()
    };
    let page = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &w.model().await,
        &filter,
        FactSheetOrder::default(),
        Some(100),
        None,
    )
    .await?;
    Ok(page.items.into_iter().map(|(_, fs)| fs.name).collect())
}

#[tokio::test]
async fn renaming_an_option_moves_every_stored_value_with_history() {
    let w = World::new().await;
    with_channels(&w).await;
    let payments = api(
        &w,
        "Payments API",
        json!({"protocol": "rest", "channels": ["web", "mobile"]}),
    )
    .await;
    let search = api(
        &w,
        "Search API",
        json!({"protocol": "grpc", "channels": ["mobile"]}),
    )
    .await;
    let untouched = api(&w, "Orders API", json!({"protocol": "grpc"})).await;
    let inventory_before = versions::current(w.db.conn(), Counter::Inventory, w.admin.workspace_id)
        .await
        .unwrap();

    let single = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::RenameAttributeOption(OptionRename {
            label: Some("RESTful HTTP".into()),
            ..option_rename("protocol", "rest", "http")
        }),
        None,
        false,
    )
    .await
    .unwrap();
    assert_eq!(single.impact.affected_fact_sheets, 1);
    let multi = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &rename("channels", "mobile", "app"),
        Some(single.version.version),
        false,
    )
    .await
    .unwrap();
    assert_eq!(multi.version.version, single.version.version + 1);
    assert_eq!(multi.impact.affected_fact_sheets, 2);

    let model = w.model().await;
    let protocol = model
        .fact_sheet_type("API")
        .unwrap()
        .attribute("protocol")
        .unwrap();
    assert_eq!(protocol.option("http").unwrap().label, "RESTful HTTP");
    assert!(protocol.option("rest").is_none());
    let stored = |id| {
        let w = &w;
        async move {
            fact_sheets::require(w.db.conn(), &w.admin, id)
                .await
                .unwrap()
        }
    };
    let p = stored(payments.id).await;
    assert_eq!(
        p.attributes,
        json!({"protocol": "http", "channels": ["web", "app"]})
    );
    assert_eq!(p.revision, payments.revision + 2);
    assert_eq!(
        stored(search.id).await.attributes["channels"],
        json!(["app"])
    );
    assert_eq!(stored(untouched.id).await.revision, untouched.revision);

    let changes = history::list(w.db.conn(), &w.admin, payments.id, Some(2), None)
        .await
        .unwrap();
    let entries: Vec<_> = changes
        .items
        .iter()
        .map(|(_, c)| (c.kind, c.diff.clone()))
        .collect();
    assert_eq!(
        entries,
        [
            (
                ChangeKind::MetaModelMigrated,
                json!({"attributes.channels": {"old": ["web", "mobile"], "new": ["web", "app"]}})
            ),
            (
                ChangeKind::MetaModelMigrated,
                json!({"attributes.protocol": {"old": "rest", "new": "http"}})
            ),
        ]
    );
    assert!(
        versions::current(w.db.conn(), Counter::Inventory, w.admin.workspace_id)
            .await
            .unwrap()
            > inventory_before
    );

    // Filters know the new keys only.
    assert_eq!(
        names_where(&w, json!({"protocol": "http"})).await.unwrap(),
        ["Payments API"]
    );
    assert_eq!(
        names_where(&w, json!({"channels": ["app"]})).await.unwrap(),
        ["Payments API", "Search API"]
    );
    let refused = names_where(&w, json!({"protocol": "rest"}))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Invalid(_)), "{refused:?}");
}

#[tokio::test]
async fn a_rename_that_does_not_fit_is_refused_naming_the_argument() {
    let w = World::new().await;
    let fs = api(&w, "Payments API", json!({"protocol": "rest"})).await;
    let cases = [
        (
            MetaModelEdit::RenameAttributeOption(OptionRename {
                fact_sheet_type: "Nope".into(),
                ..option_rename("protocol", "rest", "http")
            }),
            "factSheetType",
        ),
        (rename("nope", "rest", "http"), "attribute"),
        (rename("specUrl", "rest", "http"), "attribute"),
        (rename("protocol", "nope", "http"), "from"),
        (rename("protocol", "rest", "grpc"), "to"),
        (rename("protocol", "rest", "not a key"), "to"),
    ];
    for (edit, field) in cases {
        let err = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
            .await
            .unwrap_err();
        assert_eq!(paths(err), [field], "{edit:?}");
    }
    let err = meta_model_versions::apply_edit(
        w.db.conn(),
        &w.as_role(Role::Member),
        &rename("protocol", "rest", "http"),
        None,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    let current = meta_model_versions::current(w.db.conn(), &w.admin)
        .await
        .unwrap();
    assert_eq!(current.version, 1);
    assert_eq!(
        fact_sheets::require(w.db.conn(), &w.admin, fs.id)
            .await
            .unwrap()
            .attributes,
        json!({"protocol": "rest"})
    );
}
