//! Numbers at the edge of f64 read back exactly as they were written, on both databases.
//! PostgreSQL writes a jsonb number out in full (f64::MAX as 309 digits), which an inexact
//! parser refused, leaving the row unreadable.

use chrono::Utc;
use domain::{
    events,
    external_ids::ExternalId,
    fact_sheets::{self, NewFactSheet},
    meta_model::{AttributeDefinition, AttributeType, Constraints, FactSheetType},
    meta_model_versions::{self, MetaModelEdit},
};
use serde_json::{Value, json};
use testkit::facts;

use crate::support::World;

const EDGES: [f64; 6] = [
    f64::MAX,
    f64::MIN,
    1.7900000000000002e308,
    f64::MIN_POSITIVE,
    5e-324,
    -0.0,
];

#[tokio::test]
async fn extreme_numbers_in_attributes_models_and_events_read_back_exactly() {
    let w = World::new().await;
    let gauge = AttributeDefinition {
        key: "gauge".into(),
        label: "Gauge".into(),
        description: None,
        kind: AttributeType::Number,
        required: false,
        constraints: Constraints {
            min: Some(f64::MIN),
            max: Some(f64::MAX),
            ..Constraints::default()
        },
        weight: 1.0,
        options: vec![],
    };
    let edit = MetaModelEdit::AddFactSheetType(FactSheetType {
        key: "Meter".into(),
        label: "Meter".into(),
        description: None,
        attributes: vec![gauge],
        roll_up: vec![],
        roll_up_children: false,
    });
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
        .await
        .unwrap();
    let model = w.model().await;
    let constraints = &model.fact_sheet_type("Meter").unwrap().attributes[0].constraints;
    assert_eq!(
        (constraints.min, constraints.max),
        (Some(f64::MIN), Some(f64::MAX))
    );

    for (i, edge) in EDGES.into_iter().enumerate() {
        let input = NewFactSheet {
            fact_sheet_type: "Meter".into(),
            name: format!("meter {i}"),
            attributes: json!({ "gauge": edge }).as_object().unwrap().clone(),
            external_ids: vec![ExternalId {
                namespace: "eventSource".into(),
                value: format!("meter-{i}"),
            }],
            ..Default::default()
        };
        let created = fact_sheets::create(w.db.conn(), &w.admin, &model, input)
            .await
            .unwrap();
        let read = fact_sheets::require(w.db.conn(), &w.admin, created.id)
            .await
            .unwrap();
        assert_eq!(read.attributes["gauge"].as_f64(), Some(edge), "{edge:e}");

        let event = facts::event(
            &format!("meter-{i}"),
            &format!("e{i}"),
            "change",
            Utc::now(),
            json!({ "reading": edge, "nested": [edge] }),
        );
        let valid = events::validate(vec![event]).unwrap();
        events::ingest(w.db.conn(), &w.admin, valid).await.unwrap();
        let listed =
            events::list_for_fact_sheet(w.db.conn(), &w.admin, created.id, None, None, None)
                .await
                .unwrap();
        let data = listed.items[0].1.data.clone().unwrap_or(Value::Null);
        assert_eq!(data["reading"].as_f64(), Some(edge), "{edge:e}");
    }
}

/// Weights are summed for the completion score: two of f64::MAX made it NaN, which SQLite
/// stores as NULL in a column that allows none.
#[tokio::test]
async fn weights_too_large_to_sum_are_refused() {
    let w = World::new().await;
    let heavy = |key: &str, weight: f64| AttributeDefinition {
        key: key.into(),
        label: key.into(),
        description: None,
        kind: AttributeType::Integer,
        required: false,
        constraints: Constraints::default(),
        weight,
        options: vec![],
    };
    let edit = |weight: f64| {
        MetaModelEdit::AddFactSheetType(FactSheetType {
            key: "Heavy".into(),
            label: "Heavy".into(),
            description: None,
            attributes: vec![heavy("a", weight), heavy("b", weight)],
            roll_up: vec![],
            roll_up_children: false,
        })
    };
    let err = meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit(f64::MAX), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        crate::support::paths(err),
        [
            "factSheetTypes.Heavy.attributes.a.weight",
            "factSheetTypes.Heavy.attributes.b.weight"
        ]
    );
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit(1_000_000.0), None, false)
        .await
        .unwrap();
    let model = w.model().await;
    let input = NewFactSheet {
        fact_sheet_type: "Heavy".into(),
        name: "full".into(),
        attributes: json!({ "a": 1, "b": 2 }).as_object().unwrap().clone(),
        ..Default::default()
    };
    let full = fact_sheets::create(w.db.conn(), &w.admin, &model, input)
        .await
        .unwrap();
    assert_eq!(full.completion, 1.0);
}
