use serde_json::Value;

use super::Attributes;
use crate::meta_model::{AttributeDefinition, AttributeType};

/// Values longer than this are not indexed: they are prose, not something to filter by equality,
/// and B-tree entries must stay small on PostgreSQL.
const MAX_INDEXED_TEXT: usize = 512;

/// One row of `attribute_values`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexValue {
    pub key: String,
    pub ordinal: i32,
    pub text: Option<String>,
    pub number: Option<f64>,
}

/// The filterable values of a fact sheet's attributes. Texts and lifecycles are searched or
/// shown, not filtered by value, so they are left out. The match names every attribute type, so
/// a new one cannot go unindexed without someone deciding it should.
pub fn index_values(definitions: &[AttributeDefinition], values: &Attributes) -> Vec<IndexValue> {
    let mut rows = Vec::new();
    for definition in definitions {
        let Some(value) = values.get(&definition.key) else {
            continue;
        };
        let text = |ordinal: i32, s: &str| IndexValue {
            key: definition.key.clone(),
            ordinal,
            text: Some(s.to_owned()),
            number: None,
        };
        // A short string is indexed as itself, whatever its type says.
        let short_text = || match value {
            Value::String(s) if s.len() <= MAX_INDEXED_TEXT => Some(text(0, s)),
            _ => None,
        };
        match definition.kind {
            AttributeType::Text | AttributeType::Lifecycle => {}
            AttributeType::Integer | AttributeType::Number => match value {
                Value::Number(n) => rows.push(IndexValue {
                    key: definition.key.clone(),
                    ordinal: 0,
                    text: None,
                    number: n.as_f64(),
                }),
                _ => rows.extend(short_text()),
            },
            AttributeType::Boolean => match value {
                Value::Bool(b) => rows.push(text(0, if *b { "true" } else { "false" })),
                _ => rows.extend(short_text()),
            },
            AttributeType::MultiSelect => match value {
                Value::Array(items) => rows.extend(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .zip(0..)
                        .map(|(s, i)| text(i, s)),
                ),
                _ => rows.extend(short_text()),
            },
            AttributeType::String
            | AttributeType::Date
            | AttributeType::DateTime
            | AttributeType::Url
            | AttributeType::Email
            | AttributeType::SingleSelect => rows.extend(short_text()),
        }
    }
    rows
}
