//! A question checked against the meta model and the workspace's tag groups, every refusal
//! naming the field the client sent (`groupBy.0.attribute`, `measures.1.path.0.type`).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    AggregateQuery, DEFAULT_GROUP_LIMIT, GroupBy, MAX_GROUP_KEYS, MAX_GROUP_LIMIT, MAX_MEASURES,
    MeasureKind, SortBy,
};
use crate::{
    attributes::phase_label,
    error::{Error, FieldError, Result},
    fact_sheets::{CompiledFilter, compile_filter},
    meta_model::{AttributeType, LIFECYCLE_PHASES, MetaModel},
    metrics::MetricWindow,
    principal::Principal,
    reports::{Figure, RelationPath, RelationStep},
};
use entity::tag_group;

/// A grouping key, resolved.
#[derive(Debug, Clone)]
pub(super) enum Key {
    Type {
        labels: HashMap<String, String>,
    },
    FactSheet,
    TagGroup(Uuid),
    Select {
        attribute: String,
        labels: HashMap<String, String>,
    },
    Lifecycle(String),
    Related(RelationPath),
}

impl Key {
    /// The readable label of a key value, for keys whose label is not read with it.
    pub(super) fn label_of(&self, key: &str) -> Option<String> {
        match self {
            Key::Type { labels } | Key::Select { labels, .. } => {
                Some(labels.get(key).cloned().unwrap_or_else(|| key.to_owned()))
            }
            Key::Lifecycle(_) => Some(phase_label(key).to_owned()),
            Key::TagGroup(_) => Some(key.to_owned()),
            Key::FactSheet | Key::Related(_) => None,
        }
    }
}

/// Whose values a measure takes: the members, or the fact sheets at the end of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Source {
    Members,
    Path(RelationPath),
}

/// What a statement adds up over a source's distinct fact sheets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SqlMeasure {
    Count,
    Sum(String),
    Avg(String),
    Min(String),
    Max(String),
    AvgCompletion,
}

