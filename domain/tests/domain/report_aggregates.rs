//! Aggregation in SQL: groups by type, lifecycle phase, tag group and related fact sheet (one
//! or two keys), measures along relation paths, each fact sheet once per group however many
//! paths reach it, members without a value in the group of no value, and metric figures
//! averaged over each group's own fact sheets.

use chrono::Duration;
use domain::{
    fact_sheets::{self, FactSheetFilter, NewFactSheet, RelationDirection},
    metrics::{self, MetricWindow},
    relations::{self, NewRelation},
    reports::{
        self, Aggregate, AggregateQuery, AggregateSort, Figure, GroupBy, Measure, MeasureKind,
        RelationStep, SortBy,
    },
    tags::{self, TagGroupMode},
};
use serde_json::{Value, json};
use testkit::facts::{day, deployment, two_weeks};
use uuid::Uuid;

use crate::{
    metrics_cache::{artifact, ingest, own},
    support::{World, attrs, paths},
};

async fn create(w: &World, fact_sheet_type: &str, name: &str, attributes: Value) -> Uuid {
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
    .id
}

async fn relate(w: &World, relation_type: &str, from_id: Uuid, to_id: Uuid) {
    let model = w.model().await;
    relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            relation_type: relation_type.into(),
            from_id,
            to_id,
            attributes: Default::default(),
            active_from: None,
            active_until: None,
        },
    )
    .await
    .unwrap();
}

fn step(relation_type: &str, direction: RelationDirection) -> RelationStep {
    RelationStep {
        relation_type: relation_type.into(),
        direction,
    }
}

fn owner() -> Vec<RelationStep> {
    vec![step("teamOwnsArtifact", RelationDirection::Incoming)]
}

fn runs_on() -> Vec<RelationStep> {
    vec![step("artifactRunsOn", RelationDirection::Outgoing)]
}

fn of_type(t: &str) -> FactSheetFilter {
    FactSheetFilter {
        types: Some(vec![t.into()]),
        ..Default::default()
    }
}

fn measure(kind: MeasureKind, path: Vec<RelationStep>) -> Measure {
    Measure { kind, path }
}

fn query(
    filter: FactSheetFilter,
    group_by: Vec<GroupBy>,
    measures: Vec<Measure>,
) -> AggregateQuery {
    AggregateQuery {
        filter,
        group_by,
        measures,
        sort: None,
        limit: None,
        totals: true,
    }
}

async fn run(w: &World, q: &AggregateQuery) -> Aggregate {
    let model = w.model().await;
    reports::aggregate(w.db.conn(), &w.admin, &model, q)
        .await
        .unwrap()
}

/// A group as (labels of its keys, count, values).
type Row = (Vec<Option<String>>, u64, Vec<Option<f64>>);

fn table(a: &Aggregate) -> Vec<Row> {
    a.groups
        .iter()
        .map(|g| {
            (
                g.keys.iter().map(|k| k.label.clone()).collect(),
                g.count,
                g.values.clone(),
            )
        })
        .collect()
}

