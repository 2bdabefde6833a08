//! The whole story on real documents: CycloneDX SBOMs read by the real parser, the real
//! Log4Shell advisory (GHSA-jfh8-c2jp-5v3q) read and matched by OSV's evaluation with Maven's
//! version order, and the matches following each side as it changes.

use domain::{
    Principal,
    fact_sheets::{self, NewFactSheet},
    supply_chain::{
        Severity,
        intake::{import_shared_advisories, post_advisories, read_advisories, upload_sbom},
        match_reads::{self, MatchStatus, VulnerabilityMatch},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::World;

const LOG4SHELL: &str = include_str!("../fixtures/osv/GHSA-jfh8-c2jp-5v3q.json");

fn log4shell() -> Value {
    serde_json::from_str(LOG4SHELL).unwrap()
}

/// A CycloneDX 1.5 SBOM of log4j packages at the given versions.
fn sbom(components: &[(&str, &str)]) -> Vec<u8> {
    let components: Vec<Value> = components
        .iter()
        .map(|(artifact, version)| {
            json!({
                "type": "library",
                "group": "org.apache.logging.log4j",
                "name": artifact,
                "version": version,
                "purl": format!("pkg:maven/org.apache.logging.log4j/{artifact}@{version}"),
            })
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": components,
    })
    .to_string()
    .into_bytes()
}

async fn artifact(w: &World, name: &str) -> Uuid {
    let model = w.model().await;
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let id = fact_sheets::create(
        &*tx,
        &w.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    tx.commit().await.unwrap();
    id
}

async fn upload(w: &World, id: Uuid, body: &[u8]) -> domain::Result<u64> {
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let summary = upload_sbom(&*tx, &w.admin, id, None, body).await?;
    tx.commit().await.unwrap();
    Ok(summary.vulnerabilities)
}

async fn open(w: &World, who: &Principal, id: Uuid) -> Vec<VulnerabilityMatch> {
    match_reads::matches_of(
        w.db.conn(),
        who,
        &[id],
        MatchStatus::Open,
        &[],
        Some(100),
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
async fn log4shell_flags_the_affected_log4j_core_versions_and_nothing_else() {
    let w = World::new().await;
    let tx = w.db.store.begin_platform_write().await.unwrap();
    import_shared_advisories(&*tx, read_advisories(&log4shell()).unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut flagged = Vec::new();
    for version in [
        "2.14.1",
        "2.12.1",
        "2.0-beta9",
        "2.3",
        "2.15.0",
        "2.12.2",
        "2.3.1",
    ] {
        let id = artifact(&w, &format!("app on {version}")).await;
        let body = sbom(&[
            ("log4j-core", version),
            ("log4j-api", version),
            ("log4j-to-slf4j", version),
        ]);
        upload(&w, id, &body).await.unwrap();
        for m in open(&w, &w.admin, id).await {
            assert_eq!(m.package, "org.apache.logging.log4j:log4j-core");
            assert_eq!(m.severity, Severity::Critical.as_str());
            flagged.push((m.version.clone().unwrap_or_default(), m.fixed_in.clone()));
        }
    }
    flagged.sort();
    let fixed = |v: &str| Some(v.to_owned());
    assert_eq!(
        flagged,
        [
            ("2.0-beta9".to_owned(), fixed("2.3.1")),
            ("2.12.1".to_owned(), fixed("2.12.2")),
            ("2.14.1".to_owned(), fixed("2.15.0")),
            ("2.3".to_owned(), fixed("2.3.1")),
        ]
    );
}

#[tokio::test]
async fn an_upgrade_resolves_the_match_and_a_private_advisory_is_matched_when_posted() {
    let w = World::new().await;
    let id = artifact(&w, "ledger").await;
    assert_eq!(
        upload(&w, id, &sbom(&[("log4j-core", "2.14.1")]))
            .await
            .unwrap(),
        0
    );

    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let posted = post_advisories(&*tx, &w.admin, &json!([log4shell()]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(posted.opened, 1, "matched against the stored components");
    assert_eq!(open(&w, &w.admin, id).await.len(), 1);

    assert_eq!(
        upload(&w, id, &sbom(&[("log4j-core", "2.17.1")]))
            .await
            .unwrap(),
        0
    );
    assert!(open(&w, &w.admin, id).await.is_empty());
    let resolved = match_reads::matches_of(
        w.db.conn(),
        &w.admin,
        &[id],
        MatchStatus::Resolved,
        &[],
        Some(10),
        None,
    )
    .await
    .unwrap();
    assert_eq!(resolved.items.len(), 1);
    assert!(resolved.items[0].1.resolved_at.is_some());
}

#[tokio::test]
async fn a_bad_document_is_refused_with_its_path_and_nothing_is_stored() {
    let w = World::new().await;
    let id = artifact(&w, "ledger").await;
    let mut bom: Value = serde_json::from_slice(&sbom(&[("log4j-core", "2.14.1")])).unwrap();
    bom["components"][0]["purl"] = json!("not a purl");
    let Err(domain::Error::Invalid(errors)) = upload(&w, id, bom.to_string().as_bytes()).await
    else {
        panic!("expected a refusal");
    };
    assert_eq!(errors[0].path, "components.0.purl");

    let mut advisory = log4shell();
    advisory["affected"][0]["ranges"][0]["events"] = json!("none");
    let Err(domain::Error::Invalid(errors)) = read_advisories(&json!([log4shell(), advisory]))
    else {
        panic!("expected a refusal");
    };
    assert!(
        errors[0].path.starts_with("1.affected.0.ranges.0.events"),
        "{errors:?}"
    );
}
