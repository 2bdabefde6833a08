use domain::{
    fact_sheets::{
        self, FactSheetFilter, FactSheetOrder, NewFactSheet, OrderField, RelationDirection,
        RelationFilter, Status,
    },
    relations::{self, NewRelation},
};
use serde_json::json;

use crate::support::{World, attrs, paths};

/// Six artifacts and two teams with known attributes, tags and relations.
async fn seed(w: &World) -> Vec<uuid::Uuid> {
    let model = w.model().await;
    let mut ids = Vec::new();
    let rows = [
        ("Alpha", "rust", "service", vec!["pci"], Some(3)),
        ("Bravo", "go", "service", vec!["pci", "tier-1"], None),
        ("Charlie", "go", "library", vec![], None),
        ("Delta", "java", "service", vec!["tier-1"], None),
        ("Echo", "rust", "job", vec![], None),
        ("Foxtrot payment gateway", "python", "service", vec![], None),
    ];
    for (name, language, kind, tags, _) in rows {
        let fs = fact_sheets::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: name.into(),
                description: Some(format!("{name} handles 100% of_its work")),
                attributes: attrs(json!({"language": language, "artifactType": kind})),
                tags: tags.into_iter().map(String::from).collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(fs.id);
    }
    for (name, size) in [("Payments", 8), ("Platform", 12)] {
        let t = fact_sheets::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "Team".into(),
                name: name.into(),
                attributes: attrs(json!({"size": size})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(t.id);
    }
    // Payments owns Alpha and Bravo.
    for artifact in [ids[0], ids[1]] {
        relations::create(
            w.db.conn(),
            &w.admin,
            &model,
            NewRelation {
                relation_type: "teamOwnsArtifact".into(),
                from_id: ids[6],
                to_id: artifact,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    ids
}

async fn names(w: &World, filter: FactSheetFilter) -> Vec<String> {
    let model = w.model().await;
    let page = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &filter,
        FactSheetOrder::default(),
        Some(100),
        None,
    )
    .await
    .unwrap();
    page.items.into_iter().map(|(_, fs)| fs.name).collect()
}

fn artifacts() -> FactSheetFilter {
    FactSheetFilter {
        types: Some(vec!["SoftwareArtifact".into()]),
        ..Default::default()
    }
}

#[tokio::test]
async fn filters_combine_types_search_attributes_tags_and_relations() {
    let w = World::new().await;
    let ids = seed(&w).await;
    assert_eq!(names(&w, artifacts()).await.len(), 6);
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                search: Some("PAYMENT gate".into()),
                ..Default::default()
            }
        )
        .await,
        ["Foxtrot payment gateway"]
    );
    // LIKE wildcards in the search are literal.
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                search: Some("100%".into()),
                ..Default::default()
            }
        )
        .await
        .len(),
        6
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                search: Some("0%_".into()),
                ..Default::default()
            }
        )
        .await
        .len(),
        0
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                attributes: Some(json!({"language": "go"})),
                ..artifacts()
            }
        )
        .await,
        ["Bravo", "Charlie"]
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                attributes: Some(
                    json!({"language": ["go", "rust"], "artifactType": {"eq": "service"}})
                ),
                ..artifacts()
            }
        )
        .await,
        ["Alpha", "Bravo"]
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                attributes: Some(json!({"size": {"gte": 10}})),
                ..Default::default()
            }
        )
        .await,
        ["Platform"]
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                attributes: Some(json!({"size": {"gt": 5, "lt": 10}})),
                ..Default::default()
            }
        )
        .await,
        ["Payments"]
    );
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                tags: Some(vec!["pci".into(), "tier-1".into()]),
                ..Default::default()
            }
        )
        .await,
        ["Bravo"]
    );
    let owned = RelationFilter {
        relation_type: "teamOwnsArtifact".into(),
        direction: RelationDirection::Incoming,
        other_id: None,
        exists: true,
    };
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                relations: vec![owned.clone()],
                ..artifacts()
            }
        )
        .await,
        ["Alpha", "Bravo"]
    );
    let unowned = RelationFilter {
        exists: false,
        ..owned.clone()
    };
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                relations: vec![unowned],
                ..artifacts()
            }
        )
        .await,
        ["Charlie", "Delta", "Echo", "Foxtrot payment gateway"]
    );
    let owns_alpha = RelationFilter {
        relation_type: "teamOwnsArtifact".into(),
        direction: RelationDirection::Outgoing,
        other_id: Some(ids[0]),
        exists: true,
    };
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                relations: vec![owns_alpha],
                ..Default::default()
            }
        )
        .await,
        ["Payments"]
    );
    fact_sheets::archive(w.db.conn(), &w.admin, ids[2], None)
        .await
        .unwrap();
    assert_eq!(
        names(
            &w,
            FactSheetFilter {
                status: Some(Status::Archived),
                ..Default::default()
            }
        )
        .await,
        ["Charlie"]
    );
}

