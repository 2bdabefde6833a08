//! Every place of an operation's arguments a hostile value can go: each argument, each field
//! of an input object (at any depth), the element of each list, and each part of a valid JSON
//! value. Read from the schema, so an argument added later gets hostile values too.

use async_graphql::parser::types::{BaseType, InputValueDefinition, Type};
use serde_json::Value;

use super::corpus::{self, Hostile};
use crate::operations::{Schema, named};

/// One step into a variables object.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone)]
pub enum Kind {
    String,
    Id,
    Int,
    Float,
    Boolean,
    DateTime,
    Json,
    /// A part of a valid JSON value (an attribute of `attributes`, an operator of a filter).
    JsonPart,
    Enum(Vec<String>),
    List,
    Object,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub path: Vec<Step>,
    pub kind: Kind,
    /// The input object type and field this slot is (or is an element of), if any: the same
    /// field met again in another operation is checked by the same code.
    pub field_of: Option<(String, String)>,
}

impl Slot {
    pub fn name(&self) -> String {
        self.path
            .iter()
            .map(|s| match s {
                Step::Key(k) => k.clone(),
                Step::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The hostile values of this slot's kind (a sample of the strings unless `all`); `base`
    /// is the valid variables object, which holds the valid element of a list.
    pub fn values(&self, base: &Value, all: bool) -> Vec<Hostile> {
        let strings = || {
            if all {
                corpus::strings()
            } else {
                corpus::string_sample()
            }
        };
        match &self.kind {
            // A cursor is decoded before anything else reads it: forged ones, and a sample of
            // strings (which are not base64url of JSON).
            Kind::String if self.path.last() == Some(&Step::Key("after".into())) => {
                let mut values = corpus::cursors();
                values.extend(corpus::string_sample());
                values
            }
            Kind::String => strings(),
            Kind::Id => corpus::ids(),
            Kind::Int => corpus::ints(),
            Kind::Float => corpus::floats(),
            Kind::Boolean => corpus::booleans(),
            Kind::DateTime => corpus::dates(),
            Kind::Enum(values) => corpus::enums(values),
            Kind::Object => corpus::objects(),
            Kind::List => {
                let mut element_path = self.path.clone();
                element_path.push(Step::Index(0));
                corpus::lists(get(base, &element_path).unwrap_or(&Value::String("x".into())))
            }
            Kind::Json => {
                let mut values = corpus::json_values();
                values.extend(strings());
                values.extend(corpus::dates().into_iter().filter(|d| d.value.is_string()));
                values.extend(corpus::floats().into_iter().filter(|f| f.value.is_number()));
                values
            }
            Kind::JsonPart if !all => corpus::json_values(),
            // A part is checked by the code of its attribute type or filter operator: the JSON
            // values with a sample of each scalar kind.
            Kind::JsonPart => {
                let mut values = corpus::json_values();
                values.extend(corpus::string_sample());
                values.extend(
                    corpus::dates()
                        .into_iter()
                        .filter(|d| d.value.is_string())
                        .take(12),
                );
                values
            }
        }
    }
}

/// The slots of `arguments`: each argument, and everything inside it.
pub fn of_arguments(schema: &Schema, arguments: &[InputValueDefinition]) -> Vec<Slot> {
    let mut out = Vec::new();
    for argument in arguments {
        walk(
            schema,
            vec![Step::Key(argument.name.node.to_string())],
            &argument.ty.node,
            None,
            &mut out,
        );
    }
    out
}

fn walk(
    schema: &Schema,
    path: Vec<Step>,
    ty: &Type,
    field_of: Option<(String, String)>,
    out: &mut Vec<Slot>,
) {
    match &ty.base {
        BaseType::List(inner) => {
            out.push(Slot {
                path: path.clone(),
                kind: Kind::List,
                field_of: field_of.clone(),
            });
            let mut element = path;
            element.push(Step::Index(0));
            walk(schema, element, inner, field_of, out);
        }
        BaseType::Named(_) => {
            let name = named(ty);
            let kind = match name {
                "String" => Kind::String,
                "ID" => Kind::Id,
                "Int" => Kind::Int,
                "Float" => Kind::Float,
                "Boolean" => Kind::Boolean,
                "DateTime" => Kind::DateTime,
                "JSON" => Kind::Json,
                other => {
                    if let Some(values) = schema.enum_values(other) {
                        Kind::Enum(values)
                    } else if let Some(fields) = schema.input_fields(other) {
                        out.push(Slot {
                            path: path.clone(),
                            kind: Kind::Object,
                            field_of,
                        });
                        for field in fields {
                            let name = field.name.node.to_string();
                            let mut inner = path.clone();
                            inner.push(Step::Key(name.clone()));
                            let of = Some((other.to_owned(), name));
                            walk(schema, inner, &field.ty.node, of, out);
                        }
                        return;
                    } else {
                        panic!("no hostile values for the type {other}: add them");
                    }
                }
            };
            out.push(Slot {
                path,
                kind,
                field_of,
            });
        }
    }
}

/// The parts of the valid JSON value at each JSON slot, as slots of their own.
pub fn json_parts(slots: &[Slot], base: &Value) -> Vec<Slot> {
    let mut out = Vec::new();
    for slot in slots.iter().filter(|s| matches!(s.kind, Kind::Json)) {
        if let Some(value) = get(base, &slot.path) {
            parts(slot.path.clone(), value, &mut out);
        }
    }
    out
}

fn parts(path: Vec<Step>, value: &Value, out: &mut Vec<Slot>) {
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items.iter().take(1).map(|v| (Step::Index(0), v)).collect(),
        _ => return,
    };
    for (step, child) in children {
        let mut inner = path.clone();
        inner.push(step);
        out.push(Slot {
            path: inner.clone(),
            kind: Kind::JsonPart,
            field_of: None,
        });
        parts(inner, child, out);
    }
}

pub fn get<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
    })
}

/// `value` with `replacement` at `path`, creating the objects and lists on the way.
pub fn set(value: &mut Value, path: &[Step], replacement: Value) {
    let Some((first, rest)) = path.split_first() else {
        *value = replacement;
        return;
    };
    let child = match first {
        Step::Key(k) => {
            if !value.is_object() {
                *value = Value::Object(Default::default());
            }
            value
                .as_object_mut()
                .unwrap()
                .entry(k.clone())
                .or_insert(Value::Null)
        }
        Step::Index(i) => {
            if !value.is_array() {
                *value = Value::Array(Vec::new());
            }
            let items = value.as_array_mut().unwrap();
            while items.len() <= *i {
                items.push(Value::Null);
            }
            &mut items[*i]
        }
    };
    set(child, rest, replacement);
}
