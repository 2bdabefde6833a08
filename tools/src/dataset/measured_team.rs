//! The smallest inventory that team metrics can be measured on: one team and a number of bare
//! software artifacts, the first few owned by the team, each an event source of its own. Events
//! for the others are what the team's metrics must leave out.

use domain::import::{ImportFactSheet, ImportRelation};
use uuid::Uuid;

use super::graph::{Graph, event_source};

/// The name of the team whose metrics are measured.
pub const TEAM_NAME: &str = "Measured team";

/// One team owning the first `owned` of `artifacts` software artifacts; the team comes first.
pub fn measured_team(artifacts: usize, owned: usize) -> Graph {
    let team = ImportFactSheet {
        id: Uuid::now_v7(),
        fact_sheet_type: "Team".into(),
        name: TEAM_NAME.into(),
        ..Default::default()
    };
    let team_id = team.id;
    let mut fact_sheets = Vec::with_capacity(artifacts + 1);
    fact_sheets.push(team);
    let mut relations = Vec::with_capacity(owned);
    for n in 1..=artifacts {
        let source = event_source(n);
        let artifact = ImportFactSheet {
            id: Uuid::now_v7(),
            fact_sheet_type: "SoftwareArtifact".into(),
            name: source.value.clone(),
            external_ids: vec![source],
            ..Default::default()
        };
        if n <= owned {
            relations.push(ImportRelation {
                relation_type: "teamOwnsArtifact".into(),
                from_id: team_id,
                to_id: artifact.id,
            });
        }
        fact_sheets.push(artifact);
    }
    Graph {
        fact_sheets,
        relations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_owns_the_first_artifacts_and_every_artifact_is_an_event_source() {
        let graph = measured_team(5, 2);
        assert_eq!(graph.fact_sheets.len(), 6);
        assert_eq!(graph.fact_sheets[0].name, TEAM_NAME);
        assert_eq!(
            graph.event_sources(),
            [
                "artifact-00001",
                "artifact-00002",
                "artifact-00003",
                "artifact-00004",
                "artifact-00005"
            ]
        );
        let owned: Vec<_> = graph.relations.iter().map(|r| r.to_id).collect();
        assert_eq!(owned, [graph.fact_sheets[1].id, graph.fact_sheets[2].id]);
        assert!(
            graph
                .relations
                .iter()
                .all(|r| r.from_id == graph.fact_sheets[0].id)
        );
    }
}
