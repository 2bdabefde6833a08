//! Saved views: a named filter, columns and order over fact sheets, kept by one user for
//! themselves or shared with the workspace. Who may see and change one is decided in
//! [`crate::authz`]; here a view is checked against the meta model before it is stored, and
//! again each time it is run ([`SavedView::checked`]), because the model changes under it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::view_columns::{self, CheckedColumn, ViewColumn};
use crate::{
    authz::{self, Visibility},
    error::{Error, FieldError, Result},
    fact_sheets::{FactSheetFilter, FactSheetOrder},
    limits,
    meta_model::MetaModel,
    principal::Principal,
};
use entity::saved_view;

/// The longest name a view may have.
const MAX_NAME_CHARACTERS: usize = 200;

/// Most views one workspace keeps: more than any team curates, few enough that the list is
/// one page.
pub const MAX_VIEWS_PER_WORKSPACE: u64 = 1_000;

/// What a view shows: which fact sheets, which columns, in which order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewDefinition {
    #[serde(default)]
    pub filter: FactSheetFilter,
    pub columns: Vec<ViewColumn>,
    #[serde(default)]
    pub order: FactSheetOrder,
}

impl ViewDefinition {
    /// The columns checked against `model` at `now` (a metric column's window ends then).
    pub fn checked(&self, model: &MetaModel, now: DateTime<Utc>) -> Result<CheckedView> {
        let columns = view_columns::check(
            model,
            self.filter.types.as_deref(),
            &self.columns,
            now,
            "columns",
        )?;
        Ok(CheckedView {
            filter: self.filter.clone(),
            order: self.order.clone(),
            columns,
        })
    }
}

/// A view ready to run: its columns checked, its filter and order to be checked by the list
/// that reads its fact sheets.
#[derive(Debug, Clone)]
pub struct CheckedView {
    pub filter: FactSheetFilter,
    pub order: FactSheetOrder,
    pub columns: Vec<CheckedColumn>,
}

impl CheckedView {
    /// The header row.
    pub fn labels(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.label.clone()).collect()
    }
}

