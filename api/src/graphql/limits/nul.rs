//! Refusing U+0000 in any text a request sends, before any resolver runs, with `BAD_USER_INPUT`
//! naming the argument (`input.name`, `filter.attributes.language.0`); why no text may hold it
//! is [`domain::limits::NUL_REFUSED`].
//!
//! One walk over the arguments of the operation about to run (through fragments, each once),
//! each with the variables it uses filled in, replaces a check in every resolver: an argument
//! added later is covered without anyone remembering it, and so are JSON scalar contents,
//! object keys included. Variables no argument uses are walked too, under their own name.

use std::{collections::HashSet, convert::Infallible, ops::ControlFlow};

use async_graphql::{Pos, Request, ServerError, Value};
use domain::limits::NUL_REFUSED;

use crate::graphql::{
    document::{self, Spreads, Step as Walk},
    errors::bad_input,
};

/// Refuses the request if any text of the operation it runs, or of its variables, holds U+0000.
pub fn refuse_nul(request: &mut Request) -> Result<(), ServerError> {
    let variables = std::mem::take(&mut request.variables);
    let operation_name = request.operation_name.clone();
    let checked = request.parsed_query().and_then(|doc| {
        // Without an operation to run, async-graphql refuses the request itself.
        let Some(operation) =
            document::operation_to_run(&doc.operations, operation_name.as_deref())
        else {
            return Ok(());
        };
        let operation = &operation.node;
        let mut used = HashSet::new();
        let walked = document::walk(
            &doc.fragments,
            &operation.selection_set.node,
            &mut Spreads::once(),
            &mut |field| {
                for (name, value) in &field.node.arguments {
                    let value = value.node.clone().into_const_with(|variable| {
                        let filled = document::variable(operation, &variables, &variable)
                            .cloned()
                            .unwrap_or(Value::Null);
                        used.insert(variable);
                        Ok::<_, Infallible>(filled)
                    });
                    let Ok(value) = value;
                    if let Err(refusal) = walk_value(name.node.as_str(), &value, name.pos) {
                        return ControlFlow::Break(refusal);
                    }
                }
                ControlFlow::Continue(Walk::Down)
            },
        );
        if let ControlFlow::Break(refusal) = walked {
            return Err(refusal);
        }
        for (name, value) in variables.iter() {
            if !used.contains(name) {
                walk_value(name.as_str(), value, Pos::default())?;
            }
        }
        Ok(())
    });
    request.variables = variables;
    checked
}

/// One step from an argument to a part of its value.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Index(usize),
    Key(&'a str),
}

