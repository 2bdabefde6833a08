//! Parent/child hierarchies (a team of teams, a product family): the parent has the same type
//! and the chain of parents never loops back.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{FieldError, Result},
    principal::Principal,
};
use entity::fact_sheet;

/// Deeper hierarchies than this are refused; they are data errors, not org charts.
pub(crate) const MAX_DEPTH: usize = 64;

/// Checks that `parent_id` may become the parent of fact sheet `child` (None while creating).
pub(crate) async fn check_parent(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    child_type: &str,
    child: Option<Uuid>,
    parent_id: Uuid,
) -> Result<Option<FieldError>> {
    let error = |message: &str| Ok(Some(FieldError::new("parentId", message)));
    if Some(parent_id) == child {
        return error("a fact sheet cannot be its own parent");
    }
    let Some((parent_type, mut next)) = parent_of(db, workspace_id, parent_id).await? else {
        return error("no such fact sheet");
    };
    if parent_type != child_type {
        return error(&format!(
            "the parent must be a {child_type}, not a {parent_type}"
        ));
    }
    for _ in 0..MAX_DEPTH {
        let Some(ancestor) = next else {
            return Ok(None);
        };
        if Some(ancestor) == child {
            return error("this parent would make the hierarchy a cycle");
        }
        next = parent_of(db, workspace_id, ancestor)
            .await?
            .and_then(|(_, p)| p);
    }
    error("the hierarchy would be deeper than 64 levels")
}

async fn parent_of(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<Option<(String, Option<Uuid>)>> {
    Ok(fact_sheet::Entity::find()
        .select_only()
        .column(fact_sheet::Column::FactSheetType)
        .column(fact_sheet::Column::ParentId)
        .filter(fact_sheet::Column::WorkspaceId.eq(workspace_id))
        .filter(fact_sheet::Column::Id.eq(id))
        .into_tuple::<(String, Option<Uuid>)>()
        .one(db)
        .await?)
}

/// The ids of the fact sheets whose parent is one of `parents`, archived ones included (they
/// keep their parent, as they keep their relations), in id order.
pub(crate) async fn children_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    parents: &[Uuid],
) -> Result<Vec<Uuid>> {
    authz::require(principal, Action::Read)?;
    let mut children = Vec::new();
    for chunk in parents.chunks(INSERT_CHUNK) {
        children.extend(
            fact_sheet::Entity::find()
                .select_only()
                .column(fact_sheet::Column::Id)
                .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
                .filter(fact_sheet::Column::ParentId.is_in(chunk.iter().copied()))
                .order_by_asc(fact_sheet::Column::Id)
                .into_tuple::<Uuid>()
                .all(db)
                .await?,
        );
    }
    Ok(children)
}
