//! The facts some ingestions stored for some sources: what facts kept for a window are brought
//! up to date with, instead of being read again in full. Each fact row names the ingestion that
//! stored it, and each touch of a source the ingestion behind its version
//! ([`crate::versions::ingestions`]), so this reads exactly the rows of those versions.
//!
//! One statement for every family (a union of one select per fact table), since bringing facts
//! up to date happens on nearly every read of a team while events flow, and each further
//! round trip waited its turn on a busy database.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait,
    sea_query::{Expr, IntoTableRef, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::every_fact::{Needs, SOURCES_PER_STATEMENT, change_ids, incident_kind, work_item_state};
use super::window_facts::counting;
use crate::{
    error::Result,
    metrics::facts::{
        Change, Deployment, DeploymentStatus, Facts, IncidentEvent, PRODUCTION, WorkItemTransition,
    },
    versions,
};
use entity::{change_fact, deployment_fact, incident_fact, work_item_fact};

/// The family of a row of the union, its first column.
const DEPLOYMENT: i32 = 0;
const INCIDENT: i32 = 1;
const CHANGE: i32 = 2;
const WORK_ITEM: i32 = 3;

/// The facts of `sources` before `until` stored by the ingestions of the events versions in
/// `(after, through]`, of the families `needs` names (not scanner findings: their data stays
/// in the events). Deployments are the counting ones, each with all its change ids.
pub(crate) async fn load_new_facts(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    (after, through): (i64, i64),
    until: DateTime<Utc>,
    needs: Needs,
) -> Result<Facts> {
    let mut facts = Facts::default();
    for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
        let stamped = versions::ingestions(workspace_id, after, through, chunk);
        let of = Of {
            workspace_id,
            sources: chunk,
            until,
            stamped: &stamped,
        };
        let Some(statement) = union(&of, needs) else {
            return Ok(facts);
        };
        // Each row: its family, id and time, two texts of its family, a change-id list.
        for row in db.query_all(&statement).await? {
            let family: i32 = row.try_get_by_index(0)?;
            let id: String = row.try_get_by_index(1)?;
            let time: DateTime<Utc> = row.try_get_by_index(2)?;
            let a: Option<String> = row.try_get_by_index(3)?;
            let b: Option<String> = row.try_get_by_index(4)?;
            let ids: Option<String> = row.try_get_by_index(5)?;
            let ids = || change_ids(ids.as_deref().unwrap_or("[]"));
            match family {
                DEPLOYMENT => facts.deployments.push(Deployment {
                    deployment_id: id,
                    time,
                    change_ids: ids()?,
                    environment: PRODUCTION.to_owned(),
                    status: DeploymentStatus::Success,
                }),
                INCIDENT => facts.incidents.push(IncidentEvent {
                    incident_id: id,
                    time,
                    kind: incident_kind(a.as_deref().unwrap_or_default()),
                    deployment_id: b,
                    change_ids: ids()?,
                }),
                CHANGE => facts.changes.push(Change { id, time }),
                _ => facts.work_items.push(WorkItemTransition {
                    item_id: id,
                    item_type: a.unwrap_or_default(),
                    state: work_item_state(b.as_deref().unwrap_or_default()),
                    time,
                }),
            }
        }
    }
    Ok(facts)
}

/// What the union reads: rows of `sources` before `until` stored by the ingestions `stamped`
/// selects.
struct Of<'a> {
    workspace_id: Uuid,
    sources: &'a [String],
    until: DateTime<Utc>,
    stamped: &'a SelectStatement,
}

impl Of<'_> {
    /// The condition on a fact table's rows, given its workspace, source, time and ingestion
    /// columns.
    fn rows<C: ColumnTrait>(&self, [workspace, source, time, ingest_id]: [C; 4]) -> Condition {
        Condition::all()
            .add(workspace.eq(self.workspace_id))
            .add(source.is_in(self.sources.to_vec()))
            .add(time.lt(self.until))
            .add(ingest_id.in_subquery(self.stamped.clone()))
    }
}

/// One select per family `needs` reads, united; `None` when it reads none.
fn union(of: &Of<'_>, needs: Needs) -> Option<SelectStatement> {
    let null = || Expr::cust("NULL");
    let list = || Expr::cust("CAST(change_ids AS TEXT)");
    let mut selects = Vec::new();
    if needs.dora {
        use deployment_fact::Column as D;
        let only = counting(of.workspace_id, of.sources, of.until, None)
            .add(D::IngestId.in_subquery(of.stamped.clone()));
        let columns = [
            Expr::col(D::DeploymentId),
            Expr::col(D::Time),
            null(),
            null(),
            list(),
        ];
        selects.push(select(DEPLOYMENT, deployment_fact::Entity, only, columns));

        use incident_fact::Column as I;
        let only = of.rows([I::WorkspaceId, I::Source, I::Time, I::IngestId]);
        let columns = [
            Expr::col(I::IncidentId),
            Expr::col(I::Time),
            Expr::col(I::Kind),
            Expr::col(I::DeploymentId),
            list(),
        ];
        selects.push(select(INCIDENT, incident_fact::Entity, only, columns));

        use change_fact::Column as C;
        let only = of.rows([C::WorkspaceId, C::Source, C::Time, C::IngestId]);
        let columns = [
            Expr::col(C::ChangeId),
            Expr::col(C::Time),
            null(),
            null(),
            null(),
        ];
        selects.push(select(CHANGE, change_fact::Entity, only, columns));
    }
    if needs.flow {
        use work_item_fact::Column as W;
        let only = of.rows([W::WorkspaceId, W::Source, W::Time, W::IngestId]);
        let columns = [
            Expr::col(W::ItemId),
            Expr::col(W::Time),
            Expr::col(W::ItemType),
            Expr::col(W::State),
            null(),
        ];
        selects.push(select(WORK_ITEM, work_item_fact::Entity, only, columns));
    }
    let mut selects = selects.into_iter();
    let mut union = selects.next()?;
    for select in selects {
        union.union(UnionType::All, select);
    }
    Some(union)
}

/// `family` and `columns` of the rows of `table` matching `only`.
fn select(
    family: i32,
    table: impl IntoTableRef,
    only: Condition,
    columns: [Expr; 5],
) -> SelectStatement {
    let mut select = Query::select();
    select.expr(Expr::cust(family.to_string()));
    for column in columns {
        select.expr(column);
    }
    select.from(table).cond_where(only).to_owned()
}
