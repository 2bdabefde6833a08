//! The software artifact an SBOM upload names: its fact sheet id (`factSheet=`, `--fact-sheet`)
//! or one of its external IDs (`externalId=`, `--artifact`), which is what a build pipeline
//! knows its artifact by. The endpoint and the CLI read and resolve it alike.

use domain::{Principal, fact_sheets};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactRef {
    Id(Uuid),
    ExternalId { namespace: String, value: String },
}

impl ArtifactRef {
    /// `<namespace>:<value>`, split at the first colon, so a value may hold colons of its own
    /// (`purl:pkg:maven/…`); `None` when either side is empty.
    pub fn external_id(text: &str) -> Option<Self> {
        match text.split_once(':') {
            Some((namespace, value)) if !namespace.is_empty() && !value.is_empty() => {
                Some(Self::ExternalId {
                    namespace: namespace.to_owned(),
                    value: value.to_owned(),
                })
            }
            _ => None,
        }
    }

    /// The artifact's id in the caller's workspace. An external ID that no fact sheet of the
    /// workspace holds is not found, exactly like one held in another workspace; an id is
    /// checked by the upload itself, which finds only the caller's fact sheets.
    pub async fn resolve(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
    ) -> domain::Result<Uuid> {
        match self {
            Self::Id(id) => Ok(*id),
            Self::ExternalId { namespace, value } => {
                fact_sheets::by_external_id(db, principal, namespace, value)
                    .await?
                    .map(|sheet| sheet.id)
                    .ok_or_else(|| {
                        domain::Error::not_found("fact sheet", format!("{namespace}:{value}"))
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_external_id_splits_at_its_first_colon_and_needs_both_sides() {
        assert_eq!(
            ArtifactRef::external_id("purl:pkg:maven/org.acme/ledger"),
            Some(ArtifactRef::ExternalId {
                namespace: "purl".into(),
                value: "pkg:maven/org.acme/ledger".into(),
            })
        );
        for bad in ["ledger", ":ledger", "cmdb:", ""] {
            assert_eq!(ArtifactRef::external_id(bad), None, "{bad}");
        }
    }
}
