//! Storing SBOM component sets and advisories, and keeping their matches current, on a real
//! database: atomic replacement, history, open/keep/resolve from either side, shared versus
//! private advisories, tenant isolation and roles.

use domain::{
    Error, Principal, Role,
    fact_sheets::{self, NewFactSheet},
    history,
    supply_chain::{
        SHARED_WORKSPACE, Severity, Verdict,
        advisories::{self, NewAdvisory, NewAdvisoryPackage},
        advisory_reads, component_reads,
        component_reads::{ComponentFilter, PackageUsage},
        components::{self, ComponentHash, NewComponent},
        match_reads::{self, MatchStatus},
    },
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::World;

/// A test double for OSV evaluation: the affected entry is `{"versions": [...], "fixed": "…"}`;
/// a listed version is affected (fixed in `fixed`), a version that is not dotted digits cannot
/// be ordered, anything else is not affected. The real evaluation is wired in by the caller.
fn fake_evaluate(_ecosystem: &str, affected: &Value, version: &str) -> Verdict {
    if !version
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    {
        return Verdict::Unknown;
    }
    let listed = affected["versions"]
        .as_array()
        .is_some_and(|versions| versions.iter().any(|v| v == version));
    if listed {
        Verdict::Affected {
            fixed_in: affected["fixed"].as_str().map(str::to_owned),
        }
    } else {
        Verdict::NotAffected
    }
}

fn maven(artifact: &str, version: Option<&str>) -> NewComponent {
    NewComponent {
        purl: Some(match version {
            Some(v) => format!("pkg:maven/org.example/{artifact}@{v}"),
            None => format!("pkg:maven/org.example/{artifact}"),
        }),
        ecosystem: Some("Maven".into()),
        package: Some(format!("org.example:{artifact}")),
        name: artifact.into(),
        group: Some("org.example".into()),
        version: version.map(str::to_owned),
        kind: "library".into(),
        scope: Some("required".into()),
        licenses: vec!["Apache-2.0".into()],
        direct: true,
        hashes: vec![ComponentHash {
            alg: "SHA-256".into(),
            value: "ab".repeat(32),
        }],
    }
}

fn advisory(id: &str, artifact: &str, versions: &[&str], severity: Severity) -> NewAdvisory {
    NewAdvisory {
        id: id.into(),
        aliases: vec![format!("CVE-{id}")],
        summary: Some(format!("{artifact} is vulnerable")),
        severity,
        cvss_vector: None,
        modified: None,
        document: json!({"id": id}),
        packages: vec![NewAdvisoryPackage {
            ecosystem: "Maven".into(),
            package: format!("org.example:{artifact}"),
            affected: json!({"versions": versions, "fixed": "9.0"}),
        }],
    }
}

async fn artifact(w: &World, who: &Principal, name: &str) -> Uuid {
    artifact_of_type(w, who, "SoftwareArtifact", name).await
}

async fn artifact_of_type(w: &World, who: &Principal, fact_sheet_type: &str, name: &str) -> Uuid {
    let model = domain::meta_model_versions::current(w.db.conn(), who)
        .await
        .unwrap()
        .model;
    let tx = w.db.store.begin_write(who.workspace_id).await.unwrap();
    let sheet = fact_sheets::create(
        &*tx,
        who,
        &model,
        NewFactSheet {
            fact_sheet_type: fact_sheet_type.into(),
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sheet.id
}

async fn upload(
    w: &World,
    who: &Principal,
    fact_sheet_id: Uuid,
    set: Vec<NewComponent>,
) -> domain::Result<components::SbomSummary> {
    let tx = w.db.store.begin_write(who.workspace_id).await.unwrap();
    let summary = components::replace_components(
        &*tx,
        who,
        fact_sheet_id,
        "cyclonedx-json",
        "1.5",
        set,
        fake_evaluate,
    )
    .await?;
    tx.commit().await.unwrap();
    Ok(summary)
}

async fn post_private(w: &World, who: &Principal, batch: Vec<NewAdvisory>) -> domain::Result<()> {
    let tx = w.db.store.begin_write(who.workspace_id).await.unwrap();
    advisories::upsert_advisories(&*tx, who, batch, fake_evaluate).await?;
    tx.commit().await.unwrap();
    Ok(())
}

async fn import_shared(w: &World, batch: Vec<NewAdvisory>) -> advisories::AdvisoryImportSummary {
    let tx = w.db.store.begin_platform_write().await.unwrap();
    let summary = advisories::upsert_shared_advisories(&*tx, batch, fake_evaluate)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    summary
}

async fn names(w: &World, who: &Principal, fact_sheet_id: Uuid) -> Vec<String> {
    component_reads::components(
        w.db.conn(),
        who,
        fact_sheet_id,
        &ComponentFilter::default(),
        Some(500),
        None,
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|(_, c)| c.name)
    .collect()
}

async fn matches(
    w: &World,
    who: &Principal,
    fact_sheet_id: Uuid,
    status: MatchStatus,
) -> Vec<match_reads::VulnerabilityMatch> {
    match_reads::matches_of(
        w.db.conn(),
        who,
        &[fact_sheet_id],
        status,
        &[],
        Some(500),
        None,
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|(_, m)| m)
    .collect()
}

#[tokio::test]
async fn an_upload_stores_the_components_and_answers_with_their_counts() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    let mut transitive = maven("commons-text", Some("1.9"));
    transitive.direct = false;
    transitive.licenses = vec!["Apache-2.0".into(), "MIT".into()];
    let summary = upload(
        &w,
        &w.admin,
        app,
        vec![
            maven("log4j-core", Some("2.14.1")),
            transitive,
            maven("guava", None),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        (
            summary.components,
            summary.direct,
            summary.licenses,
            summary.vulnerabilities
        ),
        (3, 2, 2, 0)
    );
    assert_eq!(
        names(&w, &w.admin, app).await,
        ["log4j-core", "commons-text", "guava"]
    );

    let sbom = component_reads::sbom_of(w.db.conn(), &w.admin, app)
        .await
        .unwrap()
        .expect("the upload is recorded");
    assert_eq!(
        (
            sbom.format.as_str(),
            sbom.spec_version.as_str(),
            sbom.component_count,
            sbom.direct_count,
            sbom.license_count
        ),
        ("cyclonedx-json", "1.5", 3, 2, 2)
    );
    let licenses = component_reads::license_counts(w.db.conn(), &w.admin, app)
        .await
        .unwrap();
    let licenses: Vec<_> = licenses
        .iter()
        .map(|l| (l.expression.as_str(), l.count))
        .collect();
    assert_eq!(licenses, [("Apache-2.0", 3), ("MIT", 1)]);

    let world = &w;
    let only = |filter: ComponentFilter| async move {
        component_reads::components(world.db.conn(), &world.admin, app, &filter, None, None)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|(_, c)| c.name)
            .collect::<Vec<_>>()
    };
    let indirect = only(ComponentFilter {
        direct: Some(false),
        ..Default::default()
    })
    .await;
    assert_eq!(indirect, ["commons-text"]);
    let searched = only(ComponentFilter {
        search: Some("LOG4J".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(searched, ["log4j-core"]);
    let any_version = only(ComponentFilter {
        purl: Some("pkg:maven/org.example/commons-text".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(any_version, ["commons-text"]);
    let other_version = only(ComponentFilter {
        purl: Some("pkg:maven/org.example/commons-text@1.10".into()),
        ..Default::default()
    })
    .await;
    assert!(other_version.is_empty());
}

#[tokio::test]
async fn a_failing_insert_leaves_the_previous_component_set() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    upload(&w, &w.admin, app, vec![maven("old", Some("1.0"))])
        .await
        .unwrap();
    // The database refuses one row of the new set, after a whole chunk was already written.
    let trigger = if w.db.is_postgres() {
        vec![
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.name = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON components FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
        ]
    } else {
        vec![
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON components WHEN NEW.name = 'boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END",
        ]
    };
    for sql in trigger {
        w.db.conn().execute_unprepared(sql).await.unwrap();
    }
    let mut set: Vec<_> = (0..1500)
        .map(|i| maven(&format!("new-{i}"), Some("1.0")))
        .collect();
    set.push(maven("boom", Some("1.0")));

    let refused = upload(&w, &w.admin, app, set).await;
    assert!(matches!(refused, Err(Error::Database(_))), "{refused:?}");
    assert_eq!(names(&w, &w.admin, app).await, ["old"]);
    let history = history::list(w.db.conn(), &w.admin, app, None, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 2, "created and the first upload only");
}

#[tokio::test]
async fn the_history_keeps_the_replaced_and_the_new_counts() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    upload(
        &w,
        &w.admin,
        app,
        vec![maven("a", Some("1.0")), maven("b", Some("1.0"))],
    )
    .await
    .unwrap();
    let mut c = maven("c", Some("1.0"));
    c.direct = false;
    c.licenses = vec!["MIT".into()];
    upload(&w, &w.admin, app, vec![c]).await.unwrap();

    let page = history::list(w.db.conn(), &w.admin, app, None, None)
        .await
        .unwrap();
    let diffs: Vec<&Value> = page.items.iter().map(|(_, c)| &c.diff).take(2).collect();
    assert_eq!(
        diffs,
        [
            &json!({"components": {
                "old": {"components": 2, "direct": 2, "licenses": 1},
                "new": {"components": 1, "direct": 0, "licenses": 1}}}),
            &json!({"components": {
                "old": null,
                "new": {"components": 2, "direct": 2, "licenses": 1}}}),
        ]
    );
}

#[tokio::test]
async fn a_match_stays_open_across_uploads_and_is_resolved_when_the_version_moves_on() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    import_shared(
        &w,
        vec![advisory(
            "GHSA-1",
            "log4j-core",
            &["2.14.1"],
            Severity::Critical,
        )],
    )
    .await;

    let first = upload(&w, &w.admin, app, vec![maven("log4j-core", Some("2.14.1"))])
        .await
        .unwrap();
    assert_eq!(first.vulnerabilities, 1);
    let opened = matches(&w, &w.admin, app, MatchStatus::Open).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(
        (
            opened[0].advisory_workspace_id,
            opened[0].advisory_id.as_str(),
            opened[0].fixed_in.as_deref()
        ),
        (SHARED_WORKSPACE, "GHSA-1", Some("9.0"))
    );

    let again = upload(
        &w,
        &w.admin,
        app,
        vec![
            maven("log4j-core", Some("2.14.1")),
            maven("guava", Some("1.0")),
        ],
    )
    .await
    .unwrap();
    assert_eq!(again.vulnerabilities, 1);
    let kept = matches(&w, &w.admin, app, MatchStatus::Open).await;
    assert_eq!(
        (kept[0].id, kept[0].opened_at),
        (opened[0].id, opened[0].opened_at)
    );
    assert_ne!(
        kept[0].component_id, opened[0].component_id,
        "points at the new component"
    );

    let fixed = upload(&w, &w.admin, app, vec![maven("log4j-core", Some("2.17.1"))])
        .await
        .unwrap();
    assert_eq!(fixed.vulnerabilities, 0);
    assert!(
        matches(&w, &w.admin, app, MatchStatus::Open)
            .await
            .is_empty()
    );
    let resolved = matches(&w, &w.admin, app, MatchStatus::Resolved).await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].id, opened[0].id);
    assert!(resolved[0].resolved_at.unwrap() >= resolved[0].opened_at);
    assert_eq!(resolved[0].version.as_deref(), Some("2.14.1"));
}

#[tokio::test]
async fn matches_follow_an_advisory_as_it_is_posted_changed_and_withdrawn_from_a_version() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    upload(
        &w,
        &w.admin,
        app,
        vec![maven("jackson", Some("2.9")), maven("guava", Some("1.0"))],
    )
    .await
    .unwrap();
    assert!(
        matches(&w, &w.admin, app, MatchStatus::Open)
            .await
            .is_empty()
    );

    post_private(
        &w,
        &w.admin,
        vec![advisory("ACME-1", "jackson", &["2.9"], Severity::Low)],
    )
    .await
    .unwrap();
    let opened = matches(&w, &w.admin, app, MatchStatus::Open).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(
        (opened[0].advisory_workspace_id, opened[0].severity.as_str()),
        (w.admin.workspace_id, "low")
    );

    // Re-posted with a higher severity: the same finding, now high.
    post_private(
        &w,
        &w.admin,
        vec![advisory(
            "ACME-1",
            "jackson",
            &["2.8", "2.9"],
            Severity::High,
        )],
    )
    .await
    .unwrap();
    let raised = matches(&w, &w.admin, app, MatchStatus::Open).await;
    assert_eq!(
        (raised[0].id, raised[0].opened_at),
        (opened[0].id, opened[0].opened_at)
    );
    assert_eq!(raised[0].severity, "high");

    // Corrected to another version: resolved.
    post_private(
        &w,
        &w.admin,
        vec![advisory("ACME-1", "jackson", &["2.8"], Severity::High)],
    )
    .await
    .unwrap();
    assert!(
        matches(&w, &w.admin, app, MatchStatus::Open)
            .await
            .is_empty()
    );
    assert_eq!(
        matches(&w, &w.admin, app, MatchStatus::Resolved)
            .await
            .len(),
        1
    );

    let counts = match_reads::severity_counts(w.db.conn(), &w.admin, &[app])
        .await
        .unwrap();
    assert_eq!(counts.total, 0);
}

#[tokio::test]
async fn a_version_that_cannot_be_ordered_is_recorded_as_unknown() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    import_shared(
        &w,
        vec![advisory(
            "GHSA-1",
            "log4j-core",
            &["2.14.1"],
            Severity::Critical,
        )],
    )
    .await;
    let summary = upload(
        &w,
        &w.admin,
        app,
        vec![
            maven("log4j-core", Some("2.14.1")),
            maven("log4j-core", Some("nightly-build")),
            maven("log4j-core", None),
            maven("log4j-core", Some("2.17.1")),
        ],
    )
    .await
    .unwrap();
    assert_eq!(summary.vulnerabilities, 3);
    let open = matches(&w, &w.admin, app, MatchStatus::Open).await;
    let mut seen: Vec<_> = open
        .iter()
        .map(|m| (m.version.clone(), m.unknown))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (None, true),
            (Some("2.14.1".into()), false),
            (Some("nightly-build".into()), true),
        ]
    );
    let counts = match_reads::severity_counts(w.db.conn(), &w.admin, &[app])
        .await
        .unwrap();
    assert_eq!(
        (
            counts.total,
            counts.critical,
            counts.unknown_versions,
            counts.affected_artifacts
        ),
        (3, 3, 2, 1)
    );
}

