//! What each generated software artifact is made of: about `per_artifact` components drawn from
//! a pool of real Maven, npm and PyPI packages (`packages.txt`), as an SBOM would list them.
//! A few percent of the artifacts carry log4j-core on a version Log4Shell affects, and some more
//! on a fixed one, so a seeded workspace answers "who is exposed" with a realistic few.
//! Deterministic: the n-th artifact's components depend only on the seed and `n`.

use domain::supply_chain::{components::NewComponent, osv_package, purl};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// The package pool, one package a line (see the file's header).
const PACKAGES: &str = include_str!("packages.txt");

/// log4j-core's package, which the generator places itself.
pub const LOG4J_CORE: &str = "pkg:maven/org.apache.logging.log4j/log4j-core";
/// Released log4j-core versions inside Log4Shell's (GHSA-jfh8-c2jp-5v3q) affected ranges.
pub const LOG4J_VULNERABLE: [&str; 5] = ["2.14.1", "2.12.1", "2.11.2", "2.13.3", "2.8.2"];
/// Log4Shell's affected ranges in the `vers` syntax `componentUsage` takes (as in the README).
pub const LOG4SHELL_RANGE: &str = "vers:maven/>=2.0-beta9|<2.3.1|>=2.4|<2.12.2|>=2.13.0|<2.15.0";
/// Released log4j-core versions that fix it.
pub const LOG4J_FIXED: [&str; 3] = ["2.17.1", "2.20.0", "2.21.1"];

/// One in this many artifacts runs a vulnerable log4j-core (about 3.4 %).
const VULNERABLE_EVERY: usize = 29;
/// One in this many of the others runs a fixed log4j-core.
const FIXED_EVERY: usize = 6;

/// A package of the pool.
#[derive(Debug, Clone)]
pub struct Package {
    /// The purl without a version (`pkg:npm/%40angular/core`).
    pub base: String,
    pub license: String,
    pub versions: Vec<String>,
}

/// The pool of `packages.txt`.
pub fn pool() -> Vec<Package> {
    PACKAGES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace().map(str::to_owned);
            let base = words.next().unwrap_or_default();
            let license = words.next().unwrap_or_default();
            Package {
                base,
                license,
                versions: words.collect(),
            }
        })
        .collect()
}

/// Whether the `n`-th artifact (counting from 0) runs a log4j-core version Log4Shell affects.
pub fn runs_vulnerable_log4j(n: usize) -> bool {
    n % VULNERABLE_EVERY == 3
}

