//! Hostile inputs through every argument of every operation: strings with NUL, megabytes,
//! unicode edge cases and SQL or `LIKE` metacharacters; integer and float extremes; dates out of
//! every range; empty and 10,000-item lists; deep and wide JSON; forged cursors. Each value goes
//! into one argument at a time (at any depth of input object, list element or part of a valid
//! JSON value), the others valid, as an admin; no response may be INTERNAL, and the server must
//! keep answering. The arguments are read from the schema, so a new one is covered without
//! touching this test; a field of an input type met again in a later operation, checked by the
//! same code, gets a sample of the strings instead of all of them. The string corpus also goes
//! through every field of an event on `POST /events`, and JSON texts no `serde_json::Value` can
//! hold (lone surrogates, nesting deeper than the parser allows) through the real server; no
//! response there may be a 5xx. Runs on both databases.
//!
//! To stay fast on two cores, reads are batched (one request, under aliases, for several
//! values), and three runs go side by side, each on its own database.
//!
//! `metrics(window:)` is left out here: its window rules are tested on their own.

mod corpus;
mod fixture;
mod slots;

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use api::config::Config;
use api::graphql::operation_rules::Root;
use async_graphql::parser::types::InputValueDefinition;
use domain::Role;
use serde_json::{Map, Value, json};

use self::{
    corpus::Hostile,
    fixture::Fixture,
    slots::{Kind, Slot, set},
};
use crate::{http_events::post_batch, operations::Schema, support::TestApp};

/// Fields that take arguments but are tested elsewhere.
const LEFT_OUT: [&str; 1] = ["metrics"];

/// Something to call: a root operation, or a field with arguments of the fact sheet
/// `factSheet` returns.
struct Target {
    root: Root,
    operation: String,
    nested: Option<String>,
    arguments: Vec<InputValueDefinition>,
    returns: String,
}

impl Target {
    fn label(&self) -> String {
        match &self.nested {
            Some(field) => format!("{}.{field}", self.operation),
            None => self.operation.clone(),
        }
    }

    /// The document calling the target `copies` times, under the aliases `a0`, `a1`, …; every
    /// argument of copy `i` is the variable `$v{i}_<argument>`.
    fn document(&self, schema: &Schema, copies: usize) -> String {
        let keyword = match self.root {
            Root::Query => "query",
            Root::Mutation => "mutation",
        };
        // The resolvers do their work whatever is selected, except a list's count and facets.
        let selection = if self.returns == "FactSheetConnection" {
            "{ totalCount edges { node { id } } facets { types { count } tags { count } attributes { key } } }".to_owned()
        } else {
            schema.selection(&self.returns, 2)
        };
        let mut declarations = Vec::new();
        let mut calls = Vec::new();
        for i in 0..copies {
            let mut arguments = Vec::new();
            for a in &self.arguments {
                let default = a
                    .default_value
                    .as_ref()
                    .map(|d| format!(" = {}", d.node))
                    .unwrap_or_default();
                declarations.push(format!("$v{i}_{}: {}{default}", a.name.node, a.ty.node));
                arguments.push(format!("{0}: $v{i}_{0}", a.name.node));
            }
            let name = self.nested.as_deref().unwrap_or(&self.operation);
            calls.push(format!(
                "a{i}: {name}({}) {selection}",
                arguments.join(", ")
            ));
        }
        match &self.nested {
            None => format!(
                "{keyword}({}) {{ {} }}",
                declarations.join(", "),
                calls.join(" ")
            ),
            Some(_) => format!(
                "query($id: ID!, {}) {{ factSheet(id: $id) {{ {} }} }}",
                declarations.join(", "),
                calls.join(" ")
            ),
        }
    }
}

fn targets(schema: &Schema) -> Vec<Target> {
    let mut targets = Vec::new();
    for operation in &schema.operations {
        targets.push(Target {
            root: operation.root,
            operation: operation.name.clone(),
            nested: None,
            arguments: schema.arguments_of(operation).to_vec(),
            returns: schema.returns_of(operation).to_owned(),
        });
        if operation.name == "factSheet" {
            for (field, arguments, returns) in schema.fields_with_arguments("FactSheet") {
                if LEFT_OUT.contains(&field.as_str()) {
                    continue;
                }
                targets.push(Target {
                    root: Root::Query,
                    operation: operation.name.clone(),
                    nested: Some(field),
                    arguments,
                    returns,
                });
            }
        }
    }
    targets
}

