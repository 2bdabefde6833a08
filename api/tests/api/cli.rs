//! The `wayfinder` binary as a newcomer uses it: create a workspace, issue a token, run
//! `serve --demo`, use what it prints, stop it with SIGTERM.

use std::{
    collections::HashSet,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use api::auth::JwtKeys;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testkit::TestDb;

pub(crate) fn wayfinder(dir: &std::path::Path, database_url: &Option<String>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wayfinder"));
    command
        .current_dir(dir)
        .env("WAYFINDER_DATA_DIR", dir.join("data"))
        .env("WAYFINDER_LOG_LEVEL", "warn");
    for (key, _) in std::env::vars().filter(|(k, _)| {
        k.starts_with("WAYFINDER_") && k != "WAYFINDER_DATA_DIR" && k != "WAYFINDER_LOG_LEVEL"
    }) {
        command.env_remove(key);
    }
    command.env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// What a `wayfinder` command that must succeed printed; its error output if it failed.
pub(crate) fn stdout_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn workspace_token_and_serve_demo_work_as_the_readme_says() {
    let db = TestDb::new().await;
    let database_url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();

    let created =
        stdout_of(wayfinder(dir.path(), &database_url).args(["workspace", "create", "acme"]));
    assert!(created.contains("created workspace acme"));
    let token = stdout_of(wayfinder(dir.path(), &database_url).args([
        "token",
        "create",
        "--workspace",
        "acme",
        "--role",
        "viewer",
        "--ttl",
        "10m",
    ]))
    .trim()
    .to_owned();
    let secret = std::fs::read_to_string(dir.path().join("data/jwt-secret")).unwrap();
    let claims = JwtKeys::hs256(secret.trim().as_bytes(), "wayfinder", "wayfinder-api")
        .verify(&token)
        .unwrap();
    assert_eq!(
        (claims.workspace.as_str(), claims.role),
        ("acme", domain::Role::Viewer)
    );
    let out = wayfinder(dir.path(), &database_url)
        .args(["token", "create", "--workspace", "nope", "--role", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workspace `nope`"));

    let mut server = wayfinder(dir.path(), &database_url)
        .args(["serve", "--demo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    let mut demo_token = None;
    let mut graphiql_link = None;
    let mut dashboard_link = None;
    while url.is_none()
        || demo_token.is_none()
        || graphiql_link.is_none()
        || dashboard_link.is_none()
    {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve --demo printed its banner");
        if line.contains("/graphql#token=") {
            graphiql_link = Some(line.clone());
        }
        if line.contains("/dashboard#token=") {
            dashboard_link = Some(line.clone());
        }
        if let Some(rest) = line.strip_prefix("curl -s ") {
            url = rest.split_whitespace().next().map(str::to_owned);
            demo_token = rest
                .split("Bearer ")
                .nth(1)
                .and_then(|t| t.split('\'').next())
                .map(str::to_owned);
        }
    }
    let (url, demo_token) = (url.unwrap(), demo_token.unwrap());
    assert_eq!(
        graphiql_link.unwrap(),
        format!("{url}#token={demo_token}"),
        "the printed GraphiQL link logs in with the printed token"
    );
    assert_eq!(
        dashboard_link.unwrap(),
        format!(
            "{}/dashboard#token={demo_token}",
            url.trim_end_matches("/graphql")
        ),
        "the printed dashboard link logs in with the printed token"
    );
    let client = reqwest::Client::new();
    let graphql = async |query: &str| -> Value {
        client
            .post(&url)
            .bearer_auth(&demo_token)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let body = graphql(r#"{ factSheets(filter: {types: ["Team"]}) { totalCount edges { node { name metrics(window: {last: "P6W", bucket: WEEK}) { deploymentFrequency { deployments } } } } } }"#).await;
    assert_eq!(body["data"]["factSheets"]["totalCount"], 4, "{body}");
    let deployments: u64 = body["data"]["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["metrics"]["deploymentFrequency"]["deployments"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert!(
        deployments > 20,
        "demo teams show real metrics ({deployments} deployments)"
    );

    let created = graphql(r#"mutation { createApiToken(input: {name: "ci-sync", role: MEMBER, ttl: "30d"}) { apiToken { id } } }"#).await;
    let api_token_id = created["data"]["createApiToken"]["apiToken"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();

    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");

    // The demo artifacts have SBOMs, and Log4Shell is open on those on a vulnerable log4j-core.
    // On SQLite the server kept its data in its own file.
    let served = match &database_url {
        Some(_) => db.conn().clone(),
        None => sea_orm::Database::connect(format!(
            "sqlite://{}",
            dir.path().join("data/wayfinder.db").display()
        ))
        .await
        .unwrap(),
    };
    let demo = domain::workspaces::find_by_slug(&served, "demo")
        .await
        .unwrap()
        .unwrap();
    let components = entity::component::Entity::find()
        .filter(entity::component::Column::WorkspaceId.eq(demo.id))
        .all(&served)
        .await
        .unwrap();
    let artifacts: HashSet<_> = components.iter().map(|c| c.fact_sheet_id).collect();
    assert_eq!(artifacts.len(), 9, "every demo artifact has an SBOM");
    assert!(components.len() > 100, "{} components", components.len());
    let log4shell: Vec<_> = entity::vulnerability_match::Entity::find()
        .filter(entity::vulnerability_match::Column::WorkspaceId.eq(demo.id))
        .filter(entity::vulnerability_match::Column::AdvisoryId.eq("GHSA-jfh8-c2jp-5v3q"))
        .filter(entity::vulnerability_match::Column::ResolvedAt.is_null())
        .all(&served)
        .await
        .unwrap();
    let mut versions: Vec<_> = log4shell
        .iter()
        .map(|m| m.version.clone().unwrap_or_default())
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        ["2.12.1", "2.14.1"],
        "Log4Shell open on the two artifacts on a vulnerable log4j-core, not on 2.17.1"
    );

    // API tokens, managed from the command line as from GraphQL.
    let listed = stdout_of(wayfinder(dir.path(), &database_url).args([
        "token",
        "list",
        "--workspace",
        "demo",
    ]));
    let line = listed
        .lines()
        .find(|l| l.starts_with(&api_token_id))
        .unwrap_or_else(|| panic!("token list shows the new token: {listed}"));
    assert!(line.contains("ci-sync") && line.contains("member") && line.contains("expires"));
    let revoked = stdout_of(wayfinder(dir.path(), &database_url).args([
        "token",
        "revoke",
        "--workspace",
        "demo",
        &api_token_id,
    ]));
    assert!(revoked.contains("revoked API token"), "{revoked}");
    let listed = stdout_of(wayfinder(dir.path(), &database_url).args([
        "token",
        "list",
        "--workspace",
        "demo",
    ]));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&api_token_id) && l.contains("revoked")),
        "{listed}"
    );

    // A wrong role is refused with the roles there are.
    let out = wayfinder(dir.path(), &database_url)
        .args(["token", "create", "--workspace", "demo", "--role", "owner"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("viewer") && stderr.contains("member") && stderr.contains("admin"),
        "{stderr}"
    );
}
