//! Which components the described component depends on directly, from the document's graph.

use std::collections::{HashMap, HashSet};

/// The dependency edges a document states, by the ids it gives its elements.
#[derive(Default)]
pub(super) struct DependencyGraph {
    /// For each element the graph has an entry for, what it depends on (possibly nothing).
    edges: HashMap<String, HashSet<String>>,
}

impl DependencyGraph {
    /// Records that `from` is in the graph, even when it depends on nothing: a CycloneDX entry
    /// `{"ref": root}` without `dependsOn` says the root has no dependencies.
    pub fn declare(&mut self, from: &str) {
        self.edges.entry(from.to_owned()).or_default();
    }

    pub fn add(&mut self, from: &str, to: &str) {
        self.edges
            .entry(from.to_owned())
            .or_default()
            .insert(to.to_owned());
    }

    /// The ids the `roots` depend on directly, or `None` when the graph has no entry for any root
    /// and so cannot tell direct from transitive (as in multi-module Maven builds, whose graph
    /// starts at the modules): then every component counts as direct, as with no graph at all.
    pub fn direct_of(&self, roots: &[String]) -> Option<HashSet<String>> {
        let mut known = false;
        let mut direct = HashSet::new();
        for root in roots {
            if let Some(targets) = self.edges.get(root) {
                known = true;
                direct.extend(targets.iter().cloned());
            }
        }
        known.then_some(direct)
    }
}

#[cfg(test)]
mod tests {
    use super::DependencyGraph;

    fn roots(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_what_a_root_depends_on_itself_is_direct() {
        let mut graph = DependencyGraph::default();
        graph.add("app", "a");
        graph.add("a", "b");
        graph.add("other", "c");
        let direct = graph.direct_of(&roots(&["app"])).unwrap();
        assert!(direct.contains("a"));
        assert!(!direct.contains("b"));
        assert!(!direct.contains("c"));
    }

    #[test]
    fn a_root_declared_without_dependencies_has_no_direct_ones() {
        let mut graph = DependencyGraph::default();
        graph.declare("app");
        graph.add("a", "b");
        assert_eq!(graph.direct_of(&roots(&["app"])).unwrap().len(), 0);
    }

    #[test]
    fn a_graph_that_never_names_a_root_cannot_tell() {
        let mut graph = DependencyGraph::default();
        graph.add("module", "a");
        assert!(graph.direct_of(&roots(&["app"])).is_none());
        assert!(graph.direct_of(&[]).is_none());
    }

    #[test]
    fn several_roots_pool_their_direct_dependencies() {
        let mut graph = DependencyGraph::default();
        graph.add("src", "a");
        graph.add("bin", "b");
        let direct = graph.direct_of(&roots(&["src", "bin"])).unwrap();
        assert_eq!(direct.len(), 2);
    }
}