fn label(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Teams Alpha and Beta; Alpha's artifacts Checkout and Billing both run on the Database (the
/// diamond: Alpha reaches it twice), Billing also on the Queue; Beta's Search on the Cache;
/// Orphan has no owner, no lifecycle and no resource.
struct Landscape {
    alpha: Uuid,
    beta: Uuid,
}

async fn landscape(w: &World) -> Landscape {
    let alpha = create(w, "Team", "Alpha", json!({})).await;
    let beta = create(w, "Team", "Beta", json!({})).await;
    let checkout = create(
        w,
        "SoftwareArtifact",
        "Checkout",
        json!({"lifecycle": {"plan": "2020-01-01", "active": "2021-01-01"}, "language": "go"}),
    )
    .await;
    let billing = create(
        w,
        "SoftwareArtifact",
        "Billing",
        json!({"lifecycle": {"active": "2020-01-01", "phaseOut": "2022-01-01", "endOfLife": "2999-01-01"}, "language": "go"}),
    )
    .await;
    let search = create(
        w,
        "SoftwareArtifact",
        "Search",
        json!({"lifecycle": {"active": "2020-01-01"}, "language": "rust"}),
    )
    .await;
    create(w, "SoftwareArtifact", "Orphan", json!({})).await;
    let database = create(
        w,
        "CloudResource",
        "Database",
        json!({"monthlyCost": 100.0}),
    )
    .await;
    let queue = create(w, "CloudResource", "Queue", json!({"monthlyCost": 50.0})).await;
    let cache = create(w, "CloudResource", "Cache", json!({"monthlyCost": 7.5})).await;
    relate(w, "teamOwnsArtifact", alpha, checkout).await;
    relate(w, "teamOwnsArtifact", alpha, billing).await;
    relate(w, "teamOwnsArtifact", beta, search).await;
    relate(w, "artifactRunsOn", checkout, database).await;
    relate(w, "artifactRunsOn", billing, database).await;
    relate(w, "artifactRunsOn", billing, queue).await;
    relate(w, "artifactRunsOn", search, cache).await;
    Landscape { alpha, beta }
}

#[tokio::test]
async fn monthly_cost_per_team_counts_a_resource_two_artifacts_run_on_once() {
    let w = World::new().await;
    let l = landscape(&w).await;
    let a = run(
        &w,
        &query(
            of_type("SoftwareArtifact"),
            vec![GroupBy::Related(owner())],
            vec![
                measure(MeasureKind::Sum("monthlyCost".into()), runs_on()),
                measure(MeasureKind::Count, runs_on()),
                measure(MeasureKind::Max("monthlyCost".into()), runs_on()),
            ],
        ),
    )
    .await;
    assert_eq!(
        table(&a),
        vec![
            (
                vec![label("Alpha")],
                2,
                vec![Some(150.0), Some(2.0), Some(100.0)]
            ),
            (
                vec![label("Beta")],
                1,
                vec![Some(7.5), Some(1.0), Some(7.5)]
            ),
            (vec![None], 1, vec![None, Some(0.0), None]),
        ]
    );
    assert_eq!(a.groups[0].keys[0].key, Some(l.alpha.to_string()));
    assert_eq!(a.groups[1].keys[0].key, Some(l.beta.to_string()));
    let totals = a.totals.unwrap();
    assert_eq!(totals.count, 4);
    assert_eq!(totals.values, vec![Some(157.5), Some(3.0), Some(100.0)]);
}

#[tokio::test]
async fn a_team_two_hops_from_a_resource_counts_it_once() {
    let w = World::new().await;
    landscape(&w).await;
    let team_of_resource = vec![
        step("artifactRunsOn", RelationDirection::Incoming),
        step("teamOwnsArtifact", RelationDirection::Incoming),
    ];
    let a = run(
        &w,
        &query(
            of_type("CloudResource"),
            vec![GroupBy::Related(team_of_resource)],
            vec![
                measure(MeasureKind::Count, vec![]),
                measure(MeasureKind::Sum("monthlyCost".into()), vec![]),
                measure(MeasureKind::Avg("monthlyCost".into()), vec![]),
            ],
        ),
    )
    .await;
    assert_eq!(
        table(&a),
        vec![
            (
                vec![label("Alpha")],
                2,
                vec![Some(2.0), Some(150.0), Some(75.0)]
            ),
            (
                vec![label("Beta")],
                1,
                vec![Some(1.0), Some(7.5), Some(7.5)]
            ),
        ]
    );
}

#[tokio::test]
async fn a_team_by_lifecycle_matrix_puts_missing_values_in_the_none_group() {
    let w = World::new().await;
    landscape(&w).await;
    let a = run(
        &w,
        &query(
            of_type("SoftwareArtifact"),
            vec![
                GroupBy::Related(owner()),
                GroupBy::Attribute("lifecycle".into()),
            ],
            vec![measure(MeasureKind::Count, vec![])],
        ),
    )
    .await;
    assert_eq!(
        table(&a),
        vec![
            (vec![label("Alpha"), label("Active")], 1, vec![Some(1.0)]),
            (vec![label("Alpha"), label("Phase out")], 1, vec![Some(1.0)]),
            (vec![label("Beta"), label("Active")], 1, vec![Some(1.0)]),
            (vec![None, None], 1, vec![Some(1.0)]),
        ]
    );
    assert_eq!(a.groups[1].keys[1].key.as_deref(), Some("phaseOut"));
    assert_eq!(a.group_count, 4);
}

/// A filter of status and types alone is applied to the members as the statement reads them,
/// any other through the filter's sub-query; either way the members are the same fact sheets.
#[tokio::test]
async fn members_are_the_filters_fact_sheets_however_it_is_applied() {
    let w = World::new().await;
    let l = landscape(&w).await;
    let retired = create(&w, "SoftwareArtifact", "Retired", json!({"language": "go"})).await;
    relate(&w, "teamOwnsArtifact", l.beta, retired).await;
    fact_sheets::archive(w.db.conn(), &w.admin, retired, None)
        .await
        .unwrap();
    let per_owner = |filter| {
        query(
            filter,
            vec![GroupBy::Related(owner())],
            vec![measure(MeasureKind::Count, vec![])],
        )
    };

    let active = run(&w, &per_owner(of_type("SoftwareArtifact"))).await;
    assert_eq!(
        table(&active),
        vec![
            (vec![label("Alpha")], 2, vec![Some(2.0)]),
            (vec![label("Beta")], 1, vec![Some(1.0)]),
            (vec![None], 1, vec![Some(1.0)]),
        ]
    );
    let archived = run(
        &w,
        &per_owner(FactSheetFilter {
            status: Some(fact_sheets::Status::Archived),
            ..of_type("SoftwareArtifact")
        }),
    )
    .await;
    assert_eq!(
        table(&archived),
        vec![(vec![label("Beta")], 1, vec![Some(1.0)])]
    );
    let go = run(
        &w,
        &per_owner(FactSheetFilter {
            attributes: Some(json!({"language": "go"})),
            ..of_type("SoftwareArtifact")
        }),
    )
    .await;
    assert_eq!(table(&go), vec![(vec![label("Alpha")], 2, vec![Some(2.0)])]);
    let searched = run(
        &w,
        &per_owner(FactSheetFilter {
            search: Some("billing".into()),
            ..of_type("SoftwareArtifact")
        }),
    )
    .await;
    assert_eq!(
        table(&searched),
        vec![(vec![label("Alpha")], 1, vec![Some(1.0)])]
    );
}

#[tokio::test]
async fn groups_by_select_option_and_tag_group_with_their_labels() {
    let w = World::new().await;
    landscape(&w).await;
    tags::create_group(w.db.conn(), &w.admin, "Tier", TagGroupMode::Multiple, None)
        .await
        .unwrap();
    let model = w.model().await;
    for tag in ["gold", "silver"] {
        tags::create(w.db.conn(), &w.admin, tag, Some("Tier"), None, None)
            .await
            .unwrap();
    }
    let listed = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &of_type("SoftwareArtifact"),
        Default::default(),
        Some(10),
        None,
    )
    .await
    .unwrap();
    let id_of = |name: &str| {
        listed
            .items
            .iter()
            .find(|(_, f)| f.name == name)
            .unwrap()
            .1
            .id
    };
    // Billing carries both tiers, so it is in both groups.
    for (name, tag) in [
        ("Checkout", "gold"),
        ("Billing", "gold"),
        ("Billing", "silver"),
    ] {
        tags::tag_fact_sheet(w.db.conn(), &w.admin, id_of(name), &[tag.to_owned()])
            .await
            .unwrap();
    }
    let by_language = run(
        &w,
        &query(
            of_type("SoftwareArtifact"),
            vec![GroupBy::Attribute("language".into())],
            vec![],
        ),
    )
    .await;
    assert_eq!(
        table(&by_language),
        vec![
            (vec![label("Go")], 2, vec![]),
            (vec![label("Rust")], 1, vec![]),
            (vec![None], 1, vec![]),
        ]
    );
    let by_tier = run(
        &w,
        &query(
            of_type("SoftwareArtifact"),
            vec![GroupBy::TagGroup("Tier".into())],
            vec![],
        ),
    )
    .await;
    assert_eq!(
        table(&by_tier),
        vec![
            (vec![label("gold")], 2, vec![]),
            (vec![label("silver")], 1, vec![]),
            (vec![None], 2, vec![]),
        ]
    );
}

