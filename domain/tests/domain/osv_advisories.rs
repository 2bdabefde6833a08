//! Real OSV records from the GitHub Advisory Database, evaluated against SBOM purls.

use domain::supply_chain::{
    Advisory, AffectedPackage, Ecosystem, Severity, Verdict, parse_advisory,
};

fn advisory(json: &str) -> Advisory {
    let value: serde_json::Value = serde_json::from_str(json).expect("fixture is JSON");
    parse_advisory(&value).expect("fixture is a valid OSV record")
}

fn log4shell() -> Advisory {
    advisory(include_str!("../fixtures/osv/GHSA-jfh8-c2jp-5v3q.json"))
}

fn affected(fixed_in: &str) -> Verdict {
    Verdict::Affected {
        fixed_in: Some(fixed_in.to_owned()),
    }
}

#[test]
fn log4shell_reads_with_its_alias_severity_and_three_log4j_core_ranges() {
    let advisory = log4shell();
    assert_eq!(advisory.id, "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(advisory.aliases, ["CVE-2021-44228"]);
    assert_eq!(
        advisory.summary.as_deref(),
        Some("Remote code injection in Log4j")
    );
    assert_eq!(advisory.severity, Severity::Critical);
    assert_eq!(
        advisory.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    );
    assert_eq!(
        advisory.published.map(|t| t.to_rfc3339()).as_deref(),
        Some("2021-12-10T00:40:56+00:00")
    );
    assert_eq!(advisory.affected.len(), 3);
    assert!(advisory.affected.iter().all(
        |a| a.ecosystem == Ecosystem::Maven && a.name == "org.apache.logging.log4j:log4j-core"
    ));
}

#[test]
fn log4shell_flags_vulnerable_log4j_core_versions_with_the_release_that_fixes_each() {
    let advisory = log4shell();
    let purl = |v: &str| format!("pkg:maven/org.apache.logging.log4j/log4j-core@{v}");
    for (version, fixed_in) in [
        ("2.14.1", "2.15.0"),
        ("2.13.0", "2.15.0"),
        ("2.12.1", "2.12.2"),
        ("2.4", "2.12.2"),
        ("2.3", "2.3.1"),
        ("2.0-beta9", "2.3.1"),
        ("2.0-rc1", "2.3.1"),
    ] {
        assert_eq!(
            advisory.evaluate_purl(&purl(version)),
            affected(fixed_in),
            "{version}"
        );
    }
    for version in [
        "2.15.0",
        "2.16.0",
        "2.12.2",
        "2.12.4",
        "2.3.1",
        "2.3.2",
        "3.0.0-beta3",
    ] {
        assert_eq!(
            advisory.evaluate_purl(&purl(version)),
            Verdict::NotAffected,
            "{version}"
        );
    }
}

#[test]
fn log4shell_leaves_other_log4j_artifacts_alone_at_any_version() {
    let advisory = log4shell();
    for artifact in ["log4j-api", "log4j-to-slf4j"] {
        for version in ["2.0-beta9", "2.3", "2.14.1", "2.17.1"] {
            let purl = format!("pkg:maven/org.apache.logging.log4j/{artifact}@{version}");
            assert_eq!(
                advisory.evaluate_purl(&purl),
                Verdict::NotAffected,
                "{purl}"
            );
        }
    }
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/log4j-core@2.14.1"),
        Verdict::NotAffected,
        "same name, other ecosystem"
    );
}

#[test]
fn a_component_without_a_version_is_unknown_not_dropped() {
    let advisory = log4shell();
    assert_eq!(
        advisory.evaluate_purl("pkg:maven/org.apache.logging.log4j/log4j-core"),
        Verdict::Unknown
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:maven/org.apache.logging.log4j/log4j-api"),
        Verdict::NotAffected
    );
}

#[test]
fn lodash_prototype_pollution_matches_lodash_and_lodash_es_separately() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-p6mc-m468-83gw.json"));
    assert_eq!(advisory.severity, Severity::High);
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/lodash@4.17.15"),
        affected("4.17.20")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/lodash-es@4.17.19"),
        affected("4.17.20")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/lodash@4.17.20"),
        Verdict::NotAffected
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/lodash@4.17.21"),
        Verdict::NotAffected
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/underscore@1.0.0"),
        Verdict::NotAffected
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:npm/lodash@latest"),
        Verdict::Unknown
    );
}

