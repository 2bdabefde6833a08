//! Metrics of one fact sheet: its own events, plus those of every fact sheet its type rolls up
//! over (a Team over the artifacts it owns), recomputed from the union of their facts, never by
//! averaging per-artifact results.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    Bands, Facts, FactsView, MetricWindow, Metrics,
    compute::compute_indexed,
    compute_unless_cancelled,
    facts_cache::{FactsCache, KeptFacts},
    sources_cache::Resolved,
};
use crate::{
    authz::{self, Action},
    db::Siblings,
    error::{Error, Result},
    external_ids::{self, EVENT_SOURCE_NAMESPACE},
    fact_sheets,
    features::{self, Feature, GateOnce},
    meta_model::{MetaModel, RollUpDirection},
    metrics::load::{Needs, load_window_facts},
    principal::Principal,
    relations,
    versions::TouchLog,
};

/// Roll-ups deeper than this are cut off. Relation roll-ups are two or three levels in real
/// models (domain → product → artifact); a hierarchy of children may be as deep as fact sheets
/// accept parents, and none of it may go missing from a parent's figures.
const MAX_ROLL_UP_DEPTH: usize = fact_sheets::MAX_HIERARCHY_DEPTH + 8;

/// `needs` says which metric families the caller reads; the others come back empty.
pub async fn for_fact_sheet(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    fact_sheet_id: Uuid,
    window: &MetricWindow,
    needs: Needs,
) -> Result<Metrics> {
    admit(db, principal, Subject::Id(fact_sheet_id), None).await?;
    compute_admitted(db, principal, model, fact_sheet_id, window, needs, None).await
}

/// Whose metrics are asked for.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A fact sheet known by id only: it is looked up.
    Id(Uuid),
    /// A fact sheet the caller read through its workspace-scoped connection in this request
    /// (GraphQL `metrics` of a fact sheet it resolved): it is not read again.
    Read(&'a fact_sheets::FactSheet),
}

impl Subject<'_> {
    pub fn id(self) -> Uuid {
        match self {
            Subject::Id(id) => id,
            Subject::Read(sheet) => sheet.id,
        }
    }
}

/// Whether `principal` may read the metrics of `subject`: its role, the workspace's metrics
/// feature (through `gate`, the request's, when it has one) and the fact sheet's existence in
/// its workspace. Checked on every read, cached or not.
pub(super) async fn admit(
    db: &impl ConnectionTrait,
    principal: &Principal,
    subject: Subject<'_>,
    gate: Option<&GateOnce>,
) -> Result<()> {
    authz::require(principal, Action::Read)?;
    match gate {
        Some(gate) if gate.is_for(Feature::Metrics, principal.workspace_id) => {
            gate.require(db).await?;
        }
        _ => {
            features::require_enabled(db, principal.workspace_id, Feature::Metrics).await?;
        }
    }
    match subject {
        Subject::Id(id) => {
            fact_sheets::require(db, principal, id).await?;
        }
        Subject::Read(sheet) if sheet.workspace_id != principal.workspace_id => {
            return Err(crate::error::Error::not_found("fact sheet", sheet.id));
        }
        Subject::Read(_) => {}
    }
    Ok(())
}

/// What the metrics cache keeps between requests: the facts of sources, and the walk that
/// found the sources (made by the cache, see [`super::MetricsCache`]).
pub(super) struct Kept<'a> {
    pub facts: &'a FactsCache,
    pub events: &'a TouchLog,
    pub events_version: i64,
    pub resolved: Arc<Resolved>,
}

/// The metrics of a fact sheet [`admit`] has let through: members, their event sources, the
/// window's facts (each read, or taken from `kept`), the engine.
pub(super) async fn compute_admitted(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    fact_sheet_id: Uuid,
    window: &MetricWindow,
    needs: Needs,
    kept: Option<Kept<'_>>,
) -> Result<Metrics> {
    let started = std::time::Instant::now();
    let ws = principal.workspace_id;
    let sources = match &kept {
        Some(kept) => kept.resolved.clone(),
        None => Arc::new(resolve(db, principal, model, fact_sheet_id).await?),
    };
    let sources = &sources.sources;
    let resolved = started.elapsed();
    let facts = match &kept {
        Some(kept) => WindowFacts::Kept(
            kept.facts
                .window_facts(
                    db,
                    kept.events,
                    ws,
                    sources,
                    window,
                    needs,
                    kept.events_version,
                )
                .await?,
        ),
        None => WindowFacts::Read(
            load_window_facts(db, ws, sources, window.from, window.to, needs).await?,
        ),
    };
    let loaded = started.elapsed();
    let bands = model.performance_bands.clone().unwrap_or_default();
    let computed = compute_facts(facts, window, bands).await?;
    let Some((metrics, [changes, deployments, incidents, work_items, vulnerabilities])) = computed
    else {
        return Err(Error::Internal("metrics computation cancelled".into()));
    };
    tracing::debug!(
        sources = sources.len(),
        changes,
        deployments,
        incidents,
        work_items,
        vulnerabilities,
        resolve_ms = resolved.as_secs_f64() * 1e3,
        load_ms = (loaded - resolved).as_secs_f64() * 1e3,
        compute_ms = (started.elapsed() - loaded).as_secs_f64() * 1e3,
        "metrics computed"
    );
    Ok(metrics)
}

/// Items (facts in the window, plus its buckets) below which the engine runs in place: a
/// dashboard's usual window computes in less time than handing it to another thread and back,
/// and under load that hop cost 90-day team dashboards about a third of their throughput
/// (BENCHMARKS.md). Larger computations, the ones that could stall a worker, still move.
const COMPUTE_IN_PLACE_BELOW: usize = 20_000;

