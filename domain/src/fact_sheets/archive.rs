use chrono::Utc;
use sea_orm::{ConnectionTrait, sea_query::Expr};
use serde_json::json;
use uuid::Uuid;

use super::{FactSheet, Status};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    fact_sheet_store,
    history::{self, ChangeKind},
    principal::Principal,
};
use entity::fact_sheet::Column;

/// Archives a fact sheet: it leaves default lists but keeps its data, relations and history,
/// so a restore brings everything back.
pub async fn archive(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    comment: Option<&str>,
) -> Result<FactSheet> {
    set_status(
        db,
        principal,
        id,
        Status::Archived,
        ChangeKind::Archived,
        comment,
    )
    .await
}

pub async fn restore(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    comment: Option<&str>,
) -> Result<FactSheet> {
    set_status(
        db,
        principal,
        id,
        Status::Active,
        ChangeKind::Restored,
        comment,
    )
    .await
}

async fn set_status(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    status: Status,
    kind: ChangeKind,
    comment: Option<&str>,
) -> Result<FactSheet> {
    authz::require(principal, Action::WriteInventory)?;
    let current = fact_sheet_store::load_for_write(db, principal, id).await?;
    let before = Status::of(&current);
    if before == status {
        return Err(Error::conflict(format!(
            "fact sheet {id} is already {}",
            status.as_str().to_lowercase()
        )));
    }
    let diff = json!({ "status": history::field_diff(Some(&json!(before.as_str())), Some(&json!(status.as_str()))) });
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    fact_sheet_store::next_revision(
        db,
        principal,
        &current,
        fact_sheet_store::Revision {
            changes: vec![(Column::Status, Expr::value(status.as_str()))],
            kind,
            diff,
            comment,
            at: Utc::now(),
        },
    )
    .await?;
    super::require(db, principal, id).await
}
