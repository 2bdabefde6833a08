//! The tenant canary: workspace `acme` holds distinctive data; every query and mutation of the
//! schema is then called as an admin of workspace `globex`, with every ID argument set to each
//! of acme's ids in turn and every field selected three levels deep. Not one of acme's ids,
//! names or values may come back, and acme's data must be unchanged afterwards. Runs on both
//! databases; on PostgreSQL through the restricted role, under row-level security.

use domain::webhooks::{Provider, secrets};
use serde_json::{Value, json};

use crate::{
    operations::Schema,
    supply_chain_setup::{
        create, import_log4shell, log4j_artifact, post_private_advisory, sbom, upload,
    },
    support::TestApp,
};

const SNAPSHOT: &str = "{ factSheets(first: 500) { edges { node { id name revision description attributes tags { name } externalIds { value } } } } }";

#[tokio::test]
async fn another_workspace_never_sees_or_changes_a_byte_of_ours() {
    let app = TestApp::new().await;
    let marker = format!("canary{}", uuid::Uuid::now_v7().simple());
    let secret = |what: &str| format!("{marker}-{what}");

    let create = r#"mutation($input: CreateFactSheetInput!) { createFactSheet(input: $input) { factSheet { id } } }"#;
    let team = app
        .data(create, json!({ "input": { "type": "Team", "name": secret("team"), "description": secret("description"), "tags": [secret("tag")], "externalIds": [{ "namespace": "eventSource", "value": secret("source") }] } }))
        .await["createFactSheet"]["factSheet"]["id"]
        .clone();
    let artifact = app
        .data(create, json!({ "input": { "type": "SoftwareArtifact", "name": secret("artifact"), "externalIds": [{ "namespace": "eventSource", "value": secret("artifact-source") }] } }))
        .await["createFactSheet"]["factSheet"]["id"]
        .clone();
    let relation = app
        .data(
            r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#,
            json!({ "input": { "type": "teamOwnsArtifact", "fromId": team, "toId": artifact } }),
        )
        .await["createRelation"]["relation"]["id"]
        .clone();
    // The artifact's SBOM holds one of acme's own packages and a matched log4j-core, so every
    // supply-chain field of the walk has data to leak.
    import_log4shell(&app).await;
    upload(
        &app,
        artifact.as_str().unwrap(),
        &sbom(&[
            (
                "org.apache.logging.log4j",
                "log4j-core",
                "2.14.1",
                "Apache-2.0",
            ),
            ("com.acme", &secret("lib"), "1.0", "MIT"),
        ]),
    )
    .await;
    let view = app
        .data(
            r#"mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id } } }"#,
            json!({ "input": { "name": secret("view"), "visibility": "WORKSPACE", "filter": { "search": secret("team") }, "columns": [{ "field": "NAME", "label": secret("label") }] } }),
        )
        .await["createSavedView"]["savedView"]["id"]
        .clone();
    let ids: Vec<String> = [&team, &artifact, &relation, &view]
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let before = app.data(SNAPSHOT, json!({})).await;
    app.data(
        r#"mutation($s: String!) { setWebhookSecret(provider: GITHUB, secret: $s) { path } }"#,
        json!({ "s": secret("webhook-secret") }),
    )
    .await;

    let intruder = app.other_workspace().await;
    let schema = Schema::of(&api::graphql::sdl());
    let mut calls = 0;
    let mut positive_controls = 0;
    for operation in &schema.operations {
        for id in &ids {
            let document = schema.document_with_depth(operation, id, 3);
            let response = app.run_as(&intruder, &document, json!({})).await;
            // Data must hold none of acme's ids; nothing at all (errors included) may hold
            // acme's names or values. (An error may echo the id the caller sent.)
            let data = response["data"].to_string();
            for leaked in &ids {
                assert!(
                    !data.contains(leaked.as_str()),
                    "globex saw acme's `{leaked}` through {document}: {response:#}"
                );
            }
            assert!(
                !response.to_string().contains(&marker),
                "globex saw acme's names or values through {document}: {response:#}"
            );
            // No existence oracle: acme's id fails exactly like an id that exists nowhere.
            if !document.contains(id.as_str()) {
                calls += 1;
                continue;
            }
            let nowhere = uuid::Uuid::now_v7().to_string();
            let control = app
                .run_as(
                    &intruder,
                    &schema.document_with_depth(operation, &nowhere, 3),
                    json!({}),
                )
                .await;
            assert_eq!(
                codes(&response),
                codes(&control),
                "{document} tells acme's ids from unknown ones"
            );
            calls += 1;
            // The same read as acme must show acme's data, or the documents prove nothing.
            if operation.name == "factSheet" || operation.name == "relation" {
                let own = app.run(&document, json!({})).await.to_string();
                positive_controls += usize::from(own.contains(&marker));
            }
        }
    }
    assert!(calls >= 90, "{calls} calls");
    assert!(
        positive_controls >= 3,
        "the read documents do show data to its owner"
    );
    assert_eq!(
        app.data(SNAPSHOT, json!({})).await,
        before,
        "acme's data changed"
    );
    assert_snapshot_has_data(&before, &marker);
    let kept = app
        .data(
            "query($id: ID!) { savedView(id: $id) { name } }",
            json!({ "id": view }),
        )
        .await;
    assert_eq!(
        kept["savedView"]["name"],
        json!(secret("view")),
        "acme's view changed"
    );
    let webhook_secret =
        secrets::find(app.db.conn(), app.admin.workspace_id, Provider::GitHub).await;
    assert_eq!(
        webhook_secret.unwrap(),
        Some(secret("webhook-secret")),
        "acme's webhook secret changed"
    );
}