/// What went wrong with one hostile value.
struct Failure {
    call: String,
    response: String,
}

enum Outcome {
    /// The call did what it was asked (a hostile value can be valid).
    Done,
    /// Refused with a code other than INTERNAL.
    Refused,
    Internal(Failure),
}

/// One call: its label and its arguments.
struct Call {
    label: String,
    arguments: Value,
}

/// Reads stay cheap when batched: one request, one transaction, for this many calls.
const READS_PER_REQUEST: usize = 20;

/// The outcome of each of `calls`, made in one request (each under its alias) where they can
/// be. A request refused as a whole (a value of the wrong type for its variable, a NUL) is
/// made again one call at a time, so each value gets its own answer.
async fn run_calls(
    app: &TestApp,
    schema: &Schema,
    target: &Target,
    fact_sheet: &str,
    calls: Vec<Call>,
) -> Vec<(Call, Outcome)> {
    let document = target.document(schema, calls.len());
    let mut variables = Map::new();
    variables.insert("id".into(), json!(fact_sheet));
    for (i, call) in calls.iter().enumerate() {
        for (key, value) in call.arguments.as_object().unwrap() {
            variables.insert(format!("v{i}_{key}"), value.clone());
        }
    }
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        app.run(&document, Value::Object(variables)),
    )
    .await
    .unwrap_or_else(|_| json!({"errors": [{"message": "no answer within 30 s", "extensions": {"code": "INTERNAL"}}]}));
    let errors = response["errors"].as_array().cloned().unwrap_or_default();
    let alias_at = usize::from(target.nested.is_some());
    let alias_of = |error: &Value| error["path"][alias_at].as_str().map(str::to_owned);
    if calls.len() > 1 && errors.iter().any(|e| alias_of(e).is_none()) {
        let mut outcomes = Vec::new();
        for call in calls {
            outcomes.extend(Box::pin(run_calls(app, schema, target, fact_sheet, vec![call])).await);
        }
        return outcomes;
    }
    calls
        .into_iter()
        .enumerate()
        .map(|(i, call)| {
            let alias = format!("a{i}");
            let own: Vec<&Value> = errors
                .iter()
                .filter(|e| alias_of(e).is_none_or(|a| a == alias))
                .collect();
            let outcome = if own.is_empty() {
                Outcome::Done
            } else if own.iter().any(|e| e["extensions"]["code"] == "INTERNAL") {
                let mut response = Value::Array(own.into_iter().cloned().collect()).to_string();
                response.truncate(500);
                Outcome::Internal(Failure {
                    call: call.label.clone(),
                    response,
                })
            } else {
                Outcome::Refused
            };
            (call, outcome)
        })
        .collect()
}

/// A target with its slots, each marked whether it gets every value of its kind or a sample
/// (a field of an input type, or a part of a JSON value, met again in a later operation is
/// checked by the same code as the first time).
struct Planned {
    target: Target,
    slots: Vec<(Slot, bool)>,
}

fn plan(schema: &Schema, bases: &[(String, Value)]) -> Vec<Planned> {
    let mut seen = HashSet::new();
    targets(schema)
        .into_iter()
        .map(|target| {
            let mut slots = slots::of_arguments(schema, &target.arguments);
            let base = bases
                .iter()
                .find(|(label, _)| *label == target.label())
                .map(|(_, base)| base)
                .expect("a base for every target");
            slots.extend(slots::json_parts(&slots, base));
            let slots = slots
                .into_iter()
                .map(|slot| {
                    let all = match (&slot.field_of, &slot.kind) {
                        (Some(field), _) => seen.insert(field.clone()),
                        (None, Kind::JsonPart) => seen.insert(("JSON".into(), slot.name())),
                        (None, _) => true,
                    };
                    (slot, all)
                })
                .collect();
            Planned { target, slots }
        })
        .collect()
}

