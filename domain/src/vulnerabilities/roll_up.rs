//! Whose software a question is about: the artifacts a Team or Product rolls up over, and the
//! Teams that own an artifact. Both follow the meta model's roll-up rules, the ones metrics
//! follow, so a Team's vulnerabilities and its DORA figures are about the same artifacts.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    error::Result,
    fact_sheets::{self, FactSheet},
    meta_model::{MetaModel, RollUpDirection},
    metrics,
    principal::Principal,
    relations,
};

/// The fact sheet type whose roll-up relations say who owns an artifact.
pub const OWNER_TYPE: &str = "Team";

/// `fact_sheet_id` and every fact sheet its type rolls up over, each once, however many paths
/// reach it (a Team: the artifacts it owns, its sub-teams and theirs). An artifact rolls up over
/// nothing, so it is its own only member.
pub async fn rolled_up_fact_sheets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    fact_sheet_id: Uuid,
) -> Result<Vec<Uuid>> {
    metrics::members(db, principal, model, fact_sheet_id).await
}

/// For each of `artifact_ids`, the [`OWNER_TYPE`] fact sheets whose roll-up relations reach it
/// in one step (`teamOwnsArtifact` in the default model), by name. Two statements for any
/// number of artifacts; an artifact nobody owns is absent from the map.
pub async fn owning_teams(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    artifact_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<FactSheet>>> {
    let Some(owner_type) = model.fact_sheet_type(OWNER_TYPE) else {
        return Ok(HashMap::new());
    };
    if owner_type.roll_up.is_empty() || artifact_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let relations = relations::for_fact_sheets(db, principal, artifact_ids).await?;
    let mut candidates: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for artifact in artifact_ids {
        for r in relations.get(artifact).into_iter().flatten() {
            for rule in owner_type
                .roll_up
                .iter()
                .filter(|rule| rule.relation_type == r.relation_type)
            {
                // The owner is at the end the rule starts from.
                let owner = match rule.direction {
                    RollUpDirection::Outgoing if r.to_id == *artifact => r.from_id,
                    RollUpDirection::Incoming if r.from_id == *artifact => r.to_id,
                    _ => continue,
                };
                let owners = candidates.entry(*artifact).or_default();
                if !owners.contains(&owner) {
                    owners.push(owner);
                }
            }
        }
    }
    let mut ids: Vec<Uuid> = candidates.values().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let teams: HashMap<Uuid, FactSheet> = fact_sheets::get_many(db, principal, &ids)
        .await?
        .into_iter()
        .filter(|fs| fs.fact_sheet_type == OWNER_TYPE)
        .map(|fs| (fs.id, fs))
        .collect();
    Ok(candidates
        .into_iter()
        .filter_map(|(artifact, owners)| {
            let mut owners: Vec<FactSheet> = owners
                .iter()
                .filter_map(|id| teams.get(id).cloned())
                .collect();
            owners.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            (!owners.is_empty()).then_some((artifact, owners))
        })
        .collect())
}
