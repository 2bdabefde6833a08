//! The input caps of `domain::limits`: one item over a cap is refused with the field's path
//! before any work, and every cap at its maximum, all in one request, runs on both databases
//! and still finds exactly what it should (SQLite's expression depth and variable limits, and
//! PostgreSQL's planner, are what the caps protect).

use domain::{
    Error, Principal,
    events::list_for_fact_sheet,
    external_ids::ExternalId,
    fact_sheets::{
        self, FactSheet, FactSheetFilter, FactSheetOrder, NewFactSheet, RelationDirection,
        RelationFilter, SubscriptionFilter,
    },
    limits,
    meta_model::{
        AttributeDefinition, AttributeType, Cardinality, Constraints, FactSheetType, MetaModel,
        RelationType, RollUp, RollUpDirection, SelectOption,
    },
    meta_model_versions::{self, AttributeOwner, MetaModelEdit},
    relations::{self, NewRelation},
    subscriptions::{self, SubscriptionRole},
    tags,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::support::{World, paths};

fn string_attribute(key: &str) -> AttributeDefinition {
    AttributeDefinition {
        key: key.into(),
        label: key.into(),
        description: None,
        kind: AttributeType::String,
        required: false,
        constraints: Constraints::default(),
        weight: 1.0,
        options: vec![],
    }
}

fn select_attribute(key: &str, options: usize) -> AttributeDefinition {
    AttributeDefinition {
        kind: AttributeType::SingleSelect,
        options: (0..options)
            .map(|i| SelectOption {
                key: format!("o{i}"),
                label: format!("Option {i}"),
                order: i as i32,
            })
            .collect(),
        ..string_attribute(key)
    }
}

fn probe_type(key: &str, attributes: Vec<AttributeDefinition>) -> FactSheetType {
    FactSheetType {
        key: key.into(),
        label: key.into(),
        description: None,
        attributes,
        roll_up: vec![],
        roll_up_children: false,
    }
}

fn link(key: &str, between: &str) -> RelationType {
    RelationType {
        key: key.into(),
        label: key.into(),
        description: None,
        from_type: between.into(),
        to_type: between.into(),
        from_cardinality: Cardinality::Many,
        to_cardinality: Cardinality::Many,
        attributes: vec![],
    }
}

async fn edit(w: &World, edit: MetaModelEdit) -> Result<(), Error> {
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &edit, None, false)
        .await
        .map(|_| ())
}

/// A `Probe` type with as many string attributes as a filter may name, and a relation type
/// between probes.
async fn probe_model(w: &World) -> MetaModel {
    let attributes = (0..limits::ATTRIBUTE_FILTERS.max)
        .map(|i| string_attribute(&format!("a{i}")))
        .collect();
    edit(
        w,
        MetaModelEdit::AddFactSheetType(probe_type("Probe", attributes)),
    )
    .await
    .unwrap();
    edit(
        w,
        MetaModelEdit::AddRelationType(link("probeLink", "Probe")),
    )
    .await
    .unwrap();
    w.model().await
}

/// Words at the search caps, full of `LIKE` metacharacters and multi-byte letters.
fn search_words() -> Vec<String> {
    let words: Vec<String> = (0..limits::SEARCH_WORDS.max)
        .map(|i| format!("w{i:02}%_\\üéé"))
        .collect();
    assert!(words.join(" ").chars().count() <= limits::SEARCH_CHARACTERS.max);
    words
}

fn tag_names() -> Vec<String> {
    (0..limits::TAGS.max).map(|i| format!("cap-{i}")).collect()
}

async fn create(w: &World, model: &MetaModel, input: NewFactSheet) -> Result<FactSheet, Error> {
    fact_sheets::create(w.db.conn(), &w.admin, model, input).await
}

fn refused(result: Result<impl std::fmt::Debug, Error>) -> Vec<String> {
    paths(result.expect_err("refused"))
}