#[tokio::test]
async fn average_completion_per_type_is_the_mean_of_the_members_completion() {
    let w = World::new().await;
    landscape(&w).await;
    let model = w.model().await;
    let a = run(
        &w,
        &query(
            FactSheetFilter::default(),
            vec![GroupBy::Type],
            vec![measure(MeasureKind::AvgCompletion, vec![])],
        ),
    )
    .await;
    for group in &a.groups {
        let t = group.keys[0].key.clone().unwrap();
        let listed = fact_sheets::list(
            w.db.conn(),
            &w.admin,
            &model,
            &of_type(&t),
            Default::default(),
            Some(50),
            None,
        )
        .await
        .unwrap();
        let completions: Vec<f64> = listed.items.iter().map(|(_, f)| f.completion).collect();
        let mean = completions.iter().sum::<f64>() / completions.len() as f64;
        assert_eq!(group.count as usize, completions.len(), "{t}");
        assert!((group.values[0].unwrap() - mean).abs() < 1e-9, "{t}");
    }
    assert_eq!(
        a.groups
            .iter()
            .map(|g| g.keys[0].label.clone())
            .collect::<Vec<_>>(),
        vec![
            label("Cloud resource"),
            label("Software artifact"),
            label("Team")
        ]
    );
}

#[tokio::test]
async fn sorting_by_a_measure_with_a_limit_keeps_the_group_count() {
    let w = World::new().await;
    landscape(&w).await;
    let mut q = query(
        of_type("SoftwareArtifact"),
        vec![GroupBy::Related(owner())],
        vec![measure(MeasureKind::Sum("monthlyCost".into()), runs_on())],
    );
    q.sort = Some(AggregateSort {
        by: SortBy::Measure(0),
        descending: false,
    });
    q.limit = Some(2);
    let a = run(&w, &q).await;
    assert_eq!(a.group_count, 3);
    assert_eq!(
        table(&a),
        vec![
            (vec![label("Beta")], 1, vec![Some(7.5)]),
            (vec![label("Alpha")], 2, vec![Some(150.0)]),
        ]
    );
}

