//! The inventory graph: how many of each fact sheet type, how they relate, with which
//! attributes and tags. Proportions follow real enterprise workspaces: the largest LeanIX
//! workspaces hold about 70,000 fact sheets and 215,000 relations, the average one about 6,700
//! and 23,000. Relations are generated through the meta model's relation types and respect
//! their cardinalities.

use std::{collections::HashSet, str::FromStr};

use domain::{
    external_ids::{EVENT_SOURCE_NAMESPACE, ExternalId},
    import::{ImportFactSheet, ImportRelation},
    meta_model::{Cardinality, MetaModel},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use uuid::Uuid;

use super::values::{attributes, skewed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// An average LeanIX workspace: about 6,700 fact sheets.
    Average,
    /// The largest LeanIX workspaces: about 70,000 fact sheets, 215,000 relations.
    Max,
    /// This many fact sheets, in the same proportions.
    FactSheets(usize),
}

impl Scale {
    pub fn fact_sheets(self) -> usize {
        match self {
            Scale::Average => 6_700,
            Scale::Max => 70_000,
            Scale::FactSheets(n) => n,
        }
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "average" => Ok(Scale::Average),
            "max" => Ok(Scale::Max),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 10)
                .map(Scale::FactSheets)
                .ok_or_else(|| "expected average, max or a number of fact sheets ≥ 10".into()),
        }
    }
}

/// Share of each type among the fact sheets.
const MIX: [(&str, f64); 5] = [
    ("Team", 0.02),
    ("Product", 0.04),
    ("SoftwareArtifact", 0.43),
    ("API", 0.22),
    ("CloudResource", 0.29),
];

/// How many relations of a type each fact sheet on its `from` side gets: (type, mean per
/// source fact sheet, whether the generator iterates the `to` side instead).
const RELATIONS: [(&str, f64, bool); 5] = [
    // Every artifact has one owning team.
    ("teamOwnsArtifact", 1.0, true),
    // Artifacts belong to one or two products.
    ("productContainsArtifact", 1.3, true),
    // Every API is provided by one artifact.
    ("artifactProvidesApi", 1.0, true),
    ("artifactConsumesApi", 2.6, false),
    ("artifactRunsOn", 1.7, false),
];

const TAGS: [&str; 8] = [
    "pci",
    "gdpr",
    "tier-1",
    "tier-2",
    "customer-facing",
    "internal",
    "legacy",
    "cloud-native",
];

pub struct Graph {
    pub fact_sheets: Vec<ImportFactSheet>,
    pub relations: Vec<ImportRelation>,
}

impl Graph {
    /// The ids of the software artifacts, in the order they were generated (the `n`-th is
    /// `artifact-n`'s event source, counting from 1).
    pub fn software_artifacts(&self) -> Vec<Uuid> {
        self.fact_sheets
            .iter()
            .filter(|f| f.fact_sheet_type == "SoftwareArtifact")
            .map(|f| f.id)
            .collect()
    }

    /// The event sources of the software artifacts (their `eventSource` external IDs), which
    /// the events generator spreads events over.
    pub fn event_sources(&self) -> Vec<String> {
        self.fact_sheets
            .iter()
            .flat_map(|f| &f.external_ids)
            .filter(|e| e.namespace == EVENT_SOURCE_NAMESPACE)
            .map(|e| e.value.clone())
            .collect()
    }
}

/// The event source of the `n`-th software artifact (counting from 1), as its external ID: the
/// name the events generator sends that artifact's events under.
pub fn event_source(n: usize) -> ExternalId {
    ExternalId {
        namespace: EVENT_SOURCE_NAMESPACE.into(),
        value: format!("artifact-{n:05}"),
    }
}