/// Walks `value`, the value of argument (or variable) `name`, with its own stack: a variable
/// may be nested deeper than a thread's stack allows recursion.
fn walk_value(name: &str, value: &Value, pos: Pos) -> Result<(), ServerError> {
    let mut stack: Vec<(usize, Step, &Value)> = vec![(0, Step::Key(name), value)];
    let mut path: Vec<Step> = Vec::new();
    while let Some((depth, step, value)) = stack.pop() {
        path.truncate(depth);
        path.push(step);
        match value {
            Value::String(s) if s.contains('\0') => return Err(refusal(&path, pos)),
            Value::Enum(n) if n.contains('\0') => return Err(refusal(&path, pos)),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((depth + 1, Step::Index(i), item));
                }
            }
            Value::Object(fields) => {
                if let Some(key) = fields.keys().find(|k| k.contains('\0')) {
                    path.push(Step::Key(key.as_str()));
                    return Err(refusal(&path, pos));
                }
                for (key, item) in fields.iter().rev() {
                    stack.push((depth + 1, Step::Key(key.as_str()), item));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The refusal of the text at `path`, worded as every other bad input (a NUL inside an object
/// key is shown escaped).
fn refusal(path: &[Step], pos: Pos) -> ServerError {
    let path = path
        .iter()
        .map(|step| match step {
            Step::Index(i) => i.to_string(),
            Step::Key(key) => key.replace('\0', "\\u0000"),
        })
        .collect::<Vec<_>>()
        .join(".");
    bad_input(&path, NUL_REFUSED).into_server_error(pos)
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Request, Value as ConstValue, Variables};
    use serde_json::{Value as Json, json};

    use super::refuse_nul;

    fn refused_at(query: &str, variables: Json) -> Option<String> {
        let mut request = Request::new(query).variables(Variables::from_json(variables));
        refuse_nul(&mut request).err().map(|e| {
            let extensions = e.extensions.expect("extensions");
            assert_eq!(
                extensions.get("code"),
                Some(&async_graphql::Value::from("BAD_USER_INPUT"))
            );
            match extensions.get("field") {
                Some(async_graphql::Value::String(field)) => field.clone(),
                other => panic!("no field: {other:?}"),
            }
        })
    }

    #[test]
    fn nul_in_a_literal_argument_is_refused_by_its_path() {
        let q = r#"mutation { createFactSheet(input: {type: "Team", name: "a\u0000b"}) { __typename } }"#;
        assert_eq!(refused_at(q, json!({})).as_deref(), Some("input.name"));
        let q = r#"{ factSheets(filter: {tags: ["ok", "\u0000"]}) { totalCount } }"#;
        assert_eq!(refused_at(q, json!({})).as_deref(), Some("filter.tags.1"));
        let q = r#"{ factSheets(filter: {search: "plain"}) { totalCount } }"#;
        assert_eq!(refused_at(q, json!({})), None);
    }

    #[test]
    fn nul_in_a_variable_is_refused_by_the_argument_that_uses_it() {
        let q = r#"query($f: FactSheetFilter) { factSheets(filter: $f) { totalCount } }"#;
        let filter = json!({"f": {"attributes": {"language": ["go", "r\u{0}"]}}});
        assert_eq!(
            refused_at(q, filter).as_deref(),
            Some("filter.attributes.language.1")
        );
        let key = json!({"f": {"attributes": {"lang\u{0}": "go"}}});
        assert_eq!(
            refused_at(q, key).as_deref(),
            Some("filter.attributes.lang\\u0000")
        );
        let q = r#"query($s: String) { factSheets(filter: {search: $s}) { totalCount } }"#;
        assert_eq!(
            refused_at(q, json!({"s": "\u{0}"})).as_deref(),
            Some("filter.search")
        );
        let q =
            r#"query($s: String = "\u0000") { factSheets(filter: {search: $s}) { totalCount } }"#;
        assert_eq!(
            refused_at(q, json!({})).as_deref(),
            Some("filter.search"),
            "a default value counts when no value is sent"
        );
        let q = r#"query { viewer { subject } }"#;
        assert_eq!(
            refused_at(q, json!({"unused": ["\u{0}"]})).as_deref(),
            Some("unused.0")
        );
    }

    #[test]
    fn the_operation_the_executor_runs_is_walked_named_or_not() {
        let q = r#"query Only { factSheets(filter: {search: "\u0000"}) { totalCount } }"#;
        assert_eq!(refused_at(q, json!({})).as_deref(), Some("filter.search"));
    }

    #[test]
    fn fragments_and_nested_fields_are_walked() {
        let q = r#"query($id: ID!, $t: [String!]) { ...F }
            fragment F on Query { factSheet(id: $id) { events(types: $t) { pageInfo { hasNextPage } } } }"#;
        let variables = json!({"id": "x", "t": ["ok", "de\u{0}ploy"]});
        assert_eq!(refused_at(q, variables).as_deref(), Some("types.1"));
    }

    #[test]
    fn deep_variables_are_walked() {
        let deep = |depth: usize| {
            let mut value = ConstValue::String("\u{0}".into());
            for _ in 0..depth {
                value = ConstValue::List(vec![value]);
            }
            value
        };
        // JSON bodies are parsed at most 128 levels deep; a used variable is copied into its
        // argument, which recurses.
        let mut variables = Variables::default();
        variables.insert(Name::new("bands"), deep(1_000));
        let q = r#"mutation($bands: JSON) { setPerformanceBands(bands: $bands) { __typename } }"#;
        let mut request = Request::new(q).variables(variables);
        let refusal = refuse_nul(&mut request).unwrap_err();
        assert!(
            refusal.message.contains("bands.0.0.0"),
            "{}",
            refusal.message
        );
        // An unused one is walked in place, however deep.
        let mut variables = Variables::default();
        variables.insert(Name::new("unused"), deep(100_000));
        let mut request = Request::new("{ viewer { subject } }").variables(variables);
        let refusal = refuse_nul(&mut request).unwrap_err();
        assert!(refusal.message.contains("unused.0.0.0"));
        // Dropping values this deep recurses; leak them instead.
        std::mem::forget(request);
    }
}
