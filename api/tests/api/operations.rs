//! Every root operation of the schema, as a callable document with the least arguments it
//! takes: the authorization walk and the tenant canary call each of them, so an operation added
//! later is covered without touching those tests.

use std::collections::HashMap;

use api::graphql::operation_rules::Root;
use async_graphql::parser::{
    parse_schema,
    types::{BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition},
};

pub struct Operation {
    pub root: Root,
    pub name: String,
    arguments: Vec<InputValueDefinition>,
    returns: String,
}

pub struct Schema {
    kinds: HashMap<String, TypeKind>,
    pub operations: Vec<Operation>,
}

impl Schema {
    pub fn of(sdl: &str) -> Self {
        let document = parse_schema(sdl).expect("the schema parses");
        let mut kinds = HashMap::new();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(t) = definition {
                kinds.insert(t.node.name.node.to_string(), t.node.kind);
            }
        }
        let mut operations = Vec::new();
        for (type_name, root) in [("Query", Root::Query), ("Mutation", Root::Mutation)] {
            let Some(TypeKind::Object(object)) = kinds.get(type_name) else {
                continue;
            };
            for field in &object.fields {
                operations.push(Operation {
                    root,
                    name: field.node.name.node.to_string(),
                    arguments: field
                        .node
                        .arguments
                        .iter()
                        .map(|a| a.node.clone())
                        .collect(),
                    returns: named(&field.node.ty.node).to_owned(),
                });
            }
        }
        Self { kinds, operations }
    }

    /// The operation as a document selecting only `__typename`: required arguments only, each
    /// `ID` set to `id` and every other value to the simplest valid literal of its type.
    pub fn document(&self, operation: &Operation, id: &str) -> String {
        self.document_with_depth(operation, id, 0)
    }

    /// Like [`Schema::document`], selecting every field down to `depth` levels (fields with
    /// required arguments get literals too), so whatever the operation can return is returned.
    pub fn document_with_depth(&self, operation: &Operation, id: &str, depth: usize) -> String {
        let keyword = match operation.root {
            Root::Query => "query",
            Root::Mutation => "mutation",
        };
        format!(
            "{keyword} {{ {}{} {} }}",
            operation.name,
            self.arguments(&operation.arguments, id),
            self.selection(&operation.returns, depth)
        )
    }

    fn arguments(&self, arguments: &[InputValueDefinition], id: &str) -> String {
        let arguments: Vec<String> = arguments
            .iter()
            .filter(|a| !a.ty.node.nullable && a.default_value.is_none())
            .map(|a| format!("{}: {}", a.name.node, self.literal(&a.ty.node, id)))
            .collect();
        if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        }
    }

    /// The arguments the operation takes, required or not.
    pub fn arguments_of<'a>(&self, operation: &'a Operation) -> &'a [InputValueDefinition] {
        &operation.arguments
    }

    /// The named type the operation returns.
    pub fn returns_of<'a>(&self, operation: &'a Operation) -> &'a str {
        &operation.returns
    }

    /// The fields of input object `type_name`, or `None` for any other type.
    pub fn input_fields(&self, type_name: &str) -> Option<Vec<&InputValueDefinition>> {
        match self.kinds.get(type_name) {
            Some(TypeKind::InputObject(input)) => {
                Some(input.fields.iter().map(|f| &f.node).collect())
            }
            _ => None,
        }
    }

    /// The values of enum `type_name`, or `None` for any other type.
    pub fn enum_values(&self, type_name: &str) -> Option<Vec<String>> {
        match self.kinds.get(type_name) {
            Some(TypeKind::Enum(e)) => Some(
                e.values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The fields of object `type_name` that take arguments: `(name, arguments, returns)`.
    pub fn fields_with_arguments(
        &self,
        type_name: &str,
    ) -> Vec<(String, Vec<InputValueDefinition>, String)> {
        let Some(TypeKind::Object(object)) = self.kinds.get(type_name) else {
            return Vec::new();
        };
        object
            .fields
            .iter()
            .filter(|f| !f.node.arguments.is_empty())
            .map(|f| {
                (
                    f.node.name.node.to_string(),
                    f.node.arguments.iter().map(|a| a.node.clone()).collect(),
                    named(&f.node.ty.node).to_owned(),
                )
            })
            .collect()
    }

    /// A selection of `type_name`'s fields down to `depth` levels, as [`Schema::document_with_depth`]
    /// makes it.
    pub fn selection(&self, type_name: &str, depth: usize) -> String {
        let fields = match self.kinds.get(type_name) {
            Some(TypeKind::Object(o)) => &o.fields,
            Some(TypeKind::Interface(i)) => &i.fields,
            Some(TypeKind::Union(_)) => return "{ __typename }".into(),
            _ => return String::new(),
        };
        if depth == 0 {
            return "{ __typename }".into();
        }
        let mut selected = vec!["__typename".to_owned()];
        for field in fields {
            let field = &field.node;
            let returns = named(&field.ty.node);
            let is_composite = matches!(
                self.kinds.get(returns),
                Some(TypeKind::Object(_) | TypeKind::Interface(_) | TypeKind::Union(_))
            );
            let needs_arguments = field
                .arguments
                .iter()
                .any(|a| !a.node.ty.node.nullable && a.node.default_value.is_none());
            // Fields that need arguments (metrics windows) would fail on placeholder values and
            // null out their parent; leave them out so the rest is returned.
            if (is_composite && depth == 1) || needs_arguments {
                continue;
            }
            selected.push(format!(
                "{} {}",
                field.name.node,
                self.selection(returns, depth - 1)
            ));
        }
        format!("{{ {} }}", selected.join(" "))
    }

    fn literal(&self, ty: &Type, id: &str) -> String {
        match &ty.base {
            BaseType::List(_) => "[]".into(),
            BaseType::Named(name) => match name.as_str() {
                "ID" => format!("\"{id}\""),
                "String" => "\"canary\"".into(),
                "Int" => "1".into(),
                "Float" => "1.0".into(),
                "Boolean" => "false".into(),
                "DateTime" => "\"2026-01-01T00:00:00Z\"".into(),
                "JSON" => "{}".into(),
                other => match self.kinds.get(other) {
                    Some(TypeKind::Enum(e)) => e.values[0].node.value.node.to_string(),
                    Some(TypeKind::InputObject(input)) => {
                        let required = |f: &&async_graphql::Positioned<InputValueDefinition>| {
                            !f.node.ty.node.nullable && f.node.default_value.is_none()
                        };
                        // A one-of input (every field optional) needs exactly one field.
                        let one_of = !input.fields.iter().any(|f| required(&f));
                        let fields: Vec<String> = input
                            .fields
                            .iter()
                            .filter(|f| required(f))
                            .chain(input.fields.iter().take(usize::from(one_of)))
                            .map(|f| {
                                format!(
                                    "{}: {}",
                                    f.node.name.node,
                                    self.literal(&f.node.ty.node, id)
                                )
                            })
                            .collect();
                        format!("{{ {} }}", fields.join(", "))
                    }
                    _ => "\"canary\"".into(),
                },
            },
        }
    }
}

pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}
