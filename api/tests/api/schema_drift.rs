/// `schema.graphql` is the published contract; it must be exactly what the code serves.
/// Regenerate with `cargo run -p api -- schema > schema.graphql`.
#[test]
fn schema_graphql_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql at the repo root");
    let generated = api::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql` and commit it"
    );
}

#[test]
fn the_contract_names_are_in_the_schema() {
    let sdl = api::graphql::sdl();
    for name in [
        "factSheet(id: ID!, asOf: DateTime): FactSheet",
        "factSheetByExternalId(namespace: String!, value: String!): FactSheet",
        "metaModel(version: Int): MetaModel!",
        "createFactSheet(input: CreateFactSheetInput!): FactSheetPayload!",
        "updateFactSheet(input: UpdateFactSheetInput!): FactSheetPayload!",
        "archiveFactSheet(id: ID!, comment: String): FactSheetPayload!",
        "createRelation(input: CreateRelationInput!): RelationPayload!",
        "deleteRelation(id: ID!): DeletePayload!",
        "totalCount: Int!",
    ] {
        assert!(sdl.contains(name), "missing `{name}` in the schema");
    }
}