/// The components of the `n`-th artifact (counting from 0): `per_artifact` ± 10 % distinct
/// packages of `pool`, a fifth of them direct dependencies.
pub fn components_of(
    pool: &[Package],
    per_artifact: usize,
    seed: u64,
    n: usize,
) -> Vec<NewComponent> {
    if per_artifact == 0 {
        return Vec::new();
    }
    let mut rng = StdRng::seed_from_u64(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let spread = per_artifact / 10;
    let count = (per_artifact - spread + rng.random_range(0..=2 * spread)).min(pool.len());
    // A partial Fisher–Yates shuffle: `count` distinct packages.
    let mut order: Vec<usize> = (0..pool.len()).collect();
    let mut components = Vec::with_capacity(count + 1);
    for i in 0..count {
        let j = rng.random_range(i..order.len());
        order.swap(i, j);
        let package = &pool[order[i]];
        let version = &package.versions[rng.random_range(0..package.versions.len())];
        components.push(component(
            &package.base,
            version,
            &package.license,
            rng.random::<f64>() < 0.2,
        ));
    }
    let log4j = if runs_vulnerable_log4j(n) {
        Some(LOG4J_VULNERABLE[(n / VULNERABLE_EVERY) % LOG4J_VULNERABLE.len()])
    } else if n % FIXED_EVERY == 1 {
        Some(LOG4J_FIXED[(n / FIXED_EVERY) % LOG4J_FIXED.len()])
    } else {
        None
    };
    if let Some(version) = log4j {
        components.push(component(LOG4J_CORE, version, "Apache-2.0", true));
    }
    components
}

/// One component as an SBOM upload would store it: the purl normalised, its name in OSV's
/// terms derived from it, group and name read off its path.
fn component(base: &str, version: &str, license: &str, direct: bool) -> NewComponent {
    let raw = format!("{base}@{version}");
    let purl = purl::normalize(&raw).unwrap_or(raw);
    let package = osv_package(&purl);
    let path = base.split_once('/').map_or("", |(_, path)| path);
    let (group, name) = match path.rsplit_once('/') {
        Some((group, name)) => (Some(group.replace("%40", "@")), name),
        None => (None, path),
    };
    NewComponent {
        ecosystem: package.as_ref().map(|(e, _, _)| e.as_osv().to_owned()),
        package: package.map(|(_, name, _)| name),
        purl: Some(purl),
        name: name.to_owned(),
        group,
        version: Some(version.to_owned()),
        kind: "library".into(),
        scope: Some("required".into()),
        licenses: vec![license.to_owned()],
        direct,
        hashes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_hundreds_of_real_packages_with_versions() {
        let pool = pool();
        assert!(pool.len() >= 250, "{} packages", pool.len());
        for p in &pool {
            assert!(!p.versions.is_empty(), "{} has no versions", p.base);
            assert!(osv_package(&p.base).is_some(), "{} is no purl", p.base);
            assert_ne!(p.base, LOG4J_CORE, "log4j-core is placed by the generator");
        }
    }

    #[test]
    fn an_artifact_gets_about_the_asked_number_of_distinct_components_every_run() {
        let pool = pool();
        for n in 0..50 {
            let components = components_of(&pool, 150, 42, n);
            let purls: std::collections::HashSet<_> =
                components.iter().map(|c| c.purl.clone()).collect();
            assert_eq!(
                purls.len(),
                components.len(),
                "artifact {n} repeats a package"
            );
            assert!(
                (135..=166).contains(&components.len()),
                "artifact {n}: {} components",
                components.len()
            );
            assert!(
                components
                    .iter()
                    .all(|c| c.ecosystem.is_some() && c.package.is_some())
            );
            assert_eq!(
                components,
                components_of(&pool, 150, 42, n),
                "deterministic"
            );
        }
        assert_ne!(
            components_of(&pool, 150, 42, 0),
            components_of(&pool, 150, 43, 0)
        );
        assert!(components_of(&pool, 0, 42, 3).is_empty());
    }

    #[test]
    fn a_few_percent_of_artifacts_run_log4j_core_on_a_vulnerable_version() {
        let pool = pool();
        let artifacts = 1_000;
        let log4j_of = |n| {
            components_of(&pool, 20, 42, n)
                .into_iter()
                .find(|c| c.package.as_deref() == Some("org.apache.logging.log4j:log4j-core"))
                .and_then(|c| c.version)
        };
        let versions: Vec<Option<String>> = (0..artifacts).map(log4j_of).collect();
        let vulnerable = versions
            .iter()
            .flatten()
            .filter(|v| LOG4J_VULNERABLE.contains(&v.as_str()))
            .count();
        let fixed = versions
            .iter()
            .flatten()
            .filter(|v| LOG4J_FIXED.contains(&v.as_str()))
            .count();
        assert!((20..=50).contains(&vulnerable), "{vulnerable} vulnerable");
        assert!(fixed > vulnerable, "{fixed} fixed");
        let range = domain::supply_chain::VersionRange::parse(LOG4SHELL_RANGE).unwrap();
        for v in LOG4J_VULNERABLE {
            assert_eq!(range.contains(v), Some(true), "{v} is affected");
        }
        for v in LOG4J_FIXED {
            assert_eq!(range.contains(v), Some(false), "{v} is fixed");
        }
    }
}
