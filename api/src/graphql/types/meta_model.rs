//! The meta model as GraphQL sees it: typed outputs for reading it, inputs for changing it.

use async_graphql::{InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::meta_model::{self as mm, MetaModelVersion};
use serde_json::Value;

use crate::graphql::enums::{AttributeType, Cardinality, RollUpDirection};

#[derive(SimpleObject)]
#[graphql(name = "MetaModel")]
pub struct MetaModelObject {
    /// Increases with every change; pass it as `expectedVersion` to change the model safely.
    pub version: i32,
    pub summary: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub fact_sheet_types: Vec<FactSheetTypeObject>,
    pub relation_types: Vec<RelationTypeObject>,
    /// The DORA performance bands in force (the published defaults unless an admin set others).
    pub performance_bands: Json<Value>,
}

#[derive(SimpleObject)]
#[graphql(name = "FactSheetType")]
pub struct FactSheetTypeObject {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    pub attributes: Vec<AttributeDefinitionObject>,
    /// Relation types whose related fact sheets' events count in this type's metrics.
    pub roll_up: Vec<RollUpObject>,
    /// Whether this type's metrics also count its children's (those with it as `parentId`),
    /// down the whole hierarchy, each child with its own roll-up.
    pub roll_up_children: bool,
}

#[derive(SimpleObject)]
#[graphql(name = "RollUp")]
pub struct RollUpObject {
    pub relation_type: String,
    pub direction: RollUpDirection,
}

#[derive(InputObject)]
pub struct RollUpInput {
    pub relation_type: String,
    #[graphql(default_with = "RollUpDirection::Outgoing")]
    pub direction: RollUpDirection,
}

impl From<RollUpInput> for mm::RollUp {
    fn from(r: RollUpInput) -> Self {
        Self {
            relation_type: r.relation_type,
            direction: r.direction.into(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "AttributeDefinition")]
pub struct AttributeDefinitionObject {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub kind: AttributeType,
    pub required: bool,
    pub constraints: ConstraintsObject,
    pub weight: f64,
    pub options: Vec<SelectOptionObject>,
}

#[derive(SimpleObject)]
#[graphql(name = "AttributeConstraints")]
pub struct ConstraintsObject {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub pattern: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(name = "SelectOption")]
pub struct SelectOptionObject {
    pub key: String,
    pub label: String,
    pub order: i32,
}

#[derive(SimpleObject)]
#[graphql(name = "RelationType")]
pub struct RelationTypeObject {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    pub from_type: String,
    pub to_type: String,
    /// How many sources one target may have.
    pub from_cardinality: Cardinality,
    /// How many targets one source may have.
    pub to_cardinality: Cardinality,
    pub attributes: Vec<AttributeDefinitionObject>,
}

impl From<&MetaModelVersion> for MetaModelObject {
    fn from(v: &MetaModelVersion) -> Self {
        Self {
            version: v.version,
            summary: v.summary.clone(),
            created_by: v.created_by.clone(),
            created_at: v.created_at,
            fact_sheet_types: v.model.fact_sheet_types.iter().map(Into::into).collect(),
            relation_types: v.model.relation_types.iter().map(Into::into).collect(),
            performance_bands: Json(
                serde_json::to_value(v.model.performance_bands.clone().unwrap_or_default())
                    .unwrap_or_default(),
            ),
        }
    }
}

impl From<&mm::FactSheetType> for FactSheetTypeObject {
    fn from(t: &mm::FactSheetType) -> Self {
        Self {
            key: t.key.clone(),
            label: t.label.clone(),
            description: t.description.clone(),
            attributes: t.attributes.iter().map(Into::into).collect(),
            roll_up: t
                .roll_up
                .iter()
                .map(|r| RollUpObject {
                    relation_type: r.relation_type.clone(),
                    direction: r.direction.into(),
                })
                .collect(),
            roll_up_children: t.roll_up_children,
        }
    }
}

impl From<&mm::AttributeDefinition> for AttributeDefinitionObject {
    fn from(a: &mm::AttributeDefinition) -> Self {
        let mut options: Vec<_> = a
            .options
            .iter()
            .map(|o| SelectOptionObject {
                key: o.key.clone(),
                label: o.label.clone(),
                order: o.order,
            })
            .collect();
        options.sort_by_key(|o| o.order);
        Self {
            key: a.key.clone(),
            label: a.label.clone(),
            description: a.description.clone(),
            kind: a.kind.into(),
            required: a.required,
            constraints: ConstraintsObject {
                min: a.constraints.min,
                max: a.constraints.max,
                max_length: a.constraints.max_length,
                pattern: a.constraints.pattern.clone(),
            },
            weight: a.weight,
            options,
        }
    }
}

impl From<&mm::RelationType> for RelationTypeObject {
    fn from(r: &mm::RelationType) -> Self {
        Self {
            key: r.key.clone(),
            label: r.label.clone(),
            description: r.description.clone(),
            from_type: r.from_type.clone(),
            to_type: r.to_type.clone(),
            from_cardinality: r.from_cardinality.into(),
            to_cardinality: r.to_cardinality.into(),
            attributes: r.attributes.iter().map(Into::into).collect(),
        }
    }
}

#[derive(InputObject)]
pub struct FactSheetTypeInput {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    #[graphql(default)]
    pub attributes: Vec<AttributeDefinitionInput>,
    #[graphql(default)]
    pub roll_up: Vec<RollUpInput>,
    /// Whether the type's metrics also count its children's; off unless sent.
    #[graphql(default)]
    pub roll_up_children: bool,
}

#[derive(InputObject)]
pub struct AttributeDefinitionInput {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub kind: AttributeType,
    #[graphql(default)]
    pub required: bool,
    pub constraints: Option<ConstraintsInput>,
    /// Share of the completion score; defaults to 1.
    #[graphql(default = 1.0)]
    pub weight: f64,
    #[graphql(default)]
    pub options: Vec<SelectOptionInput>,
}

#[derive(InputObject, Default)]
#[graphql(name = "AttributeConstraintsInput")]
pub struct ConstraintsInput {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub pattern: Option<String>,
}

#[derive(InputObject)]
pub struct SelectOptionInput {
    pub key: String,
    pub label: String,
    /// Position in pick lists; defaults to the position in the list sent.
    pub order: Option<i32>,
}

#[derive(InputObject)]
pub struct RelationTypeInput {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    pub from_type: String,
    pub to_type: String,
    #[graphql(default_with = "Cardinality::Many")]
    pub from_cardinality: Cardinality,
    #[graphql(default_with = "Cardinality::Many")]
    pub to_cardinality: Cardinality,
    #[graphql(default)]
    pub attributes: Vec<AttributeDefinitionInput>,
}

impl From<FactSheetTypeInput> for mm::FactSheetType {
    fn from(t: FactSheetTypeInput) -> Self {
        Self {
            key: t.key,
            label: t.label,
            description: t.description,
            attributes: t.attributes.into_iter().map(Into::into).collect(),
            roll_up: t.roll_up.into_iter().map(Into::into).collect(),
            roll_up_children: t.roll_up_children,
        }
    }
}

impl From<AttributeDefinitionInput> for mm::AttributeDefinition {
    fn from(a: AttributeDefinitionInput) -> Self {
        let c = a.constraints.unwrap_or_default();
        Self {
            key: a.key,
            label: a.label,
            description: a.description,
            kind: a.kind.into(),
            required: a.required,
            constraints: mm::Constraints {
                min: c.min,
                max: c.max,
                max_length: c.max_length,
                pattern: c.pattern,
            },
            weight: a.weight,
            options: a
                .options
                .into_iter()
                .zip(0..)
                .map(|(o, i)| mm::SelectOption {
                    key: o.key,
                    label: o.label,
                    order: o.order.unwrap_or(i),
                })
                .collect(),
        }
    }
}

impl From<RelationTypeInput> for mm::RelationType {
    fn from(r: RelationTypeInput) -> Self {
        Self {
            key: r.key,
            label: r.label,
            description: r.description,
            from_type: r.from_type,
            to_type: r.to_type,
            from_cardinality: r.from_cardinality.into(),
            to_cardinality: r.to_cardinality.into(),
            attributes: r.attributes.into_iter().map(Into::into).collect(),
        }
    }
}