#[test]
fn django_sql_injection_follows_pep_440_and_pep_503_names() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-p64x-8rxx-wf6q.json"));
    assert_eq!(
        advisory.evaluate_purl("pkg:pypi/Django@3.2.13"),
        affected("3.2.14")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:pypi/django@3.2"),
        affected("3.2.14")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:pypi/django@4.0.5"),
        affected("4.0.6")
    );
    for version in [
        "3.1.14", "3.2.14", "3.2.20", "4.0a1", "4.0rc1", "4.0.6", "4.1",
    ] {
        let purl = format!("pkg:pypi/django@{version}");
        assert_eq!(
            advisory.evaluate_purl(&purl),
            Verdict::NotAffected,
            "{purl}"
        );
    }
    assert_eq!(
        advisory.evaluate_purl("pkg:pypi/django@final"),
        Verdict::Unknown
    );
}

#[test]
fn golang_text_denial_of_service_orders_go_pseudo_versions() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-69ch-w2m2-3vjp.json"));
    let purl = |v: &str| format!("pkg:golang/golang.org/x/text/language@{v}");
    assert_eq!(advisory.evaluate_purl(&purl("v0.3.7")), affected("0.3.8"));
    assert_eq!(
        advisory.evaluate_purl(&purl("v0.3.8-0.20220722155223-a9d1f4ebd5ab")),
        affected("0.3.8")
    );
    assert_eq!(
        advisory.evaluate_purl(&purl("v0.3.8")),
        Verdict::NotAffected
    );
    assert_eq!(
        advisory.evaluate_purl(&purl("v0.14.0")),
        Verdict::NotAffected
    );
}

#[test]
fn newtonsoft_json_matches_nuget_names_in_any_case() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-5crp-9r3c-p9vr.json"));
    assert_eq!(
        advisory.severity,
        Severity::Low,
        "stated by the database; no CVSS"
    );
    assert_eq!(advisory.cvss_vector, None);
    assert_eq!(
        advisory.evaluate_purl("pkg:nuget/newtonsoft.json@12.0.3"),
        affected("13.0.1")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:nuget/Newtonsoft.Json@13.0.1"),
        Verdict::NotAffected
    );
}

#[test]
fn guzzle_cookie_leak_covers_both_release_lines() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-cwmx-hcrq-mhc3.json"));
    let purl = |v: &str| format!("pkg:composer/guzzlehttp/guzzle@{v}");
    assert_eq!(advisory.evaluate_purl(&purl("6.5.5")), affected("6.5.6"));
    assert_eq!(advisory.evaluate_purl(&purl("v7.4.2")), affected("7.4.3"));
    assert_eq!(advisory.evaluate_purl(&purl("7.0.0")), affected("7.4.3"));
    for version in ["6.5.6", "6.5.8", "7.4.3", "7.5.0"] {
        assert_eq!(
            advisory.evaluate_purl(&purl(version)),
            Verdict::NotAffected,
            "{version}"
        );
    }
}

#[test]
fn time_segfault_reads_short_crate_bounds_and_open_ranges() {
    let advisory = advisory(include_str!("../fixtures/osv/GHSA-wcg3-cvx6-7396.json"));
    assert_eq!(advisory.severity, Severity::Medium, "GitHub's MODERATE");
    // `introduced: "0.1"` without a fix: every later version, as OSV's evaluation reads it.
    assert_eq!(
        advisory.evaluate_purl("pkg:cargo/time@0.1.44"),
        Verdict::Affected { fixed_in: None }
    );
    // Also in the second range, which names its fix.
    assert_eq!(
        advisory.evaluate_purl("pkg:cargo/time@0.2.22"),
        affected("0.2.23")
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:cargo/time@0.0.9"),
        Verdict::NotAffected
    );
    assert_eq!(
        advisory.evaluate_purl("pkg:cargo/time@0.2.x"),
        Verdict::Unknown
    );
}

#[test]
fn affected_packages_round_trip_through_their_stored_json() {
    for json in [
        include_str!("../fixtures/osv/GHSA-jfh8-c2jp-5v3q.json"),
        include_str!("../fixtures/osv/GHSA-wcg3-cvx6-7396.json"),
    ] {
        for package in advisory(json).affected {
            let stored = package.to_json();
            assert_eq!(AffectedPackage::from_json(&stored).unwrap(), package);
        }
    }
    let stored = log4shell().affected[0].to_json();
    assert_eq!(
        stored,
        serde_json::json!({
            "ecosystem": "Maven",
            "name": "org.apache.logging.log4j:log4j-core",
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]}],
            "versions": []
        })
    );
}
