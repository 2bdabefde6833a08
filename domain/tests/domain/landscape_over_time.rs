use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use domain::{
    Principal,
    fact_sheets::{
        self, Facets, FactSheet, FactSheetFilter, FactSheetOrder, FactSheetPatch, NewFactSheet,
        NumberBounds, OrderField, RelationDirection, RelationFilter, Status, SubscriptionFilter,
    },
    meta_model::MetaModel,
    relations::{self, NewRelation, RelationPatch},
    reports::{
        as_of::{self, PastFactSheet},
        as_of_list::{self, PastLandscape},
        change_feed::{self, ChangeFeedFilter, FeedKind},
        landscape_diff,
    },
    subscriptions::{self, SubscriptionRole},
    tags,
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{World, attrs, paths};

/// What the landscape looked like at one instant, read through the current lists.
#[derive(Debug, PartialEq)]
struct Snapshot {
    rows: Vec<(FactSheet, Vec<String>)>,
    count: u64,
    facets: Facets,
}

/// Filters over every part a list at a past date answers. `cart` is the fact sheet whose
/// relations change; `since` falls between the first changes and the later ones.
fn filters(cart: Uuid, since: DateTime<Utc>) -> Vec<FactSheetFilter> {
    let relation = |relation_type: &str, direction, other_id, exists| RelationFilter {
        relation_type: relation_type.into(),
        direction,
        other_id,
        exists,
    };
    vec![
        FactSheetFilter::default(),
        FactSheetFilter {
            status: Some(Status::Archived),
            ..Default::default()
        },
        FactSheetFilter {
            types: Some(vec!["SoftwareArtifact".into()]),
            attributes: Some(json!({"language": ["go"]})),
            ..Default::default()
        },
        FactSheetFilter {
            tags: Some(vec!["pci".into()]),
            ..Default::default()
        },
        FactSheetFilter {
            search: Some("cart".into()),
            ..Default::default()
        },
        FactSheetFilter {
            relations: vec![relation(
                "artifactConsumesApi",
                RelationDirection::Outgoing,
                None,
                true,
            )],
            ..Default::default()
        },
        FactSheetFilter {
            types: Some(vec!["SoftwareArtifact".into()]),
            relations: vec![relation(
                "teamOwnsArtifact",
                RelationDirection::Incoming,
                None,
                false,
            )],
            ..Default::default()
        },
        FactSheetFilter {
            status: Some(Status::Archived),
            relations: vec![relation(
                "artifactConsumesApi",
                RelationDirection::Incoming,
                Some(cart),
                true,
            )],
            ..Default::default()
        },
        FactSheetFilter {
            completion: Some(NumberBounds {
                gt: Some(0.0),
                ..Default::default()
            }),
            ..Default::default()
        },
        FactSheetFilter {
            updated_after: Some(since),
            ..Default::default()
        },
        FactSheetFilter {
            updated_before: Some(since),
            ..Default::default()
        },
        FactSheetFilter {
            subscriptions: vec![subscription(Some("alice@example.com"), None, true)],
            ..Default::default()
        },
        FactSheetFilter {
            subscriptions: vec![
                subscription(None, Some(SubscriptionRole::Observer), true),
                subscription(Some("alice@example.com"), None, false),
            ],
            ..Default::default()
        },
        FactSheetFilter {
            subscriptions: vec![subscription(None, None, false)],
            ..Default::default()
        },
    ]
}

fn subscription(
    user: Option<&str>,
    role: Option<SubscriptionRole>,
    exists: bool,
) -> SubscriptionFilter {
    SubscriptionFilter {
        user: user.map(str::to_owned),
        role,
        exists,
    }
}

/// The orders a list at a past date is read in, each paged two at a time.
fn orders() -> Vec<FactSheetOrder> {
    vec![
        FactSheetOrder::field(OrderField::Name, false),
        FactSheetOrder::field(OrderField::Name, true),
        FactSheetOrder::field(OrderField::UpdatedAt, true),
        FactSheetOrder::field(OrderField::CreatedAt, false),
        FactSheetOrder::field(OrderField::Completion, true),
        FactSheetOrder::attribute("size", false),
        FactSheetOrder::attribute("size", true),
    ]
}

/// The ids of every page of the list in `order`, two at a time, following the cursors; at
/// `at` when given, else as stored.
async fn paged(
    db: &DatabaseConnection,
    p: &Principal,
    model: &MetaModel,
    order: &FactSheetOrder,
    at: Option<DateTime<Utc>>,
) -> Vec<Uuid> {
    let filter = FactSheetFilter::default();
    let landscape = match at {
        Some(at) => Some(PastLandscape::load(db, p, model, at).await.unwrap()),
        None => None,
    };
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (items, more) = match &landscape {
            Some(l) => {
                let page = as_of_list::list(
                    db,
                    p,
                    model,
                    l,
                    &filter,
                    order.clone(),
                    Some(2),
                    after.as_deref(),
                )
                .await
                .unwrap();
                let items: Vec<_> = page
                    .items
                    .into_iter()
                    .map(|(c, r)| (c, r.sheet.id))
                    .collect();
                (items, page.has_next_page)
            }
            None => {
                let page = fact_sheets::list(
                    db,
                    p,
                    model,
                    &filter,
                    order.clone(),
                    Some(2),
                    after.as_deref(),
                )
                .await
                .unwrap();
                let items: Vec<_> = page.items.into_iter().map(|(c, s)| (c, s.id)).collect();
                (items, page.has_next_page)
            }
        };
        after = items.last().map(|(c, _)| c.clone());
        ids.extend(items.into_iter().map(|(_, id)| id));
        if !more {
            return ids;
        }
    }
}

