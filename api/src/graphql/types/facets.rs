use async_graphql::SimpleObject;
use domain::fact_sheets::{AttributeFacet, FacetCount, Facets};

#[derive(SimpleObject)]
#[graphql(name = "FacetCount")]
pub struct FacetCountObject {
    pub key: String,
    pub label: String,
    pub count: u64,
}

#[derive(SimpleObject)]
#[graphql(name = "AttributeFacet")]
pub struct AttributeFacetObject {
    pub key: String,
    pub label: String,
    pub counts: Vec<FacetCountObject>,
}

#[derive(SimpleObject)]
#[graphql(name = "Facets")]
pub struct FacetsObject {
    pub types: Vec<FacetCountObject>,
    pub tags: Vec<FacetCountObject>,
    pub attributes: Vec<AttributeFacetObject>,
}

impl From<FacetCount> for FacetCountObject {
    fn from(c: FacetCount) -> Self {
        Self {
            key: c.key,
            label: c.label,
            count: c.count,
        }
    }
}

impl From<AttributeFacet> for AttributeFacetObject {
    fn from(f: AttributeFacet) -> Self {
        Self {
            key: f.key,
            label: f.label,
            counts: f.counts.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Facets> for FacetsObject {
    fn from(f: Facets) -> Self {
        Self {
            types: f.types.into_iter().map(Into::into).collect(),
            tags: f.tags.into_iter().map(Into::into).collect(),
            attributes: f.attributes.into_iter().map(Into::into).collect(),
        }
    }
}
