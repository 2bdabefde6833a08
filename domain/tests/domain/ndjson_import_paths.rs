//! An NDJSON import writes new fact sheets and relations in bulk and everything else line by
//! line: both paths must leave exactly what the mutations leave, and refuse exactly what they
//! refuse, in the order of the lines.

use std::collections::BTreeMap;

use domain::{
    Principal,
    exchange::{
        ExportCursor, ExportFilter, ImportMode, ImportOptions, ImportReport, export_page,
        import_ndjson,
    },
    external_ids::ExternalId,
    fact_sheets::{self, FactSheetFilter, NewFactSheet},
    history,
    meta_model::MetaModel,
    relations::{self, NewRelation},
    tags::{self, TagGroupMode},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{World, attrs};

async fn create(w: &World, p: &Principal, model: &MetaModel, input: NewFactSheet) -> Uuid {
    let tx = w.db.store.begin_write(p.workspace_id).await.unwrap();
    let id = fact_sheets::create(&*tx, p, model, input).await.unwrap().id;
    tx.commit().await.unwrap();
    id
}

async fn relate(w: &World, model: &MetaModel, t: &str, from: Uuid, to: Uuid, attributes: Value) {
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    relations::create(
        &*tx,
        &w.admin,
        model,
        NewRelation {
            relation_type: t.into(),
            from_id: from,
            to_id: to,
            attributes: attrs(attributes),
            active_from: None,
            active_until: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn export_all(w: &World, p: &Principal) -> String {
    let tx = w.db.store.begin_write(p.workspace_id).await.unwrap();
    let mut lines = Vec::new();
    let mut cursor = ExportCursor::START;
    while cursor != ExportCursor::Done {
        let (page, next) = export_page(&*tx, p, &ExportFilter::default(), cursor, 2)
            .await
            .unwrap();
        lines.extend(page.iter().map(Value::to_string));
        cursor = next;
    }
    lines.join("\n")
}

async fn import(w: &World, p: &Principal, body: &str, mode: ImportMode) -> ImportReport {
    run(w, p, body, mode, false).await
}

/// Imports `body`, or only checks it when `validate_only`, which rolls back.
async fn run(
    w: &World,
    p: &Principal,
    body: &str,
    mode: ImportMode,
    validate_only: bool,
) -> ImportReport {
    let model = domain::meta_model_versions::current(w.db.conn(), p)
        .await
        .unwrap()
        .model;
    let tx = w.db.store.begin_write(p.workspace_id).await.unwrap();
    let options = ImportOptions {
        mode,
        validate_only,
    };
    let report = import_ndjson(&tx, p, &model, body, options, &mut |_, _| {})
        .await
        .unwrap();
    if report.commits(options) {
        tx.commit().await.unwrap();
    }
    report
}

/// Every fact sheet of `p`'s workspace by name: its revision and its history (kind and diff,
/// oldest first), with ids, which differ between workspaces, blanked out.
async fn histories(w: &World, p: &Principal) -> BTreeMap<String, (i32, Vec<(String, Value)>)> {
    let model = domain::meta_model_versions::current(w.db.conn(), p)
        .await
        .unwrap()
        .model;
    let sheets = fact_sheets::list(
        w.db.conn(),
        p,
        &model,
        &FactSheetFilter::default(),
        Default::default(),
        Some(100),
        None,
    )
    .await
    .unwrap();
    let mut all = BTreeMap::new();
    for (_, sheet) in sheets.items {
        let mut changes: Vec<(String, Value)> =
            history::list(w.db.conn(), p, sheet.id, Some(100), None)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|(_, c)| (c.kind.as_str().to_owned(), without_ids(c.diff)))
                .collect();
        changes.reverse();
        all.insert(sheet.name.clone(), (sheet.revision, changes));
    }
    all
}

fn without_ids(value: Value) -> Value {
    match value {
        Value::String(s) if Uuid::parse_str(&s).is_ok() => json!("<id>"),
        Value::Array(items) => Value::Array(items.into_iter().map(without_ids).collect()),
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, without_ids(v))).collect(),
        other => other,
    }
}

#[tokio::test]
async fn an_imported_graph_has_the_revisions_and_history_the_mutations_wrote() {
    let w = World::new().await;
    let model = w.model().await;
    let a = &w.admin;
    let team = create(
        &w,
        a,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Payments".into(),
            description: Some("Pays.".into()),
            external_ids: vec![ExternalId {
                namespace: "cmdb".into(),
                value: "T-1".into(),
            }],
            tags: vec!["pci".into(), "core".into()],
            ..Default::default()
        },
    )
    .await;
    let ledger = create(
        &w,
        a,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "Ledger".into(),
            attributes: attrs(json!({ "language": "rust" })),
            ..Default::default()
        },
    )
    .await;
    let billing = create(
        &w,
        a,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "Billing".into(),
            ..Default::default()
        },
    )
    .await;
    let api = create(
        &w,
        a,
        &model,
        NewFactSheet {
            fact_sheet_type: "API".into(),
            name: "Pay API".into(),
            ..Default::default()
        },
    )
    .await;
    relate(&w, &model, "teamOwnsArtifact", team, ledger, json!({})).await;
    relate(&w, &model, "teamOwnsArtifact", team, billing, json!({})).await;
    relate(&w, &model, "artifactProvidesApi", ledger, api, json!({})).await;
    let usage = json!({ "usage": "critical" });
    relate(&w, &model, "artifactConsumesApi", billing, api, usage).await;

    let copy = w.other_workspace().await;
    let report = import(&w, &copy, &export_all(&w, a).await, ImportMode::Atomic).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        (report.created.fact_sheets, report.created.relations),
        (4, 4)
    );

    let original = histories(&w, a).await;
    assert_eq!(original["Payments"].0, 3, "created, then two relations");
    assert_eq!(histories(&w, &copy).await, original);
}