#[tokio::test]
async fn one_item_over_a_filter_cap_is_refused_naming_the_field() {
    let w = World::new().await;
    let model = w.model().await;
    let over = |cap: limits::Cap| cap.max + 1;
    let mut attributes = Map::new();
    for i in 0..over(limits::ATTRIBUTE_FILTERS) {
        attributes.insert(format!("k{i}"), json!("x"));
    }
    attributes.insert(
        "k0".into(),
        json!(vec!["v"; over(limits::ATTRIBUTE_VALUES)]),
    );
    attributes.insert(
        "k1".into(),
        json!({ "in": vec!["v"; over(limits::ATTRIBUTE_VALUES)] }),
    );
    let filter = FactSheetFilter {
        ids: Some(vec![Uuid::nil(); over(limits::IDS)]),
        types: Some(vec!["Team".into(); over(limits::TYPES)]),
        tags: Some(vec!["t".into(); over(limits::TAGS)]),
        relations: vec![
            RelationFilter {
                relation_type: "teamOwnsArtifact".into(),
                direction: RelationDirection::Outgoing,
                other_id: None,
                exists: false,
            };
            over(limits::RELATION_FILTERS)
        ],
        subscriptions: vec![
            SubscriptionFilter {
                user: None,
                role: Some(SubscriptionRole::Accountable),
                exists: false,
            };
            over(limits::SUBSCRIPTION_FILTERS)
        ],
        search: Some("x ".repeat(over(limits::SEARCH_WORDS))),
        attributes: Some(Value::Object(attributes)),
        ..Default::default()
    };
    let err = fact_sheets::count(w.db.conn(), &w.admin, &model, &filter).await;
    assert_eq!(
        refused(err),
        [
            "filter.ids",
            "filter.types",
            "filter.tags",
            "filter.relations",
            "filter.subscriptions",
            "filter.search",
            "filter.attributes",
            "filter.attributes.k0",
            "filter.attributes.k1",
        ]
    );
    let long = FactSheetFilter {
        search: Some("x".repeat(over(limits::SEARCH_CHARACTERS))),
        ..Default::default()
    };
    for result in [
        fact_sheets::count(w.db.conn(), &w.admin, &model, &long)
            .await
            .map(|_| ()),
        fact_sheets::list(
            w.db.conn(),
            &w.admin,
            &model,
            &long,
            FactSheetOrder::default(),
            None,
            None,
        )
        .await
        .map(|_| ()),
        fact_sheets::facets(w.db.conn(), &w.admin, &model, &long)
            .await
            .map(|_| ()),
    ] {
        let Err(Error::Invalid(errors)) = result else {
            panic!("refused: {result:?}");
        };
        assert_eq!(errors[0].path, "filter.search");
        assert_eq!(errors[0].message, "at most 200 characters are allowed");
    }
}

#[tokio::test]
async fn one_item_over_a_list_cap_of_a_write_or_an_event_list_is_refused() {
    let w = World::new().await;
    let model = w.model().await;
    let sheet = w.create_fact_sheet("Team", "Payments").await;
    let too_many_tags: Vec<String> = (0..=limits::TAGS.max).map(|i| format!("t{i}")).collect();
    assert_eq!(
        refused(tags::tag_fact_sheet(w.db.conn(), &w.admin, sheet.id, &too_many_tags).await),
        ["tags"]
    );
    assert_eq!(
        refused(tags::untag_fact_sheet(w.db.conn(), &w.admin, sheet.id, &too_many_tags).await),
        ["tags"]
    );
    let ids = (0..=limits::EXTERNAL_IDS.max)
        .map(|i| ExternalId {
            namespace: "repo".into(),
            value: format!("r{i}"),
        })
        .collect();
    let input = NewFactSheet {
        fact_sheet_type: "Team".into(),
        name: "Overfull".into(),
        external_ids: ids,
        ..Default::default()
    };
    assert_eq!(refused(create(&w, &model, input).await), ["externalIds"]);
    let input = NewFactSheet {
        fact_sheet_type: "Team".into(),
        name: "Overtagged".into(),
        tags: too_many_tags,
        ..Default::default()
    };
    assert_eq!(refused(create(&w, &model, input).await), ["tags"]);
    let types = vec!["dev.wayfinder.change".to_owned(); limits::TYPES.max + 1];
    let listed = list_for_fact_sheet(w.db.conn(), &w.admin, sheet.id, Some(&types), None, None);
    assert_eq!(refused(listed.await), ["types"]);
}

