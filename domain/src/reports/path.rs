//! A walk along relations, checked against the meta model once so every report that follows it
//! (a grouping key, a measure, a column) can trust each step's relation type and end types.

use crate::{
    error::{Error, FieldError, Result},
    fact_sheets::RelationDirection,
    meta_model::MetaModel,
};

/// Reports follow at most this many relations from a fact sheet: enough for team → artifact →
/// cloud resource and one more hop, few enough that a path stays one statement of joins.
pub const MAX_PATH_STEPS: usize = 3;

/// One hop: along relations of `relation_type`, forwards (`Outgoing`, from source to target)
/// or backwards (`Incoming`, from target to source).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationStep {
    #[serde(rename = "type")]
    pub relation_type: String,
    pub direction: RelationDirection,
}

/// Steps from a start fact sheet to the fact sheets at the far end, each step's far end type
/// being the next step's start type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelationPath {
    steps: Vec<RelationStep>,
    /// The fact sheet type each step ends at, the last one the path's end type.
    far_types: Vec<String>,
}

impl RelationPath {
    /// Checks `steps` against `model` for fact sheets of `start_types` (any type when `None`),
    /// naming `field` (the input's path, e.g. `groupBy.0.path`) in every error.
    pub fn new(
        model: &MetaModel,
        start_types: Option<&[String]>,
        steps: Vec<RelationStep>,
        field: &str,
    ) -> Result<Self> {
        if steps.is_empty() {
            return Err(Error::invalid(field, "a path needs at least one step"));
        }
        if steps.len() > MAX_PATH_STEPS {
            return Err(Error::invalid(
                field,
                format!("a path has at most {MAX_PATH_STEPS} steps"),
            ));
        }
        let mut at: Option<Vec<String>> = start_types.map(<[String]>::to_vec);
        let mut far_types = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            let step_field = format!("{field}.{index}.type");
            let Some(relation_type) = model.relation_type(&step.relation_type) else {
                return Err(Error::Invalid(vec![FieldError::new(
                    step_field,
                    format!("unknown relation type {:?}", step.relation_type),
                )]));
            };
            let (near, far) = match step.direction {
                RelationDirection::Outgoing => (&relation_type.from_type, &relation_type.to_type),
                RelationDirection::Incoming => (&relation_type.to_type, &relation_type.from_type),
            };
            if let Some(types) = &at
                && !types.iter().any(|t| t == near)
            {
                return Err(Error::invalid(
                    step_field,
                    format!(
                        "{:?} {} starts at {near}, not at {}",
                        step.relation_type,
                        direction_word(step.direction),
                        types.join(" or ")
                    ),
                ));
            }
            at = Some(vec![far.clone()]);
            far_types.push(far.clone());
        }
        Ok(Self { steps, far_types })
    }

    pub fn steps(&self) -> &[RelationStep] {
        &self.steps
    }

    /// The type of the fact sheets the path reaches.
    pub fn end_type(&self) -> &str {
        self.far_types.last().map_or("", String::as_str)
    }

    /// The type of the fact sheets step `index` reaches: a relation joins only the types its
    /// relation type names, so a statement may say so and read just the fact sheets of that
    /// type.
    pub fn far_type(&self, index: usize) -> &str {
        &self.far_types[index]
    }
}

fn direction_word(direction: RelationDirection) -> &'static str {
    match direction {
        RelationDirection::Outgoing => "followed forwards",
        RelationDirection::Incoming => "followed backwards",
    }
}