#[tokio::test]
async fn lines_the_bulk_path_leaves_are_judged_one_by_one_in_the_order_of_the_body() {
    let w = World::new().await;
    let model = w.model().await;
    let taken = create(
        &w,
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Holder".into(),
            external_ids: vec![ExternalId {
                namespace: "cmdb".into(),
                value: "taken".into(),
            }],
            ..Default::default()
        },
    )
    .await;
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    tags::create_group(&*tx, &w.admin, "Class", TagGroupMode::Single, None)
        .await
        .unwrap();
    for name in ["public", "secret"] {
        tags::create(&*tx, &w.admin, name, Some("Class"), None, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let sheet = |r: &str, t: &str, name: &str, extra: Value| {
        let mut line = json!({ "kind": "factSheet", "ref": { "id": r }, "type": t, "name": name });
        line.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        line
    };
    let relation = |t: &str, from: &str, to: &str| json!({ "kind": "relation", "type": t, "from": { "id": from }, "to": { "id": to } });
    let [t1, t2, app, api] = [
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    ]
    .map(|u| u.to_string());
    let body = [
        sheet(&t1, "Team", "One", json!({ "tags": ["public"] })),
        sheet(&t2, "Team", "Two", json!({})),
        sheet(&app, "SoftwareArtifact", "App", json!({})),
        // Two tags of a single-mode group.
        sheet(
            &Uuid::now_v7().to_string(),
            "Team",
            "Both",
            json!({ "tags": ["public", "secret"] }),
        ),
        // An external ID another fact sheet holds.
        sheet(
            &Uuid::now_v7().to_string(),
            "Team",
            "Thief",
            json!({ "externalIds": [{ "namespace": "cmdb", "value": "taken" }] }),
        ),
        relation("teamOwnsArtifact", &t1, &app),
        // An artifact has one owning team: the first line claims it.
        relation("teamOwnsArtifact", &t2, &app),
        // The same relation again changes nothing.
        relation("teamOwnsArtifact", &t1, &app),
        relation("artifactConsumesApi", &app, &api),
        // An update of the relation the line before created: it raises both ends' revisions
        // after the bulk path raised them.
        {
            let mut line = relation("artifactConsumesApi", &app, &api);
            line["attributes"] = json!({ "usage": "optional" });
            line
        },
        sheet(&api, "API", "Api", json!({})),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let report = import(&w, &w.admin, &body, ImportMode::Partial).await;

    let refused: Vec<(usize, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(
        refused,
        [(4, "tags"), (5, "externalIds.0.value"), (7, "to")]
    );
    assert_eq!(
        (report.created.fact_sheets, report.created.relations),
        (4, 2)
    );
    assert_eq!(report.unchanged.relations, 1);
    assert_eq!(report.updated.relations, 1);
    for (name, (revision, changes)) in histories(&w, &w.admin).await {
        assert_eq!(
            revision as usize,
            changes.len(),
            "{name}: one change per revision"
        );
    }
    assert_eq!(histories(&w, &w.admin).await["App"].0, 4);
    let holder = fact_sheets::require(w.db.conn(), &w.admin, taken)
        .await
        .unwrap();
    assert_eq!(
        holder.revision, 1,
        "the holder kept its external ID untouched"
    );
}

#[tokio::test]
async fn a_re_imported_line_that_differs_in_any_one_field_is_an_update() {
    let w = World::new().await;
    let model = w.model().await;
    let parent = create(
        &w,
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Parent".into(),
            ..Default::default()
        },
    )
    .await;
    for name in ["Kept", "T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7"] {
        create(
            &w,
            &w.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "Team".into(),
                name: name.into(),
                attributes: attrs(json!({ "size": 5 })),
                ..Default::default()
            },
        )
        .await;
    }
    let changes = [
        ("T0", json!({ "name": "T0 renamed" })),
        ("T1", json!({ "description": "now described" })),
        ("T2", json!({ "attributes": { "size": 6 } })),
        ("T3", json!({ "tags": ["new"] })),
        (
            "T4",
            json!({ "externalIds": [{ "namespace": "cmdb", "value": "T4" }] }),
        ),
        ("T5", json!({ "status": "ARCHIVED" })),
        (
            "T6",
            json!({ "subscriptions": [{ "user": "ann", "role": "OBSERVER" }] }),
        ),
        ("T7", json!({ "parent": { "id": parent } })),
    ];
    let body: Vec<String> = export_all(&w, &w.admin)
        .await
        .lines()
        .map(|line| {
            let mut line: Value = serde_json::from_str(line).unwrap();
            if let Some((_, change)) = changes.iter().find(|(name, _)| line["name"] == *name) {
                line.as_object_mut()
                    .unwrap()
                    .extend(change.as_object().unwrap().clone());
            }
            line.to_string()
        })
        .collect();
    let report = import(&w, &w.admin, &body.join("\n"), ImportMode::Atomic).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.updated.fact_sheets, changes.len());
    assert_eq!(report.unchanged.fact_sheets, 2, "Kept and Parent");
    let revisions = histories(&w, &w.admin).await;
    assert_eq!(revisions["Kept"].0, 1);
    assert_eq!(revisions["T2"].0, 2);
}

