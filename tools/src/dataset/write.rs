//! Writes generated data into a new workspace through the domain, validated like any write.

use anyhow::Context;
use domain::{Principal, Role, db::Store, meta_model::MetaModel, meta_model_versions, workspaces};

use super::Graph;

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
