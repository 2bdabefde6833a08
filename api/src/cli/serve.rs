use std::time::Duration;

use clap::Args;
use domain::Role;

use crate::{
    bootstrap::{
        jwt_keys, open_store, redact, refuse_debug_options_in_production, serving_state, with_jwks,
    },
    config::Config,
    demo, http, telemetry,
};

#[derive(Args)]
pub struct ServeArgs {
    /// Port to listen on (also WAYFINDER_PORT).
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on (also WAYFINDER_HOST).
    #[arg(long)]
    host: Option<String>,
    /// Create workspace `demo` with demo data and print an admin token (also WAYFINDER_DEMO=1).
    #[arg(long)]
    demo: bool,
}

pub async fn run(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(host) = args.host {
        config.host = host;
    }
    config.demo |= args.demo;
    telemetry::init(&config);
    refuse_debug_options_in_production(&config)?;
    let store = open_store(&config).await?;
    let keys = with_jwks(jwt_keys(&config)?, &config).await?;
    tracing::info!(database = %redact(&config.database_url()), profile = ?config.profile, "database ready");

    let demo_token = if config.demo {
        let tx = store.begin_platform_write().await?;
        let loaded = demo::load(&*tx).await?;
        tx.commit().await?;
        tracing::info!(
            workspace = demo::WORKSPACE,
            fact_sheets = loaded.fact_sheets,
            relations = loaded.relations,
            events = loaded.events,
            components = loaded.components,
            "demo data ready"
        );
        Some(keys.issue(
            "demo-admin",
            demo::WORKSPACE,
            Role::Admin,
            Duration::from_secs(24 * 3600),
        )?)
    } else {
        None
    };

    let running = http::start(
        serving_state(&config, &store, keys).await?,
        &config.host,
        config.port,
        config.workers,
    )?;
    let url = format!("http://{}", running.addr);
    tracing::info!(%url, "listening");
    if config.graphiql() {
        println!("\nWayfinder is listening on {url}  (GraphiQL: {url}/graphql)");
    } else {
        println!("\nWayfinder is listening on {url}");
    }
    if let Some(token) = demo_token {
        println!(
            "\nAdmin token for workspace `{}` (valid 24 h):\n\n{token}\n",
            demo::WORKSPACE
        );
        if config.graphiql() {
            // The fragment never reaches the server or its logs; the page takes the token from
            // it and removes it from the address bar.
            println!("Open GraphiQL logged in:\n\n{url}/graphql#token={token}\n");
        }
        println!("Open the dashboard logged in:\n\n{url}/dashboard#token={token}\n");
        println!(
            "Try it:\n\ncurl -s {url}/graphql -H 'Content-Type: application/json' -H 'Authorization: Bearer {token}' \\\n  -d '{{\"query\":\"{{ factSheets(filter: {{types: [\\\"Team\\\"]}}) {{ totalCount edges {{ node {{ name relations(type: \\\"teamOwnsArtifact\\\") {{ totalCount }} }} }} }} }}\"}}'\n"
        );
    }
    running.server.await?;
    tracing::info!("stopped");
    Ok(())
}
