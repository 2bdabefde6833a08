//! Saved views in GraphQL: the view, its columns, its rows, and the inputs that make one. A
//! column input names exactly one source, as a tagged union would (GraphQL inputs have none).

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    fact_sheets::{FactSheetOrder, SortKey},
    reports::{self, ColumnSource, SavedView, ViewColumn},
};
use serde_json::Value;

use super::report_inputs::{MetricFigure, RelationStepInput, steps};
use crate::graphql::{
    context::request,
    enums::{FactSheetOrderField, RelationDirection, SortDirection},
    errors::{OrGql, bad_input},
};

/// Who sees a saved view besides its owner.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::authz::Visibility")]
pub enum SavedViewVisibility {
    /// Its owner only.
    Private,
    /// Everyone in the workspace; only its owner or an admin changes it.
    Workspace,
}

/// A field every fact sheet has.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::reports::ViewField")]
pub enum ViewField {
    Id,
    Name,
    Type,
    Status,
    Description,
    /// A fraction from 0 to 1.
    Completion,
    CreatedAt,
    UpdatedAt,
}

/// A metric figure over the window that ends when the view is run.
#[derive(InputObject, Clone, Debug)]
pub struct MetricColumnInput {
    pub figure: MetricFigure,
    /// How far back the window reaches: an ISO 8601 duration of days, weeks or hours.
    #[graphql(default_with = "String::from(\"P30D\")")]
    pub last: String,
}

/// A metric figure over the window that ends when the view is run, `last` long.
#[derive(SimpleObject, Clone, Debug)]
pub struct MetricColumn {
    pub figure: MetricFigure,
    pub last: String,
}

/// One column: give exactly one of `field`, `attribute`, `related` (the names of the fact
/// sheets reached along a relation path, joined by `; `) and `metric`.
#[derive(InputObject, Clone, Debug)]
pub struct ViewColumnInput {
    /// The header; a name derived from the source when absent.
    pub label: Option<String>,
    pub field: Option<ViewField>,
    pub attribute: Option<String>,
    pub related: Option<Vec<RelationStepInput>>,
    pub metric: Option<MetricColumnInput>,
}

/// The columns as the domain keeps them; `field` names the list in errors.
pub fn columns(input: Vec<ViewColumnInput>, field: &str) -> async_graphql::Result<Vec<ViewColumn>> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, column)| {
            let at = format!("{field}.{i}");
            let source = match (
                column.field,
                column.attribute,
                column.related,
                column.metric,
            ) {
                (Some(field), None, None, None) => ColumnSource::Field {
                    field: field.into(),
                },
                (None, Some(key), None, None) => ColumnSource::Attribute { key },
                (None, None, Some(path), None) => ColumnSource::Related {
                    path: steps(path, &format!("{at}.related"))?,
                },
                (None, None, None, Some(metric)) => ColumnSource::Metric {
                    figure: metric.figure.into(),
                    last: metric.last,
                },
                _ => {
                    return Err(bad_input(
                        &at,
                        "give exactly one of field, attribute, related and metric",
                    ));
                }
            };
            Ok(ViewColumn {
                label: column.label,
                source,
            })
        })
        .collect()
}

/// A column of a saved view, as saved.
#[derive(SimpleObject)]
pub struct ViewColumnObject {
    /// The header, as given or derived from the source.
    pub label: Option<String>,
    pub field: Option<ViewField>,
    pub attribute: Option<String>,
    pub related: Option<Vec<RelationStepObject>>,
    pub metric: Option<MetricColumn>,
}

/// One hop of a saved path.
#[derive(SimpleObject)]
#[graphql(name = "RelationStep")]
pub struct RelationStepObject {
    #[graphql(name = "type")]
    pub relation_type: String,
    pub direction: RelationDirection,
}

