//! `wayfinder-tools bench webhooks`: GitHub deliveries in a row through the real endpoint, one
//! at a time as one repository's webhook sends them, and the latency of each (signature check,
//! mapping, the shipped-changes lookup and the write). Pushes of one commit each, with a
//! successful production deployment of the latest commit every `--deploy-every` deliveries.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- bench webhooks --deliveries 1000
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Duration as Span, SecondsFormat, Utc};
use clap::Args;
use domain::{
    Principal, Role,
    webhooks::{Provider, secrets, signature_header},
    workspaces,
};
use serde_json::{Value, json};

use api::{
    bootstrap::{jwt_keys, open_store, redact},
    config::Config,
};

use super::in_process::InProcess;

/// Published example payloads (see `api/tests/fixtures/github/README.md`), varied per delivery.
pub(crate) const PUSH: &str = include_str!("../../../api/tests/fixtures/github/push.json");
const DEPLOYMENT_STATUS: &str =
    include_str!("../../../api/tests/fixtures/github/deployment_status.json");

#[derive(Args)]
pub struct WebhooksArgs {
    /// Deliveries to send, one after the other.
    #[arg(long, default_value_t = 1000)]
    deliveries: usize,
    /// Every n-th delivery is a deployment status instead of a push.
    #[arg(long, default_value_t = 10)]
    deploy_every: usize,
}

pub async fn run(mut config: Config, args: WebhooksArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    // The only client of its own server, sending as fast as it can.
    config.rate_limit_per_token_per_minute = 0;
    config.rate_limit_per_workspace_per_minute = 0;
    if args.deliveries == 0 || args.deploy_every == 0 {
        bail!("--deliveries and --deploy-every must be positive");
    }
    let store = open_store(&config).await?;
    let keys = jwt_keys(&config)?;
    let slug = format!("bench-webhooks-{}", Utc::now().timestamp());
    let backend = if config.database_url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "database: {} ({backend}); workspace `{slug}`",
        redact(&config.database_url())
    );
    let workspace = workspaces::create(store.connection(), &slug, None, "bench").await?;
    let admin = Principal {
        workspace_id: workspace.id,
        workspace_slug: slug.clone(),
        subject: "bench".into(),
        role: Role::Admin,
    };
    let secret = format!("bench-{}", uuid::Uuid::now_v7().simple());
    let tx = store.begin_write(workspace.id).await?;
    secrets::set(&*tx, &admin, Provider::GitHub, &secret).await?;
    tx.commit().await?;

    let server = InProcess::start(&config, &store, keys).await?;
    let url = format!("http://{}/webhooks/github/{slug}", server.addr);

    let client = reqwest::Client::new();
    let push: Value = serde_json::from_str(PUSH)?;
    let deployment: Value = serde_json::from_str(DEPLOYMENT_STATUS)?;
    let start = Utc::now() - Span::days(30);
    let mut latest = String::new();
    let mut latencies = Vec::with_capacity(args.deliveries);
    for n in 0..args.deliveries {
        let time = (start + Span::minutes(n as i64)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let (event, payload) = if n % args.deploy_every == args.deploy_every - 1 {
            let mut d = deployment.clone();
            d["deployment"]["id"] = json!(n);
            d["deployment"]["sha"] = json!(latest);
            d["deployment_status"]["created_at"] = json!(time);
            ("deployment_status", d)
        } else {
            latest = format!("{n:040x}");
            let mut p = push.clone();
            p["commits"][0]["id"] = json!(latest);
            p["commits"][0]["timestamp"] = json!(time);
            ("push", p)
        };
        let body = serde_json::to_vec(&payload)?;
        let signature = signature_header(secret.as_bytes(), &body);
        let began = Instant::now();
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", format!("bench-{n}"))
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .context("sending a delivery")?;
        let status = response.status();
        let answer = response.text().await?;
        latencies.push(began.elapsed());
        if status.as_u16() != 202 {
            bail!("delivery {n} ({event}) answered {status}: {answer}");
        }
    }
    server.stop().await;

    let total: Duration = latencies.iter().sum();
    latencies.sort();
    let p = |q: f64| {
        let index = ((latencies.len() - 1) as f64 * q).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!("\nWayfinder GitHub webhook benchmark ({backend})");
    println!(
        "  {} deliveries in a row ({} pushes of one commit, a deployment status every {}): {:.1} s",
        args.deliveries,
        args.deliveries - args.deliveries / args.deploy_every,
        args.deploy_every,
        total.as_secs_f64()
    );
    println!(
        "  latency  p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        p(0.5),
        p(0.95),
        p(0.99),
        p(1.0)
    );
    Ok(())
}