async fn snapshot(
    db: &DatabaseConnection,
    p: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
) -> Snapshot {
    let page = fact_sheets::list(db, p, model, filter, Default::default(), Some(50), None)
        .await
        .unwrap();
    let ids: Vec<Uuid> = page.items.iter().map(|(_, s)| s.id).collect();
    let mut tags = tags::tags_of(db, p, &ids).await.unwrap();
    Snapshot {
        rows: page
            .items
            .into_iter()
            .map(|(_, s)| {
                let mut names: Vec<String> = tags
                    .remove(&s.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| t.name)
                    .collect();
                names.sort();
                (s, names)
            })
            .collect(),
        count: fact_sheets::count(db, p, model, filter).await.unwrap(),
        facets: fact_sheets::facets(db, p, model, filter).await.unwrap(),
    }
}

async fn snapshot_at(
    db: &DatabaseConnection,
    p: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
    at: DateTime<Utc>,
) -> Snapshot {
    let landscape = PastLandscape::load(db, p, model, at).await.unwrap();
    let page = as_of_list::list(
        db,
        p,
        model,
        &landscape,
        filter,
        Default::default(),
        Some(50),
        None,
    )
    .await
    .unwrap();
    let ids: Vec<Uuid> = page.items.iter().map(|(_, s)| s.sheet.id).collect();
    let mut current_tags = tags::tags_of(db, p, &ids).await.unwrap();
    Snapshot {
        rows: page
            .items
            .into_iter()
            .map(|(_, s)| {
                let names = s.tags.unwrap_or_else(|| {
                    let mut names: Vec<String> = current_tags
                        .remove(&s.sheet.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| t.name)
                        .collect();
                    names.sort();
                    names
                });
                (s.sheet, names)
            })
            .collect(),
        count: as_of_list::count(db, p, model, &landscape, filter)
            .await
            .unwrap(),
        facets: as_of_list::facets(db, p, model, &landscape, filter)
            .await
            .unwrap(),
    }
}

/// Relations of `id` as `(id, type, from, to, attributes, activeFrom)`, sorted.
type RelationView = (Uuid, String, Uuid, Uuid, Value, Option<DateTime<Utc>>);

async fn relations_now(db: &DatabaseConnection, p: &Principal, id: Uuid) -> Vec<RelationView> {
    let mut map = relations::for_fact_sheets(db, p, &[id]).await.unwrap();
    view(map.remove(&id).unwrap_or_default())
}

fn view(rs: Vec<relations::Relation>) -> Vec<RelationView> {
    let mut v: Vec<_> = rs
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.relation_type,
                r.from_id,
                r.to_id,
                r.attributes,
                r.active_from,
            )
        })
        .collect();
    v.sort_by_key(|r| r.0);
    v
}

/// A moment that no change shares: the clock moves on before and after it.
async fn instant() -> DateTime<Utc> {
    tokio::time::sleep(StdDuration::from_millis(5)).await;
    let t = Utc::now();
    tokio::time::sleep(StdDuration::from_millis(5)).await;
    t
}

