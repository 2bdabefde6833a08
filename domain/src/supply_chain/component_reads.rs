//! Reading components back: an artifact's list and licences, and who uses a package.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::{Error, Result},
    limits,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::{component, sbom};

/// A stored component.
pub type Component = component::Model;

/// Which SBOM an artifact's components came from, when, and its counts.
pub type SbomRecord = sbom::Model;

/// Which of an artifact's components to list; every condition holds together.
#[derive(Debug, Clone, Default)]
pub struct ComponentFilter {
    /// Words in the name, group or purl, any case.
    pub search: Option<String>,
    /// A purl: with a version, that exact component; without, every version of the package.
    pub purl: Option<String>,
    pub direct: Option<bool>,
}

/// An SPDX expression and how many of an artifact's components carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseCount {
    pub expression: String,
    pub count: u64,
}

/// The SBOM artifact `fact_sheet_id`'s components came from; `None` before the first upload.
pub async fn sbom_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
) -> Result<Option<SbomRecord>> {
    authz::require(principal, Action::Read)?;
    Ok(sbom::Entity::find()
        .filter(sbom::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(sbom::Column::FactSheetId.eq(fact_sheet_id))
        .one(db)
        .await?)
}

/// The components of artifact `fact_sheet_id`, in id order (the SBOM's order).
pub async fn components(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    filter: &ComponentFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Component>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let mut query = components_query(principal, fact_sheet_id, filter)?;
    if let Some(after) = after {
        let id: Uuid = decode_cursor(after)?;
        query = query.filter(component::Column::Id.gt(id));
    }
    let rows = query
        .order_by_asc(component::Column::Id)
        .limit(size + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, size, |c| encode_cursor(&c.id)))
}

/// How many components [`components`] pages through (`totalCount`).
pub async fn component_count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    filter: &ComponentFilter,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    Ok(components_query(principal, fact_sheet_id, filter)?
        .count(db)
        .await?)
}

fn components_query(
    principal: &Principal,
    fact_sheet_id: Uuid,
    filter: &ComponentFilter,
) -> Result<sea_orm::Select<component::Entity>> {
    let mut query = component::Entity::find()
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::FactSheetId.eq(fact_sheet_id));
    if let Some(direct) = filter.direct {
        query = query.filter(component::Column::Direct.eq(direct));
    }
    if let Some(purl) = &filter.purl {
        check_text("filter.purl", purl)?;
        query = query.filter(purl_condition(purl));
    }
    if let Some(search) = &filter.search {
        check_text("filter.search", search)?;
        // One `LIKE` condition a word: capped as the fact sheet search is.
        let refusals: Vec<_> = [
            limits::SEARCH_CHARACTERS.check("filter.search", search.chars().count()),
            limits::SEARCH_WORDS.check("filter.search", search.split_whitespace().count()),
        ]
        .into_iter()
        .flatten()
        .collect();
        Error::check(refusals)?;
        for word in search.split_whitespace() {
            let pattern =
                LikeExpr::new(format!("%{}%", escape_like(&word.to_lowercase()))).escape('\\');
            let lower = |column: component::Column| Expr::expr(Func::lower(Expr::col(column)));
            query = query.filter(
                Condition::any()
                    .add(lower(component::Column::Name).like(pattern.clone()))
                    .add(lower(component::Column::GroupName).like(pattern.clone()))
                    .add(lower(component::Column::Purl).like(pattern)),
            );
        }
    }
    Ok(query)
}

/// The caller's components with `ids`, by id, in one statement: the components findings name.
pub async fn components_by_id(
    db: &impl ConnectionTrait,
    principal: &Principal,
    mut ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Component>> {
    authz::require(principal, Action::Read)?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(component::Entity::find()
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// How many of artifact `fact_sheet_id`'s components carry each licence expression, most used
/// first (a component counts once per expression).
pub async fn license_counts(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
) -> Result<Vec<LicenseCount>> {
    authz::require(principal, Action::Read)?;
    let lists: Vec<serde_json::Value> = component::Entity::find()
        .select_only()
        .column(component::Column::Licenses)
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::FactSheetId.eq(fact_sheet_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for list in lists {
        let mut expressions: Vec<String> = serde_json::from_value(list).unwrap_or_default();
        expressions.sort();
        expressions.dedup();
        for expression in expressions {
            *counts.entry(expression).or_default() += 1;
        }
    }
    let mut result: Vec<LicenseCount> = counts
        .into_iter()
        .map(|(expression, count)| LicenseCount { expression, count })
        .collect();
    result.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.expression.cmp(&b.expression))
    });
    Ok(result)
}

/// Which versions of package (`ecosystem`, `package`) the workspace's artifacts use, so a
/// caller can evaluate a version range once per version and pass the ones in range to
/// [`component_usage`].
pub async fn package_versions(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ecosystem: &str,
    package: &str,
) -> Result<Vec<String>> {
    authz::require(principal, Action::Read)?;
    let versions: Vec<Option<String>> = component::Entity::find()
        .select_only()
        .column(component::Column::Version)
        .distinct()
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::Ecosystem.eq(ecosystem))
        .filter(component::Column::Package.eq(package))
        .order_by_asc(component::Column::Version)
        .into_tuple()
        .all(db)
        .await?;
    Ok(versions.into_iter().flatten().collect())
}

/// Which package, and optionally which of its versions, a usage query is about.
#[derive(Debug, Clone)]
pub struct PackageUsage<'a> {
    pub ecosystem: &'a str,
    pub package: &'a str,
    /// Only these versions; `None` for every version.
    pub versions: Option<&'a [String]>,
}

/// The workspace's components of a package, each naming its artifact, in id order.
pub async fn component_usage(
    db: &impl ConnectionTrait,
    principal: &Principal,
    usage: &PackageUsage<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Component>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let mut query = usage_query(principal, usage)?;
    if let Some(after) = after {
        let id: Uuid = decode_cursor(after)?;
        query = query.filter(component::Column::Id.gt(id));
    }
    let rows = query
        .order_by_asc(component::Column::Id)
        .limit(size + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, size, |c| encode_cursor(&c.id)))
}

/// How many components [`component_usage`] pages through (`totalCount`).
pub async fn component_usage_count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    usage: &PackageUsage<'_>,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    Ok(usage_query(principal, usage)?.count(db).await?)
}

fn usage_query(
    principal: &Principal,
    usage: &PackageUsage<'_>,
) -> Result<sea_orm::Select<component::Entity>> {
    check_text("ecosystem", usage.ecosystem)?;
    check_text("package", usage.package)?;
    let mut query = component::Entity::find()
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::Ecosystem.eq(usage.ecosystem))
        .filter(component::Column::Package.eq(usage.package));
    if let Some(versions) = usage.versions {
        query = query.filter(component::Column::Version.is_in(versions.iter().map(String::as_str)));
    }
    Ok(query)
}

fn check_text(path: &str, text: &str) -> Result<()> {
    match limits::check_text(path, text) {
        Some(refusal) => Err(Error::Invalid(vec![refusal])),
        None => Ok(()),
    }
}

/// A purl with a version (`@` after the last `/`) names one component; without, every version.
fn purl_condition(purl: &str) -> Condition {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    let has_version = base
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('@'));
    if has_version {
        Condition::all().add(component::Column::Purl.eq(purl))
    } else {
        Condition::any().add(component::Column::Purl.eq(purl)).add(
            Expr::col(component::Column::Purl)
                .like(LikeExpr::new(format!("{}@%", escape_like(purl))).escape('\\')),
        )
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
