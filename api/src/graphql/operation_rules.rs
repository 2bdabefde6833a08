//! The permission every public operation needs, by its GraphQL root field. Only the API knows
//! operation names, so the table lives here and maps them onto the domain's actions. The API
//! enforces it before any resolver runs and refuses an operation that is missing from it, so a
//! new query or mutation is forbidden to everyone until someone writes its rule here; a test
//! walks the whole schema with every role against this table.
//!
//! The services check their own action again (defence in depth), so the domain stays safe when
//! called from elsewhere (CLI, benchmarks, tests).

use domain::authz::Action;

/// Which root type an operation hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    Query,
    Mutation,
}

const RULES: &[(Root, &str, Action)] = {
    use Action::*;
    use Root::*;
    &[
        // Reading the inventory and the meta model.
        (Query, "factSheet", Read),
        (Query, "factSheetByExternalId", Read),
        (Query, "factSheets", Read),
        (Query, "relation", Read),
        (Query, "metaModel", Read),
        (Query, "metaModelVersions", Read),
        (Query, "tags", Read),
        (Query, "tagGroups", Read),
        (Query, "viewer", Read),
        (Query, "unlinkedEventSources", Read),
        (Query, "componentUsage", Read),
        (Query, "advisory", Read),
        // Saved views: every role keeps its own; who may share, change or delete one is the
        // domain's rule (`authz::require_keep_view`, `authz::require_edit_view`), per view.
        (Query, "savedViews", Read),
        (Query, "savedView", Read),
        (Mutation, "createSavedView", Read),
        (Mutation, "updateSavedView", Read),
        (Mutation, "deleteSavedView", Read),
        // Reports over the whole landscape.
        (Query, "factSheetAggregate", Read),
        (Query, "changes", Read),
        (Query, "landscapeDiff", Read),
        // Workspace administration.
        (Query, "workspaceFeatures", AdministerWorkspace),
        (Query, "apiTokens", AdministerWorkspace),
        (Mutation, "createApiToken", AdministerWorkspace),
        (Mutation, "revokeApiToken", AdministerWorkspace),
        (Mutation, "setWebhookSecret", AdministerWorkspace),
        // Changing the inventory.
        (Mutation, "createFactSheet", WriteInventory),
        (Mutation, "updateFactSheet", WriteInventory),
        (Mutation, "archiveFactSheet", WriteInventory),
        (Mutation, "restoreFactSheet", WriteInventory),
        (Mutation, "createRelation", WriteInventory),
        (Mutation, "updateRelation", WriteInventory),
        (Mutation, "deleteRelation", WriteInventory),
        (Mutation, "createTag", WriteInventory),
        (Mutation, "tagFactSheet", WriteInventory),
        (Mutation, "untagFactSheet", WriteInventory),
        (Mutation, "subscribe", WriteInventory),
        (Mutation, "unsubscribe", WriteInventory),
        // Shaping the meta model (and the tag groups that belong to it).
        (Mutation, "createTagGroup", AdministerMetaModel),
        (Mutation, "renameTag", AdministerMetaModel),
        (Mutation, "deleteTag", AdministerMetaModel),
        (Mutation, "renameTagGroup", AdministerMetaModel),
        (Mutation, "deleteTagGroup", AdministerMetaModel),
        (Mutation, "addFactSheetType", AdministerMetaModel),
        (Mutation, "updateFactSheetType", AdministerMetaModel),
        (Mutation, "removeFactSheetType", AdministerMetaModel),
        (Mutation, "addAttributeDefinition", AdministerMetaModel),
        (Mutation, "updateAttributeDefinition", AdministerMetaModel),
        (Mutation, "removeAttributeDefinition", AdministerMetaModel),
        (Mutation, "renameAttributeOption", AdministerMetaModel),
        (Mutation, "addRelationType", AdministerMetaModel),
        (Mutation, "updateRelationType", AdministerMetaModel),
        (Mutation, "removeRelationType", AdministerMetaModel),
        (Mutation, "setRollUp", AdministerMetaModel),
        (Mutation, "setPerformanceBands", AdministerMetaModel),
    ]
};

/// The action an operation needs, or `None` when it has no rule (and must be refused).
pub fn rule(root: Root, field: &str) -> Option<Action> {
    RULES
        .iter()
        .find(|(r, f, _)| *r == root && *f == field)
        .map(|(_, _, action)| *action)
}

/// Every operation with a rule, for tests that compare the table with the schema.
pub fn all() -> impl Iterator<Item = (Root, &'static str, Action)> {
    RULES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_exactly_one_rule() {
        let mut seen = std::collections::HashSet::new();
        for (root, field, _) in all() {
            assert!(seen.insert((root, field)), "two rules for {root:?}.{field}");
        }
        assert_eq!(
            rule(Root::Mutation, "createFactSheet"),
            Some(Action::WriteInventory)
        );
        assert_eq!(rule(Root::Mutation, "dropEverything"), None);
    }
}