/// What a report says of the lines: the counts, and every refusal by line, field and message.
fn summary(report: &ImportReport) -> (Vec<(usize, String, String)>, Vec<usize>) {
    let refused = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.clone(), e.error.to_string()))
        .collect();
    let counts = [report.created, report.updated, report.unchanged]
        .iter()
        .flat_map(|c| [c.fact_sheets, c.relations])
        .collect();
    (refused, counts)
}

#[tokio::test]
async fn a_validate_only_import_reports_exactly_what_the_import_then_does() {
    let w = World::new().await;
    let line = |v: Value| v.to_string();
    let sheet = |id: &Uuid, t: &str, name: String| {
        line(json!({ "kind": "factSheet", "ref": { "id": id }, "type": t, "name": name }))
    };
    let owns = |from: &Uuid, to: &Uuid| {
        line(
            json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": from }, "to": { "id": to } }),
        )
    };
    let (t1, t2) = (Uuid::now_v7(), Uuid::now_v7());
    // More artifacts than a batch of relation lines, so claims and relations cross batches.
    let artifacts: Vec<Uuid> = (0..1001).map(|_| Uuid::now_v7()).collect();
    let mut body = vec![
        sheet(&t1, "Team", "One".into()),
        line(
            json!({ "kind": "factSheet", "ref": { "id": t2 }, "type": "Team", "name": "Two", "status": "ARCHIVED" }),
        ),
    ];
    body.extend(
        artifacts
            .iter()
            .enumerate()
            .map(|(n, a)| sheet(a, "SoftwareArtifact", format!("App {n}"))),
    );
    body.extend(artifacts[..1000].iter().map(|a| owns(&t1, a)));
    // An artifact has one owning team: a relation of the first batch claimed it.
    body.push(owns(&t2, &artifacts[0]));
    // A relation of the first batch again changes nothing.
    body.push(owns(&t1, &artifacts[1]));
    body.push(owns(&t1, &artifacts[1000]));
    let body = body.join("\n");

    let checked = run(&w, &w.admin, &body, ImportMode::Partial, true).await;
    assert!(checked.validate_only);
    assert!(
        histories(&w, &w.admin).await.is_empty(),
        "a dry run writes nothing"
    );
    let imported = run(&w, &w.admin, &body, ImportMode::Partial, false).await;

    assert_eq!(summary(&checked), summary(&imported));
    let refused: Vec<usize> = imported.errors.iter().map(|e| e.line).collect();
    assert_eq!(refused, [2 + 1001 + 1000 + 1]);
    assert_eq!(
        summary(&imported).1,
        [1003, 1001, 0, 0, 0, 1],
        "created sheets and relations, updated, unchanged"
    );
}

