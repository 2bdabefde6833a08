//! Events of a type outside the vocabulary: stored and counted apart, never a fact.

use domain::events::{self, IncomingEvent, IngestResult};
use entity::deployment_fact;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use testkit::facts::{at, deployment, event};

use crate::support::World;

fn misspelt_deployment(id: &str) -> IncomingEvent {
    event(
        "checkout",
        id,
        "deploymnet",
        at(3, 12),
        json!({"changeIds": []}),
    )
}

async fn ingest(w: &World, batch: Vec<IncomingEvent>) -> IngestResult {
    let valid = events::validate(batch).unwrap();
    events::ingest(w.db.conn(), &w.admin, valid).await.unwrap()
}

#[tokio::test]
async fn an_event_of_an_unknown_type_is_stored_and_counted_apart_but_makes_no_fact() {
    let w = World::new().await;
    let batch = vec![
        deployment("checkout", "d1", at(3, 10), &[]),
        misspelt_deployment("d2"),
    ];
    assert_eq!(
        ingest(&w, batch.clone()).await,
        IngestResult {
            accepted: 2,
            duplicates: 0,
            unrecognized: 1
        }
    );
    assert_eq!(w.stored_events().await, 2);
    let facts = deployment_fact::Entity::find()
        .count(w.db.conn())
        .await
        .unwrap();
    assert_eq!(facts, 1, "only the known type derives a fact");

    assert_eq!(
        ingest(&w, batch).await,
        IngestResult {
            accepted: 0,
            duplicates: 2,
            unrecognized: 0
        },
        "a repeated unrecognized event is a duplicate like any other"
    );
    assert_eq!(w.stored_events().await, 2);
}

#[tokio::test]
async fn a_known_type_with_bad_data_is_still_refused_naming_the_field() {
    let rejections = events::validate(vec![
        misspelt_deployment("d1"),
        event("checkout", "d2", "deployment", at(3, 12), json!({})),
    ])
    .unwrap_err();
    let named: Vec<_> = rejections
        .iter()
        .map(|r| (r.index, r.field.as_str()))
        .collect();
    assert_eq!(named, [(1, "data.changeIds")]);
    let long_type = event("checkout", "d3", &"x".repeat(500), at(3, 12), json!({}));
    let rejections = events::validate(vec![long_type]).unwrap_err();
    assert_eq!(rejections[0].field, "type");
}