/// A team with an artifact deploying `count` times in the window.
async fn deploying_team(w: &World, name: &str, count: usize) -> Uuid {
    let team = create(w, "Team", name, json!({})).await;
    let source = format!("{name}-svc");
    let artifact = artifact(w, &source, Some(&source)).await;
    own(w, team, artifact).await;
    let events = (0..count)
        .map(|i| {
            deployment(
                &source,
                &format!("{source}-{i}"),
                day(1) + Duration::hours(i as i64 * 25),
                &[],
            )
        })
        .collect();
    ingest(w, events).await;
    team
}

async fn deployment_frequency(w: &World, id: Uuid, window: &MetricWindow) -> Option<f64> {
    let model = w.model().await;
    let m = metrics::for_fact_sheet(
        w.db.conn(),
        &w.admin,
        &model,
        id,
        window,
        Figure::DeploymentFrequency.needs(),
    )
    .await
    .unwrap();
    Figure::DeploymentFrequency.of(&m)
}

#[tokio::test]
async fn a_figure_measure_averages_the_teams_own_figures() {
    let w = World::new().await;
    let busy = deploying_team(&w, "Busy", 6).await;
    let calm = deploying_team(&w, "Calm", 2).await;
    let idle = create(&w, "Team", "Idle", json!({})).await;
    let window = two_weeks();
    let busy_figure = deployment_frequency(&w, busy, &window).await.unwrap();
    let calm_figure = deployment_frequency(&w, calm, &window).await.unwrap();
    let idle_figure = deployment_frequency(&w, idle, &window).await;
    assert!(busy_figure > calm_figure);
    let a = run(
        &w,
        &query(
            of_type("Team"),
            vec![GroupBy::Type],
            vec![measure(
                MeasureKind::AvgFigure {
                    figure: Figure::DeploymentFrequency,
                    window: window.clone(),
                },
                vec![],
            )],
        ),
    )
    .await;
    // The average of the teams' own figures (each rolled up over its artifacts), not a figure
    // over all their deployments together; a team without a figure would be left out.
    let own: Vec<f64> = [Some(busy_figure), Some(calm_figure), idle_figure]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(a.groups.len(), 1);
    assert_eq!(a.groups[0].count, 3);
    let average = a.groups[0].values[0].unwrap();
    assert!((average - own.iter().sum::<f64>() / own.len() as f64).abs() < 1e-9);
    let per_team = run(
        &w,
        &query(
            of_type("Team"),
            vec![GroupBy::FactSheet],
            vec![measure(
                MeasureKind::AvgFigure {
                    figure: Figure::DeploymentFrequency,
                    window,
                },
                vec![],
            )],
        ),
    )
    .await;
    assert_eq!(
        table(&per_team),
        vec![
            (vec![label("Busy")], 1, vec![Some(busy_figure)]),
            (vec![label("Calm")], 1, vec![Some(calm_figure)]),
            (vec![label("Idle")], 1, vec![idle_figure]),
        ]
    );
}

