//! Demo data for `serve --demo`: a small but realistic company, so GraphiQL shows a useful
//! graph right away. The company itself (fact sheets, relations, subscriptions) is data, in
//! `demo/company.json`, so it can be edited without touching code; its delivery history is
//! generated (`demo/events.rs`). Its artifacts have small SBOMs, and the real Log4Shell advisory
//! is loaded as a shared one, so some of them show it open (`demo/supply_chain.rs`). Loading is
//! idempotent: an existing `demo` workspace is left as
//! it is.

mod events;
mod supply_chain;

pub use supply_chain::LOG4SHELL;

use std::collections::HashMap;

use anyhow::Context;
use domain::{
    Principal, Role,
    external_ids::{EVENT_SOURCE_NAMESPACE, ExternalId},
    fact_sheets::{self, NewFactSheet},
    meta_model_versions,
    relations::{self, NewRelation},
    subscriptions::{self, SubscriptionRole},
    workspaces,
};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

pub const WORKSPACE: &str = "demo";

/// The company, embedded in the binary so `serve --demo` needs no file beside it.
const COMPANY: &str = include_str!("demo/company.json");

#[derive(Debug, Default)]
pub struct Loaded {
    pub fact_sheets: usize,
    pub relations: usize,
    pub events: usize,
    pub components: u64,
}

/// `demo/company.json`. Relations and subscriptions name fact sheets by their (unique) names.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Company {
    workspace_name: String,
    fact_sheets: Vec<Sheet>,
    relations: Vec<Relation>,
    subscriptions: Vec<Subscription>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sheet {
    #[serde(rename = "type")]
    fact_sheet_type: String,
    name: String,
    description: String,
    attributes: Map<String, Value>,
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Relation {
    #[serde(rename = "type")]
    relation_type: String,
    from: String,
    to: String,
    #[serde(default)]
    attributes: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Subscription {
    fact_sheet: String,
    user: String,
    role: String,
}

impl Company {
    fn embedded() -> anyhow::Result<Self> {
        serde_json::from_str(COMPANY).context("demo/company.json is invalid")
    }
}

/// Every software artifact sends events under its own name.
fn is_event_source(sheet: &Sheet) -> bool {
    sheet.fact_sheet_type == "SoftwareArtifact"
}

/// The id of the fact sheet `name`, created earlier in the load.
fn id_of(ids: &HashMap<&str, Uuid>, name: &str) -> anyhow::Result<Uuid> {
    ids.get(name)
        .copied()
        .with_context(|| format!("demo/company.json names no fact sheet `{name}`"))
}

/// Creates the demo workspace and its data unless the workspace already exists.
pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Loaded> {
    if workspaces::find_by_slug(db, WORKSPACE).await?.is_some() {
        return Ok(Loaded::default());
    }
    let company = Company::embedded()?;
    let ws = workspaces::create(
        db,
        WORKSPACE,
        Some(company.workspace_name.as_str()),
        "demo-loader",
    )
    .await?;
    let admin = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: "demo-loader".into(),
        role: Role::Admin,
    };
    let model = meta_model_versions::current(db, &admin).await?.model;
    let mut ids: HashMap<&str, Uuid> = HashMap::new();
    for s in &company.fact_sheets {
        let external_ids = if is_event_source(s) {
            vec![ExternalId {
                namespace: EVENT_SOURCE_NAMESPACE.into(),
                value: s.name.clone(),
            }]
        } else {
            Vec::new()
        };
        let fs = fact_sheets::create(
            db,
            &admin,
            &model,
            NewFactSheet {
                fact_sheet_type: s.fact_sheet_type.clone(),
                name: s.name.clone(),
                description: Some(s.description.clone()),
                attributes: s.attributes.clone(),
                external_ids,
                tags: s.tags.clone(),
                parent_id: None,
            },
        )
        .await?;
        ids.insert(&s.name, fs.id);
    }
    for r in &company.relations {
        relations::create(
            db,
            &admin,
            &model,
            NewRelation {
                relation_type: r.relation_type.clone(),
                from_id: id_of(&ids, &r.from)?,
                to_id: id_of(&ids, &r.to)?,
                attributes: r.attributes.clone(),
                ..Default::default()
            },
        )
        .await?;
    }
    for s in &company.subscriptions {
        let role = SubscriptionRole::parse(&s.role)
            .with_context(|| format!("demo/company.json: no subscription role `{}`", s.role))?;
        subscriptions::subscribe(db, &admin, id_of(&ids, &s.fact_sheet)?, &s.user, role).await?;
    }
    let now = chrono::Utc::now();
    let mut history = Vec::new();
    for (i, s) in company
        .fact_sheets
        .iter()
        .filter(|s| is_event_source(s))
        .enumerate()
    {
        history.extend(events::history(
            &s.name,
            1 + (i as u64 % 4),
            now,
            i as u64 + 1,
        ));
    }
    let valid = domain::events::validate(history)
        .map_err(|r| anyhow::anyhow!("demo events are invalid: {r:?}"))?;
    let stored = domain::events::ingest(db, &admin, valid).await?;
    let components = supply_chain::load(db, &admin, &ids).await?;
    Ok(Loaded {
        components,
        fact_sheets: company.fact_sheets.len(),
        relations: company.relations.len(),
        events: stored.accepted as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_company_names_only_its_own_fact_sheets() {
        let company = Company::embedded().unwrap();
        let names: Vec<&str> = company
            .fact_sheets
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let named = company
            .relations
            .iter()
            .flat_map(|r| [&r.from, &r.to])
            .chain(company.subscriptions.iter().map(|s| &s.fact_sheet));
        for name in named {
            assert!(names.contains(&name.as_str()), "no fact sheet `{name}`");
        }
        for s in &company.subscriptions {
            assert!(SubscriptionRole::parse(&s.role).is_some(), "{}", s.role);
        }
    }
}