pub fn generate(model: &MetaModel, scale: Scale, seed: u64) -> Graph {
    let mut rng = StdRng::seed_from_u64(seed);
    let total = scale.fact_sheets();
    let mut fact_sheets = Vec::with_capacity(total);
    let mut by_type: Vec<(&str, Vec<Uuid>)> = Vec::new();
    for (i, (type_key, share)) in MIX.iter().enumerate() {
        let Some(t) = model.fact_sheet_type(type_key) else {
            continue;
        };
        let count = if i == MIX.len() - 1 {
            total.saturating_sub(fact_sheets.len())
        } else {
            ((total as f64 * share).round() as usize).max(1)
        };
        let mut ids = Vec::with_capacity(count);
        for n in 0..count {
            let id = Uuid::now_v7();
            let serial = fact_sheets.len();
            let name = format!("{} {:05}", t.label, n + 1);
            let external_ids = if *type_key == "SoftwareArtifact" {
                vec![event_source(n + 1)]
            } else {
                Vec::new()
            };
            let tags = (0..skewed(&mut rng, 3))
                .map(|_| TAGS[skewed(&mut rng, TAGS.len())].to_owned())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            fact_sheets.push(ImportFactSheet {
                id,
                fact_sheet_type: (*type_key).to_owned(),
                name,
                description: (rng.random::<f64>() < 0.6)
                    .then(|| format!("{} {} of the demo enterprise.", t.label, n + 1)),
                attributes: attributes(&mut rng, &t.attributes, serial),
                external_ids,
                tags,
            });
            ids.push(id);
        }
        by_type.push((type_key, ids));
    }
    let ids_of = |key: &str| {
        by_type
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, ids)| ids.as_slice())
            .unwrap_or(&[])
    };
    let mut relations = Vec::new();
    for (type_key, mean, from_the_to_side) in RELATIONS {
        let Some(t) = model.relation_type(type_key) else {
            continue;
        };
        let (froms, tos) = (ids_of(&t.from_type), ids_of(&t.to_type));
        if froms.is_empty() || tos.is_empty() {
            continue;
        }
        let mut seen = HashSet::new();
        let (anchors, others) = if from_the_to_side {
            (tos, froms)
        } else {
            (froms, tos)
        };
        // An anchor with cardinality ONE on the other side gets exactly one relation.
        let single = if from_the_to_side {
            t.from_cardinality == Cardinality::One
        } else {
            t.to_cardinality == Cardinality::One
        };
        for &anchor in anchors {
            let count = if single {
                1
            } else {
                let whole = mean.floor() as usize;
                whole + usize::from(rng.random::<f64>() < mean - whole as f64)
            };
            for _ in 0..count {
                let other = others[popular(&mut rng, others.len())];
                let (from_id, to_id) = if from_the_to_side {
                    (other, anchor)
                } else {
                    (anchor, other)
                };
                if seen.insert((from_id, to_id)) {
                    relations.push(ImportRelation {
                        relation_type: type_key.to_owned(),
                        from_id,
                        to_id,
                    });
                }
            }
        }
    }
    // Cardinality ONE on the `from` side of types iterated from the `from` side would need
    // per-target bookkeeping; the default model has none, and the import rejects violations.
    Graph {
        fact_sheets,
        relations,
    }
}

/// An index into `len` items where low indexes are popular (weight 1/√(i+1) over up to 1,000
/// buckets): a few teams own hundreds of artifacts and a few APIs are consumed everywhere,
/// while most own or serve a handful, as in real inventories.
fn popular(rng: &mut StdRng, len: usize) -> usize {
    let buckets = len.min(1_000);
    let total: f64 = (1..=buckets).map(|i| 1.0 / (i as f64).sqrt()).sum();
    let mut pick = rng.random::<f64>() * total;
    let mut bucket = buckets - 1;
    for i in 0..buckets {
        pick -= 1.0 / ((i + 1) as f64).sqrt();
        if pick <= 0.0 {
            bucket = i;
            break;
        }
    }
    let size = len / buckets;
    bucket * size + rng.random_range(0..size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_scale_has_the_shape_of_an_average_workspace() {
        let model = domain::meta_model::default_meta_model();
        let graph = generate(&model, Scale::Average, 7);
        assert_eq!(graph.fact_sheets.len(), 6_700);
        // About 3.1 relations per fact sheet, as in the largest workspaces (215k / 70k).
        let relations = graph.relations.len();
        assert!(
            (19_000..=23_000).contains(&relations),
            "{relations} relations"
        );
        let again = generate(&model, Scale::Average, 7);
        assert_eq!(again.relations.len(), relations, "deterministic for a seed");
        assert_eq!(graph.event_sources().len(), 2_881);
        // Ownership is skewed: the most popular team owns many artifacts, most own a few.
        let mut owned = std::collections::HashMap::new();
        for r in graph
            .relations
            .iter()
            .filter(|r| r.relation_type == "teamOwnsArtifact")
        {
            *owned.entry(r.from_id).or_insert(0usize) += 1;
        }
        let most = owned.values().max().copied().unwrap_or(0);
        assert!(most >= 50, "the biggest team owns {most}");
    }
}