#[tokio::test]
async fn refusals_name_the_field_of_the_question() {
    let w = World::new().await;
    let model = w.model().await;
    let q = AggregateQuery {
        filter: of_type("SoftwareArtifact"),
        group_by: vec![
            GroupBy::Attribute("repositoryUrl".into()),
            GroupBy::TagGroup("Nope".into()),
        ],
        measures: vec![
            measure(MeasureKind::Sum("language".into()), vec![]),
            measure(
                MeasureKind::Count,
                vec![step("noSuchRelation", RelationDirection::Outgoing)],
            ),
            measure(
                MeasureKind::Count,
                vec![step("teamOwnsArtifact", RelationDirection::Outgoing)],
            ),
        ],
        sort: Some(AggregateSort {
            by: SortBy::Measure(3),
            descending: true,
        }),
        limit: Some(0),
        totals: false,
    };
    let err = reports::aggregate(w.db.conn(), &w.admin, &model, &q)
        .await
        .unwrap_err();
    assert_eq!(
        paths(err),
        vec![
            "groupBy.0.attribute",
            "groupBy.1.tagGroup",
            "measures.0.attribute",
            "measures.1.path.0.type",
            "measures.2.path.0.type",
            "limit",
            "sort.measure",
        ]
    );
}

#[tokio::test]
async fn a_lifecycle_not_started_yet_is_grouped_apart_from_no_lifecycle() {
    let w = World::new().await;
    create(
        &w,
        "SoftwareArtifact",
        "planned",
        json!({"lifecycle": {"plan": "2999-01-01"}}),
    )
    .await;
    create(
        &w,
        "SoftwareArtifact",
        "running",
        json!({"lifecycle": {"active": "2020-01-01"}}),
    )
    .await;
    create(&w, "SoftwareArtifact", "unknown", json!({})).await;
    let a = run(
        &w,
        &query(
            of_type("SoftwareArtifact"),
            vec![GroupBy::Attribute("lifecycle".into())],
            vec![measure(MeasureKind::Count, vec![])],
        ),
    )
    .await;
    let keys: Vec<(Option<String>, Option<String>, u64)> = a
        .groups
        .iter()
        .map(|g| (g.keys[0].key.clone(), g.keys[0].label.clone(), g.count))
        .collect();
    assert_eq!(
        keys,
        vec![
            (Some("active".into()), label("Active"), 1),
            (Some("notStarted".into()), label("Not started yet"), 1),
            (None, None, 1),
        ]
    );
}
