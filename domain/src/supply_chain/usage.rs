//! "Which artifacts use this package?": a purl and an optional `vers:` range turned into the
//! package and versions that [`component_usage`](super::component_reads::component_usage) reads.

use sea_orm::ConnectionTrait;

use super::{
    component_reads::{PackageUsage, package_versions},
    ecosystem::osv_package,
    purl,
    vers::VersionRange,
};
use crate::{
    error::{Error, Result},
    principal::Principal,
};

/// A usage question with its versions worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageQuery {
    pub ecosystem: String,
    pub package: String,
    /// Only these versions; `None` for every version of the package.
    pub versions: Option<Vec<String>>,
}

impl UsageQuery {
    pub fn as_usage(&self) -> PackageUsage<'_> {
        PackageUsage {
            ecosystem: &self.ecosystem,
            package: &self.package,
            versions: self.versions.as_deref(),
        }
    }
}

/// The package `purl` names and the versions of it to list: the purl's own version when it has
/// one, the workspace's versions inside `version_range` when given (both: the purl's version if
/// it lies in the range). A version the range cannot order is left out rather than guessed in.
/// A purl that does not parse is refused naming `purl`; a range that does not parse, or whose
/// scheme is another ecosystem than the purl's, naming `versionRange`.
pub async fn resolve_usage(
    db: &impl ConnectionTrait,
    principal: &Principal,
    purl: &str,
    version_range: Option<&str>,
) -> Result<UsageQuery> {
    let normal = purl::normalize(purl).map_err(|why| Error::invalid("purl", why))?;
    let (ecosystem, package, version) =
        osv_package(&normal).ok_or_else(|| Error::invalid("purl", "is not a package URL"))?;
    let range = version_range
        .map(|text| {
            let range =
                VersionRange::parse(text).map_err(|e| Error::invalid("versionRange", e.0))?;
            if range.ecosystem != ecosystem {
                return Err(Error::invalid(
                    "versionRange",
                    format!(
                        "orders {} versions, but the purl names a {} package",
                        range.ecosystem, ecosystem
                    ),
                ));
            }
            Ok(range)
        })
        .transpose()?;
    let ecosystem = ecosystem.as_osv().to_owned();
    let versions = match (version, range) {
        (Some(version), None) => Some(vec![version]),
        (None, None) => None,
        (version, Some(range)) => {
            let candidates = match version {
                Some(version) => vec![version],
                None => package_versions(db, principal, &ecosystem, &package).await?,
            };
            Some(
                candidates
                    .into_iter()
                    .filter(|v| range.contains(v) == Some(true))
                    .collect(),
            )
        }
    };
    Ok(UsageQuery {
        ecosystem,
        package,
        versions,
    })
}
