//! Stored values following a renamed select option. Runs before the new model's impact is
//! assessed, so by then every value carries the new key and nothing has to be stripped or
//! forced; re-scoring and re-indexing (which filters read) happen there as for any change of
//! the type's attributes.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Map, Value};

use super::edit::OptionRename;
use crate::{
    error::Result,
    fact_sheet_store::{self, Revision},
    history::{self, ChangeKind},
    principal::Principal,
};
use entity::fact_sheet;

/// Rewrites every stored value holding `rename.from` (a single-select's value or a
/// multi-select's item) to `rename.to`, one revision with history per fact sheet. Returns how
/// many fact sheets changed.
pub(super) async fn move_stored_values(
    db: &impl ConnectionTrait,
    principal: &Principal,
    rename: &OptionRename,
) -> Result<u64> {
    let rows = fact_sheet::Entity::find()
        .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(fact_sheet::Column::FactSheetType.eq(rename.fact_sheet_type.clone()))
        .all(db)
        .await?;
    let comment = format!("option `{}` renamed to `{}`", rename.from, rename.to);
    let now = Utc::now();
    let mut moved = 0;
    for fs in rows {
        let mut attributes = fs.attributes.as_object().cloned().unwrap_or_default();
        let Some(old) = attributes.get(&rename.attribute).cloned() else {
            continue;
        };
        let new = renamed(&old, &rename.from, &rename.to);
        if new == old {
            continue;
        }
        attributes.insert(rename.attribute.clone(), new.clone());
        let mut diff = Map::new();
        diff.insert(
            format!("attributes.{}", rename.attribute),
            history::field_diff(Some(&old), Some(&new)),
        );
        fact_sheet_store::next_revision(
            db,
            principal,
            &fs,
            Revision {
                changes: vec![(
                    fact_sheet::Column::Attributes,
                    Expr::value(Value::Object(attributes)),
                )],
                kind: ChangeKind::MetaModelMigrated,
                diff: Value::Object(diff),
                comment: Some(&comment),
                at: now,
            },
        )
        .await?;
        moved += 1;
    }
    Ok(moved)
}

fn renamed(value: &Value, from: &str, to: &str) -> Value {
    match value {
        Value::String(key) if key == from => Value::String(to.to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(|i| renamed(i, from, to)).collect()),
        other => other.clone(),
    }
}
