use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::Draft;
use crate::{
    authz::{self, Action},
    error::{Error, FieldError, Result},
    events::{self, IncomingEvent, IngestResult},
    principal::Principal,
};
use entity::{change_fact, deployment_fact};

/// Completes `drafts` from what the workspace has stored, then validates and stores them as
/// `POST /events` would: duplicates by `(source, id)` are counted and change nothing.
pub async fn receive(
    db: &impl ConnectionTrait,
    principal: &Principal,
    drafts: Vec<Draft>,
) -> Result<IngestResult> {
    authz::require(principal, Action::WriteInventory)?;
    let mut incoming = Vec::with_capacity(drafts.len());
    for draft in drafts {
        match draft {
            Draft::Ready(event) => incoming.push(event),
            Draft::Deployment { mut event, sha } => {
                let shipped = shipped_changes(db, principal, &event, &sha).await?;
                if let Some(Value::Object(data)) = &mut event.data {
                    data.insert("changeIds".into(), json!(shipped));
                }
                incoming.push(event);
            }
            Draft::MergedChange { event, commits } => {
                if !any_change_known(db, principal, &event.source, &commits).await? {
                    incoming.push(event);
                }
            }
        }
    }
    let valid = events::validate(incoming).map_err(|rejections| {
        Error::Invalid(
            rejections
                .into_iter()
                .map(|r| FieldError::new(r.field, r.message))
                .collect(),
        )
    })?;
    events::ingest(db, principal, valid).await
}

/// The changes a deployment of `sha` shipped: every change of the repository whose time is at
/// or before the time of the change `sha`, except those a successful deployment of the same
/// repository to the same environment, earlier than this one, already shipped. Commit times
/// stand in for the commit graph, which webhooks do not carry. A `sha` no push brought is the
/// one change the deployment is known to ship.
async fn shipped_changes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    deployment: &IncomingEvent,
    sha: &str,
) -> Result<Vec<String>> {
    let ws = principal.workspace_id;
    let of_source = || {
        change_fact::Entity::find()
            .filter(change_fact::Column::WorkspaceId.eq(ws))
            .filter(change_fact::Column::Source.eq(&deployment.source))
    };
    let Some(head) = of_source()
        .filter(change_fact::Column::ChangeId.eq(sha))
        .order_by_asc(change_fact::Column::Time)
        .one(db)
        .await?
    else {
        return Ok(vec![sha.to_owned()]);
    };
    let environment = deployment
        .data
        .as_ref()
        .and_then(|d| d.get("environment"))
        .and_then(Value::as_str)
        .unwrap_or("production");
    let mut earlier = deployment_fact::Entity::find()
        .filter(deployment_fact::Column::WorkspaceId.eq(ws))
        .filter(deployment_fact::Column::Source.eq(&deployment.source))
        .filter(deployment_fact::Column::Environment.eq(environment))
        .filter(deployment_fact::Column::Status.eq("success"));
    if let Some(time) = deployment.time {
        earlier = earlier.filter(deployment_fact::Column::Time.lt(time));
    }
    let already_shipped: HashSet<String> = earlier
        .all(db)
        .await?
        .into_iter()
        .flat_map(|d| match d.change_ids {
            Value::Array(ids) => ids,
            _ => Vec::new(),
        })
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    let mut seen = HashSet::new();
    Ok(of_source()
        .filter(change_fact::Column::Time.lte(head.time))
        .order_by_asc(change_fact::Column::Time)
        .order_by_asc(change_fact::Column::ChangeId)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.change_id)
        .filter(|id| !already_shipped.contains(id) && seen.insert(id.clone()))
        .collect())
}

async fn any_change_known(
    db: &impl ConnectionTrait,
    principal: &Principal,
    source: &str,
    change_ids: &[String],
) -> Result<bool> {
    Ok(change_fact::Entity::find()
        .filter(change_fact::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(change_fact::Column::Source.eq(source))
        .filter(change_fact::Column::ChangeId.is_in(change_ids.iter().cloned()))
        .one(db)
        .await?
        .is_some())
}
