//! Relay connections. Written out rather than generated so the SDL names match the contract
//! exactly and `totalCount` and facets are computed only when asked for.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    fact_sheets::{self, AggregateCache, Facets, FactSheet, FactSheetFilter, FactSheetOrder},
    history::Change,
    paging::Page,
    relations::FarEnds,
    reports::as_of_list::{self, PastLandscape},
};
use uuid::Uuid;

use super::{
    facets::FacetsObject, fact_sheet::FactSheetNode, history::ChangeObject, relation::RelationNode,
};
use crate::graphql::{
    context::request,
    errors::OrGql,
    render::{self, EdgesShape, RelationRows, Rendered},
};

/// Declared with the renderer, which writes it too.
pub use crate::graphql::render::PageInfo;

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct FactSheetEdge {
    pub cursor: String,
    pub node: FactSheetNode,
}

pub struct FactSheetConnection {
    /// Shared: each row anchors the relations nested under it.
    pub page: Page<Arc<FactSheet>>,
    pub filter: FactSheetFilter,
    /// Set for a list at a past instant (`asOf`).
    pub past: Option<PastList>,
}

/// A list at a past instant: the landscape then, and the tags of the rebuilt fact sheets on
/// the page (the others are as stored).
pub struct PastList {
    pub landscape: Arc<PastLandscape>,
    pub tags: HashMap<Uuid, Vec<String>>,
}

impl FactSheetConnection {
    /// The page of `filter`'s fact sheets after `after`, as the request's caller may see them.
    pub async fn list(
        ctx: &Context<'_>,
        filter: FactSheetFilter,
        order: FactSheetOrder,
        first: Option<i32>,
        after: Option<&str>,
    ) -> async_graphql::Result<Self> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let page = fact_sheets::list(
            rc.db().await?,
            &rc.principal,
            &model.model,
            &filter,
            order,
            first,
            after,
        )
        .await
        .gql()?;
        Ok(Self {
            page: page.map(Arc::new),
            filter,
            past: None,
        })
    }

    /// The page of `filter`'s fact sheets after `after` as they were at `at`.
    pub async fn list_at(
        ctx: &Context<'_>,
        filter: FactSheetFilter,
        order: FactSheetOrder,
        first: Option<i32>,
        after: Option<&str>,
        at: DateTime<Utc>,
    ) -> async_graphql::Result<Self> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let db = rc.db().await?;
        let landscape = PastLandscape::load(db, &rc.principal, &model.model, at)
            .await
            .gql()?;
        let page = as_of_list::list(
            db,
            &rc.principal,
            &model.model,
            &landscape,
            &filter,
            order,
            first,
            after,
        )
        .await
        .gql()?;
        let mut tags = HashMap::new();
        let page = page.map(|row| {
            if let Some(t) = row.tags {
                tags.insert(row.sheet.id, t);
            }
            Arc::new(row.sheet)
        });
        Ok(Self {
            page,
            filter,
            past: Some(PastList {
                landscape: Arc::new(landscape),
                tags,
            }),
        })
    }
}

#[Object]
impl FactSheetConnection {
    async fn edges(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Rendered<Vec<FactSheetEdge>>> {
        if let Some(past) = &self.past {
            let at = past.landscape.at;
            return Ok(Rendered::or_executor(None, || {
                self.page
                    .items
                    .iter()
                    .map(|(cursor, fs)| FactSheetEdge {
                        cursor: cursor.clone(),
                        node: FactSheetNode::at(fs.clone(), at, past.tags.get(&fs.id).cloned()),
                    })
                    .collect()
            }));
        }
        let rendered = match render::selection(ctx, EdgesShape::of) {
            Some(shape) => render::render_edges(request(ctx)?, &self.page.items, &shape).await,
            None => None,
        };
        Ok(Rendered::or_executor(
            render::counted(ctx, rendered),
            || {
                self.page
                    .items
                    .iter()
                    .map(|(cursor, fs)| FactSheetEdge {
                        cursor: cursor.clone(),
                        node: FactSheetNode::new(fs.clone()),
                    })
                    .collect()
            },
        ))
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many fact sheets match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        if let Some(past) = &self.past {
            let db = rc.db().await?;
            return as_of_list::count(
                db,
                &rc.principal,
                &model.model,
                &past.landscape,
                &self.filter,
            )
            .await
            .gql();
        }
        aggregates(ctx)?
            .count(
                rc.db().await?,
                &rc.principal,
                &model,
                &rc.inventory,
                &self.filter,
            )
            .await
            .gql()
    }

    /// Counts per type, tag and select-attribute option for the current filter; each facet
    /// ignores its own part of the filter.
    async fn facets(&self, ctx: &Context<'_>) -> async_graphql::Result<FacetsObject> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        if let Some(past) = &self.past {
            let db = rc.db().await?;
            return Ok(as_of_list::facets(
                db,
                &rc.principal,
                &model.model,
                &past.landscape,
                &self.filter,
            )
            .await
            .gql()?
            .into());
        }
        let facets = aggregates(ctx)?
            .facets(
                rc.db().await?,
                &rc.principal,
                &model,
                &rc.inventory,
                &self.filter,
            )
            .await
            .gql()?;
        Ok(Facets::clone(&facets).into())
    }
}

/// The process-wide cache of facet counts and totals (schema data, see `build_schema`).
fn aggregates<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a AggregateCache> {
    ctx.data::<AggregateCache>()
        .map_err(|_| crate::graphql::errors::internal("the schema has no aggregate cache"))
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct RelationEdge {
    pub cursor: String,
    pub node: RelationNode,
}

// One page of a fact sheet's relations, as the executor resolves it (a comment: a doc comment
// would become the GraphQL type's description).
#[derive(SimpleObject)]
#[graphql(name = "RelationConnection", serial)]
pub struct RelationPage {
    pub edges: Vec<RelationEdge>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

impl From<RelationRows> for RelationPage {
    fn from(rows: RelationRows) -> Self {
        let anchor = FactSheetNode::from(rows.anchor.clone());
        let far_end = |sheet| match rows.far_ends {
            FarEnds::Whole => FactSheetNode::new(sheet),
            FarEnds::Summary => FactSheetNode::summary(sheet),
        };
        let page = rows.page();
        Self {
            page_info: PageInfo::of(&page),
            total_count: rows.total,
            edges: page
                .items
                .into_iter()
                .map(|(cursor, (relation, other))| RelationEdge {
                    cursor,
                    node: RelationNode {
                        relation,
                        known_ends: vec![anchor.clone(), far_end(other)],
                    },
                })
                .collect(),
        }
    }
}

/// What `relations(...)` returns (see `render`).
pub type RelationConnection = Rendered<RelationPage>;

#[derive(SimpleObject)]
pub struct ChangeEdge {
    pub cursor: String,
    pub node: ChangeObject,
}

#[derive(SimpleObject)]
pub struct ChangeConnection {
    pub edges: Vec<ChangeEdge>,
    pub page_info: PageInfo,
}

impl From<Page<Change>> for ChangeConnection {
    fn from(page: Page<Change>) -> Self {
        Self {
            page_info: PageInfo::of(&page),
            edges: page
                .items
                .into_iter()
                .map(|(cursor, c)| ChangeEdge {
                    cursor,
                    node: c.into(),
                })
                .collect(),
        }
    }
}
