//! A saved view's rows: a page of the fact sheets its filter selects, in its order, each as the
//! cells of its columns. The fact sheets come from the same keyset-paged list as `factSheets`;
//! related names are read for the whole page at once, one statement per step of a path and
//! one for the names, so a column costs the same whether the page has one row or five hundred.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use super::{
    RelationPath,
    saved_views::CheckedView,
    view_columns::{CheckedSource, ViewField},
};
use crate::{
    attributes::{phase_label, report_phase},
    db::Siblings,
    error::Result,
    fact_sheets::{self, FactSheet, RelationDirection, Status},
    meta_model::MetaModel,
    metrics,
    paging::Page,
    principal::Principal,
};
use entity::{fact_sheet, relation};

/// Ids per `IN (…)` list: far below either database's limit on bound parameters.
const IDS_PER_STATEMENT: usize = 1_000;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    /// A number cell; negative zero (which PostgreSQL may hand back for a zero) reads as 0.
    pub fn number(n: f64) -> Self {
        Cell::Number(if n == 0.0 { 0.0 } else { n })
    }

    /// The cell as text, as a CSV file holds it (numbers in their shortest exact form).
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Text(t) => Some(t.clone()),
            Cell::Number(n) => Some(n.to_string()),
        }
    }
}

/// A fact sheet's row: its id (for links) and one cell per column.
#[derive(Debug, Clone)]
pub struct ViewRow {
    pub fact_sheet_id: Uuid,
    pub cells: Vec<Cell>,
}

/// A page of `view`'s rows after `after` (a cursor of this page's list), `first` at most 500.
pub async fn rows(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    view: &CheckedView,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<ViewRow>> {
    let page = fact_sheets::list(
        db,
        principal,
        model,
        &view.filter,
        view.order.clone(),
        first,
        after,
    )
    .await?;
    let sheets: Vec<&FactSheet> = page.items.iter().map(|(_, fs)| fs).collect();
    let ids: Vec<Uuid> = sheets.iter().map(|fs| fs.id).collect();
    let today = Utc::now().date_naive();
    let mut columns: Vec<Vec<Cell>> = Vec::with_capacity(view.columns.len());
    for column in &view.columns {
        columns.push(match &column.source {
            CheckedSource::Field(field) => sheets.iter().map(|fs| field_cell(fs, *field)).collect(),
            CheckedSource::Attribute { key, lifecycle_in } => sheets
                .iter()
                .map(|fs| {
                    let value = fs.attributes.get(key);
                    if lifecycle_in.contains(&fs.fact_sheet_type) {
                        phase_cell(value, today)
                    } else {
                        value_cell(value)
                    }
                })
                .collect(),
            CheckedSource::Related(path) => {
                let names = related_names(db, principal, &ids, path).await?;
                ids.iter()
                    .map(|id| match names.get(id) {
                        Some(names) if !names.is_empty() => Cell::Text(names.join("; ")),
                        _ => Cell::Empty,
                    })
                    .collect()
            }
            CheckedSource::Metric(figure, window) => {
                let mut cells = Vec::with_capacity(sheets.len());
                for fs in &sheets {
                    let figures = metrics::for_fact_sheet(
                        db,
                        principal,
                        model,
                        fs.id,
                        window,
                        figure.needs(),
                    )
                    .await?;
                    cells.push(figure.of(&figures).map_or(Cell::Empty, Cell::number));
                }
                cells
            }
        });
    }
    let has_next_page = page.has_next_page;
    let items = page
        .items
        .into_iter()
        .enumerate()
        .map(|(row, (cursor, fs))| {
            let cells = columns
                .iter_mut()
                .map(|c| std::mem::replace(&mut c[row], Cell::Empty));
            (
                cursor,
                ViewRow {
                    fact_sheet_id: fs.id,
                    cells: cells.collect(),
                },
            )
        })
        .collect();
    Ok(Page {
        items,
        has_next_page,
    })
}

fn field_cell(fs: &FactSheet, field: ViewField) -> Cell {
    match field {
        ViewField::Id => Cell::Text(fs.id.to_string()),
        ViewField::Name => Cell::Text(fs.name.clone()),
        ViewField::Type => Cell::Text(fs.fact_sheet_type.clone()),
        ViewField::Status => Cell::Text(Status::of(fs).as_str().to_owned()),
        ViewField::Description => fs.description.clone().map_or(Cell::Empty, Cell::Text),
        ViewField::Completion => Cell::number(fs.completion),
        ViewField::CreatedAt => Cell::Text(fs.created_at.to_rfc3339()),
        ViewField::UpdatedAt => Cell::Text(fs.updated_at.to_rfc3339()),
    }
}

/// A lifecycle as the label of its phase on `today`, as the aggregate's groups name it.
fn phase_cell(value: Option<&Value>, today: NaiveDate) -> Cell {
    report_phase(value, today).map_or(Cell::Empty, |phase| {
        Cell::Text(phase_label(phase).to_owned())
    })
}

/// An attribute's value as one cell: a multi-select's keys joined by `; `.
fn value_cell(value: Option<&Value>) -> Cell {
    match value {
        None | Some(Value::Null) => Cell::Empty,
        Some(Value::Number(n)) => n.as_f64().map_or(Cell::Empty, Cell::number),
        Some(Value::String(s)) => Cell::Text(s.clone()),
        Some(Value::Bool(b)) => Cell::Text(b.to_string()),
        Some(Value::Array(items)) => {
            let texts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            if texts.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(texts.join("; "))
            }
        }
        Some(other) => Cell::Text(other.to_string()),
    }
}