/// Which of the runs calls `target`. The runs go side by side, each on its own database, and
/// are about equally long (changes to the meta model cost the most per call, reads the least).
fn run_of(target: &Target) -> usize {
    let name = target.operation.as_str();
    match target.root {
        Root::Query => 0,
        Root::Mutation if name.contains("FactSheetType") || name == "setPerformanceBands" => 1,
        Root::Mutation if name.contains("Tag") || name.contains("scribe") => 1,
        Root::Mutation if name.contains("ApiToken") || name == "updateAttributeDefinition" => 1,
        Root::Mutation if name.contains("Relation") || name.contains("Attribute") => 2,
        Root::Mutation if name == "setRollUp" || name == "updateFactSheet" => 2,
        Root::Mutation => 0,
    }
}

const RUNS: usize = 3;

/// What one run found.
#[derive(Default)]
struct Report {
    calls: usize,
    failures: Vec<Failure>,
    values: HashSet<String>,
}

async fn run_group(
    app: TestApp,
    fixture: Fixture,
    schema: Arc<Schema>,
    planned: Vec<Planned>,
) -> Report {
    let mut report = Report::default();
    let started = Instant::now();
    for Planned { target, slots } in planned {
        let base = base_of(&app, &fixture, &target).await;
        let per_request = match target.root {
            Root::Query => READS_PER_REQUEST,
            Root::Mutation => 1,
        };
        for (slot, all) in &slots {
            let mut calls = Vec::new();
            for Hostile { label, value } in slot.values(&base, *all) {
                report.values.insert(label.clone());
                let mut arguments = match &target.nested {
                    None => {
                        fixture
                            .arguments(&app, &target.operation, &slot.name())
                            .await
                    }
                    Some(field) => fixture.nested_arguments(field),
                };
                set(&mut arguments, &slot.path, value);
                let label = format!("{}({} = {label})", target.label(), slot.name());
                calls.push(Call { label, arguments });
                if calls.len() < per_request {
                    continue;
                }
                let batch = std::mem::take(&mut calls);
                report.record(&app, &schema, &fixture, &target, batch).await;
            }
            if !calls.is_empty() {
                report.record(&app, &schema, &fixture, &target, calls).await;
            }
        }
    }
    println!("  {} calls in {:.1?}", report.calls, started.elapsed());
    // The process keeps answering.
    let viewer = app.data("{ viewer { subject } }", json!({})).await;
    assert_eq!(viewer["viewer"]["subject"], "alice@acme.test");
    report
}

impl Report {
    async fn record(
        &mut self,
        app: &TestApp,
        schema: &Schema,
        fixture: &Fixture,
        target: &Target,
        calls: Vec<Call>,
    ) {
        let results = run_calls(app, schema, target, fixture.fact_sheet(), calls).await;
        for (call, outcome) in results {
            self.calls += 1;
            let done = matches!(outcome, Outcome::Done);
            if let Outcome::Internal(failure) = outcome {
                self.failures.push(failure);
            }
            if target.root == Root::Mutation {
                fixture
                    .undo(app, &target.operation, &call.arguments, done)
                    .await;
            }
        }
    }
}

