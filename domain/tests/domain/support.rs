use serde_json::Value;
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