#[tokio::test]
async fn one_item_over_a_meta_model_cap_is_refused_naming_the_field() {
    let w = World::new().await;
    let many = |n: usize| (0..n).map(|i| string_attribute(&format!("a{i}"))).collect();
    let big = probe_type("Big", many(limits::ATTRIBUTE_DEFINITIONS.max + 1));
    assert_eq!(
        refused(edit(&w, MetaModelEdit::AddFactSheetType(big)).await),
        ["input.attributes"]
    );
    let mut rolling = probe_type(
        "Rolling",
        vec![select_attribute("s", limits::SELECT_OPTIONS.max + 1)],
    );
    rolling.roll_up = vec![
        RollUp {
            relation_type: "teamOwnsArtifact".into(),
            direction: RollUpDirection::Outgoing,
        };
        limits::ROLL_UP.max + 1
    ];
    assert_eq!(
        refused(edit(&w, MetaModelEdit::AddFactSheetType(rolling.clone())).await),
        ["input.attributes.0.options", "input.rollUp"]
    );
    let mut relation = link("wide", "Team");
    relation.attributes = many(limits::ATTRIBUTE_DEFINITIONS.max + 1);
    assert_eq!(
        refused(edit(&w, MetaModelEdit::AddRelationType(relation)).await),
        ["input.attributes"]
    );
    let owner = AttributeOwner::FactSheetType("Team".into());
    let definition = select_attribute("tier", limits::SELECT_OPTIONS.max + 1);
    assert_eq!(
        refused(edit(&w, MetaModelEdit::AddAttribute { owner, definition }).await),
        ["definition.options"]
    );
    let set = MetaModelEdit::SetRollUp {
        fact_sheet_type: "Team".into(),
        roll_up: Some(rolling.roll_up),
        children: None,
    };
    assert_eq!(refused(edit(&w, set).await), ["rollUp"]);
}

#[tokio::test]
async fn a_filter_with_every_list_at_its_cap_finds_exactly_its_match_on_both_databases() {
    let w = World::new().await;
    let model = probe_model(&w).await;
    let words = search_words();
    let tag_names = tag_names();
    let mut values = Map::new();
    for i in 0..limits::ATTRIBUTE_FILTERS.max {
        values.insert(format!("a{i}"), json!(format!("v{i}")));
    }
    let source = create(&w, &model, probe("Source")).await.unwrap();
    let target = create(
        &w,
        &model,
        NewFactSheet {
            description: Some(words.join(" ")),
            attributes: values,
            tags: tag_names.clone(),
            external_ids: (0..limits::EXTERNAL_IDS.max)
                .map(|i| ExternalId {
                    namespace: "eventSource".into(),
                    value: format!("source-{i}"),
                })
                .collect(),
            ..probe("Target")
        },
    )
    .await
    .unwrap();
    // A decoy with the same name, tags and relation but other attribute values.
    let decoy = create(
        &w,
        &model,
        NewFactSheet {
            description: Some(words.join(" ")),
            tags: tag_names.clone(),
            ..probe("Target")
        },
    )
    .await
    .unwrap();
    for to in [target.id, decoy.id] {
        let relation = NewRelation {
            relation_type: "probeLink".into(),
            from_id: source.id,
            to_id: to,
            ..Default::default()
        };
        relations::create(w.db.conn(), &w.admin, &model, relation)
            .await
            .unwrap();
    }

    let mut ids: Vec<Uuid> = (1..limits::IDS.max).map(|_| Uuid::now_v7()).collect();
    ids.extend([target.id, decoy.id]);
    ids.truncate(limits::IDS.max - 1);
    ids.push(target.id);
    let mut attributes = Map::new();
    for i in 0..limits::ATTRIBUTE_FILTERS.max {
        let mut any_of: Vec<Value> = (1..limits::ATTRIBUTE_VALUES.max)
            .map(|j| json!(format!("other-{j}-%_\\")))
            .collect();
        any_of.push(json!(format!("v{i}")));
        // Half as a plain list, half with the `in` operator.
        let spec = if i % 2 == 0 {
            json!(any_of)
        } else {
            json!({ "in": any_of })
        };
        attributes.insert(format!("a{i}"), spec);
    }
    let half = limits::RELATION_FILTERS.max / 2;
    let relation_filters = (0..limits::RELATION_FILTERS.max)
        .map(|i| RelationFilter {
            relation_type: "probeLink".into(),
            // Incoming from the source exists; outgoing relations exist for none.
            direction: if i < half {
                RelationDirection::Incoming
            } else {
                RelationDirection::Outgoing
            },
            other_id: (i < half).then_some(source.id),
            exists: i < half,
        })
        .collect();
    // The target has half the subscriptions asked for; the other half no fact sheet has.
    let half = limits::SUBSCRIPTION_FILTERS.max / 2;
    for i in 0..half {
        let user = format!("cap-{i}@acme.test");
        subscriptions::subscribe(
            w.db.conn(),
            &w.admin,
            target.id,
            &user,
            SubscriptionRole::Observer,
        )
        .await
        .unwrap();
    }
    let subscription_filters = (0..limits::SUBSCRIPTION_FILTERS.max)
        .map(|i| SubscriptionFilter {
            user: Some(format!("cap-{i}@acme.test")),
            role: (i >= half).then_some(SubscriptionRole::Accountable),
            exists: i < half,
        })
        .collect();
    let filter = FactSheetFilter {
        ids: Some(ids),
        types: Some(vec!["Probe".into(); limits::TYPES.max]),
        subscriptions: subscription_filters,
        search: Some(words.join(" ")),
        attributes: Some(Value::Object(attributes)),
        tags: Some(tag_names.clone()),
        relations: relation_filters,
        ..Default::default()
    };
    let page = fact_sheets::list(
        w.db.conn(),
        &w.admin,
        &model,
        &filter,
        FactSheetOrder::default(),
        Some(limits::IDS.max as i32),
        None,
    )
    .await
    .unwrap();
    let found: Vec<Uuid> = page.items.iter().map(|(_, fs)| fs.id).collect();
    assert_eq!(found, [target.id]);
    let total = fact_sheets::count(w.db.conn(), &w.admin, &model, &filter).await;
    assert_eq!(total.unwrap(), 1);
    let facets = fact_sheets::facets(w.db.conn(), &w.admin, &model, &filter)
        .await
        .unwrap();
    let probes = facets.types.iter().find(|c| c.key == "Probe").unwrap();
    assert_eq!(probes.count, 1);
    assert_eq!(facets.tags.len(), limits::TAGS.max);

    let types = vec!["dev.wayfinder.change".to_owned(); limits::TYPES.max];
    let events = list_for_fact_sheet(w.db.conn(), &w.admin, target.id, Some(&types), None, None);
    assert!(events.await.unwrap().items.is_empty());
    untag_and_retag(&w, &w.admin, decoy.id, &tag_names).await;
}