/// The names of the active fact sheets at the end of `path` from each of `starts`, sorted and
/// without repeats (two routes to the same team name it once).
pub async fn related_names(
    db: &impl ConnectionTrait,
    principal: &Principal,
    starts: &[Uuid],
    path: &RelationPath,
) -> Result<HashMap<Uuid, Vec<String>>> {
    let ws = principal.workspace_id;
    // Which start fact sheets reach each fact sheet of the current frontier.
    let mut reached: HashMap<Uuid, HashSet<Uuid>> = starts
        .iter()
        .map(|id| (*id, HashSet::from([*id])))
        .collect();
    for step in path.steps() {
        let (near, far) = match step.direction {
            RelationDirection::Outgoing => (relation::Column::FromId, relation::Column::ToId),
            RelationDirection::Incoming => (relation::Column::ToId, relation::Column::FromId),
        };
        let frontier: Vec<Uuid> = reached.keys().copied().collect();
        let mut next: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
        for chunk in frontier.chunks(IDS_PER_STATEMENT) {
            let pairs: Vec<(Uuid, Uuid)> = relation::Entity::find()
                .select_only()
                .column(near)
                .column(far)
                .filter(relation::Column::WorkspaceId.eq(ws))
                .filter(relation::Column::RelationType.eq(step.relation_type.as_str()))
                .filter(near.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for (from, to) in pairs {
                if let Some(origins) = reached.get(&from) {
                    next.entry(to).or_default().extend(origins.iter().copied());
                }
            }
        }
        reached = next;
    }
    let ends: Vec<Uuid> = reached.keys().copied().collect();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for chunk in ends.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<(Uuid, String)> = fact_sheet::Entity::find()
            .select_only()
            .column(fact_sheet::Column::Id)
            .column(fact_sheet::Column::Name)
            .filter(fact_sheet::Column::WorkspaceId.eq(ws))
            .filter(fact_sheet::Column::Status.eq(Status::Active.as_str()))
            .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    let mut by_start: HashMap<Uuid, BTreeMap<String, ()>> = HashMap::new();
    for (end, origins) in reached {
        let Some(name) = names.get(&end) else {
            continue;
        };
        for origin in origins {
            by_start.entry(origin).or_default().insert(name.clone(), ());
        }
    }
    Ok(by_start
        .into_iter()
        .map(|(id, names)| (id, names.into_keys().collect()))
        .collect())
}