impl SqlMeasure {
    pub(super) fn attribute(&self) -> Option<&str> {
        match self {
            SqlMeasure::Sum(a) | SqlMeasure::Avg(a) | SqlMeasure::Min(a) | SqlMeasure::Max(a) => {
                Some(a)
            }
            SqlMeasure::Count | SqlMeasure::AvgCompletion => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Planned {
    Sql(Source, SqlMeasure),
    Figure(Source, Figure, MetricWindow),
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) filter: CompiledFilter,
    pub(super) keys: Vec<Key>,
    pub(super) measures: Vec<Planned>,
    pub(super) limit: u32,
    /// Today's date as `YYYY-MM-DD`, for lifecycle phases.
    pub(super) today: String,
}

impl Plan {
    pub(super) async fn new(
        db: &impl ConnectionTrait,
        principal: &Principal,
        model: &MetaModel,
        query: &AggregateQuery,
    ) -> Result<Self> {
        let mut errors = Vec::new();
        let filter = match compile_filter(db, principal, model, &query.filter).await {
            Ok(filter) => Some(filter),
            Err(Error::Invalid(e)) => {
                errors.extend(e);
                None
            }
            Err(other) => return Err(other),
        };
        let members = query.filter.types.as_deref();
        if query.group_by.is_empty() || query.group_by.len() > MAX_GROUP_KEYS {
            errors.push(FieldError::new(
                "groupBy",
                format!("give one or {MAX_GROUP_KEYS} keys"),
            ));
        }
        let mut keys = Vec::new();
        for (i, key) in query.group_by.iter().enumerate() {
            match resolve_key(db, principal, model, members, key, i).await {
                Ok(k) => keys.push(k),
                Err(Error::Invalid(e)) => errors.extend(e),
                Err(other) => return Err(other),
            }
        }
        if query.measures.len() > MAX_MEASURES {
            errors.push(FieldError::new(
                "measures",
                format!("at most {MAX_MEASURES} measures"),
            ));
        }
        let mut measures = Vec::new();
        for (i, measure) in query.measures.iter().enumerate() {
            match resolve_measure(model, members, &measure.kind, &measure.path, i) {
                Ok(m) => measures.push(m),
                Err(e) => errors.extend(e),
            }
        }
        let limit = query.limit.unwrap_or(DEFAULT_GROUP_LIMIT);
        if limit == 0 || limit > MAX_GROUP_LIMIT {
            errors.push(FieldError::new(
                "limit",
                format!("must be from 1 to {MAX_GROUP_LIMIT}"),
            ));
        }
        if let Some(sort) = query.sort {
            match sort.by {
                SortBy::Measure(i) if i >= query.measures.len() => errors.push(FieldError::new(
                    "sort.measure",
                    format!(
                        "there are {} measures, counted from 0",
                        query.measures.len()
                    ),
                )),
                SortBy::Key(i) if i >= query.group_by.len() => errors.push(FieldError::new(
                    "sort.key",
                    format!("there are {} keys, counted from 0", query.group_by.len()),
                )),
                _ => {}
            }
        }
        Error::check(errors)?;
        Ok(Self {
            filter: filter
                .ok_or_else(|| Error::Internal("filter neither compiled nor refused".into()))?,
            keys,
            measures,
            limit,
            today: chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
        })
    }

    /// The distinct paths that SQL measures are taken along (the members come apart).
    pub(super) fn sources(&self) -> Vec<&Source> {
        let mut sources: Vec<&Source> = Vec::new();
        for m in &self.measures {
            if let Planned::Sql(source @ Source::Path(_), _) = m
                && !sources.contains(&source)
            {
                sources.push(source);
            }
        }
        sources
    }

    /// The SQL measures taken over `source`, with their index among all measures.
    pub(super) fn sql_measures<'a>(
        &'a self,
        source: &'a Source,
    ) -> impl Iterator<Item = (usize, &'a SqlMeasure)> + 'a {
        self.measures
            .iter()
            .enumerate()
            .filter_map(move |(i, m)| match m {
                Planned::Sql(s, measure) if s == source => Some((i, measure)),
                _ => None,
            })
    }

    /// The figure measures, with their index among all measures.
    pub(super) fn figures(&self) -> impl Iterator<Item = (usize, &Source, Figure, &MetricWindow)> {
        self.measures
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match m {
                Planned::Figure(source, figure, window) => Some((i, source, *figure, window)),
                Planned::Sql(..) => None,
            })
    }
}

async fn resolve_key(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    members: Option<&[String]>,
    key: &GroupBy,
    i: usize,
) -> Result<Key> {
    Ok(match key {
        GroupBy::Type => Key::Type {
            labels: model
                .fact_sheet_types
                .iter()
                .map(|t| (t.key.clone(), t.label.clone()))
                .collect(),
        },
        GroupBy::FactSheet => Key::FactSheet,
        GroupBy::TagGroup(name) => {
            let group = tag_group::Entity::find()
                .filter(tag_group::Column::WorkspaceId.eq(principal.workspace_id))
                .filter(tag_group::Column::Name.eq(name.as_str()))
                .one(db)
                .await?;
            match group {
                Some(g) => Key::TagGroup(g.id),
                None => {
                    return Err(Error::invalid(
                        format!("groupBy.{i}.tagGroup"),
                        format!("unknown tag group {name:?}"),
                    ));
                }
            }
        }
        GroupBy::Attribute(attribute) => {
            let in_scope: Vec<_> = model
                .attribute_definitions(attribute)
                .filter(|(t, _)| members.is_none_or(|types| types.contains(&t.key)))
                .map(|(_, d)| d)
                .collect();
            if in_scope.iter().any(|d| d.kind == AttributeType::Lifecycle) {
                Key::Lifecycle(attribute.clone())
            } else if !in_scope.is_empty() && in_scope.iter().all(|d| d.kind.is_select()) {
                Key::Select {
                    attribute: attribute.clone(),
                    labels: in_scope
                        .iter()
                        .flat_map(|d| d.options.iter())
                        .map(|o| (o.key.clone(), o.label.clone()))
                        .collect(),
                }
            } else {
                return Err(Error::invalid(
                    format!("groupBy.{i}.attribute"),
                    format!(
                        "{attribute:?} is not a select or lifecycle attribute of the grouped types"
                    ),
                ));
            }
        }
        GroupBy::Related(steps) => Key::Related(RelationPath::new(
            model,
            members,
            steps.clone(),
            &format!("groupBy.{i}.path"),
        )?),
    })
}

fn resolve_measure(
    model: &MetaModel,
    members: Option<&[String]>,
    kind: &MeasureKind,
    path: &[RelationStep],
    i: usize,
) -> std::result::Result<Planned, Vec<FieldError>> {
    let source = if path.is_empty() {
        Source::Members
    } else {
        match RelationPath::new(model, members, path.to_vec(), &format!("measures.{i}.path")) {
            Ok(p) => Source::Path(p),
            Err(Error::Invalid(e)) => return Err(e),
            Err(other) => {
                return Err(vec![FieldError::new(
                    format!("measures.{i}.path"),
                    other.to_string(),
                )]);
            }
        }
    };
    let measured: Option<Vec<String>> = match &source {
        Source::Members => members.map(<[String]>::to_vec),
        Source::Path(p) => Some(vec![p.end_type().to_owned()]),
    };
    let numeric = |attribute: &String| -> std::result::Result<String, Vec<FieldError>> {
        let found = model
            .attribute_definitions(attribute)
            .filter(|(t, _)| measured.as_ref().is_none_or(|types| types.contains(&t.key)))
            .any(|(_, d)| d.kind.is_numeric());
        if found {
            Ok(attribute.clone())
        } else {
            Err(vec![FieldError::new(
                format!("measures.{i}.attribute"),
                format!(
                    "{attribute:?} is not a number attribute of {}",
                    measured
                        .as_ref()
                        .map_or("any type".to_owned(), |t| t.join(" or "))
                ),
            )])
        }
    };
    Ok(match kind {
        MeasureKind::Count => Planned::Sql(source, SqlMeasure::Count),
        MeasureKind::Sum(a) => Planned::Sql(source, SqlMeasure::Sum(numeric(a)?)),
        MeasureKind::Avg(a) => Planned::Sql(source, SqlMeasure::Avg(numeric(a)?)),
        MeasureKind::Min(a) => Planned::Sql(source, SqlMeasure::Min(numeric(a)?)),
        MeasureKind::Max(a) => Planned::Sql(source, SqlMeasure::Max(numeric(a)?)),
        MeasureKind::AvgCompletion => Planned::Sql(source, SqlMeasure::AvgCompletion),
        MeasureKind::AvgFigure { figure, window } => {
            Planned::Figure(source, *figure, window.clone())
        }
    })
}

/// The phases, last first: the current phase is the last one that has started.
pub(super) fn phases_last_first() -> impl Iterator<Item = &'static str> {
    LIFECYCLE_PHASES.iter().rev().copied()
}
