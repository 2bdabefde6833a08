//! Writes generated data into a new workspace: the graph through the domain, validated like any
//! write; components straight into their tables in bulk (see [`components`]).

use anyhow::Context;
use domain::{Principal, Role, db::Store, meta_model::MetaModel, meta_model_versions, workspaces};
use sea_orm::EntityTrait;

use super::{Graph, components};

/// Creates workspace `slug` (it must not exist yet) and returns an admin of it, named
/// `subject` in the workspace's history, with the workspace's meta model.
pub async fn create_workspace(
    store: &Store,
    slug: &str,
    subject: &str,
) -> anyhow::Result<(Principal, MetaModel)> {
    let tx = store.begin_platform_write().await?;
    let ws = workspaces::create(&*tx, slug, None, subject)
        .await
        .with_context(|| format!("creating workspace {slug}"))?;
    tx.commit().await?;
    let admin = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: subject.into(),
        role: Role::Admin,
    };
    let model = meta_model_versions::current(&store.tenant(ws.id).await?, &admin)
        .await?
        .model;
    Ok((admin, model))
}

/// One transaction: the import is all or nothing, and relations may join any two fact sheets.
/// `progress` hears `(rows written, rows in all)` after every statement.
pub async fn import(
    store: &Store,
    admin: &Principal,
    model: &MetaModel,
    graph: Graph,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> anyhow::Result<()> {
    let tx = store.begin_write(admin.workspace_id).await?;
    domain::import::import_graph(
        &*tx,
        admin,
        model,
        graph.fact_sheets,
        graph.relations,
        progress,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Artifacts whose components one transaction writes.
const ARTIFACTS_PER_STEP: usize = 200;
/// Rows per multi-row statement (14 bind parameters each, far below either database's limit).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Gives every artifact of `artifacts` (in generation order) its generated components and the
/// SBOM record they came from, as an upload would leave them (without the history revision an
/// upload adds), but in bulk: multi-row inserts, steps of [`ARTIFACTS_PER_STEP`] artifacts in
/// their own transactions, several at once. One upload per artifact through the domain would
/// re-match each artifact against every advisory; matching is left instead to the advisory
/// import that follows, which matches every component once.
/// `progress` hears `(components written, artifacts done, artifacts in all)` after each step.
pub async fn components(
    store: &Store,
    admin: &Principal,
    artifacts: &[uuid::Uuid],
    per_artifact: usize,
    seed: u64,
    progress: &mut (dyn FnMut(u64, usize, usize) + Send),
) -> anyhow::Result<u64> {
    use futures::StreamExt;
    let pool: std::sync::Arc<[components::Package]> = components::pool().into();
    let writers = 2 * std::thread::available_parallelism().map_or(1, usize::from);
    let steps = artifacts
        .chunks(ARTIFACTS_PER_STEP)
        .enumerate()
        .map(|(step, ids)| {
            let (store, admin, pool, ids) =
                (store.clone(), admin.clone(), pool.clone(), ids.to_vec());
            tokio::spawn(async move {
                let first = step * ARTIFACTS_PER_STEP;
                let (rows, sboms) = sbom_rows(&admin, &ids, first, &pool, per_artifact, seed);
                let written = rows.len() as u64;
                let tx = store.begin_write(admin.workspace_id).await?;
                let mut rows = rows;
                while !rows.is_empty() {
                    let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
                    entity::component::Entity::insert_many(std::mem::replace(&mut rows, rest))
                        .exec_without_returning(&*tx)
                        .await?;
                }
                entity::sbom::Entity::insert_many(sboms)
                    .exec_without_returning(&*tx)
                    .await?;
                tx.commit().await?;
                anyhow::Ok((written, ids.len()))
            })
        });
    let mut steps = futures::stream::iter(steps).buffer_unordered(writers);
    let (mut written, mut done) = (0, 0);
    while let Some(step) = steps.next().await {
        let (rows, artifacts_done) = step.context("a component writer failed")??;
        written += rows;
        done += artifacts_done;
        progress(written, done, artifacts.len());
    }
    Ok(written)
}

/// The component rows and SBOM records of artifacts `ids`, the first being the `first`-th.
fn sbom_rows(
    admin: &Principal,
    ids: &[uuid::Uuid],
    first: usize,
    pool: &[components::Package],
    per_artifact: usize,
    seed: u64,
) -> (
    Vec<entity::component::ActiveModel>,
    Vec<entity::sbom::ActiveModel>,
) {
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    let mut rows = Vec::with_capacity(ids.len() * per_artifact);
    let mut sboms = Vec::with_capacity(ids.len());
    for (i, &fact_sheet_id) in ids.iter().enumerate() {
        let generated = components::components_of(pool, per_artifact, seed, first + i);
        let direct = generated.iter().filter(|c| c.direct).count();
        let licenses: std::collections::BTreeSet<&String> =
            generated.iter().flat_map(|c| &c.licenses).collect();
        sboms.push(entity::sbom::ActiveModel {
            workspace_id: Set(admin.workspace_id),
            fact_sheet_id: Set(fact_sheet_id),
            format: Set("cyclonedx-json".into()),
            spec_version: Set("1.5".into()),
            uploaded_at: Set(now),
            uploaded_by: Set(admin.subject.clone()),
            component_count: Set(generated.len() as i32),
            direct_count: Set(direct as i32),
            license_count: Set(licenses.len() as i32),
        });
        rows.extend(
            generated
                .into_iter()
                .map(|c| entity::component::ActiveModel {
                    workspace_id: Set(admin.workspace_id),
                    id: Set(uuid::Uuid::now_v7()),
                    fact_sheet_id: Set(fact_sheet_id),
                    purl: Set(c.purl),
                    ecosystem: Set(c.ecosystem),
                    package: Set(c.package),
                    name: Set(c.name),
                    group_name: Set(c.group),
                    version: Set(c.version),
                    kind: Set(c.kind),
                    scope: Set(c.scope),
                    licenses: Set(serde_json::json!(c.licenses)),
                    direct: Set(c.direct),
                    hashes: Set(serde_json::json!([])),
                }),
        );
    }
    (rows, sboms)
}

/// Imports Log4Shell as a shared advisory (the demo's copy of the real record), matching it
/// against every workspace's components.
pub async fn log4shell(
    store: &Store,
) -> anyhow::Result<domain::supply_chain::advisories::AdvisoryImportSummary> {
    use domain::supply_chain::intake::{import_shared_advisories, read_advisories};
    let advisory: serde_json::Value = serde_json::from_str(api::demo::LOG4SHELL)?;
    let tx = store.begin_platform_write().await?;
    let summary = import_shared_advisories(&*tx, read_advisories(&advisory)?).await?;
    tx.commit().await?;
    Ok(summary)
}
