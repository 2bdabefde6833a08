//! What a query will cost, estimated from its document before it runs, so an expensive one can
//! wait for a turn without having taken a database connection. It follows the schema's
//! complexity rule (`types::complexity`): a field costs one plus what it selects, and a page
//! costs its size times what one item selects. async-graphql computes the exact figure only
//! inside its validation, which runs after the request's connection is open; here the document
//! alone has to tell a page from a plain field: a field with a `first` or `last` argument, or
//! one selecting `edges` or `nodes`, is a page (of the default size when no size is given).
//! That is the shape of every list in the contract, so the estimate tells a depth-3 traversal
//! (tens of thousands) from a dashboard tile (tens) as the exact figure would.

use std::convert::Infallible;

use async_graphql::{
    Value, Variables,
    parser::types::{Field, OperationDefinition, Selection, SelectionSet},
};

use crate::graphql::{
    document::{self, AtSpread, Fragments, PerFragment},
    types::complexity::page_size,
};

/// The estimated cost of running `operation` with `variables`.
pub fn estimate(
    fragments: &Fragments,
    operation: &OperationDefinition,
    variables: &Variables,
) -> u64 {
    Estimator {
        operation,
        variables,
        costs: PerFragment::new(fragments),
    }
    .selection(&operation.selection_set.node)
}

struct Estimator<'a> {
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    costs: PerFragment<'a, u64>,
}

impl<'a> Estimator<'a> {
    fn selection(&mut self, set: &'a SelectionSet) -> u64 {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => self.field(&field.node),
                Selection::InlineFragment(inline) => {
                    self.selection(&inline.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            })
            .fold(0, u64::saturating_add)
    }

    fn field(&mut self, field: &'a Field) -> u64 {
        let selects = self.selection(&field.selection_set.node);
        match self.page_size(field) {
            Some(size) => size.saturating_mul(selects.max(1)),
            None => selects.saturating_add(1),
        }
    }

    fn fragment(&mut self, name: &'a str) -> u64 {
        match self.costs.start(name) {
            AtSpread::Measured(cost) => cost,
            AtSpread::Measure(set) => {
                let cost = self.selection(set);
                self.costs.finish(name, cost)
            }
        }
    }

    /// The items `field` is priced at when it is a page, as the complexity rule prices them.
    fn page_size(&self, field: &Field) -> Option<u64> {
        let given = ["first", "last"].into_iter().find_map(|name| {
            let value = field.get_argument(name)?.node.clone();
            let Ok(value) = value.into_const_with(|variable| {
                let given = document::variable(self.operation, self.variables, &variable);
                Ok::<_, Infallible>(given.cloned().unwrap_or(Value::Null))
            });
            match value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            }
        });
        let lists = field.selection_set.node.items.iter().any(|s| {
            matches!(&s.node, Selection::Field(f)
                if matches!(f.node.name.node.as_str(), "edges" | "nodes"))
        });
        (given.is_some() || lists).then(|| page_size(given))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Variables, parser::parse_query};
    use domain::{limits::MAX_PAGE_SIZE, paging::DEFAULT_PAGE_SIZE};
    use serde_json::json;

    use super::*;

    fn cost(query: &str, variables: serde_json::Value) -> u64 {
        let doc = parse_query(query).unwrap();
        let operation = document::operation_to_run(&doc.operations, None).unwrap();
        estimate(
            &doc.fragments,
            &operation.node,
            &Variables::from_json(variables),
        )
    }

    #[test]
    fn a_page_costs_its_size_times_what_one_item_selects() {
        assert_eq!(cost("{ viewer { subject role } }", json!({})), 3);
        assert_eq!(
            cost(
                "{ factSheets(first: 10) { edges { node { id name } } } }",
                json!({})
            ),
            10 * 4
        );
        // The default size when none is given; clamped like the resolvers' pages.
        assert_eq!(
            cost("{ factSheets { edges { node { id } } } }", json!({})),
            DEFAULT_PAGE_SIZE * 3
        );
        assert_eq!(
            cost("{ factSheets(first: 100000) { nodes { id } } }", json!({})),
            MAX_PAGE_SIZE * 2
        );
        assert_eq!(
            cost("{ factSheets(first: 0) { nodes { id } } }", json!({})),
            2
        );
    }

    #[test]
    fn sizes_come_from_variables_and_their_defaults() {
        let query = "query($n: Int = 7) { factSheets(first: $n) { nodes { id } } }";
        assert_eq!(cost(query, json!({ "n": 20 })), 20 * 2);
        assert_eq!(cost(query, json!({})), 7 * 2);
    }

    #[test]
    fn fragments_cost_what_they_select_wherever_spread() {
        let spread = cost(
            "{ factSheets(first: 10) { nodes { ...F } } } fragment F on FactSheet { id name }",
            json!({}),
        );
        let inline = cost("{ factSheets(first: 10) { nodes { id name } } }", json!({}));
        assert_eq!(spread, inline);
        // A cycle (refused later by validation) ends here instead of recursing.
        let cyclic = cost(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A viewer { role } }",
            json!({}),
        );
        assert_eq!(cyclic, 2);
    }

    #[test]
    fn a_depth_3_traversal_costs_hundreds_of_times_a_team_dashboard() {
        let traversal = cost(
            r#"query { factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node { id name relations(first: 5) { edges { node { type to { id name relations(first: 5) { edges { node { type to { id name } } } } } } } } } } } }"#,
            json!({}),
        );
        let dashboard = cost(
            r#"query($id: ID!) { factSheet(id: $id) { name metrics(window: {last: "P90D", bucket: WEEK}) { deploymentFrequency { perWeek level } leadTime { p50Hours level } changeFailureRate { rate level } } } }"#,
            json!({ "id": "x" }),
        );
        assert_eq!(traversal, 18_400);
        assert!(dashboard < 20, "{dashboard}");
    }
}