#[tokio::test]
async fn a_shared_advisory_reaches_every_workspace_and_a_private_one_only_its_own() {
    let w = World::new().await;
    let other = w.other_workspace().await;
    let acme_app = artifact(&w, &w.admin, "checkout").await;
    let globex_app = artifact(&w, &other, "radar").await;
    for (who, app) in [(&w.admin, acme_app), (&other, globex_app)] {
        upload(&w, who, app, vec![maven("log4j-core", Some("2.14.1"))])
            .await
            .unwrap();
    }

    let shared = import_shared(
        &w,
        vec![advisory(
            "GHSA-1",
            "log4j-core",
            &["2.14.1"],
            Severity::Critical,
        )],
    )
    .await;
    assert_eq!((shared.opened, shared.workspaces), (2, 2));
    post_private(
        &w,
        &w.admin,
        vec![advisory(
            "ACME-1",
            "log4j-core",
            &["2.14.1"],
            Severity::High,
        )],
    )
    .await
    .unwrap();

    for (who, app) in [(&w.admin, acme_app), (&other, globex_app)] {
        let found = advisory_reads::find_advisory(w.db.conn(), who, "CVE-GHSA-1")
            .await
            .unwrap()
            .expect("the shared advisory, by its alias");
        assert_eq!(
            (found.workspace_id, found.id.as_str()),
            (SHARED_WORKSPACE, "GHSA-1")
        );
        let affected = advisory_reads::affected_fact_sheets(w.db.conn(), who, &found, None, None)
            .await
            .unwrap();
        assert_eq!(
            affected.items.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
            [app]
        );
    }
    let own = advisory_reads::find_advisory(w.db.conn(), &w.admin, "ACME-1")
        .await
        .unwrap();
    assert_eq!(own.map(|a| a.workspace_id), Some(w.admin.workspace_id));
    assert!(
        advisory_reads::find_advisory(w.db.conn(), &other, "ACME-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        advisory_reads::find_advisory(w.db.conn(), &other, "CVE-ACME-1")
            .await
            .unwrap()
            .is_none()
    );

    let ids = |list: Vec<match_reads::VulnerabilityMatch>| {
        let mut ids: Vec<String> = list.into_iter().map(|m| m.advisory_id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(matches(&w, &w.admin, acme_app, MatchStatus::Open).await),
        ["ACME-1", "GHSA-1"]
    );
    assert_eq!(
        ids(matches(&w, &other, globex_app, MatchStatus::Open).await),
        ["GHSA-1"]
    );

    // A new SBOM is matched against the shared advisory as well as the workspace's own.
    let summary = upload(
        &w,
        &other,
        globex_app,
        vec![maven("log4j-core", Some("2.14.1"))],
    )
    .await
    .unwrap();
    assert_eq!(summary.vulnerabilities, 1);
}

#[tokio::test]
async fn a_workspace_never_sees_another_workspaces_components_or_matches() {
    let w = World::new().await;
    let other = w.other_workspace().await;
    let globex_app = artifact(&w, &other, "radar").await;
    import_shared(
        &w,
        vec![advisory(
            "GHSA-1",
            "log4j-core",
            &["2.14.1"],
            Severity::Critical,
        )],
    )
    .await;
    upload(
        &w,
        &other,
        globex_app,
        vec![maven("log4j-core", Some("2.14.1"))],
    )
    .await
    .unwrap();

    assert!(names(&w, &w.admin, globex_app).await.is_empty());
    assert!(
        component_reads::license_counts(w.db.conn(), &w.admin, globex_app)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        matches(&w, &w.admin, globex_app, MatchStatus::Open)
            .await
            .is_empty()
    );
    let counts = match_reads::severity_counts(w.db.conn(), &w.admin, &[globex_app])
        .await
        .unwrap();
    assert_eq!(counts.total, 0);
    let usage = PackageUsage {
        ecosystem: "Maven",
        package: "org.example:log4j-core",
        versions: None,
    };
    assert_eq!(
        component_reads::component_usage_count(w.db.conn(), &w.admin, &usage)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        component_reads::component_usage_count(w.db.conn(), &other, &usage)
            .await
            .unwrap(),
        1
    );
    let shared = advisory_reads::find_advisory(w.db.conn(), &w.admin, "GHSA-1")
        .await
        .unwrap()
        .unwrap();
    let affected = advisory_reads::affected_fact_sheets(w.db.conn(), &w.admin, &shared, None, None)
        .await
        .unwrap();
    assert!(affected.items.is_empty());

    // Uploading to another workspace's artifact finds no such artifact.
    let refused = upload(&w, &w.admin, globex_app, vec![maven("x", Some("1"))]).await;
    assert!(
        matches!(refused, Err(Error::NotFound { .. })),
        "{refused:?}"
    );
    assert_eq!(names(&w, &other, globex_app).await, ["log4j-core"]);
}

#[tokio::test]
async fn only_software_artifacts_take_an_sbom() {
    let w = World::new().await;
    let team = artifact_of_type(&w, &w.admin, "Team", "Platform").await;
    let refused = upload(&w, &w.admin, team, vec![maven("x", Some("1"))]).await;
    assert!(
        matches!(refused, Err(Error::Invalid(ref e)) if e[0].path == "factSheet"),
        "{refused:?}"
    );
    let missing = upload(&w, &w.admin, Uuid::now_v7(), vec![]).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn viewers_cannot_upload_and_members_cannot_post_private_advisories() {
    let w = World::new().await;
    let app = artifact(&w, &w.admin, "checkout").await;
    let viewer = upload(
        &w,
        &w.as_role(Role::Viewer),
        app,
        vec![maven("x", Some("1"))],
    )
    .await;
    assert!(matches!(viewer, Err(Error::Forbidden { .. })), "{viewer:?}");
    let member = w.as_role(Role::Member);
    upload(&w, &member, app, vec![maven("x", Some("1"))])
        .await
        .unwrap();
    let posted = post_private(
        &w,
        &member,
        vec![advisory("ACME-1", "x", &["1"], Severity::Low)],
    )
    .await;
    assert!(matches!(posted, Err(Error::Forbidden { .. })), "{posted:?}");
    assert!(
        advisory_reads::find_advisory(w.db.conn(), &w.admin, "ACME-1")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn component_usage_lists_every_artifact_using_a_package_filtered_by_version() {
    let w = World::new().await;
    let first = artifact(&w, &w.admin, "checkout").await;
    let second = artifact(&w, &w.admin, "billing").await;
    upload(
        &w,
        &w.admin,
        first,
        vec![maven("log4j-core", Some("2.14.1"))],
    )
    .await
    .unwrap();
    upload(
        &w,
        &w.admin,
        second,
        vec![
            maven("log4j-core", Some("2.17.1")),
            maven("guava", Some("1")),
        ],
    )
    .await
    .unwrap();
    let versions =
        component_reads::package_versions(w.db.conn(), &w.admin, "Maven", "org.example:log4j-core")
            .await
            .unwrap();
    assert_eq!(versions, ["2.14.1", "2.17.1"]);
    let old = vec!["2.14.1".to_owned()];
    let usage = PackageUsage {
        ecosystem: "Maven",
        package: "org.example:log4j-core",
        versions: Some(&old),
    };
    let page = component_reads::component_usage(w.db.conn(), &w.admin, &usage, None, None)
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|(_, c)| c.fact_sheet_id)
            .collect::<Vec<_>>(),
        [first]
    );
    let all = PackageUsage {
        versions: None,
        ..usage
    };
    let page = component_reads::component_usage(w.db.conn(), &w.admin, &all, Some(1), None)
        .await
        .unwrap();
    assert!(page.has_next_page);
    let rest =
        component_reads::component_usage(w.db.conn(), &w.admin, &all, Some(1), page.end_cursor())
            .await
            .unwrap();
    assert_eq!(
        [page.items[0].1.fact_sheet_id, rest.items[0].1.fact_sheet_id],
        [first, second]
    );
}

/// Statements without a workspace filter, through the restricted role the server runs as.
async fn advisory_ids(db: &impl ConnectionTrait) -> Vec<String> {
    db.query_all_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        "SELECT id FROM advisories ORDER BY id",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String>("", "id").unwrap())
    .collect()
}

#[tokio::test]
async fn row_level_security_lets_every_workspace_read_shared_advisories_and_write_none() {
    use domain::db::{Store, StoreOptions};
    use migration::m20261122_000030_enable_row_level_security::APP_ROLE;

    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let other = w.other_workspace().await;
    let store = Store::connect(
        &w.db.url,
        &StoreOptions {
            tenant_role: Some(APP_ROLE.into()),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    let acme_app = artifact(&w, &w.admin, "checkout").await;
    upload(
        &w,
        &w.admin,
        acme_app,
        vec![maven("log4j-core", Some("2.14.1"))],
    )
    .await
    .unwrap();

    // The operator's import works under row-level security: shared rows in the nil scope,
    // matches in each workspace's own.
    let tx = store.begin_platform_write().await.unwrap();
    let summary = advisories::upsert_shared_advisories(
        &*tx,
        vec![advisory(
            "GHSA-1",
            "log4j-core",
            &["2.14.1"],
            Severity::Critical,
        )],
        fake_evaluate,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(summary.opened, 1);
    let tx = store.begin_write(w.admin.workspace_id).await.unwrap();
    advisories::upsert_advisories(
        &*tx,
        &w.admin,
        vec![advisory(
            "ACME-1",
            "log4j-core",
            &["2.14.1"],
            Severity::High,
        )],
        fake_evaluate,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let acme = store.tenant(w.admin.workspace_id).await.unwrap();
    assert_eq!(advisory_ids(&acme).await, ["ACME-1", "GHSA-1"]);
    let globex = store.tenant(other.workspace_id).await.unwrap();
    assert_eq!(advisory_ids(&globex).await, ["GHSA-1"]);
    for table in ["components", "vulnerability_matches", "sboms"] {
        let rows = globex
            .query_all_raw(sea_orm::Statement::from_string(
                globex.get_database_backend(),
                format!("SELECT workspace_id FROM {table}"),
            ))
            .await
            .unwrap();
        assert!(rows.is_empty(), "globex sees acme's {table}");
    }
    drop((acme, globex));

    // Globex can neither change nor remove the shared rows, nor forge new ones.
    let tx = store.begin_write(other.workspace_id).await.unwrap();
    for sql in [
        "UPDATE advisories SET summary = 'pwned'",
        "DELETE FROM advisory_packages",
        "DELETE FROM advisory_aliases",
        "DELETE FROM advisories",
    ] {
        let changed = tx.execute_unprepared(sql).await.unwrap();
        assert_eq!(changed.rows_affected(), 0, "{sql}");
    }
    tx.commit().await.unwrap();
    for workspace in [SHARED_WORKSPACE, w.admin.workspace_id] {
        let tx = store.begin_write(other.workspace_id).await.unwrap();
        let forged = tx
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                tx.get_database_backend(),
                "INSERT INTO advisories (workspace_id, id, aliases, severity, document, stored_at)
                 VALUES ($1, 'FORGED', '[]', 'low', '{}', now())",
                [workspace.into()],
            ))
            .await;
        assert!(forged.is_err(), "a row for {workspace} must be refused");
    }
    let shared = advisory_reads::find_advisory(w.db.conn(), &other, "GHSA-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shared.summary.as_deref(), Some("log4j-core is vulnerable"));
}
