//! The README's ready-to-paste Log4Shell query must keep working: its `versionRange` is read
//! by the same parser `componentUsage` uses, and selects what Log4Shell affects.

use domain::supply_chain::VersionRange;

const README: &str = include_str!("../../../README.md");

/// The `versionRange` argument of the README's `componentUsage` query.
fn readme_range() -> &'static str {
    let query = README
        .split("## Who is exposed to Log4Shell?")
        .nth(1)
        .expect("the README has the demo's Log4Shell section")
        .lines()
        .find(|l| l.contains("componentUsage(") && l.contains("log4j-core"))
        .expect("the README shows a componentUsage query for log4j-core");
    query
        .split("versionRange: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the query has a versionRange")
}

#[test]
fn the_readme_log4shell_range_parses_and_selects_the_affected_versions() {
    let range = VersionRange::parse(readme_range()).expect("the README's range parses");
    for affected in ["2.0-beta9", "2.3", "2.12.1", "2.14.1", "2.13.0"] {
        assert_eq!(
            range.contains(affected),
            Some(true),
            "{affected} is affected"
        );
    }
    for safe in ["2.0-alpha1", "2.3.1", "2.12.2", "2.15.0", "2.17.1"] {
        assert_eq!(range.contains(safe), Some(false), "{safe} is not");
    }
}
