//! The supply-chain questions through the schema: who uses a package (by purl, version and
//! `vers` range, with owners), an artifact's components, licences and vulnerabilities, a Team's
//! and Product's vulnerabilities rolled up over their artifacts, and advisories by id or alias.

use serde_json::{Value, json};
use testkit::facts::{event, vulnerability_opened, vulnerability_resolved};

use crate::{
    supply_chain_setup::{
        LOG4J_CORE, create, import_log4shell, log4j_artifact, relate, sbom, upload,
    },
    support::{TestApp, code},
};

const USAGE: &str = r#"query($purl: String!, $range: String, $first: Int, $after: String) {
  componentUsage(purl: $purl, versionRange: $range, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { factSheet { name } component { purl name group version licenses direct } owners { name type } } }
  }
}"#;

/// The artifact names of a `componentUsage` answer, sorted.
fn artifact_names(data: &Value) -> Vec<String> {
    let mut names: Vec<String> = data["componentUsage"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["factSheet"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn component_usage_finds_every_version_one_version_or_a_log4j_range_with_owners() {
    let app = TestApp::new().await;
    let payments = create(&app, "Team", "Payments", None).await;
    let search = create(&app, "Team", "Search", None).await;
    for (name, version, team) in [
        ("ledger", "2.14.1", Some(&payments)),
        ("billing", "2.12.1", Some(&search)),
        ("gateway", "2.15.0", Some(&payments)),
        ("legacy", "2.0-beta9", None),
        ("indexer", "2.17.1", Some(&search)),
    ] {
        log4j_artifact(&app, name, version, team.map(String::as_str)).await;
    }
    let usage = |purl: &str, range: Option<&str>| {
        let variables = json!({ "purl": purl, "range": range });
        let app = &app;
        async move { app.data(USAGE, variables).await }
    };

    let every = usage(LOG4J_CORE, None).await;
    assert_eq!(every["componentUsage"]["totalCount"], 5, "{every}");
    assert_eq!(
        artifact_names(&every),
        ["billing", "gateway", "indexer", "ledger", "legacy"]
    );

    let one = usage(&format!("{LOG4J_CORE}@2.14.1"), None).await;
    assert_eq!(artifact_names(&one), ["ledger"]);
    let node = &one["componentUsage"]["edges"][0]["node"];
    assert_eq!(
        node["component"],
        json!({ "purl": format!("{LOG4J_CORE}@2.14.1"), "name": "log4j-core",
                "group": "org.apache.logging.log4j", "version": "2.14.1",
                "licenses": ["Apache-2.0"], "direct": true })
    );
    assert_eq!(
        node["owners"],
        json!([{ "name": "Payments", "type": "Team" }])
    );

    // Log4Shell's own ranges: 2.0-beta9 lies before 2.0.0 in Maven's order, 2.15.0 is fixed.
    let log4shell = usage(LOG4J_CORE, Some("vers:maven/>=2.0.0|<2.15.0")).await;
    assert_eq!(log4shell["componentUsage"]["totalCount"], 2, "{log4shell}");
    assert_eq!(artifact_names(&log4shell), ["billing", "ledger"]);
    let backports = usage(
        LOG4J_CORE,
        Some("vers:maven/<2.3.1|>=2.4|<2.12.2|>=2.13.0|<2.15.0"),
    )
    .await;
    assert_eq!(artifact_names(&backports), ["billing", "ledger", "legacy"]);
    let outside = usage(&format!("{LOG4J_CORE}@2.17.1"), Some("vers:maven/<2.15.0")).await;
    assert_eq!(outside["componentUsage"]["totalCount"], 0, "{outside}");
    let unowned = usage(&format!("{LOG4J_CORE}@2.0-beta9"), None).await;
    assert_eq!(
        unowned["componentUsage"]["edges"][0]["node"]["owners"],
        json!([])
    );

    // Pages follow on from their cursors without repeats.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .data(
                USAGE,
                json!({ "purl": LOG4J_CORE, "first": 2, "after": after }),
            )
            .await;
        seen.extend(artifact_names(&page));
        let info = &page["componentUsage"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    seen.sort();
    assert_eq!(seen, artifact_names(&every));
}

#[tokio::test]
async fn a_bad_purl_or_version_range_is_refused_naming_the_argument() {
    let app = TestApp::new().await;
    for (purl, range, field) in [
        ("log4j-core", None, "purl"),
        ("pkg:maven/", None, "purl"),
        (LOG4J_CORE, Some("maven/>=2.0"), "versionRange"),
        (LOG4J_CORE, Some("vers:maven/>=2.0|>=2.1"), "versionRange"),
        (LOG4J_CORE, Some("vers:npm/>=1.0.0"), "versionRange"),
    ] {
        let response = app
            .run(USAGE, json!({ "purl": purl, "range": range }))
            .await;
        assert_eq!(
            code(&response),
            "BAD_USER_INPUT",
            "{purl} {range:?}: {response}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{purl} {range:?}: {response}"
        );
    }
}

#[tokio::test]
async fn an_artifact_lists_its_components_licences_and_vulnerabilities() {
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    let ledger = create(&app, "SoftwareArtifact", "ledger", None).await;
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
            (
                "org.apache.logging.log4j",
                "log4j-api",
                "2.14.1",
                "Apache-2.0",
            ),
            ("org.slf4j", "slf4j-api", "1.7.36", "MIT"),
        ]),
    )
    .await;
    let query = r#"query($id: ID!, $filter: ComponentFilter, $severities: [Severity!], $status: VulnerabilityStatus) {
      factSheet(id: $id) {
        components(filter: $filter) { totalCount edges { node { name version direct } } }
        licenses { expression count }
        vulnerabilities(severities: $severities, status: $status) {
          totalCount
          edges { node { id severity title source fixedIn openedAt resolvedAt unknownVersion
            component { purl } factSheet { name } } }
        }
        vulnerabilitySummary { critical high medium low unknown total affectedArtifacts }
      }
    }"#;
    let read = |variables: Value| {
        let app = &app;
        let mut variables = variables;
        variables["id"] = json!(ledger);
        async move { app.data(query, variables).await["factSheet"].clone() }
    };

    let all = read(json!({})).await;
    assert_eq!(all["components"]["totalCount"], 3);
    assert_eq!(
        all["licenses"],
        json!([{ "expression": "Apache-2.0", "count": 2 }, { "expression": "MIT", "count": 1 }])
    );
    let direct = read(json!({ "filter": { "direct": true } })).await;
    assert_eq!(
        direct["components"]["edges"],
        json!([{ "node": { "name": "log4j-core", "version": "2.14.1", "direct": true } }])
    );
    let searched = read(json!({ "filter": { "search": "SLF4J" } })).await;
    assert_eq!(searched["components"]["totalCount"], 1);
    let by_purl =
        read(json!({ "filter": { "purl": "pkg:maven/org.apache.logging.log4j/log4j-api" } })).await;
    assert_eq!(
        by_purl["components"]["edges"][0]["node"]["name"],
        "log4j-api"
    );

    let vulnerabilities = &all["vulnerabilities"];
    assert_eq!(vulnerabilities["totalCount"], 1, "{all}");
    let found = &vulnerabilities["edges"][0]["node"];
    assert_eq!(found["id"], "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(found["severity"], "CRITICAL");
    assert_eq!(found["title"], "Remote code injection in Log4j");
    assert_eq!(found["source"], "ADVISORY");
    assert_eq!(found["fixedIn"], "2.15.0");
    assert_eq!(found["unknownVersion"], false);
    assert!(found["openedAt"].is_string());
    assert_eq!(found["resolvedAt"], Value::Null);
    assert_eq!(found["component"]["purl"], format!("{LOG4J_CORE}@2.14.1"));
    assert_eq!(found["factSheet"]["name"], "ledger");
    assert_eq!(
        all["vulnerabilitySummary"],
        json!({ "critical": 1, "high": 0, "medium": 0, "low": 0, "unknown": 0, "total": 1, "affectedArtifacts": 1 })
    );

    let low = read(json!({ "severities": ["LOW", "MEDIUM"] })).await;
    assert_eq!(low["vulnerabilities"]["totalCount"], 0);
    assert_eq!(
        read(json!({ "status": "RESOLVED" })).await["vulnerabilities"]["totalCount"],
        0
    );

    // The upgrade resolves it: gone from the open list, kept in the resolved one.
    upload(
        &app,
        &ledger,
        &sbom(&[
            (
                "org.apache.logging.log4j",
                "log4j-core",
                "2.17.1",
                "Apache-2.0",
            ),
            ("org.slf4j", "slf4j-api", "1.7.36", "MIT"),
        ]),
    )
    .await;
    let open = read(json!({ "status": "OPEN", "severities": ["CRITICAL"] })).await;
    assert_eq!(open["vulnerabilities"]["totalCount"], 0, "{open}");
    assert_eq!(open["vulnerabilitySummary"]["total"], 0);
    let resolved = read(json!({ "status": "RESOLVED" })).await;
    let node = &resolved["vulnerabilities"]["edges"][0]["node"];
    assert!(node["resolvedAt"].is_string(), "{resolved}");
    assert_eq!(
        node["component"],
        Value::Null,
        "the 2.14.1 component was replaced"
    );
}

