//! The list filters and orders a report builder asks for: completion bounds, a window of last
//! changes, subscriptions (or their absence), and ordering by a numeric attribute with missing
//! values last, paged through ties and gaps.

use domain::{
    Error,
    fact_sheets::{
        self, FactSheet, FactSheetFilter, FactSheetOrder, NewFactSheet, NumberBounds, OrderField,
        SubscriptionFilter,
    },
    subscriptions::{self, SubscriptionRole},
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{World, attrs, paths};

async fn list(w: &World, filter: &FactSheetFilter, order: FactSheetOrder) -> Vec<FactSheet> {
    let model = w.model().await;
    fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        filter,
        order,
        Some(500),
        None,
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|(_, fs)| fs)
    .collect()
}

async fn names(w: &World, filter: FactSheetFilter) -> Vec<String> {
    let model = w.model().await;
    let total = fact_sheets::count(w.db.conn(), &w.admin, &model, &filter)
        .await
        .unwrap();
    let names: Vec<String> = list(w, &filter, FactSheetOrder::default())
        .await
        .into_iter()
        .map(|fs| fs.name)
        .collect();
    assert_eq!(total, names.len() as u64, "count and list agree");
    names
}

async fn refused(w: &World, filter: FactSheetFilter) -> Vec<String> {
    let model = w.model().await;
    let listed = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &filter,
        FactSheetOrder::default(),
        None,
        None,
    )
    .await;
    let counted = fact_sheets::count(w.db.conn(), &w.admin, &model, &filter).await;
    let faceted = fact_sheets::facets(w.db.conn(), &w.admin, &model, &filter).await;
    let paths_of_list = paths(listed.expect_err("refused"));
    assert_eq!(paths(counted.expect_err("refused")), paths_of_list);
    assert_eq!(paths(faceted.expect_err("refused")), paths_of_list);
    paths_of_list
}