impl From<ViewColumn> for ViewColumnObject {
    fn from(column: ViewColumn) -> Self {
        let mut object = Self {
            label: column.label,
            field: None,
            attribute: None,
            related: None,
            metric: None,
        };
        match column.source {
            ColumnSource::Field { field } => object.field = Some(field.into()),
            ColumnSource::Attribute { key } => object.attribute = Some(key),
            ColumnSource::Related { path } => {
                object.related = Some(
                    path.into_iter()
                        .map(|step| RelationStepObject {
                            relation_type: step.relation_type,
                            direction: match step.direction {
                                domain::fact_sheets::RelationDirection::Outgoing => {
                                    RelationDirection::Outgoing
                                }
                                domain::fact_sheets::RelationDirection::Incoming => {
                                    RelationDirection::Incoming
                                }
                            },
                        })
                        .collect(),
                )
            }
            ColumnSource::Metric { figure, last } => {
                object.metric = Some(MetricColumn {
                    figure: figure.into(),
                    last,
                })
            }
        }
        object
    }
}

/// The order of a saved view.
#[derive(SimpleObject)]
pub struct ViewOrder {
    pub field: Option<FactSheetOrderField>,
    pub attribute: Option<String>,
    pub direction: SortDirection,
}

impl From<FactSheetOrder> for ViewOrder {
    fn from(order: FactSheetOrder) -> Self {
        let (field, attribute) = match order.by {
            SortKey::Field(field) => (Some(field.into()), None),
            SortKey::Attribute(key) => (None, Some(key)),
        };
        Self {
            field,
            attribute,
            direction: if order.descending {
                SortDirection::Desc
            } else {
                SortDirection::Asc
            },
        }
    }
}

/// A named filter, columns and order over fact sheets: a bookmark, and what an export writes.
pub struct SavedViewObject(pub SavedView);

#[Object(name = "SavedView")]
impl SavedViewObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn visibility(&self) -> SavedViewVisibility {
        self.0.visibility.into()
    }

    /// The subject of the user who saved it.
    async fn owner(&self) -> &str {
        &self.0.owner
    }

    /// The filter, in the shape of `FactSheetFilter`.
    async fn filter(&self) -> Json<Value> {
        Json(serde_json::to_value(&self.0.definition.filter).unwrap_or_default())
    }

    async fn columns(&self) -> Vec<ViewColumnObject> {
        self.0
            .definition
            .columns
            .iter()
            .cloned()
            .map(Into::into)
            .collect()
    }

    async fn order_by(&self) -> ViewOrder {
        self.0.definition.order.clone().into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The view run now against the current meta model: a page of its fact sheets (`first`
    /// defaults to 50, at most 500), each with one cell per column, as the export writes them.
    async fn rows(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ViewRowsObject> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let checked = self.0.definition.checked(&model.model, Utc::now()).gql()?;
        let page = reports::view_rows(
            rc.db().await?,
            &rc.principal,
            &model.model,
            &checked,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(ViewRowsObject {
            labels: checked.labels(),
            has_next_page: page.has_next_page,
            end_cursor: page.end_cursor().map(str::to_owned),
            edges: page
                .items
                .into_iter()
                .map(|(cursor, row)| ViewRowEdge {
                    cursor,
                    fact_sheet_id: ID(row.fact_sheet_id.to_string()),
                    cells: row.cells.iter().map(reports::Cell::text).collect(),
                })
                .collect(),
        })
    }
}

/// A page of a view's rows.
#[derive(SimpleObject)]
#[graphql(name = "ViewRows")]
pub struct ViewRowsObject {
    /// The header, one label per column.
    pub labels: Vec<String>,
    pub edges: Vec<ViewRowEdge>,
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// One fact sheet's row: a cell per column, null when it has no value (numbers as text).
#[derive(SimpleObject)]
#[graphql(name = "ViewRow")]
pub struct ViewRowEdge {
    pub cursor: String,
    pub fact_sheet_id: ID,
    pub cells: Vec<Option<String>>,
}

#[derive(SimpleObject)]
pub struct SavedViewPayload {
    pub saved_view: SavedViewObject,
}