#[tokio::test]
async fn a_team_and_a_product_count_an_artifact_reached_twice_once() {
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    let team = create(&app, "Team", "Payments", None).await;
    let platform = create(&app, "Product", "Platform", None).await;
    let checkout = create(&app, "Product", "Checkout", Some(&platform)).await;
    let ledger = log4j_artifact(&app, "ledger", "2.14.1", Some(&team)).await;
    let billing = log4j_artifact(&app, "billing", "2.12.1", Some(&team)).await;
    log4j_artifact(&app, "safe", "2.17.1", Some(&team)).await;
    log4j_artifact(&app, "elsewhere", "2.14.1", None).await;
    // Platform reaches ledger directly and through its child product.
    relate(&app, "productContainsArtifact", &platform, &ledger).await;
    relate(&app, "productContainsArtifact", &checkout, &ledger).await;
    relate(&app, "productContainsArtifact", &checkout, &billing).await;

    let query = r#"query($id: ID!) { factSheet(id: $id) {
      vulnerabilitySummary { critical total affectedArtifacts }
      vulnerabilities { totalCount edges { node { factSheet { name } } } }
    } }"#;
    let summary = |id: String| {
        let app = &app;
        async move { app.data(query, json!({ "id": id })).await["factSheet"].clone() }
    };
    let names = |sheet: &Value| {
        let mut names: Vec<String> = sheet["vulnerabilities"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["factSheet"]["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let of_team = summary(team).await;
    assert_eq!(
        of_team["vulnerabilitySummary"],
        json!({ "critical": 2, "total": 2, "affectedArtifacts": 2 })
    );
    assert_eq!(names(&of_team), ["billing", "ledger"]);
    let of_platform = summary(platform).await;
    assert_eq!(
        of_platform["vulnerabilitySummary"],
        json!({ "critical": 2, "total": 2, "affectedArtifacts": 2 }),
        "ledger, reached twice, counts once"
    );
    assert_eq!(of_platform["vulnerabilities"]["totalCount"], 2);
    assert_eq!(names(&of_platform), ["billing", "ledger"]);
    let of_checkout = summary(checkout).await;
    assert_eq!(of_checkout["vulnerabilitySummary"]["affectedArtifacts"], 2);
}

#[tokio::test]
async fn an_advisory_is_found_by_its_id_or_its_cve_alias_with_the_artifacts_it_affects() {
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    log4j_artifact(&app, "ledger", "2.14.1", None).await;
    log4j_artifact(&app, "billing", "2.12.1", None).await;
    log4j_artifact(&app, "safe", "2.17.1", None).await;
    let query = r#"query($id: String!, $first: Int) { advisory(id: $id) {
      id aliases summary severity shared
      affectedFactSheets(first: $first) { totalCount pageInfo { hasNextPage } edges { node { name } } }
    } }"#;
    for id in ["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"] {
        let data = app.data(query, json!({ "id": id, "first": 1 })).await;
        let advisory = &data["advisory"];
        assert_eq!(advisory["id"], "GHSA-jfh8-c2jp-5v3q", "{id}");
        assert_eq!(advisory["aliases"], json!(["CVE-2021-44228"]));
        assert_eq!(advisory["summary"], "Remote code injection in Log4j");
        assert_eq!(advisory["severity"], "CRITICAL");
        assert_eq!(advisory["shared"], true);
        let affected = &advisory["affectedFactSheets"];
        assert_eq!(affected["totalCount"], 2, "{data}");
        assert_eq!(affected["pageInfo"]["hasNextPage"], true);
        assert_eq!(affected["edges"].as_array().unwrap().len(), 1);
    }
    let missing = app.data(query, json!({ "id": "CVE-1999-0001" })).await;
    assert_eq!(missing["advisory"], Value::Null);
}