#[tokio::test]
async fn a_validate_only_import_of_new_lines_only_reports_what_the_import_then_does() {
    let w = World::new().await;
    let model = w.model().await;
    let team = create(
        &w,
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Stored".into(),
            ..Default::default()
        },
    )
    .await;
    let app = Uuid::now_v7();
    let body = [
        json!({ "kind": "factSheet", "ref": { "id": app }, "type": "SoftwareArtifact", "name": "App" }),
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": team }, "to": { "id": app } }),
        // The relation the line before creates, named by a body that never wrote it.
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": team }, "to": { "id": app }, "attributes": {} }),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");

    let checked = run(&w, &w.admin, &body, ImportMode::Atomic, true).await;
    let imported = run(&w, &w.admin, &body, ImportMode::Atomic, false).await;

    assert_eq!(summary(&checked), summary(&imported));
    assert_eq!(summary(&imported).1, [1, 1, 0, 0, 0, 1]);
    assert_eq!(histories(&w, &w.admin).await["Stored"].0, 2);
}

#[tokio::test]
async fn a_dry_run_whose_checked_rows_no_longer_fit_is_a_conflict_not_a_server_error() {
    let w = World::new().await;
    let model = w.model().await;
    let team = create(
        &w,
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "Stored".into(),
            ..Default::default()
        },
    )
    .await;
    // Stands in for another writer taking the external ID after the dry run checked it: the
    // database refuses the row the bulk path kept for later.
    let trigger = if w.db.is_postgres() {
        vec![
            "CREATE FUNCTION refuse_taken() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.value = 'taken-meanwhile' THEN RAISE EXCEPTION 'taken'; END IF;
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_taken BEFORE INSERT ON external_ids FOR EACH ROW
             EXECUTE FUNCTION refuse_taken()",
        ]
    } else {
        vec![
            "CREATE TRIGGER refuse_taken BEFORE INSERT ON external_ids
             WHEN NEW.value = 'taken-meanwhile' BEGIN SELECT RAISE(ABORT, 'taken'); END",
        ]
    };
    for sql in trigger {
        w.db.conn().execute_unprepared(sql).await.unwrap();
    }
    let body = [
        json!({ "kind": "factSheet", "ref": { "id": Uuid::now_v7() }, "type": "Team",
                "name": "New", "externalIds": [{ "namespace": "cmdb", "value": "taken-meanwhile" }] }),
        // An update goes through the mutations, so the kept rows are written first.
        json!({ "kind": "factSheet", "ref": { "id": team }, "name": "Renamed" }),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");

    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let options = ImportOptions {
        mode: ImportMode::Partial,
        validate_only: true,
    };
    let result = import_ndjson(&tx, &w.admin, &model, &body, options, &mut |_, _| {}).await;
    drop(tx);

    match result {
        Err(domain::Error::Conflict { message, .. }) => {
            assert!(message.contains("run it again"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        histories(&w, &w.admin).await["Stored"].0,
        1,
        "nothing was written"
    );
}

/// A fact sheet the import created is a relation end it knows in memory, revision included, until
/// a mutation writes it: a relation line the bulk path leaves raises the end's revision in the
/// database, and the next batch must build on that revision (else its history rows would collide
/// and the whole batch would go one by one).
#[tokio::test]
async fn relation_batches_after_a_one_by_one_line_still_go_in_bulk_on_the_revision_it_left() {
    let w = World::new().await;
    let api = Uuid::now_v7();
    let artifacts: Vec<Uuid> = (0..1_200).map(|_| Uuid::now_v7()).collect();
    let mut lines = vec![
        json!({ "kind": "factSheet", "ref": { "id": api }, "type": "API", "name": "Pay API" }),
    ];
    for (i, a) in artifacts.iter().enumerate() {
        lines.push(json!({ "kind": "factSheet", "ref": { "id": a }, "type": "SoftwareArtifact", "name": format!("A{i}") }));
    }
    let consumes = |a: &Uuid, usage: Option<&str>| {
        let mut line = json!({ "kind": "relation", "type": "artifactConsumesApi", "from": { "id": a }, "to": { "id": api } });
        if let Some(usage) = usage {
            line["attributes"] = json!({ "usage": usage });
        }
        line
    };
    // The first batch of relation lines creates A0's relation and changes it again (the second
    // line is left to the mutations); the second batch starts at A999.
    lines.push(consumes(&artifacts[0], Some("critical")));
    lines.push(consumes(&artifacts[0], Some("optional")));
    lines.extend(artifacts[1..].iter().map(|a| consumes(a, None)));
    let body = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");

    let report = import(&w, &w.admin, &body, ImportMode::Atomic).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        (report.created.relations, report.updated.relations),
        (1_200, 1)
    );

    let ws = w.admin.workspace_id;
    // The import gave the API a new id; the line's id was only its reference.
    let (api, stored) = entity::fact_sheet::Entity::find()
        .filter(entity::fact_sheet::Column::WorkspaceId.eq(ws))
        .filter(entity::fact_sheet::Column::Name.eq("Pay API"))
        .one(w.db.conn())
        .await
        .unwrap()
        .map(|s| (s.id, s.revision))
        .unwrap();
    let mut changes: Vec<(i32, chrono::DateTime<chrono::Utc>)> = entity::change::Entity::find()
        .filter(entity::change::Column::WorkspaceId.eq(ws))
        .filter(entity::change::Column::FactSheetId.eq(api))
        .all(w.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.revision, c.at))
        .collect();
    changes.sort();
    let revisions: Vec<i32> = changes.iter().map(|c| c.0).collect();
    assert_eq!(
        revisions,
        (1..=1_202).collect::<Vec<_>>(),
        "created, 1,200 relations, one update"
    );
    assert_eq!(stored, 1_202);
    // The second batch's 201 relations were written together, at one instant, not one by one.
    let second_batch: std::collections::HashSet<_> = changes[1_001..].iter().map(|c| c.1).collect();
    assert_eq!(second_batch.len(), 1, "the second batch went one by one");
}
