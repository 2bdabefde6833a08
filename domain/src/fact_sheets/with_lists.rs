//! One fact sheet together with its external IDs and tags, in one statement. A client opening
//! one fact sheet (the most frequent request of all) asks for both lists; read through the
//! batch loaders they are two statements more, two round trips of the six such a request made,
//! and round trips (task switches, wake-ups, TCP) were where that request's CPU went
//! (BENCHMARKS.md). The lists come back as JSON aggregated by correlated
//! subqueries and equal what [`crate::external_ids::for_fact_sheets`] and
//! [`crate::tags::tags_of`] return, which a test checks.

use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult, QuerySelect, QueryTrait, sea_query::Expr,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{FactSheet, read::one_of_workspace};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    external_ids::ExternalId,
    principal::Principal,
    tags::Tag,
};

/// Which lists a caller will read beside the fact sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lists {
    pub external_ids: bool,
    pub tags: bool,
}

/// A fact sheet and the lists asked for (`None` for a list not asked for).
#[derive(Debug, Clone, PartialEq)]
pub struct FactSheetWithLists {
    pub sheet: FactSheet,
    pub external_ids: Option<Vec<ExternalId>>,
    pub tags: Option<Vec<Tag>>,
}

const EXTERNAL_IDS: &str = "wf_external_ids";
const TAGS: &str = "wf_tags";

/// Like [`super::get`], with the `lists` asked for read in the same statement.
pub async fn get_with_lists(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    lists: Lists,
) -> Result<Option<FactSheetWithLists>> {
    authz::require(principal, Action::Read)?;
    let backend = db.get_database_backend();
    let mut select = one_of_workspace(principal, id);
    if lists.external_ids {
        select = select.expr_as(Expr::cust(external_ids_json(backend)), EXTERNAL_IDS);
    }
    if lists.tags {
        select = select.expr_as(Expr::cust(tags_json(backend)), TAGS);
    }
    let Some(row) = db.query_one_raw(select.build(backend)).await? else {
        return Ok(None);
    };
    let sheet = FactSheet::from_query_result(&row, "")?;
    let external_ids = if lists.external_ids {
        let json: String = row.try_get("", EXTERNAL_IDS)?;
        let mut ids: Vec<ExternalId> = parse(&json)?;
        if backend == DbBackend::Sqlite {
            // SQLite's default collation is byte order, which is `String`'s order.
            ids.sort();
        }
        Some(ids)
    } else {
        None
    };
    let tags = if lists.tags {
        let json: String = row.try_get("", TAGS)?;
        let rows: Vec<TagRow> = parse(&json)?;
        let mut tags = rows
            .into_iter()
            .map(|t| t.into_tag(principal.workspace_id))
            .collect::<Result<Vec<_>>>()?;
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Some(tags)
    } else {
        None
    };
    Ok(Some(FactSheetWithLists {
        sheet,
        external_ids,
        tags,
    }))
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("aggregated list: {e}")))
}

/// The fact sheet's external IDs as `[{"namespace": …, "value": …}, …]`, on PostgreSQL in the
/// loader's order (`ORDER BY namespace, value` under the column collation).
fn external_ids_json(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "(SELECT COALESCE(json_agg(json_build_object('namespace', e.namespace, 'value', e.value) \
             ORDER BY e.namespace, e.value), '[]')::text FROM external_ids e \
             WHERE e.workspace_id = fact_sheets.workspace_id AND e.fact_sheet_id = fact_sheets.id)"
        }
        _ => {
            "(SELECT json_group_array(json_object('namespace', e.namespace, 'value', e.value)) \
             FROM external_ids e \
             WHERE e.workspace_id = fact_sheets.workspace_id AND e.fact_sheet_id = fact_sheets.id)"
        }
    }
}

/// The fact sheet's tags as `[{"id": …, "name": …, "groupId": …, "color": …, "description": …}]`.
/// SQLite stores UUIDs as 16-byte blobs, which JSON cannot hold: they travel as hex.
fn tags_json(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, \
             'groupId', t.group_id, 'color', t.color, 'description', t.description)), '[]')::text \
             FROM fact_sheet_tags ft JOIN tags t ON t.workspace_id = ft.workspace_id AND t.id = ft.tag_id \
             WHERE ft.workspace_id = fact_sheets.workspace_id AND ft.fact_sheet_id = fact_sheets.id)"
        }
        _ => {
            "(SELECT json_group_array(json_object('id', hex(t.id), 'name', t.name, \
             'groupId', hex(t.group_id), 'color', t.color, 'description', t.description)) \
             FROM fact_sheet_tags ft JOIN tags t ON t.workspace_id = ft.workspace_id AND t.id = ft.tag_id \
             WHERE ft.workspace_id = fact_sheets.workspace_id AND ft.fact_sheet_id = fact_sheets.id)"
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagRow {
    id: String,
    name: String,
    group_id: Option<String>,
    color: Option<String>,
    description: Option<String>,
}

impl TagRow {
    fn into_tag(self, workspace_id: Uuid) -> Result<Tag> {
        Ok(Tag {
            workspace_id,
            id: uuid(&self.id)?,
            name: self.name,
            // SQLite's `hex(NULL)` is the empty string.
            group_id: match self.group_id.as_deref() {
                None | Some("") => None,
                Some(g) => Some(uuid(g)?),
            },
            color: self.color,
            description: self.description,
        })
    }
}

/// A UUID in either form the two databases print (hyphenated, or 32 hex digits).
fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| Error::Internal(format!("aggregated tag id: {e}")))
}
