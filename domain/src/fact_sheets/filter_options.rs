//! Select values in a list filter checked against the options the meta model allows: a value
//! no option has (`Go` where the option is `go`) would match nothing and look like an answer.

use std::collections::BTreeSet;

use serde_json::Value;

use super::filter::AttributeFilter;
use crate::meta_model::AttributeDefinition;

/// Why `filter` names a value that no select option of `definitions` (the attribute in each
/// filtered type) has, naming the allowed options; `None` when every value is allowed or the
/// attribute is not a select.
pub(crate) fn unknown_option<'a>(
    definitions: impl Iterator<Item = &'a AttributeDefinition>,
    filter: &AttributeFilter,
) -> Option<String> {
    let AttributeFilter::AnyOf(values) = filter else {
        return None;
    };
    let mut allowed = BTreeSet::new();
    for definition in definitions {
        if !definition.kind.is_select() {
            return None;
        }
        allowed.extend(definition.options.iter().map(|o| o.key.as_str()));
    }
    let unknown = values
        .iter()
        .find(|v| !v.as_str().is_some_and(|s| allowed.contains(s)))?;
    let shown = match unknown {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    };
    let allowed: Vec<&str> = allowed.into_iter().collect();
    Some(format!(
        "{shown} is not an option (allowed: {})",
        allowed.join(", ")
    ))
}