async fn create(
    w: &World,
    model: &MetaModel,
    t: &str,
    name: &str,
    attributes: Value,
    tag_names: &[&str],
) -> FactSheet {
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        model,
        NewFactSheet {
            fact_sheet_type: t.into(),
            name: name.into(),
            attributes: attrs(attributes),
            tags: tag_names.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_landscape_as_of_an_instant_is_what_the_lists_showed_at_that_instant() {
    let w = World::new().await;
    let db = w.db.conn();
    let p = &w.admin;
    let model = w.model().await;
    let mut moments = vec![instant().await];

    let team = create(&w, &model, "Team", "Checkout", json!({"size": 5}), &[]).await;
    let platform = create(&w, &model, "Team", "Platform", json!({"size": 9}), &[]).await;
    let cart = create(
        &w,
        &model,
        "SoftwareArtifact",
        "cart",
        json!({"language": "go"}),
        &["pci"],
    )
    .await;
    let api = create(
        &w,
        &model,
        "API",
        "cart api",
        json!({"protocol": "rest"}),
        &[],
    )
    .await;
    let owns = relations::create(
        db,
        p,
        &model,
        NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team.id,
            to_id: cart.id,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let provides = relations::create(
        db,
        p,
        &model,
        NewRelation {
            relation_type: "artifactConsumesApi".into(),
            from_id: cart.id,
            to_id: api.id,
            attributes: attrs(json!({"usage": "critical"})),
            active_from: Some(Utc::now() - Duration::days(3)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let alice = subscriptions::subscribe(
        db,
        p,
        cart.id,
        "alice@example.com",
        SubscriptionRole::Responsible,
    )
    .await
    .unwrap();
    moments.push(instant().await);

    subscriptions::subscribe(
        db,
        p,
        team.id,
        "bob@example.com",
        SubscriptionRole::Observer,
    )
    .await
    .unwrap();
    fact_sheets::update(
        db,
        p,
        &model,
        FactSheetPatch {
            id: cart.id,
            name: Some("basket".into()),
            attributes: Some(attrs(
                json!({"language": "rust", "artifactType": "service"}),
            )),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tags::untag_fact_sheet(db, p, cart.id, &["pci".into()])
        .await
        .unwrap();
    tags::tag_fact_sheet(db, p, cart.id, &["gdpr".into()])
        .await
        .unwrap();
    relations::update(
        db,
        p,
        &model,
        RelationPatch {
            id: provides.id,
            attributes: Some(attrs(json!({"usage": null}))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    relations::delete(db, p, owns.id).await.unwrap();
    fact_sheets::archive(db, p, api.id, None).await.unwrap();
    create(
        &w,
        &model,
        "SoftwareArtifact",
        "cart search",
        json!({"language": "go"}),
        &["pci"],
    )
    .await;
    moments.push(instant().await);

    let mut snapshots = Vec::new();
    for filter in filters(cart.id, moments[1]) {
        snapshots.push(snapshot(db, p, &model, &filter).await);
    }
    let mut orderings = Vec::new();
    for order in orders() {
        orderings.push(paged(db, p, &model, &order, None).await);
    }
    let relations_then = [
        relations_now(db, p, cart.id).await,
        relations_now(db, p, team.id).await,
    ];

    // Later changes the instants above must not see.
    fact_sheets::restore(db, p, api.id, None).await.unwrap();
    fact_sheets::update(
        db,
        p,
        &model,
        FactSheetPatch {
            id: team.id,
            name: Some("Payments".into()),
            attributes: Some(attrs(json!({"size": 7}))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    relations::delete(db, p, provides.id).await.unwrap();
    fact_sheets::update(
        db,
        p,
        &model,
        FactSheetPatch {
            id: platform.id,
            attributes: Some(attrs(json!({"size": 2}))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tags::untag_fact_sheet(db, p, cart.id, &["gdpr".into()])
        .await
        .unwrap();
    subscriptions::unsubscribe(db, p, alice.id).await.unwrap();
    subscriptions::subscribe(
        db,
        p,
        api.id,
        "alice@example.com",
        SubscriptionRole::Observer,
    )
    .await
    .unwrap();

    for (filter, expected) in filters(cart.id, moments[1]).iter().zip(&snapshots) {
        let past = snapshot_at(db, p, &model, filter, moments[2]).await;
        assert_eq!(&past, expected, "filter {filter:?}");
    }
    for (order, expected) in orders().iter().zip(&orderings) {
        let past = paged(db, p, &model, order, Some(moments[2])).await;
        assert_eq!(&past, expected, "order {order:?}");
    }
    let past_relations = [
        view(
            as_of::relations_at(db, p, cart.id, moments[2])
                .await
                .unwrap(),
        ),
        view(
            as_of::relations_at(db, p, team.id, moments[2])
                .await
                .unwrap(),
        ),
    ];
    assert_eq!(past_relations, relations_then);

    // Before the first change: an empty landscape.
    let empty = snapshot_at(db, p, &model, &FactSheetFilter::default(), moments[0]).await;
    assert!(empty.rows.is_empty());
    assert_eq!(empty.count, 0);

    // At the second instant: the first names, tags and relations.
    let at = snapshot_at(db, p, &model, &FactSheetFilter::default(), moments[1]).await;
    let names: Vec<_> = at
        .rows
        .iter()
        .map(|(s, t)| (s.name.as_str(), t.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("Checkout", vec![]),
            ("Platform", vec![]),
            ("cart", vec!["pci".to_string()]),
            ("cart api", vec![]),
        ]
    );
    let cart_then = &at.rows[2].0;
    assert_eq!(cart_then.attributes, json!({"language": "go"}));
    let rels = as_of::relations_at(db, p, cart.id, moments[1])
        .await
        .unwrap();
    assert_eq!(rels.len(), 2);
    let consumes = rels.iter().find(|r| r.id == provides.id).unwrap();
    assert_eq!(consumes.attributes, json!({"usage": "critical"}));
    assert!(consumes.active_from.is_some());
}

#[tokio::test]
async fn a_future_instant_is_refused_naming_it() {
    let w = World::new().await;
    let model = w.model().await;
    let future = Utc::now() + Duration::hours(1);
    let err = PastLandscape::load(w.db.conn(), &w.admin, &model, future)
        .await
        .err()
        .unwrap();
    assert_eq!(paths(err), ["asOf"]);
}

#[tokio::test]
async fn the_change_feed_pages_newest_first_across_fact_sheets_and_the_meta_model() {
    let w = World::new().await;
    let db = w.db.conn();
    let model = w.model().await;
    let start = instant().await;
    let a = create(&w, &model, "Team", "A", json!({}), &[]).await;
    let b = create(&w, &model, "API", "B", json!({}), &[]).await;
    fact_sheets::archive(db, &w.admin, a.id, Some("gone"))
        .await
        .unwrap();
    let middle = instant().await;
    fact_sheets::update(
        db,
        &w.admin,
        &model,
        FactSheetPatch {
            id: b.id,
            name: Some("B2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let all = ChangeFeedFilter {
        since: Some(start),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = change_feed::feed(db, &w.admin, &model, &all, Some(2), after.as_deref())
            .await
            .unwrap();
        for (_, e) in &page.items {
            seen.push((e.fact_sheet.as_ref().unwrap().name.clone(), e.kind.as_str()));
        }
        if !page.has_next_page {
            break;
        }
        after = page.end_cursor().map(str::to_owned);
    }
    assert_eq!(
        seen,
        [
            ("B2".to_string(), "UPDATED"),
            ("A".to_string(), "ARCHIVED"),
            ("B2".to_string(), "CREATED"),
            ("A".to_string(), "CREATED"),
        ]
    );

    let window = ChangeFeedFilter {
        since: Some(start),
        until: Some(middle),
        types: Some(vec!["Team".into()]),
        ..Default::default()
    };
    let page = change_feed::feed(db, &w.admin, &model, &window, None, None)
        .await
        .unwrap();
    let kinds: Vec<_> = page.items.iter().map(|(_, e)| e.kind).collect();
    assert_eq!(
        kinds,
        [
            FeedKind::FactSheet(domain::history::ChangeKind::Archived),
            FeedKind::FactSheet(domain::history::ChangeKind::Created),
        ]
    );
    assert_eq!(page.items[0].1.change.comment.as_deref(), Some("gone"));

    // The workspace's first meta model version is in the feed too.
    let meta = ChangeFeedFilter {
        kinds: Some(vec!["META_MODEL_CHANGED".into()]),
        ..Default::default()
    };
    let page = change_feed::feed(db, &w.admin, &model, &meta, None, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.items[0].1.fact_sheet.is_none());

    let bad = ChangeFeedFilter {
        kinds: Some(vec!["EXPLODED".into()]),
        types: Some(vec!["Spaceship".into()]),
        ..Default::default()
    };
    let err = change_feed::feed(db, &w.admin, &model, &bad, None, None)
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["filter.kinds.0", "filter.types.0"]);
}

#[tokio::test]
async fn the_landscape_diff_names_what_was_created_archived_changed_and_related() {
    let w = World::new().await;
    let db = w.db.conn();
    let p = &w.admin;
    let model = w.model().await;
    let team = create(&w, &model, "Team", "Checkout", json!({}), &[]).await;
    let old = create(&w, &model, "API", "old api", json!({}), &[]).await;
    let from = instant().await;
    let cart = create(&w, &model, "SoftwareArtifact", "cart", json!({}), &[]).await;
    relations::create(
        db,
        p,
        &model,
        NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team.id,
            to_id: cart.id,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    fact_sheets::archive(db, p, old.id, None).await.unwrap();
    fact_sheets::update(
        db,
        p,
        &model,
        FactSheetPatch {
            id: team.id,
            name: Some("Payments".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let to = instant().await;

    let diff = landscape_diff::landscape_diff(db, p, &model, from, to, &FactSheetFilter::default())
        .await
        .unwrap();
    let names = |v: &[PastFactSheet]| v.iter().map(|p| p.sheet.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&diff.created), ["cart"]);
    assert_eq!(names(&diff.archived), ["old api"]);
    let changed: Vec<_> = diff
        .changed
        .iter()
        .map(|c| {
            (
                c.fact_sheet.sheet.name.clone(),
                c.fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [("Payments".to_string(), vec!["name".to_string()])]
    );
    assert_eq!(diff.related.len(), 1);
    assert_eq!(diff.related[0].relation["toName"], json!("cart"));
    assert!(diff.unrelated.is_empty());

    let teams_only = FactSheetFilter {
        types: Some(vec!["API".into()]),
        ..Default::default()
    };
    let diff = landscape_diff::landscape_diff(db, p, &model, from, to, &teams_only)
        .await
        .unwrap();
    assert_eq!(names(&diff.archived), ["old api"]);
    assert!(diff.created.is_empty() && diff.changed.is_empty() && diff.related.is_empty());

    // Owning an artifact at `to` (not at `from`) selects the team, and with it the relation.
    let owners = FactSheetFilter {
        relations: vec![RelationFilter {
            relation_type: "teamOwnsArtifact".into(),
            direction: RelationDirection::Outgoing,
            other_id: None,
            exists: true,
        }],
        ..Default::default()
    };
    let diff = landscape_diff::landscape_diff(db, p, &model, from, to, &owners)
        .await
        .unwrap();
    let changed: Vec<_> = diff.changed.iter().map(|c| c.fact_sheet.sheet.id).collect();
    assert_eq!(changed, [team.id]);
    assert_eq!(diff.related.len(), 1);
    assert!(diff.created.is_empty() && diff.archived.is_empty());

    let err = landscape_diff::landscape_diff(db, p, &model, to, from, &FactSheetFilter::default())
        .await
        .unwrap_err();
    assert_eq!(paths(err), ["to"]);
}

#[tokio::test]
async fn a_diff_over_more_changes_than_it_reads_is_refused_naming_the_limit_never_cut() {
    let w = World::new().await;
    let db = w.db.conn();
    let p = &w.admin;
    let model = w.model().await;
    let from = instant().await;
    for name in ["a", "b", "c"] {
        create(&w, &model, "Team", name, json!({}), &[]).await;
    }
    let to = instant().await;
    let all = FactSheetFilter::default();

    let read_all = landscape_diff::landscape_diff_reading_at_most(db, p, &model, from, to, &all, 3)
        .await
        .unwrap();
    assert_eq!(read_all.created.len(), 3);

    let refused =
        landscape_diff::landscape_diff_reading_at_most(db, p, &model, from, to, &all, 2).await;
    match refused {
        Err(domain::Error::LimitExceeded(message)) => {
            assert!(message.contains("more than 2 changes"), "{message}");
            assert!(message.contains("narrow the dates"), "{message}");
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}
