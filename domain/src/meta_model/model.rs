use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The whole meta model of one workspace at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MetaModel {
    pub fact_sheet_types: Vec<FactSheetType>,
    pub relation_types: Vec<RelationType>,
    /// DORA performance bands for this workspace; `None` means the published defaults.
    #[serde(default)]
    pub performance_bands: Option<super::bands::Bands>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactSheetType {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub attributes: Vec<AttributeDefinition>,
    /// Relation types whose related fact sheets' events count in this type's metrics (a Team
    /// rolls up over the artifacts it owns). Followed recursively, so a Domain that rolls up
    /// over Products rolls up over their artifacts too.
    #[serde(default)]
    pub roll_up: Vec<RollUp>,
    /// Whether this type's metrics also count its children (fact sheets whose parent it is),
    /// and theirs, each with its own roll-up: a team of teams measured over its sub-teams and
    /// the artifacts they own. Off by default, because a parent that already relates to what
    /// its children do would otherwise change its figures without anyone asking.
    #[serde(default)]
    pub roll_up_children: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollUp {
    pub relation_type: String,
    pub direction: RollUpDirection,
}

/// OUTGOING follows relations this type starts; INCOMING those pointing at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RollUpDirection {
    Outgoing,
    Incoming,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDefinition {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: AttributeType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub constraints: Constraints,
    /// Share of the completion score this attribute contributes when filled.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Allowed values of `singleSelect` and `multiSelect` attributes.
    #[serde(default)]
    pub options: Vec<SelectOption>,
}

fn default_weight() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    String,
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    DateTime,
    Url,
    Email,
    SingleSelect,
    MultiSelect,
    Lifecycle,
}

impl AttributeType {
    pub fn is_select(self) -> bool {
        matches!(
            self,
            AttributeType::SingleSelect | AttributeType::MultiSelect
        )
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, AttributeType::Integer | AttributeType::Number)
    }

    /// Whether every value valid for `self` is also valid for `to` (ignoring constraints), so a
    /// type change needs no look at the stored data.
    pub fn widens_to(self, to: AttributeType) -> bool {
        use AttributeType::*;
        self == to
            || matches!(
                (self, to),
                (Integer, Number)
                    | (String, Text)
                    | (Url, String | Text)
                    | (Email, String | Text)
                    | (Date, String | Text)
                    | (DateTime, String | Text)
                    | (SingleSelect, MultiSelect)
            )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Constraints {
    /// Inclusive bounds of a number or integer.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// Maximum length in characters of a string-like value.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// A regular expression a string-like value must match as a whole.
    #[serde(default)]
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectOption {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub order: i32,
}

/// How many fact sheets may stand on one side of a relation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Cardinality {
    One,
    Many,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationType {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    pub from_type: String,
    pub to_type: String,
    /// How many sources one target may have: `One` means a target is related to at most one
    /// source through this type (an artifact has one owning team).
    pub from_cardinality: Cardinality,
    /// How many targets one source may have.
    pub to_cardinality: Cardinality,
    #[serde(default)]
    pub attributes: Vec<AttributeDefinition>,
}

/// The lifecycle phases in the order they happen.
pub const LIFECYCLE_PHASES: [&str; 5] = ["plan", "phaseIn", "active", "phaseOut", "endOfLife"];

impl MetaModel {
    pub fn fact_sheet_type(&self, key: &str) -> Option<&FactSheetType> {
        self.fact_sheet_types.iter().find(|t| t.key == key)
    }

    pub fn fact_sheet_type_mut(&mut self, key: &str) -> Option<&mut FactSheetType> {
        self.fact_sheet_types.iter_mut().find(|t| t.key == key)
    }

    pub fn relation_type(&self, key: &str) -> Option<&RelationType> {
        self.relation_types.iter().find(|t| t.key == key)
    }

    /// The fact sheet type `key`, or a refusal of field `type` naming the known ones.
    pub fn require_fact_sheet_type(&self, key: &str) -> Result<&FactSheetType> {
        self.fact_sheet_type(key).ok_or_else(|| {
            unknown_type(
                "fact sheet",
                key,
                self.fact_sheet_types.iter().map(|t| &t.key),
            )
        })
    }

    /// The relation type `key`, or a refusal of field `type` naming the known ones.
    pub fn require_relation_type(&self, key: &str) -> Result<&RelationType> {
        self.relation_type(key).ok_or_else(|| {
            unknown_type("relation", key, self.relation_types.iter().map(|t| &t.key))
        })
    }

    pub fn relation_type_mut(&mut self, key: &str) -> Option<&mut RelationType> {
        self.relation_types.iter_mut().find(|t| t.key == key)
    }

    /// Every definition of an attribute key across fact sheet types, for filters that span types.
    pub fn attribute_definitions<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (&'a FactSheetType, &'a AttributeDefinition)> + 'a {
        self.fact_sheet_types
            .iter()
            .filter_map(move |t| t.attributes.iter().find(|a| a.key == key).map(|a| (t, a)))
    }
}

impl FactSheetType {
    /// Whether this type's metrics count any fact sheet besides its own.
    pub fn rolls_up(&self) -> bool {
        self.roll_up_children || !self.roll_up.is_empty()
    }

    pub fn attribute(&self, key: &str) -> Option<&AttributeDefinition> {
        self.attributes.iter().find(|a| a.key == key)
    }
}

impl AttributeDefinition {
    pub fn option(&self, key: &str) -> Option<&SelectOption> {
        self.options.iter().find(|o| o.key == key)
    }
}

/// Names the known keys, so a client that sent a wrong one can correct itself.
fn unknown_type<'a>(kind: &str, key: &str, known: impl Iterator<Item = &'a String>) -> Error {
    let known: Vec<&str> = known.map(String::as_str).collect();
    Error::invalid(
        "type",
        format!("`{key}` is not a {kind} type (known: {})", known.join(", ")),
    )
}