/// Relation and attribute conditions are checked together (a few sub-queries however many
/// there are), yet each must hold on its own: matching one of two is not enough.
#[tokio::test]
async fn several_relation_and_attribute_conditions_must_each_hold() {
    let w = World::new().await;
    let ids = seed(&w).await;
    let owns = |artifact: uuid::Uuid, exists: bool| RelationFilter {
        relation_type: "teamOwnsArtifact".into(),
        direction: RelationDirection::Outgoing,
        other_id: Some(artifact),
        exists,
    };
    let teams = |relations: Vec<RelationFilter>| FactSheetFilter {
        types: Some(vec!["Team".into()]),
        relations,
        ..Default::default()
    };
    let (alpha, bravo, charlie) = (ids[0], ids[1], ids[2]);
    assert_eq!(
        names(&w, teams(vec![owns(alpha, true), owns(bravo, true)])).await,
        ["Payments"]
    );
    assert!(
        names(&w, teams(vec![owns(alpha, true), owns(charlie, true)]))
            .await
            .is_empty()
    );
    assert_eq!(
        names(&w, teams(vec![owns(alpha, false), owns(charlie, false)])).await,
        ["Platform"]
    );
    assert_eq!(
        names(&w, teams(vec![owns(alpha, true), owns(charlie, false)])).await,
        ["Payments"]
    );
    let owned = RelationFilter {
        relation_type: "teamOwnsArtifact".into(),
        direction: RelationDirection::Incoming,
        other_id: None,
        exists: true,
    };
    let attributes = |value: serde_json::Value| FactSheetFilter {
        attributes: Some(value),
        relations: vec![owned.clone()],
        ..artifacts()
    };
    assert_eq!(
        names(
            &w,
            attributes(json!({"language": "go", "artifactType": "service"}))
        )
        .await,
        ["Bravo"]
    );
    assert!(
        names(
            &w,
            attributes(json!({"language": "go", "artifactType": "job"}))
        )
        .await
        .is_empty()
    );
    assert_eq!(
        names(
            &w,
            attributes(json!({"language": ["go", "rust"], "artifactType": {"isSet": true}}))
        )
        .await,
        ["Alpha", "Bravo"]
    );
}

#[tokio::test]
async fn bad_filters_name_the_field() {
    let w = World::new().await;
    let model = w.model().await;
    let filter = FactSheetFilter {
        types: Some(vec!["Spaceship".into()]),
        tags: Some(vec!["no-such-tag".into()]),
        attributes: Some(json!({"warpSpeed": 9})),
        relations: vec![RelationFilter {
            relation_type: "nope".into(),
            direction: RelationDirection::Outgoing,
            other_id: None,
            exists: true,
        }],
        ..Default::default()
    };
    let err = fact_sheets::count(w.db.conn(), &w.admin, &model, &filter)
        .await
        .unwrap_err();
    assert_eq!(
        paths(err),
        [
            "filter.relations.0.type",
            "filter.types.0",
            "filter.tags.0",
            "filter.attributes.warpSpeed"
        ]
    );
    let err = fact_sheets::count(
        w.db.conn(),
        &w.admin,
        &model,
        &FactSheetFilter {
            attributes: Some(json!({"size": {"near": 1}})),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["filter.attributes.size"]);
}

#[tokio::test]
async fn pages_follow_the_order_without_gaps_or_repeats() {
    let w = World::new().await;
    seed(&w).await;
    let model = w.model().await;
    for order in [
        FactSheetOrder::field(OrderField::Name, false),
        FactSheetOrder::field(OrderField::Name, true),
        FactSheetOrder::field(OrderField::Completion, true),
        FactSheetOrder::field(OrderField::UpdatedAt, false),
    ] {
        let all = fact_sheets::list(
            w.db.conn(),
            &w.admin,
            &model,
            &Default::default(),
            order.clone(),
            Some(100),
            None,
        )
        .await
        .unwrap();
        let expected: Vec<_> = all.items.iter().map(|(_, fs)| fs.id).collect();
        assert_eq!(expected.len(), 8);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = fact_sheets::list(
                w.db.conn(),
                &w.admin,
                &model,
                &Default::default(),
                order.clone(),
                Some(3),
                after.as_deref(),
            )
            .await
            .unwrap();
            seen.extend(page.items.iter().map(|(_, fs)| fs.id));
            if !page.has_next_page {
                break;
            }
            after = page.end_cursor().map(String::from);
        }
        assert_eq!(seen, expected, "{order:?}");
    }
    let names: Vec<_> = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &artifacts(),
        FactSheetOrder::field(OrderField::Name, true),
        Some(2),
        None,
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|(_, fs)| fs.name)
    .collect();
    assert_eq!(names, ["Foxtrot payment gateway", "Echo"]);
}

#[tokio::test]
async fn facets_count_the_filtered_set_and_ignore_their_own_part() {
    let w = World::new().await;
    seed(&w).await;
    let model = w.model().await;
    let filter = FactSheetFilter {
        attributes: Some(json!({"language": "go"})),
        ..artifacts()
    };
    let facets = fact_sheets::facets(w.db.conn(), &w.admin, &model, &filter)
        .await
        .unwrap();
    let count = |list: &[fact_sheets::FacetCount], key: &str| {
        list.iter()
            .find(|c| c.key == key)
            .map(|c| c.count)
            .unwrap_or(0)
    };
    // Types ignore the type filter but keep the language filter: only artifacts speak go.
    assert_eq!(count(&facets.types, "SoftwareArtifact"), 2);
    assert_eq!(count(&facets.types, "Team"), 0);
    let language = facets
        .attributes
        .iter()
        .find(|a| a.key == "language")
        .unwrap();
    // The language facet ignores its own filter, so the alternatives stay visible.
    assert_eq!(
        (
            count(&language.counts, "go"),
            count(&language.counts, "rust"),
            count(&language.counts, "java"),
            count(&language.counts, "kotlin")
        ),
        (2, 2, 1, 0)
    );
    let artifact_type = facets
        .attributes
        .iter()
        .find(|a| a.key == "artifactType")
        .unwrap();
    assert_eq!(
        (
            count(&artifact_type.counts, "service"),
            count(&artifact_type.counts, "library")
        ),
        (1, 1)
    );
    assert_eq!(count(&facets.tags, "pci"), 1);
    assert_eq!(count(&facets.tags, "tier-1"), 1);
}