#[derive(Debug, Clone)]
pub struct SavedView {
    pub id: Uuid,
    /// The subject of its creator.
    pub owner: String,
    pub name: String,
    pub visibility: Visibility,
    pub definition: ViewDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SavedView {
    fn from_row(row: saved_view::Model) -> Result<Self> {
        let definition = serde_json::from_value(row.definition).map_err(|e| {
            Error::Internal(format!(
                "saved view {} has an unreadable definition: {e}",
                row.id
            ))
        })?;
        Ok(Self {
            id: row.id,
            owner: row.owner,
            name: row.name,
            visibility: Visibility::parse(&row.visibility),
            definition,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A view to save.
#[derive(Debug, Clone)]
pub struct NewSavedView {
    pub name: String,
    pub visibility: Visibility,
    pub definition: ViewDefinition,
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct SavedViewPatch {
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
    pub filter: Option<FactSheetFilter>,
    pub columns: Option<Vec<ViewColumn>>,
    pub order: Option<FactSheetOrder>,
}

/// Saves a view owned by `principal`, after checking its filter and columns against `model`.
pub async fn create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    new: NewSavedView,
) -> Result<SavedView> {
    authz::require_keep_view(principal, new.visibility)?;
    check_name(&new.name)?;
    check_definition(db, principal, model, &new.definition).await?;
    let stored = saved_view::Entity::find()
        .filter(saved_view::Column::WorkspaceId.eq(principal.workspace_id))
        .count(db)
        .await?;
    if stored >= MAX_VIEWS_PER_WORKSPACE {
        return Err(Error::LimitExceeded(format!(
            "a workspace keeps at most {MAX_VIEWS_PER_WORKSPACE} saved views"
        )));
    }
    let now = Utc::now();
    let row = saved_view::ActiveModel {
        workspace_id: Set(principal.workspace_id),
        id: Set(Uuid::now_v7()),
        owner: Set(principal.subject.clone()),
        name: Set(new.name.trim().to_owned()),
        visibility: Set(new.visibility.as_str().to_owned()),
        definition: Set(definition_json(&new.definition)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    SavedView::from_row(row.insert(db).await?)
}

/// Changes a view `principal` may edit (its own, or any workspace view for an admin).
pub async fn update(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    id: Uuid,
    patch: SavedViewPatch,
) -> Result<SavedView> {
    let view = require(db, principal, id).await?;
    authz::require_edit_view(principal, &view.owner)?;
    let visibility = patch.visibility.unwrap_or(view.visibility);
    if patch.visibility.is_some() {
        authz::require_keep_view(principal, visibility)?;
    }
    if let Some(name) = &patch.name {
        check_name(name)?;
    }
    let definition = ViewDefinition {
        filter: patch.filter.unwrap_or(view.definition.filter),
        columns: patch.columns.unwrap_or(view.definition.columns),
        order: patch.order.unwrap_or(view.definition.order),
    };
    check_definition(db, principal, model, &definition).await?;
    let row = saved_view::ActiveModel {
        workspace_id: Set(principal.workspace_id),
        id: Set(id),
        owner: Set(view.owner),
        name: Set(patch.name.map_or(view.name, |n| n.trim().to_owned())),
        visibility: Set(visibility.as_str().to_owned()),
        definition: Set(definition_json(&definition)),
        created_at: Set(view.created_at),
        updated_at: Set(Utc::now()),
    };
    SavedView::from_row(row.update(db).await?)
}

/// Deletes a view `principal` may edit.
pub async fn delete(db: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<()> {
    let view = require(db, principal, id).await?;
    authz::require_edit_view(principal, &view.owner)?;
    saved_view::Entity::delete_many()
        .filter(saved_view::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(saved_view::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The view, when `principal` may see it; another user's private view is `None` as an unknown
/// id is.
pub async fn get(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<SavedView>> {
    authz::require(principal, authz::Action::Read)?;
    let row = saved_view::Entity::find()
        .filter(saved_view::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(saved_view::Column::Id.eq(id))
        .one(db)
        .await?;
    match row {
        Some(row)
            if authz::may_see_view(principal, &row.owner, Visibility::parse(&row.visibility)) =>
        {
            Ok(Some(SavedView::from_row(row)?))
        }
        _ => Ok(None),
    }
}

/// Like [`get`], refusing with "not found" when there is no such view for `principal`.
pub async fn require(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<SavedView> {
    get(db, principal, id)
        .await?
        .ok_or_else(|| Error::not_found("saved view", id))
}

/// The views `principal` sees: its own and the workspace's, by name.
pub async fn list(db: &impl ConnectionTrait, principal: &Principal) -> Result<Vec<SavedView>> {
    authz::require(principal, authz::Action::Read)?;
    saved_view::Entity::find()
        .filter(saved_view::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(
            Condition::any()
                .add(saved_view::Column::Owner.eq(principal.subject.clone()))
                .add(saved_view::Column::Visibility.eq(Visibility::Workspace.as_str())),
        )
        .order_by_asc(saved_view::Column::Name)
        .order_by_asc(saved_view::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(SavedView::from_row)
        .collect()
}

/// The view `principal` sees by id, or else by exact name (its own first, then the
/// workspace's), for command lines where a name is easier to type than an id.
pub async fn find(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id_or_name: &str,
) -> Result<SavedView> {
    if let Ok(id) = Uuid::parse_str(id_or_name) {
        return require(db, principal, id).await;
    }
    let mut named: Vec<SavedView> = list(db, principal)
        .await?
        .into_iter()
        .filter(|v| v.name == id_or_name)
        .collect();
    named.sort_by_key(|v| v.owner != principal.subject);
    named
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("saved view", id_or_name))
}

fn check_name(name: &str) -> Result<()> {
    if let Some(refusal) = limits::check_text("name", name) {
        return Err(Error::Invalid(vec![refusal]));
    }
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARACTERS {
        return Err(Error::Invalid(vec![FieldError::new(
            "name",
            format!("must be 1 to {MAX_NAME_CHARACTERS} characters, not only spaces"),
        )]));
    }
    Ok(())
}

/// The filter, order and columns must all hold against the current model: the filter is
/// compiled as a list would compile it (without reading any fact sheet), so a saved view never
/// fails later for a reason it could have been refused for now.
async fn check_definition(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    definition: &ViewDefinition,
) -> Result<()> {
    if let Some(attributes) = &definition.filter.attributes
        && let Some(refusal) = limits::check_json("filter.attributes", attributes)
    {
        return Err(Error::Invalid(vec![refusal]));
    }
    definition.checked(model, Utc::now())?;
    crate::fact_sheets::check_list(db, principal, model, &definition.filter, &definition.order)
        .await
}

fn definition_json(definition: &ViewDefinition) -> serde_json::Value {
    serde_json::to_value(definition).expect("a view definition serialises")
}
