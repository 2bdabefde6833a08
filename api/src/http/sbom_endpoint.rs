//! `POST /sbom?factSheet=<id>` or `?externalId=<namespace>:<value>`: an SBOM (CycloneDX JSON or
//! XML, SPDX 2.3 JSON) that replaces the software artifact's component set, in one transaction,
//! answered with the counts of the new set and the vulnerabilities now open on it. The body is
//! read whole under its own limit: the parsers need the whole document, and a large
//! application's SBOM is far larger than a GraphQL request.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use domain::supply_chain::intake::upload_sbom;
use uuid::Uuid;

use super::{
    AppState,
    body::read_limited,
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
};
use crate::{
    artifact_ref::ArtifactRef, client_error::ClientError, error_code::ErrorCode,
    supply_chain_report,
};

pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::Sbom).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let artifact = match artifact_of(req.query_string()) {
        Ok(a) => a,
        Err(refusal) => return refusal.into(),
    };
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_sbom_body_bytes,
        &state.limits,
        "an SBOM",
        Some(&principal),
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    // The parser takes the declared format, and recognises a generic or missing one from the
    // document itself.
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let id = artifact.resolve(&*tx, &principal).await?;
        let summary = upload_sbom(&*tx, &principal, id, content_type, &body).await?;
        tx.commit().await?;
        Ok::<_, domain::Error>(summary)
    }
    .await;
    match result {
        Ok(summary) => HttpResponse::Ok().json(supply_chain_report::sbom(&summary)),
        Err(domain::Error::Unauthenticated) => workspace_gone(&state, &req, &principal),
        Err(e) => ClientError::from(e).into(),
    }
}

/// The artifact the query names: `factSheet` or `externalId`, exactly one of them.
fn artifact_of(query: &str) -> Result<ArtifactRef, ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let bad = |field: String, message: &str| {
        ClientError::new(ErrorCode::BadUserInput, message).with_detail("field", field)
    };
    let mut artifact = None;
    for (key, value) in pairs {
        let named = match key.as_str() {
            "factSheet" => Uuid::parse_str(&value)
                .map(ArtifactRef::Id)
                .map_err(|_| bad(key.clone(), "factSheet must be a fact sheet id"))?,
            "externalId" => ArtifactRef::external_id(&value).ok_or_else(|| {
                bad(
                    key.clone(),
                    "externalId must be <namespace>:<value> of an external ID",
                )
            })?,
            _ => {
                return Err(bad(
                    key.clone(),
                    &format!("unknown query parameter `{key}`; use factSheet or externalId"),
                ));
            }
        };
        if artifact.replace(named).is_some() {
            return Err(bad(
                key,
                "name the software artifact once, by factSheet or by externalId",
            ));
        }
    }
    artifact.ok_or_else(|| {
        bad(
            "factSheet".into(),
            "name the software artifact: factSheet=<id> or externalId=<namespace>:<value>",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_one_artifact_by_id_or_external_id() {
        let id = Uuid::now_v7();
        assert_eq!(
            artifact_of(&format!("factSheet={id}")).unwrap(),
            ArtifactRef::Id(id)
        );
        assert_eq!(
            artifact_of("externalId=cmdb%3AAPP-42").unwrap(),
            ArtifactRef::ExternalId {
                namespace: "cmdb".into(),
                value: "APP-42".into()
            }
        );
        for query in [
            "",
            "factSheet=ledger",
            "externalId=APP-42",
            "artifact=cmdb:APP-42",
            "externalId=cmdb:A&externalId=cmdb:B",
            &format!("factSheet={id}&externalId=cmdb:A"),
        ] {
            let refusal = artifact_of(query).unwrap_err();
            assert_eq!(refusal.code(), ErrorCode::BadUserInput, "{query}");
        }
    }
}
