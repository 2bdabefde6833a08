//! `wayfinder-tools bench supply-chain`: the supply-chain questions over HTTP against a seeded
//! workspace, as their users ask them, and the import of a new advisory through the domain.
//!
//! - `componentUsage` of log4j-core with Log4Shell's affected ranges, owners included;
//! - a random team's `vulnerabilitySummary` (rolled up over its artifacts);
//! - `POST /sbom` of a generated CycloneDX document of `--sbom-components` components, which
//!   replaces a bench artifact's set and matches it against every advisory;
//! - one new shared advisory (a jackson-databind range, so thousands of artifacts match)
//!   imported and matched against every component of every workspace, in one transaction.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- seed --workspace big --scale max
//! cargo run --release -p wayfinder-tools -- bench supply-chain --workspace big
//! ```

use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use domain::{
    Principal, Role,
    fact_sheets::{self, NewFactSheet},
    meta_model_versions,
    supply_chain::intake::{import_shared_advisories, read_advisories},
    workspaces,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use api::{
    bootstrap::{jwt_keys, open_store, redact},
    config::Config,
};

use super::{events::percentile, in_process::InProcess};
use crate::{
    dataset::{
        Scale,
        components::{LOG4J_CORE, LOG4SHELL_RANGE, pool},
    },
    seed::seed_inventory,
};

#[derive(Args)]
pub struct SupplyChainArgs {
    /// A workspace seeded earlier (`seed --workspace W --scale max`); without it, a new one is
    /// seeded at `--scale` first.
    #[arg(long)]
    workspace: Option<String>,
    /// Size of the workspace seeded when no `--workspace` is given: `average`, `max` or a
    /// number of fact sheets.
    #[arg(long, default_value = "average")]
    scale: Scale,
    /// Components per artifact of the workspace seeded when no `--workspace` is given.
    #[arg(long, default_value_t = 150)]
    components: usize,
    /// Timed requests of each query.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Timed SBOM uploads.
    #[arg(long, default_value_t = 20)]
    uploads: usize,
    /// Components of each uploaded SBOM.
    #[arg(long, default_value_t = 1_000)]
    sbom_components: usize,
}

/// The README's Log4Shell question: which artifacts, and whose, run an affected log4j-core.
const COMPONENT_USAGE: &str = "query($purl: String!, $range: String) { componentUsage(purl: $purl, versionRange: $range, first: 50) { totalCount edges { node { factSheet { id name } component { purl version direct } owners { id name } } } } }";

const VULNERABILITY_SUMMARY: &str = "query($id: ID!) { factSheet(id: $id) { vulnerabilitySummary { critical high medium low unknown total affectedArtifacts } } }";

const TEAMS: &str =
    r#"{ factSheets(filter: {types: ["Team"]}, first: 100) { edges { node { id } } } }"#;

pub async fn run(mut config: Config, args: SupplyChainArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    // The only client of its own server.
    config.rate_limit_per_token_per_minute = 0;
    config.rate_limit_per_workspace_per_minute = 0;
    if args.queries == 0 || args.uploads == 0 || args.sbom_components == 0 {
        bail!("--queries, --uploads and --sbom-components must be positive");
    }
    let store = open_store(&config).await?;
    let keys = jwt_keys(&config)?;
    let backend = if config.database_url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let slug = match &args.workspace {
        Some(slug) => slug.clone(),
        None => {
            let slug = format!("bench-supply-chain-{}", Utc::now().timestamp());
            seed_inventory(&store, &slug, args.scale, 42, args.components).await?;
            eprintln!("updating planner statistics (ANALYZE, with VACUUM on PostgreSQL)");
            store.refresh_statistics().await?;
            slug
        }
    };
    eprintln!(
        "database: {} ({backend}); workspace `{slug}`",
        redact(&config.database_url())
    );
    let ws = workspaces::find_by_slug(store.connection(), &slug)
        .await?
        .with_context(|| format!("no workspace `{slug}`"))?;
    let member = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug.clone(),
        subject: "bench".into(),
        role: Role::Member,
    };
    let target = sbom_target(&store, &member).await?;

    let server = InProcess::start(&config, &store, keys).await?;
    let api = server.client(&slug, Role::Member, 1)?;

    let usage_variables = json!({"purl": LOG4J_CORE, "range": LOG4SHELL_RANGE});
    let usage = api
        .graphql(COMPONENT_USAGE, &usage_variables)
        .await?
        .data()?;
    let exposed = usage["componentUsage"]["totalCount"].clone();
    let mut usage_ms = Vec::with_capacity(args.queries);
    for _ in 0..args.queries {
        let started = Instant::now();
        api.graphql(COMPONENT_USAGE, &usage_variables).await?;
        usage_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let teams: Vec<String> = api.graphql(TEAMS, &json!({})).await?.data()?["factSheets"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if teams.is_empty() {
        bail!("workspace `{slug}` has no team");
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut summary_ms = Vec::with_capacity(args.queries);
    for _ in 0..args.queries {
        let team = &teams[rng.random_range(0..teams.len())];
        let started = Instant::now();
        api.graphql(VULNERABILITY_SUMMARY, &json!({ "id": team }))
            .await?;
        summary_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let document = serde_json::to_vec(&sbom(args.sbom_components))?;
    let mut upload_ms = Vec::with_capacity(args.uploads);
    let mut opened = Value::Null;
    for _ in 0..args.uploads {
        let started = Instant::now();
        let response = api
            .post(&format!("/sbom?factSheet={target}"))
            .header("content-type", "application/vnd.cyclonedx+json")
            .body(document.clone())
            .send()
            .await
            .context("uploading an SBOM")?;
        let status = response.status();
        let text = response.text().await?;
        upload_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        if status.as_u16() != 200 {
            bail!("POST /sbom answered {status}: {text}");
        }
        opened = serde_json::from_str::<Value>(&text)?["vulnerabilities"].clone();
    }
    server.stop().await;

    let advisory = read_advisories(&new_advisory())?;
    let started = Instant::now();
    let tx = store.begin_platform_write().await?;
    let imported = import_shared_advisories(&*tx, advisory).await?;
    tx.commit().await?;
    let import_s = started.elapsed().as_secs_f64();

    let p = |values: &[f64], q: f64| percentile(values, q);
    println!("\nWayfinder supply-chain benchmark ({backend}, workspace `{slug}`)");
    println!(
        "  componentUsage, log4j-core in Log4Shell's ranges, owners  p50 {:.1} ms  p95 {:.1} ms  ({} queries, {exposed} artifacts exposed)",
        p(&usage_ms, 0.5),
        p(&usage_ms, 0.95),
        args.queries
    );
    println!(
        "  a random team's vulnerabilitySummary                      p50 {:.1} ms  p95 {:.1} ms  ({} queries over {} teams)",
        p(&summary_ms, 0.5),
        p(&summary_ms, 0.95),
        args.queries,
        teams.len()
    );
    println!(
        "  POST /sbom, {} components, matching included            p50 {:.1} ms  p95 {:.1} ms  ({} uploads, {opened} matches open)",
        args.sbom_components,
        p(&upload_ms, 0.5),
        p(&upload_ms, 0.95),
        args.uploads
    );
    println!(
        "  one new shared advisory, matched against every component  {import_s:.2} s  ({} matches opened in {} workspaces)",
        imported.opened, imported.workspaces
    );
    Ok(())
}

/// A new software artifact for the uploads to replace the components of, so the seeded
/// artifacts keep theirs.
async fn sbom_target(store: &domain::db::Store, member: &Principal) -> anyhow::Result<uuid::Uuid> {
    let model = meta_model_versions::current(&store.tenant(member.workspace_id).await?, member)
        .await?
        .model;
    let tx = store.begin_write(member.workspace_id).await?;
    let created = fact_sheets::create(
        &*tx,
        member,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: format!("bench-sbom-{}", uuid::Uuid::now_v7().simple()),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(created.id)
}

/// A CycloneDX 1.5 document of `count` components: every version of every pool package (so
/// log4j-core's vulnerable versions and Log4Shell's matches are in it), then made-up npm
/// packages up to `count`, as a large Node.js application's lock file adds them.
pub(crate) fn sbom(count: usize) -> Value {
    let pool = pool();
    let log4j = crate::dataset::components::LOG4J_VULNERABLE
        .iter()
        .map(|v| {
            (
                LOG4J_CORE.to_owned(),
                (*v).to_owned(),
                "Apache-2.0".to_owned(),
            )
        });
    let real = pool.iter().flat_map(|p| {
        p.versions
            .iter()
            .map(|v| (p.base.clone(), v.clone(), p.license.clone()))
    });
    let made_up = (0..).map(|i| {
        (
            format!("pkg:npm/%40bench/package-{i}"),
            format!("1.{}.0", i % 20),
            "MIT".to_owned(),
        )
    });
    let components: Vec<Value> = log4j
        .chain(real)
        .chain(made_up)
        .take(count)
        .map(|(base, version, license)| {
            let name = base.rsplit('/').next().unwrap_or_default().to_owned();
            json!({
                "type": "library",
                "name": name,
                "version": version,
                "purl": format!("{base}@{version}"),
                "licenses": [{"expression": license}],
            })
        })
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components})
}

/// An OSV record no earlier run stored (its id carries the time), affecting jackson-databind
/// before 2.15.0: about half the seeded artifacts carry it, most on an affected version.
fn new_advisory() -> Value {
    json!({
        "schema_version": "1.6.0",
        "id": format!("BENCH-{}", Utc::now().format("%Y%m%d%H%M%S%3f")),
        "modified": Utc::now().to_rfc3339(),
        "summary": "Benchmark advisory for jackson-databind",
        "database_specific": {"severity": "HIGH"},
        "affected": [{
            "package": {"ecosystem": "Maven", "name": "com.fasterxml.jackson.core:jackson-databind"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.15.0"}]}]
        }]
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use domain::supply_chain::sbom;

    #[test]
    fn the_uploaded_sbom_reads_with_the_asked_components_and_vulnerable_log4j() {
        let body = serde_json::to_vec(&sbom(1_000)).unwrap();
        let parsed = sbom::parse(Some("application/vnd.cyclonedx+json"), &body).unwrap();
        assert_eq!(parsed.components.len(), 1_000);
        let purls: std::collections::HashSet<_> =
            parsed.components.iter().map(|c| c.purl.clone()).collect();
        assert_eq!(purls.len(), 1_000, "no component twice");
        assert!(
            parsed.components.iter().any(|c| c.purl.as_deref()
                == Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"))
        );
    }

    #[test]
    fn each_new_advisory_reads_and_has_an_id_of_its_own() {
        let first = read_advisories(&new_advisory()).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let second = read_advisories(&new_advisory()).unwrap();
        assert_eq!(first[0].packages.len(), 1);
        assert_ne!(first[0].id, second[0].id);
    }
}
