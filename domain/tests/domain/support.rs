use domain::{external_ids::ExternalId, fact_sheets::NewFactSheet};
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use testkit::TestDb;
pub use testkit::World;

pub fn attrs(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

pub fn paths(err: domain::Error) -> Vec<String> {
    match err {
        domain::Error::Invalid(errors) => errors.into_iter().map(|e| e.path).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// A new fact sheet of `fact_sheet_type` named `name`, whose events come from `source` when
/// given (its `eventSource` external ID).
pub fn new_sheet(fact_sheet_type: &str, name: &str, source: Option<&str>) -> NewFactSheet {
    NewFactSheet {
        fact_sheet_type: fact_sheet_type.into(),
        name: name.into(),
        external_ids: source
            .map(|s| ExternalId {
                namespace: "eventSource".into(),
                value: s.into(),
            })
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

/// What a property test over the database runs on: a single-threaded runtime, a fresh
/// database, and a runner of `cases` cases.
pub fn property_test(cases: u32) -> (tokio::runtime::Runtime, TestDb, TestRunner) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(TestDb::new());
    let runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    (runtime, db, runner)
}