/// The engine over `facts` cut to `window`, with the window's fact counts. A large computation
/// runs on a blocking thread, off the async workers that serve every other request, and stops
/// when this future is dropped (the request timed out, or its client went away); `None` then.
async fn compute_facts(
    facts: WindowFacts,
    window: &MetricWindow,
    bands: Bands,
) -> Result<Option<(Metrics, [usize; 5])>> {
    let items = fact_counts(&facts, window).iter().sum::<usize>()
        + usize::try_from(window.bucket_count()).unwrap_or(usize::MAX);
    if items < COMPUTE_IN_PLACE_BELOW {
        return Ok(compute_now(&facts, window, &bands, &AtomicBool::new(false)));
    }
    let window = window.clone();
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(cancelled.clone());
    tokio::task::spawn_blocking(move || compute_now(&facts, &window, &bands, &cancelled))
        .await
        .map_err(|e| Error::Internal(format!("computing metrics failed: {e}")))
}

fn view_of<'a>(facts: &'a WindowFacts, window: &MetricWindow) -> FactsView<'a> {
    match facts {
        WindowFacts::Kept(kept) => kept.before(window.to),
        WindowFacts::Read(read) => read.view(),
    }
}

/// Changes, deployments, incidents, work items and scanner events in the window.
fn fact_counts(facts: &WindowFacts, window: &MetricWindow) -> [usize; 5] {
    let view = view_of(facts, window);
    [
        view.changes.len(),
        view.deployments.len(),
        view.incidents.len(),
        view.work_items.len(),
        view.vulnerabilities.len(),
    ]
}

fn compute_now(
    facts: &WindowFacts,
    window: &MetricWindow,
    bands: &Bands,
    cancelled: &AtomicBool,
) -> Option<(Metrics, [usize; 5])> {
    let view = view_of(facts, window);
    let metrics = match facts {
        WindowFacts::Kept(kept) => {
            let index = kept.deployment_index(view.deployments.len());
            compute_indexed(view, &index, window, bands, cancelled)
        }
        WindowFacts::Read(_) => compute_unless_cancelled(view, window, bands, cancelled),
    };
    metrics.map(|m| (m, fact_counts(facts, window)))
}

/// Sets its flag when dropped: the future awaiting a computation went away with its request.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A window's facts: read for it, or kept from a load for the hours around it.
enum WindowFacts {
    Read(Facts),
    Kept(KeptFacts),
}

/// The members of `fact_sheet_id`'s roll-up and their event sources.
pub(super) async fn resolve(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    fact_sheet_id: Uuid,
) -> Result<Resolved> {
    let members = members(db, principal, model, fact_sheet_id).await?;
    let sources = event_sources(db, principal, &members).await?;
    Ok(Resolved { members, sources })
}

/// The fact sheet and everything it rolls up over, breadth first, each once: a fact sheet
/// reached twice (owned by a team and by its sub-team, or a diamond of relations) is one
/// member, so its events count once. Each member rolls up by its own type's rules, so a team
/// of teams reaches its sub-teams through the hierarchy and their artifacts through relations.
pub async fn members(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    root: Uuid,
) -> Result<Vec<Uuid>> {
    let mut seen: HashSet<Uuid> = HashSet::from([root]);
    let mut order = vec![root];
    let mut frontier = vec![root];
    for _ in 0..MAX_ROLL_UP_DEPTH {
        let sheets = fact_sheets::get_many(db, principal, &frontier).await?;
        let rolling: Vec<_> = sheets
            .iter()
            .filter_map(|fs| {
                model
                    .fact_sheet_type(&fs.fact_sheet_type)
                    .filter(|t| t.rolls_up())
                    .map(|t| (fs.id, t))
            })
            .collect();
        if rolling.is_empty() {
            break;
        }
        let mut next = Vec::new();
        let mut reach = |other: Uuid| {
            if seen.insert(other) {
                order.push(other);
                next.push(other);
            }
        };
        let parents: Vec<Uuid> = rolling
            .iter()
            .filter(|(_, t)| t.roll_up_children)
            .map(|(id, _)| *id)
            .collect();
        if !parents.is_empty() {
            fact_sheets::children_of(db, principal, &parents)
                .await?
                .into_iter()
                .for_each(&mut reach);
        }
        let relating: Vec<_> = rolling
            .into_iter()
            .filter(|(_, t)| !t.roll_up.is_empty())
            .collect();
        if !relating.is_empty() {
            let ids: Vec<Uuid> = relating.iter().map(|(id, _)| *id).collect();
            let relations = relations::for_fact_sheets(db, principal, &ids).await?;
            for (id, t) in relating {
                for r in relations.get(&id).into_iter().flatten() {
                    for rule in t
                        .roll_up
                        .iter()
                        .filter(|rule| rule.relation_type == r.relation_type)
                    {
                        match rule.direction {
                            RollUpDirection::Outgoing if r.from_id == id => reach(r.to_id),
                            RollUpDirection::Incoming if r.to_id == id => reach(r.from_id),
                            _ => {}
                        }
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    Ok(order)
}

async fn event_sources(
    db: &impl ConnectionTrait,
    principal: &Principal,
    members: &[Uuid],
) -> Result<Vec<String>> {
    let ids = external_ids::for_fact_sheets(db, principal, members).await?;
    let mut sources: Vec<String> = ids
        .into_values()
        .flatten()
        .filter(|e| e.namespace == EVENT_SOURCE_NAMESPACE)
        .map(|e| e.value)
        .collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(sources)
}