/// Components, findings and private advisories stay in their workspace; a shared advisory is
/// found by every workspace, each seeing only its own artifacts among those it affects.
#[tokio::test]
async fn another_workspace_sees_shared_advisories_but_none_of_our_components_or_findings() {
    let app = TestApp::new().await;
    let marker = format!("canary{}", uuid::Uuid::now_v7().simple());
    import_log4shell(&app).await;
    let team = create(&app, "Team", &format!("{marker}-team"), None).await;
    let ledger = log4j_artifact(&app, &format!("{marker}-ledger"), "2.14.1", Some(&team)).await;
    let library = format!("{marker}-lib");
    upload(
        &app,
        &ledger,
        &sbom(&[
            (
                "org.apache.logging.log4j",
                "log4j-core",
                "2.14.1",
                "Apache-2.0",
            ),
            ("com.acme", &library, "1.0", "MIT"),
        ]),
    )
    .await;
    let private_id = format!("ACME-{marker}");
    post_private_advisory(&app, &private_id, &format!("com.acme:{library}"), "1.0").await;

    let queries = [
        (
            r#"query($p: String!) { componentUsage(purl: $p) { totalCount edges { node { factSheet { name } component { name } owners { name } } } } }"#,
            json!({ "p": "pkg:maven/org.apache.logging.log4j/log4j-core" }),
            "/componentUsage/totalCount",
        ),
        (
            r#"query($p: String!) { componentUsage(purl: $p) { totalCount edges { node { factSheet { name } component { name } } } } }"#,
            json!({ "p": format!("pkg:maven/com.acme/{library}") }),
            "/componentUsage/totalCount",
        ),
        (
            r#"query($id: String!) { advisory(id: $id) { id summary affectedFactSheets { totalCount edges { node { name vulnerabilitySummary { total } } } } } }"#,
            json!({ "id": "CVE-2021-44228" }),
            "/advisory/affectedFactSheets/totalCount",
        ),
        (
            r#"query($id: String!) { advisory(id: $id) { id summary affectedFactSheets { totalCount edges { node { name } } } } }"#,
            json!({ "id": private_id }),
            "/advisory/affectedFactSheets/totalCount",
        ),
    ];
    let intruder = app.other_workspace().await;
    for (query, variables, count) in &queries {
        let own = app.data(query, variables.clone()).await;
        assert_eq!(
            own.pointer(count),
            Some(&json!(1)),
            "acme sees its own: {own}"
        );
        let theirs = app.run_as(&intruder, query, variables.clone()).await;
        assert!(theirs.get("errors").is_none(), "{theirs}");
        assert!(
            !theirs.to_string().contains(&marker),
            "globex saw acme's data through {query}: {theirs}"
        );
        let seen = theirs["data"].pointer(count).cloned();
        assert!(
            seen == Some(json!(0)) || theirs["data"]["advisory"].is_null(),
            "{query}: {theirs}"
        );
    }
    let shared = app
        .run_as(
            &intruder,
            r#"{ advisory(id: "CVE-2021-44228") { id severity } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        shared["data"]["advisory"],
        json!({ "id": "GHSA-jfh8-c2jp-5v3q", "severity": "CRITICAL" }),
        "a shared advisory reaches every workspace"
    );
    let private = app
        .run_as(
            &intruder,
            r#"query($id: String!) { advisory(id: $id) { id } }"#,
            json!({ "id": private_id }),
        )
        .await;
    assert_eq!(private["data"]["advisory"], Value::Null, "{private}");

    // A scanner finding of acme's, under an event source globex's artifact claims too.
    let create_artifact = r#"mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }"#;
    let claim = json!({ "i": { "type": "SoftwareArtifact", "name": "scanned",
        "externalIds": [{ "namespace": "eventSource", "value": "shared-scanner" }] } });
    let ours = app.data(create_artifact, claim.clone()).await["createFactSheet"]["factSheet"]["id"]
        .clone();
    let theirs =
        app.run_as(&intruder, create_artifact, claim).await["data"]["createFactSheet"]["factSheet"]
            ["id"]
            .clone();
    let finding = testkit::facts::event(
        "shared-scanner",
        "f1",
        "vulnerability.opened",
        chrono::Utc::now() - chrono::Duration::hours(1),
        json!({ "vulnerabilityId": format!("{marker}-finding"), "severity": "critical", "title": marker }),
    );
    domain::events::ingest(
        app.db.conn(),
        &app.admin,
        domain::events::validate(vec![finding]).unwrap(),
    )
    .await
    .unwrap();
    let findings = r#"query($id: ID!) { factSheet(id: $id) {
      vulnerabilities { totalCount edges { node { id title } } } vulnerabilitySummary { total } } }"#;
    let own = app.data(findings, json!({ "id": ours })).await;
    assert_eq!(
        own["factSheet"]["vulnerabilitySummary"]["total"], 1,
        "{own}"
    );
    let seen = app
        .run_as(&intruder, findings, json!({ "id": theirs }))
        .await;
    assert!(!seen.to_string().contains(&marker), "{seen}");
    assert_eq!(
        seen["data"]["factSheet"]["vulnerabilities"]["totalCount"], 0,
        "{seen}"
    );
    assert_eq!(
        seen["data"]["factSheet"]["vulnerabilitySummary"]["total"], 0,
        "{seen}"
    );
}

fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn assert_snapshot_has_data(snapshot: &Value, marker: &str) {
    assert!(snapshot.to_string().contains(marker));
}

/// An instant strictly between the changes made before and after it.
async fn instant() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let t = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[tokio::test]
async fn another_workspace_never_sees_our_changes_in_the_feed_the_past_or_a_diff() {
    let app = TestApp::new().await;
    let marker = format!("canary{}", uuid::Uuid::now_v7().simple());
    let from = instant().await;
    let team = create(&app, "Team", &format!("{marker}-team"), None).await;
    let artifact = create(
        &app,
        "SoftwareArtifact",
        &format!("{marker}-artifact"),
        None,
    )
    .await;
    let relation = app
        .data(
            r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#,
            json!({ "input": { "type": "teamOwnsArtifact", "fromId": team, "toId": artifact } }),
        )
        .await["createRelation"]["relation"]["id"]
        .clone();
    let middle = instant().await;
    app.data(
        "mutation($id: ID!, $name: String!) { updateFactSheet(input: {id: $id, name: $name}) { factSheet { id } } }",
        json!({"id": artifact, "name": format!("{marker}-renamed")}),
    )
    .await;
    app.data(
        "mutation($id: ID!) { archiveFactSheet(id: $id) { factSheet { id } } }",
        json!({"id": team}),
    )
    .await;
    let to = instant().await;

    let reads = [
        (
            "{ changes(first: 100) { edges { node { kind actor diff comment factSheet { id name } } } } }"
                .to_owned(),
            json!({}),
        ),
        (
            "query($t: DateTime) { factSheets(asOf: $t) { totalCount edges { node { id name relations { edges { node { id } } } } } facets { types { key count } tags { key count } } } }"
                .to_owned(),
            json!({"t": middle}),
        ),
        (
            "query($id: ID!, $t: DateTime) { factSheet(id: $id, asOf: $t) { id name } }".to_owned(),
            json!({"id": artifact, "t": middle}),
        ),
        (
            "query($f: DateTime!, $t: DateTime!) { landscapeDiff(from: $f, to: $t) { created { id name } archived { id name } restored { id } changed { factSheet { id name } fields { field old new } } related { id relation } unrelated { id relation } } }"
                .to_owned(),
            json!({"f": from, "t": to}),
        ),
    ];
    let intruder = app.other_workspace().await;
    for (query, variables) in &reads {
        // Acme's own read shows the data, or the intruder's read proves nothing.
        let own = app.data(query, variables.clone()).await.to_string();
        assert!(
            own.contains(&marker),
            "acme sees its data through {query}: {own}"
        );
        let theirs = app.run_as(&intruder, query, variables.clone()).await;
        let data = theirs["data"].to_string();
        for leaked in [&json!(team), &json!(artifact), &relation] {
            let leaked = leaked.as_str().unwrap();
            assert!(
                !data.contains(leaked),
                "globex saw acme's `{leaked}` through {query}: {theirs:#}"
            );
        }
        assert!(
            !theirs.to_string().contains(&marker),
            "globex saw acme's names through {query}: {theirs:#}"
        );
    }
}