/// An artifact with an SBOM matched by Log4Shell and two scanner findings: one in the same
/// log4j-core (named by purl, opened two days ago, open), one without a purl (opened three
/// days ago, resolved yesterday). Owned by team "Payments"; the ids of artifact and team.
async fn advisory_and_scanner_findings(app: &TestApp) -> (String, String) {
    import_log4shell(app).await;
    let team = create(app, "Team", "Payments", None).await;
    let ledger = app
        .data(
            "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }",
            json!({ "i": { "type": "SoftwareArtifact", "name": "ledger",
                    "externalIds": [{ "namespace": "eventSource", "value": "ledger-scanner" }] } }),
        )
        .await["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    relate(app, "teamOwnsArtifact", &team, &ledger).await;
    upload(
        app,
        &ledger,
        &crate::supply_chain_setup::log4j_sbom("2.14.1"),
    )
    .await;
    let now = chrono::Utc::now();
    let days_ago = |n: i64| now - chrono::Duration::days(n);
    let batch = vec![
        event(
            "ledger-scanner",
            "s1",
            "vulnerability.opened",
            days_ago(2),
            json!({ "vulnerabilityId": "SNYK-JAVA-1", "severity": "high",
                    "purl": format!("{LOG4J_CORE}@2.14.1"), "title": "JNDI lookup" }),
        ),
        vulnerability_opened("ledger-scanner", "s2", "TRIVY-7", "medium", days_ago(3)),
        vulnerability_resolved("ledger-scanner", "s3", "TRIVY-7", days_ago(1)),
    ];
    domain::events::ingest(
        app.db.conn(),
        &app.admin,
        domain::events::validate(batch).unwrap(),
    )
    .await
    .unwrap();
    (ledger, team)
}

#[tokio::test]
async fn scanner_findings_and_advisory_matches_are_one_list_in_opening_order() {
    let app = TestApp::new().await;
    let (ledger, team) = advisory_and_scanner_findings(&app).await;
    let query = r#"query($id: ID!, $first: Int, $after: String, $status: VulnerabilityStatus) {
      factSheet(id: $id) {
        vulnerabilities(first: $first, after: $after, status: $status) {
          totalCount pageInfo { hasNextPage endCursor }
          edges { node { id source severity title resolvedAt component { purl name licenses } } }
        }
        vulnerabilitySummary { critical high medium low unknown total affectedArtifacts }
      }
    }"#;
    let all = app.data(query, json!({ "id": ledger })).await;
    let list = &all["factSheet"]["vulnerabilities"];
    assert_eq!(list["totalCount"], 3, "{all}");
    let node = |i: usize| list["edges"][i]["node"].clone();
    assert_eq!(
        [
            node(0)["id"].clone(),
            node(1)["id"].clone(),
            node(2)["id"].clone()
        ],
        [
            json!("TRIVY-7"),
            json!("SNYK-JAVA-1"),
            json!("GHSA-jfh8-c2jp-5v3q")
        ]
    );
    assert_eq!(node(0)["source"], "SCANNER");
    assert_eq!(
        node(0)["component"],
        Value::Null,
        "the scanner named no purl"
    );
    assert!(node(0)["resolvedAt"].is_string());
    assert_eq!(node(1)["title"], "JNDI lookup");
    assert_eq!(node(1)["severity"], "HIGH");
    assert_eq!(
        node(1)["component"],
        json!({ "purl": format!("{LOG4J_CORE}@2.14.1"), "name": "log4j-core", "licenses": ["Apache-2.0"] }),
        "the SBOM's component the scanner's purl names"
    );
    assert_eq!(node(2)["source"], "ADVISORY");

    // Pages of one follow on across both sources.
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .data(query, json!({ "id": ledger, "first": 1, "after": after }))
            .await;
        let list = &page["factSheet"]["vulnerabilities"];
        ids.push(list["edges"][0]["node"]["id"].as_str().unwrap().to_owned());
        if list["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = list["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(ids, ["TRIVY-7", "SNYK-JAVA-1", "GHSA-jfh8-c2jp-5v3q"]);

    let open = app
        .data(query, json!({ "id": ledger, "status": "OPEN" }))
        .await;
    assert_eq!(open["factSheet"]["vulnerabilities"]["totalCount"], 2);
    let summary = json!({ "critical": 1, "high": 1, "medium": 0, "low": 0, "unknown": 0, "total": 2, "affectedArtifacts": 1 });
    assert_eq!(all["factSheet"]["vulnerabilitySummary"], summary);
    let of_team = app.data(query, json!({ "id": team })).await;
    assert_eq!(of_team["factSheet"]["vulnerabilitySummary"], summary);
    assert_eq!(of_team["factSheet"]["vulnerabilities"]["totalCount"], 3);
}

#[tokio::test]
async fn the_weekly_trend_counts_advisory_matches_beside_scanner_findings() {
    let app = TestApp::new().await;
    let (ledger, team) = advisory_and_scanner_findings(&app).await;
    let query = r#"query($id: ID!) { factSheet(id: $id) {
      metrics(window: { last: "P1W" }) { vulnerabilities { opened resolved openAtEnd remediationTime { count } } }
    } }"#;
    for id in [&ledger, &team] {
        let data = app.data(query, json!({ "id": id })).await;
        assert_eq!(
            data["factSheet"]["metrics"]["vulnerabilities"],
            json!({ "opened": 3, "resolved": 1, "openAtEnd": 2, "remediationTime": { "count": 1 } }),
            "two scanner findings and the Log4Shell match: {data}"
        );
    }
}