fn probe(name: &str) -> NewFactSheet {
    NewFactSheet {
        fact_sheet_type: "Probe".into(),
        name: name.into(),
        ..Default::default()
    }
}

async fn untag_and_retag(w: &World, admin: &Principal, id: Uuid, names: &[String]) {
    tags::untag_fact_sheet(w.db.conn(), admin, id, names)
        .await
        .unwrap();
    tags::tag_fact_sheet(w.db.conn(), admin, id, names)
        .await
        .unwrap();
    let carried = tags::tags_of(w.db.conn(), admin, &[id])
        .await
        .unwrap()
        .remove(&id)
        .unwrap_or_default();
    assert_eq!(carried.len(), names.len());
}

#[tokio::test]
async fn a_meta_model_change_with_every_list_at_its_cap_is_saved() {
    let w = World::new().await;
    let mut attributes: Vec<AttributeDefinition> = (1..limits::ATTRIBUTE_DEFINITIONS.max)
        .map(|i| string_attribute(&format!("a{i}")))
        .collect();
    attributes.push(select_attribute("choice", limits::SELECT_OPTIONS.max));
    edit(
        &w,
        MetaModelEdit::AddFactSheetType(probe_type("Wide", attributes)),
    )
    .await
    .unwrap();
    let mut relation = link("wideLink", "Wide");
    relation.attributes = (0..limits::ATTRIBUTE_DEFINITIONS.max)
        .map(|i| string_attribute(&format!("r{i}")))
        .collect();
    edit(&w, MetaModelEdit::AddRelationType(relation))
        .await
        .unwrap();
    let set = MetaModelEdit::SetRollUp {
        fact_sheet_type: "Wide".into(),
        roll_up: Some(vec![
            RollUp {
                relation_type: "wideLink".into(),
                direction: RollUpDirection::Outgoing,
            };
            limits::ROLL_UP.max
        ]),
        children: None,
    };
    edit(&w, set).await.unwrap();
    // A forced change of the select attribute compares stored values with every option.
    let model = w.model().await;
    let input = NewFactSheet {
        fact_sheet_type: "Wide".into(),
        name: "Chosen".into(),
        attributes: json!({"choice": "o7"}).as_object().unwrap().clone(),
        ..Default::default()
    };
    create(&w, &model, input).await.unwrap();
    let update = MetaModelEdit::UpdateAttribute {
        owner: AttributeOwner::FactSheetType("Wide".into()),
        definition: select_attribute("choice", limits::SELECT_OPTIONS.max - 1),
    };
    meta_model_versions::apply_edit(w.db.conn(), &w.admin, &update, None, true)
        .await
        .unwrap();
}
