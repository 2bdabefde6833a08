//! The demo's software supply chain: each artifact's SBOM (a small CycloneDX document built
//! from `demo/sboms.json`, uploaded as a client would) and the real Log4Shell advisory, shared,
//! so two of the artifacts show it open and the README's Log4Shell query has answers.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use domain::{
    Principal,
    supply_chain::intake::{import_shared_advisories, read_advisories, upload_sbom},
};
use serde_json::{Value, json};
use uuid::Uuid;

use sea_orm::ConnectionTrait;

/// Log4Shell (CVE-2021-44228) as the GitHub Advisory Database publishes it (see
/// `demo/advisories/README.md` for its origin and licence).
pub const LOG4SHELL: &str = include_str!("advisories/GHSA-jfh8-c2jp-5v3q.json");

/// Per artifact name, its components as `[purl, SPDX licence expression]`.
const SBOMS: &str = include_str!("sboms.json");

type Sboms = BTreeMap<String, Vec<(String, String)>>;

fn sboms() -> anyhow::Result<Sboms> {
    serde_json::from_str(SBOMS).context("demo/sboms.json is invalid")
}

/// A CycloneDX 1.5 document listing `components`, group and name read off each purl's path.
fn cyclonedx(components: &[(String, String)]) -> Value {
    let components: Vec<Value> = components
        .iter()
        .map(|(purl, license)| {
            let path = purl
                .split_once('/')
                .map_or("", |(_, path)| path)
                .split('@')
                .next()
                .unwrap_or_default();
            let (group, name) = match path.rsplit_once('/') {
                Some((group, name)) => (Some(group.replace("%40", "@")), name),
                None => (None, path),
            };
            let version = purl.rsplit_once('@').map(|(_, v)| v);
            json!({
                "type": "library",
                "group": group,
                "name": name,
                "version": version,
                "purl": purl,
                "licenses": [{"expression": license}],
            })
        })
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components})
}

/// Uploads every artifact's SBOM (`ids` maps fact sheet names to ids) and imports Log4Shell as
/// a shared advisory, which matches it. Returns how many components were stored. Runs in the
/// demo loader's platform transaction, which it leaves scoped to the last workspace it entered.
pub async fn load(
    db: &impl ConnectionTrait,
    admin: &Principal,
    ids: &HashMap<&str, Uuid>,
) -> anyhow::Result<u64> {
    let mut components = 0;
    for (artifact, listed) in sboms()? {
        let id = super::id_of(ids, &artifact)?;
        let body = serde_json::to_vec(&cyclonedx(&listed))?;
        let stored = upload_sbom(db, admin, id, Some("application/vnd.cyclonedx+json"), &body)
            .await
            .with_context(|| format!("demo SBOM of {artifact}"))?;
        components += stored.components;
    }
    let advisory: Value = serde_json::from_str(LOG4SHELL)?;
    import_shared_advisories(db, read_advisories(&advisory)?).await?;
    Ok(components)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::supply_chain::sbom;

    #[test]
    fn every_demo_sbom_reads_with_ten_to_thirty_components() {
        for (artifact, listed) in sboms().unwrap() {
            let body = serde_json::to_vec(&cyclonedx(&listed)).unwrap();
            let parsed = sbom::parse(Some("application/vnd.cyclonedx+json"), &body)
                .unwrap_or_else(|e| panic!("{artifact}: {e:?}"));
            assert!(
                (10..=30).contains(&parsed.components.len()),
                "{artifact}: {}",
                parsed.components.len()
            );
            assert!(
                parsed.components.iter().all(|c| c.purl.is_some()),
                "{artifact}"
            );
        }
    }
}