/// The README's example of the supply-chain questions runs as written and finds the vulnerable
/// artifact.
#[tokio::test]
async fn the_readme_example_runs() {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("## Who uses a package")
        .nth(1)
        .expect("the README has the section");
    let query = section
        .split("```graphql")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a GraphQL example");
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    let team = create(&app, "Team", "Payments", None).await;
    log4j_artifact(&app, "ledger", "2.14.1", Some(&team)).await;
    let data = app.data(query, json!({})).await;
    assert_eq!(data["componentUsage"]["totalCount"], 1, "{data}");
    assert_eq!(data["advisory"]["affectedFactSheets"]["totalCount"], 1);
    let payments = &data["factSheets"]["edges"][0]["node"];
    assert_eq!(payments["vulnerabilitySummary"]["critical"], 1, "{data}");
    assert_eq!(
        payments["vulnerabilities"]["edges"][0]["node"]["factSheet"]["name"],
        "ledger"
    );
}

/// A component search is a search box: words and characters are capped as the fact sheet
/// search caps them, before any statement (thousands of words once overflowed the stack
/// building one `LIKE` condition each).
#[tokio::test]
async fn a_component_search_of_too_many_words_is_refused_naming_the_filter() {
    let app = TestApp::new().await;
    let ledger = create(&app, "SoftwareArtifact", "ledger", None).await;
    let query = r#"query($id: ID!, $s: String!) { factSheet(id: $id) {
      components(filter: { search: $s }) { totalCount } } }"#;
    let twenty = "a ".repeat(20);
    let fine = app.run(query, json!({ "id": ledger, "s": twenty })).await;
    assert!(fine.get("errors").is_none(), "{fine}");
    for search in ["a ".repeat(21), "a ".repeat(5_000), "x".repeat(201)] {
        let refused = app.run(query, json!({ "id": ledger, "s": search })).await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "filter.search");
    }
}