async fn create(
    w: &World,
    fact_sheet_type: &str,
    name: &str,
    attributes: serde_json::Value,
) -> FactSheet {
    let model = w.model().await;
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: fact_sheet_type.into(),
            name: name.into(),
            attributes: attrs(attributes),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn completion(bounds: NumberBounds) -> FactSheetFilter {
    FactSheetFilter {
        completion: Some(bounds),
        ..Default::default()
    }
}

#[tokio::test]
async fn completion_bounds_select_in_sql_with_inclusive_and_exclusive_ends() {
    let w = World::new().await;
    create(&w, "Team", "Bare", json!({})).await;
    create(&w, "Team", "Sized", json!({"size": 4})).await;
    create(
        &w,
        "SoftwareArtifact",
        "Described",
        json!({"language": "rust", "artifactType": "service"}),
    )
    .await;
    let stored = list(&w, &FactSheetFilter::default(), FactSheetOrder::default()).await;
    let of = |name: &str| stored.iter().find(|fs| fs.name == name).unwrap().completion;
    let (bare, sized) = (of("Bare"), of("Sized"));
    assert!(bare < sized, "{bare} < {sized}");
    let expect = |keep: &dyn Fn(f64) -> bool| -> Vec<String> {
        stored
            .iter()
            .filter(|fs| keep(fs.completion))
            .map(|fs| fs.name.clone())
            .collect()
    };
    let cases: [(NumberBounds, &dyn Fn(f64) -> bool); 5] = [
        (
            NumberBounds {
                lt: Some(sized),
                ..Default::default()
            },
            &|c| c < sized,
        ),
        (
            NumberBounds {
                lte: Some(sized),
                ..Default::default()
            },
            &|c| c <= sized,
        ),
        (
            NumberBounds {
                gt: Some(bare),
                ..Default::default()
            },
            &|c| c > bare,
        ),
        (
            NumberBounds {
                gte: Some(bare),
                lt: Some(sized),
                ..Default::default()
            },
            &|c| c >= bare && c < sized,
        ),
        (
            NumberBounds {
                gte: Some(0.0),
                lte: Some(1.0),
                ..Default::default()
            },
            &|_| true,
        ),
    ];
    for (bounds, keep) in cases {
        assert_eq!(
            names(&w, completion(bounds)).await,
            expect(keep),
            "{bounds:?}"
        );
    }
    // With the rest of a filter, AND.
    let teams_below = FactSheetFilter {
        types: Some(vec!["Team".into()]),
        ..completion(NumberBounds {
            lt: Some(sized),
            ..Default::default()
        })
    };
    assert_eq!(names(&w, teams_below).await, ["Bare"]);
}

#[tokio::test]
async fn completion_bounds_outside_zero_to_one_are_refused_naming_each() {
    let w = World::new().await;
    let filter = completion(NumberBounds {
        gt: Some(-0.1),
        gte: Some(0.0),
        lt: Some(50.0),
        lte: Some(f64::NAN),
    });
    assert_eq!(
        refused(&w, filter).await,
        [
            "filter.completion.gt",
            "filter.completion.lt",
            "filter.completion.lte"
        ]
    );
}

#[tokio::test]
async fn updated_windows_include_their_start_and_exclude_their_end() {
    let w = World::new().await;
    let model = w.model().await;
    for name in ["A", "B", "C"] {
        w.create_fact_sheet("Team", name).await;
    }
    let stored = list(
        &w,
        &FactSheetFilter::default(),
        FactSheetOrder::field(OrderField::UpdatedAt, false),
    )
    .await;
    let order: Vec<&str> = stored.iter().map(|fs| fs.name.as_str()).collect();
    assert_eq!(order, ["A", "B", "C"]);
    let at = |i: usize| stored[i].updated_at;
    let window = |after, before| FactSheetFilter {
        updated_after: after,
        updated_before: before,
        ..Default::default()
    };
    assert_eq!(names(&w, window(Some(at(1)), None)).await, ["B", "C"]);
    assert_eq!(names(&w, window(None, Some(at(1)))).await, ["A"]);
    assert_eq!(
        names(&w, window(Some(at(0)), Some(at(2)))).await,
        ["A", "B"]
    );
    assert!(names(&w, window(Some(at(2)), Some(at(2)))).await.is_empty());

    // A change moves a fact sheet into the newest window.
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        fact_sheets::FactSheetPatch {
            id: stored[0].id,
            description: fact_sheets::Patch::Set("changed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(names(&w, window(Some(at(2)), None)).await, ["A", "C"]);

    let ancient = "0000-01-01T00:00:00Z".parse().unwrap();
    assert_eq!(
        refused(&w, window(Some(ancient), Some(ancient))).await,
        ["filter.updatedAfter", "filter.updatedBefore"]
    );
}

fn subscribed(user: Option<&str>, role: Option<SubscriptionRole>, exists: bool) -> FactSheetFilter {
    FactSheetFilter {
        subscriptions: vec![SubscriptionFilter {
            user: user.map(String::from),
            role,
            exists,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn subscription_filters_find_a_users_fact_sheets_and_those_nobody_is_accountable_for() {
    let w = World::new().await;
    let mut ids = Vec::new();
    for name in ["Alpha", "Bravo", "Charlie", "Delta"] {
        ids.push(w.create_fact_sheet("Team", name).await.id);
    }
    let subscribe = |id: Uuid, user: &'static str, role| {
        let w = &w;
        async move {
            subscriptions::subscribe(w.db.conn(), &w.admin, id, user, role)
                .await
                .unwrap()
        }
    };
    use SubscriptionRole::{Accountable, Observer, Responsible};
    subscribe(ids[0], "alice@acme.test", Accountable).await;
    subscribe(ids[1], "alice@acme.test", Observer).await;
    subscribe(ids[1], "bob@acme.test", Accountable).await;
    subscribe(ids[2], "bob@acme.test", Responsible).await;

    let alice = Some("alice@acme.test");
    assert_eq!(
        names(&w, subscribed(alice, None, true)).await,
        ["Alpha", "Bravo"]
    );
    // The user as subscribed, surrounding blanks aside.
    assert_eq!(
        names(&w, subscribed(Some("  alice@acme.test "), None, true)).await,
        ["Alpha", "Bravo"]
    );
    assert_eq!(
        names(&w, subscribed(alice, Some(Accountable), true)).await,
        ["Alpha"]
    );
    assert_eq!(
        names(&w, subscribed(alice, None, false)).await,
        ["Charlie", "Delta"]
    );
    assert_eq!(
        names(&w, subscribed(None, Some(Accountable), false)).await,
        ["Charlie", "Delta"]
    );
    assert_eq!(names(&w, subscribed(None, None, false)).await, ["Delta"]);
    assert_eq!(
        names(&w, subscribed(None, None, true)).await,
        ["Alpha", "Bravo", "Charlie"]
    );

    // Several conditions must all hold: bob subscribes and alice does not; alice and bob both.
    let both = |alice_exists| FactSheetFilter {
        subscriptions: vec![
            SubscriptionFilter {
                user: Some("bob@acme.test".into()),
                role: None,
                exists: true,
            },
            SubscriptionFilter {
                user: Some("alice@acme.test".into()),
                role: None,
                exists: alice_exists,
            },
        ],
        ..Default::default()
    };
    assert_eq!(names(&w, both(false)).await, ["Charlie"]);
    assert_eq!(names(&w, both(true)).await, ["Bravo"]);
    // With the rest of a filter, AND.
    let named = FactSheetFilter {
        search: Some("alpha".into()),
        ..subscribed(alice, None, true)
    };
    assert_eq!(names(&w, named).await, ["Alpha"]);

    assert_eq!(
        refused(&w, subscribed(Some("   "), None, true)).await,
        ["filter.subscriptions.0.user"]
    );
}

#[tokio::test]
async fn subscription_changes_reach_cached_totals() {
    let w = World::new().await;
    let team = w.create_fact_sheet("Team", "Alpha").await;
    let cache = fact_sheets::AggregateCache::new(1 << 20);
    let model = domain::meta_model_versions::current(w.db.conn(), &w.admin)
        .await
        .unwrap();
    let filter = subscribed(None, Some(SubscriptionRole::Accountable), false);
    let total = async || {
        let inventory = domain::versions::ReadOnce::new(
            domain::versions::Counter::Inventory,
            w.admin.workspace_id,
        );
        cache
            .count(w.db.conn(), &w.admin, &model, &inventory, &filter)
            .await
            .unwrap()
    };
    assert_eq!(total().await, 1);
    subscriptions::subscribe(
        w.db.conn(),
        &w.admin,
        team.id,
        "alice@acme.test",
        SubscriptionRole::Accountable,
    )
    .await
    .unwrap();
    assert_eq!(total().await, 0);
}

/// Cloud resources with monthly costs 10, none, 5, 10, none, 20 (in that order of creation).
async fn costed(w: &World) -> Vec<FactSheet> {
    let mut sheets = Vec::new();
    for (name, cost) in [
        ("r1", Some(10.0)),
        ("r2", None),
        ("r3", Some(5.0)),
        ("r4", Some(10.0)),
        ("r5", None),
        ("r6", Some(20.5)),
    ] {
        let attributes = match cost {
            Some(cost) => json!({ "monthlyCost": cost }),
            None => json!({}),
        };
        sheets.push(create(w, "CloudResource", name, attributes).await);
    }
    sheets
}

/// Every page of `first` fact sheets, following the cursors.
async fn paged(
    w: &World,
    filter: &FactSheetFilter,
    order: &FactSheetOrder,
    first: i32,
) -> Vec<Uuid> {
    let model = w.model().await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = fact_sheets::list(
            w.db.conn(),
            &w.admin,
            &model,
            filter,
            order.clone(),
            Some(first),
            after.as_deref(),
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|(_, fs)| fs.id));
        if !page.has_next_page {
            return seen;
        }
        after = page.end_cursor().map(String::from);
    }
}

#[tokio::test]
async fn a_numeric_attribute_orders_with_missing_values_last_and_pages_through_ties() {
    let w = World::new().await;
    let mut sheets = costed(&w).await;
    // A type without the attribute: no value, so last, among the resources without one.
    sheets.push(w.create_fact_sheet("Team", "t1").await);
    let id = |name: &str| sheets.iter().find(|fs| fs.name == name).unwrap().id;
    let tied = |names: &[&str], descending: bool| {
        let mut ids: Vec<Uuid> = names.iter().map(|n| id(n)).collect();
        ids.sort();
        if descending {
            ids.reverse();
        }
        ids
    };
    let resources = FactSheetFilter {
        types: Some(vec!["CloudResource".into()]),
        ..Default::default()
    };
    let ascending = [vec![id("r3")], tied(&["r1", "r4"], false), vec![id("r6")]].concat();
    let descending = [vec![id("r6")], tied(&["r1", "r4"], true), vec![id("r3")]].concat();
    for (descends, numbered) in [(false, ascending), (true, descending)] {
        let order = FactSheetOrder::attribute("monthlyCost", descends);
        let expected = [numbered.clone(), tied(&["r2", "r5"], descends)].concat();
        let all: Vec<Uuid> = list(&w, &resources, order.clone())
            .await
            .iter()
            .map(|fs| fs.id)
            .collect();
        assert_eq!(all, expected, "{order:?}");
        for first in [1, 2, 3] {
            assert_eq!(
                paged(&w, &resources, &order, first).await,
                expected,
                "{order:?} by {first}"
            );
        }
        let everything = [numbered, tied(&["r2", "r5", "t1"], descends)].concat();
        for first in [2, 3] {
            let all_types = paged(&w, &FactSheetFilter::default(), &order, first).await;
            assert_eq!(all_types, everything, "{order:?} over all types by {first}");
        }
    }

    // An attribute order and a filter on the same attribute combine.
    let cheap = FactSheetFilter {
        attributes: Some(json!({"monthlyCost": {"lte": 10}})),
        ..resources.clone()
    };
    let cheapest_first: Vec<String> =
        list(&w, &cheap, FactSheetOrder::attribute("monthlyCost", false))
            .await
            .into_iter()
            .map(|fs| fs.name)
            .collect();
    assert_eq!(cheapest_first[0], "r3");
    assert_eq!(cheapest_first.len(), 3);
}

#[tokio::test]
async fn an_attribute_order_must_name_a_numeric_attribute_of_the_listed_types() {
    let w = World::new().await;
    costed(&w).await;
    let model = w.model().await;
    let refusal = async |filter: FactSheetFilter, order: FactSheetOrder| {
        let err = fact_sheets::list(w.db.conn(), &w.admin, &model, &filter, order, None, None)
            .await
            .unwrap_err();
        let Error::Invalid(errors) = err else {
            panic!("refused: {err:?}")
        };
        (errors[0].path.clone(), errors[0].message.clone())
    };
    let teams = FactSheetFilter {
        types: Some(vec!["Team".into()]),
        ..Default::default()
    };
    for (filter, key, says) in [
        (
            FactSheetFilter::default(),
            "noSuchAttribute",
            "is not an attribute",
        ),
        (teams, "monthlyCost", "is not an attribute"),
        (
            FactSheetFilter::default(),
            "language",
            "only number and integer",
        ),
    ] {
        let (path, message) = refusal(filter, FactSheetOrder::attribute(key, false)).await;
        assert_eq!(path, "orderBy.attribute");
        assert!(message.contains(says), "{message}");
    }
    // A cursor of another order is refused, not misread.
    let by_name = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &FactSheetFilter::default(),
        FactSheetOrder::default(),
        Some(1),
        None,
    )
    .await
    .unwrap();
    let err = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &FactSheetFilter::default(),
        FactSheetOrder::attribute("monthlyCost", false),
        Some(1),
        by_name.end_cursor(),
    )
    .await
    .unwrap_err();
    assert_eq!(paths(err), ["after"]);
}