async fn base_of(app: &TestApp, fixture: &Fixture, target: &Target) -> Value {
    match &target.nested {
        None => fixture.arguments(app, &target.operation, "").await,
        Some(field) => fixture.nested_arguments(field),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_hostile_argument_of_any_operation_is_an_internal_error() {
    let schema = Arc::new(Schema::of(&api::graphql::sdl()));
    let mut apps = Vec::new();
    for _ in 0..RUNS {
        let app = TestApp::new().await;
        let fixture = Fixture::new(&app).await;
        apps.push((app, fixture));
    }
    let mut bases = Vec::new();
    for target in targets(&schema) {
        let (app, fixture) = &apps[RUNS - 1];
        bases.push((target.label(), base_of(app, fixture, &target).await));
    }
    let mut planned: Vec<Vec<Planned>> = (0..RUNS).map(|_| Vec::new()).collect();
    for target in plan(&schema, &bases) {
        planned[run_of(&target.target)].push(target);
    }
    let started = Instant::now();
    let runs: Vec<_> = apps
        .into_iter()
        .zip(planned)
        .map(|((app, fixture), planned)| {
            tokio::spawn(run_group(app, fixture, schema.clone(), planned))
        })
        .collect();
    let mut report = Report::default();
    for run in runs {
        let found = run.await.expect("the run finished");
        report.calls += found.calls;
        report.failures.extend(found.failures);
        report.values.extend(found.values);
    }
    println!(
        "hostile inputs: {} calls, {} distinct values, {:.1?}",
        report.calls,
        report.values.len(),
        started.elapsed()
    );
    assert!(
        report.values.len() >= 250,
        "{} hostile values",
        report.values.len()
    );
    assert!(
        report.failures.is_empty(),
        "{} of {} calls were INTERNAL:\n{}",
        report.failures.len(),
        report.calls,
        report
            .failures
            .iter()
            .take(40)
            .map(|f| format!("{}\n    {}", f.call, f.response))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every field of an event, through the real server: strings everywhere, dates in `time` and
/// JSON in `data`, then raw JSON texts no `serde_json::Value` can hold. No response may be a
/// 5xx, and the server must keep answering.
#[tokio::test]
async fn no_hostile_event_field_is_a_server_error() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        rate_limit_per_token_per_minute: 0,
        rate_limit_per_workspace_per_minute: 0,
        ..Config::default()
    });
    let token = server.token("acme", Role::Member);
    let valid = json!({
        "specversion": "1.0", "id": "E1", "source": "checkout", "type": "dev.wayfinder.deployment",
        "time": "2024-03-04T09:00:00Z", "subject": "s", "datacontenttype": "application/json",
        "data": {"changeIds": ["C1"], "deploymentId": "D1", "environment": "production"},
    });
    let mut fields: Vec<(&str, Vec<Hostile>)> = ["id", "source", "type", "subject"]
        .into_iter()
        .map(|f| (f, corpus::strings()))
        .collect();
    let mut times = corpus::dates();
    times.extend(corpus::strings());
    fields.push(("time", times));
    let mut data = corpus::json_values();
    data.extend(corpus::strings());
    fields.push(("data", data));
    for part in ["deploymentId", "environment", "changeIds"] {
        let mut values = corpus::strings();
        values.extend(corpus::json_values());
        fields.push((part, values));
    }
    let (status, body) = post_batch(&server, &token, std::slice::from_ref(&valid)).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");
    let started = Instant::now();
    let (mut calls, mut accepted, mut failures) = (0, 0, Vec::new());
    for (n, (field, values)) in fields.into_iter().enumerate() {
        for (i, Hostile { label, value }) in values.into_iter().enumerate() {
            let mut event = valid.clone();
            event["id"] = json!(format!("E{n}-{i}"));
            match field {
                "deploymentId" | "environment" | "changeIds" => event["data"][field] = value,
                _ => event[field] = value,
            }
            let (status, body) = post_batch(&server, &token, &[event]).await;
            calls += 1;
            accepted += usize::from(status == 202);
            if status >= 500 {
                failures.push(format!("{field} = {label}: {status} {body}"));
            }
        }
    }
    for (label, raw) in corpus::raw_json() {
        for field in ["id", "source", "subject", "data"] {
            let body = format!(
                r#"[{{"specversion":"1.0","id":"R","source":"s","type":"dev.wayfinder.change","time":"2024-03-04T09:00:00Z","{field}":{raw}}}]"#
            );
            let response = server.post_events(Some(&token), body).await;
            calls += 1;
            if response.status().is_server_error() {
                failures.push(format!("{field} = {label} (raw): {}", response.status()));
            }
        }
        let graphql = [
            (
                "createFactSheet(input.name)",
                "mutation($v: String!) { createFactSheet(input: {type: \\\"Team\\\", name: $v}) { __typename } }",
            ),
            (
                "factSheets(filter.search)",
                "query($v: String) { factSheets(filter: {search: $v}) { totalCount } }",
            ),
            (
                "factSheets(filter.attributes)",
                "query($v: JSON) { factSheets(filter: {attributes: {size: $v}}) { totalCount } }",
            ),
        ];
        for (argument, query) in graphql {
            let body = format!(r#"{{"query":"{query}","variables":{{"v":{raw}}}}}"#);
            let response = server
                .client
                .post(format!("{}/graphql", server.base))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            calls += 1;
            if status.is_server_error() || text.contains("\"INTERNAL\"") {
                failures.push(format!("{argument} = {label} (raw): {status} {text}"));
            }
        }
    }
    println!(
        "hostile event fields: {calls} requests ({accepted} events stored) in {:.1?}",
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(server.healthz().await, 200, "still answering");
}
