//! The SBOM reader against real documents from the CycloneDX and SPDX example repositories
//! (`domain/tests/fixtures/sbom/README.md` says where each comes from). Expected counts are
//! worked out from the documents themselves by a generic walk, not copied from the reader.

use std::collections::HashSet;

use domain::supply_chain::sbom::{self, Sbom, SbomFormat};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/sbom/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

/// Every object under `components`, nested ones included.
fn all_components(list: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for c in list.as_array().into_iter().flatten() {
        out.push(c);
        out.extend(all_components(&c["components"]));
    }
    out
}

/// The bom-refs the described component depends on directly, by the document's own graph.
fn root_depends_on(doc: &Value) -> Option<HashSet<String>> {
    let root = doc["metadata"]["component"]["bom-ref"].as_str()?;
    let entry = doc["dependencies"]
        .as_array()?
        .iter()
        .find(|d| d["ref"] == root)?;
    Some(
        entry["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect(),
    )
}

fn parse(name: &str, content_type: Option<&str>) -> Sbom {
    sbom::parse(content_type, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Checks a CycloneDX JSON file's components, purls, licences and direct split against a walk of
/// the document.
fn check_cyclonedx_json(name: &str) -> Sbom {
    let doc = json(name);
    let sbom = parse(name, Some("application/vnd.cyclonedx+json"));
    assert_eq!(sbom.format, SbomFormat::CycloneDxJson);
    assert_eq!(sbom.spec_version, doc["specVersion"].as_str().unwrap());
    let expected = all_components(&doc["components"]);
    assert_eq!(sbom.components.len(), expected.len(), "{name}");
    let direct_refs = root_depends_on(&doc);
    for (component, raw) in sbom.components.iter().zip(&expected) {
        assert_eq!(component.name, raw["name"].as_str().unwrap());
        assert_eq!(component.kind, raw["type"].as_str().unwrap());
        assert_eq!(component.version.as_deref(), raw["version"].as_str());
        assert_eq!(component.group.as_deref(), raw["group"].as_str());
        assert_eq!(component.scope.as_deref(), raw["scope"].as_str());
        match raw["purl"].as_str() {
            Some(_) => {
                let normalised = component.purl.as_deref().unwrap();
                assert!(normalised.starts_with("pkg:"), "{normalised}");
                assert_eq!(
                    domain::supply_chain::purl::normalize(normalised).unwrap(),
                    normalised,
                    "a normalised purl is a fixed point"
                );
            }
            None => assert_eq!(component.purl, None),
        }
        let raw_licenses = raw["licenses"].as_array().map_or(0, Vec::len);
        assert_eq!(component.licenses.len(), raw_licenses, "{}", component.name);
        let raw_hashes = raw["hashes"].as_array().map_or(0, Vec::len);
        assert_eq!(component.hashes.len(), raw_hashes);
        let expected_direct = match &direct_refs {
            None => true,
            Some(refs) => raw["bom-ref"].as_str().is_some_and(|r| refs.contains(r)),
        };
        assert_eq!(component.direct, expected_direct, "{}", component.name);
    }
    sbom
}

#[test]
fn juice_shop_counts_nested_components_and_splits_direct_from_transitive() {
    let sbom = check_cyclonedx_json("juice-shop-14.1.1.cdx-1.4.json");
    let doc = json("juice-shop-14.1.1.cdx-1.4.json");
    let top_level = doc["components"].as_array().unwrap().len();
    assert!(
        sbom.components.len() > top_level,
        "nested components are included"
    );
    let direct = sbom.components.iter().filter(|c| c.direct).count();
    let wanted = root_depends_on(&doc).unwrap();
    assert!(direct > 0 && direct < sbom.components.len());
    assert!(direct <= wanted.len());
    // An npm scope comes out percent-encoded, and licences are read.
    let scoped = sbom
        .components
        .iter()
        .find(|c| c.group.as_deref() == Some("@mapbox"))
        .unwrap();
    assert!(
        scoped
            .purl
            .as_deref()
            .unwrap()
            .starts_with("pkg:npm/%40mapbox/")
    );
    assert_eq!(scoped.licenses, ["BSD-3-Clause"]);
    assert!(scoped.hashes.iter().any(|h| h.alg == "SHA-512"));
}

#[test]
fn dropwizards_graph_never_names_the_project_so_every_component_is_direct() {
    let sbom = check_cyclonedx_json("dropwizard-1.3.15.cdx-1.2.json");
    assert!(sbom.components.iter().all(|c| c.direct));
    // A licence given only by name is kept as given.
    assert!(
        sbom.components
            .iter()
            .flat_map(|c| &c.licenses)
            .any(|l| l == "GPL v2")
    );
    let jackson = sbom
        .components
        .iter()
        .find(|c| c.name == "jackson-annotations")
        .unwrap();
    assert_eq!(
        jackson.purl.as_deref(),
        Some("pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar")
    );
}

#[test]
fn laravel_reads_the_same_in_json_and_xml() {
    let from_json = check_cyclonedx_json("laravel-7.12.0.cdx-1.2.json");
    let from_xml = parse("laravel-7.12.0.cdx-1.4.xml", None);
    assert_eq!(from_xml.format, SbomFormat::CycloneDxXml);
    assert_eq!(from_xml.spec_version, "1.4");
    assert_eq!(from_json.components.len(), from_xml.components.len());
    for (a, b) in from_json.components.iter().zip(&from_xml.components) {
        assert_eq!(
            (&a.purl, &a.name, &a.group, &a.version),
            (&b.purl, &b.name, &b.group, &b.version)
        );
        assert_eq!(a.licenses, b.licenses, "{}", a.name);
        assert_eq!(a.direct, b.direct, "{}", a.name);
    }
    assert!(from_xml.components.iter().any(|c| c.direct));
    assert!(from_xml.components.iter().any(|c| !c.direct));
}

#[test]
fn an_xml_document_without_a_graph_has_every_component_direct() {
    let name = "cern-lhc-vdm-editor.cdx-1.2.xml";
    let text = String::from_utf8(fixture(name)).unwrap();
    let listed = text.split("</metadata>").nth(1).unwrap();
    let expected = listed.matches("<component ").count() + listed.matches("<component>").count();
    let sbom = parse(name, Some("application/vnd.cyclonedx+xml"));
    assert_eq!(sbom.spec_version, "1.2");
    assert_eq!(sbom.components.len(), expected);
    assert!(sbom.components.iter().all(|c| c.direct));
    let with_licenses = sbom
        .components
        .iter()
        .filter(|c| !c.licenses.is_empty())
        .count();
    assert_eq!(with_licenses, listed.matches("<licenses>").count());
}

#[test]
fn a_cyclonedx_1_6_document_is_read_and_provides_is_not_a_dependency() {
    let sbom = check_cyclonedx_json("cbom-with-dependencies.cdx-1.6.json");
    assert_eq!(sbom.spec_version, "1.6");
    let direct: Vec<_> = sbom
        .components
        .iter()
        .filter(|c| c.direct)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(direct, ["Crypto library"]);
    assert_eq!(sbom.components[0].kind, "cryptographic-asset");
}

/// The packages of an SPDX document, less the described ones, with the ids the described ones
/// reach by a dependency relationship.
fn spdx_expectations(doc: &Value) -> (Vec<&Value>, HashSet<String>) {
    let mut roots: HashSet<&str> = doc["documentDescribes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let relationships = doc["relationships"].as_array().unwrap();
    for r in relationships {
        if r["relationshipType"] == "DESCRIBES" && r["spdxElementId"] == "SPDXRef-DOCUMENT" {
            roots.insert(r["relatedSpdxElement"].as_str().unwrap());
        }
    }
    let mut direct = HashSet::new();
    for r in relationships {
        let (a, kind, b) = (
            r["spdxElementId"].as_str().unwrap(),
            r["relationshipType"].as_str().unwrap(),
            r["relatedSpdxElement"].as_str().unwrap(),
        );
        let forward = ["DEPENDS_ON", "CONTAINS", "DYNAMIC_LINK", "STATIC_LINK"].contains(&kind);
        if forward && roots.contains(a) {
            direct.insert(b.to_owned());
        }
        if kind.ends_with("DEPENDENCY_OF") && roots.contains(b) {
            direct.insert(a.to_owned());
        }
    }
    let packages = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !roots.contains(p["SPDXID"].as_str().unwrap()))
        .collect();
    (packages, direct)
}

#[test]
fn spdx_packages_are_components_and_depends_on_makes_them_direct() {
    let name = "hello-server.spdx-2.3.json";
    let doc = json(name);
    let (packages, direct) = spdx_expectations(&doc);
    let sbom = parse(name, Some("application/spdx+json"));
    assert_eq!(sbom.format, SbomFormat::SpdxJson);
    assert_eq!(sbom.spec_version, "SPDX-2.3");
    assert_eq!(sbom.components.len(), packages.len());
    for (c, p) in sbom.components.iter().zip(&packages) {
        assert_eq!(c.name, p["name"].as_str().unwrap());
        assert_eq!(
            c.direct,
            direct.contains(p["SPDXID"].as_str().unwrap()),
            "{}",
            c.name
        );
        assert_eq!(c.kind, "library");
        assert!(c.purl.as_deref().unwrap().starts_with("pkg:cargo/"));
    }
    let pretty = sbom
        .components
        .iter()
        .find(|c| c.name == "pretty_env_logger")
        .unwrap();
    assert_eq!(pretty.licenses, ["MIT OR Apache-2.0"]);
    assert_eq!(pretty.hashes[0].alg, "SHA256");
}

#[test]
fn the_spdx_specification_example_reads_licences_and_links() {
    let name = "spdx-spec-example.spdx-2.3.json";
    let doc = json(name);
    let (packages, direct) = spdx_expectations(&doc);
    let sbom = parse(name, Some("application/json"));
    assert_eq!(sbom.components.len(), packages.len());
    for (c, p) in sbom.components.iter().zip(&packages) {
        assert_eq!(
            c.direct,
            direct.contains(p["SPDXID"].as_str().unwrap()),
            "{}",
            c.name
        );
    }
    let saxon = sbom.components.iter().find(|c| c.name == "Saxon").unwrap();
    assert_eq!(saxon.licenses, ["MPL-1.0"]);
    assert!(saxon.direct, "the described glibc links Saxon dynamically");
    let jena = sbom.components.iter().find(|c| c.name == "Jena").unwrap();
    assert_eq!(jena.group.as_deref(), Some("org.apache.jena"));
    assert!(jena.licenses.is_empty(), "NOASSERTION is no licence");
    assert!(
        !sbom.components.iter().any(|c| c.name == "glibc"),
        "the described package is not a component"
    );
}

#[test]
fn every_real_document_is_recognised_without_a_content_type() {
    for (name, format) in [
        ("juice-shop-14.1.1.cdx-1.4.json", SbomFormat::CycloneDxJson),
        ("laravel-7.12.0.cdx-1.4.xml", SbomFormat::CycloneDxXml),
        ("hello-server.spdx-2.3.json", SbomFormat::SpdxJson),
    ] {
        for content_type in [
            None,
            Some("application/json"),
            Some("application/octet-stream"),
        ] {
            assert_eq!(
                parse(name, content_type).format,
                format,
                "{name} as {content_type:?}"
            );
        }
    }
    assert_eq!(
        parse(
            "laravel-7.12.0.cdx-1.4.xml",
            Some("application/xml; charset=utf-8")
        )
        .format,
        SbomFormat::CycloneDxXml
    );
}

#[test]
fn truncated_real_documents_are_refused_without_panicking() {
    for name in [
        "laravel-7.12.0.cdx-1.2.json",
        "laravel-7.12.0.cdx-1.4.xml",
        "hello-server.spdx-2.3.json",
        "cbom-with-dependencies.cdx-1.6.json",
    ] {
        let body = fixture(name);
        let step = (body.len() / 97).max(1);
        for end in (0..body.len() - 2).step_by(step) {
            let refusal = sbom::parse(None, &body[..end]);
            assert!(refusal.is_err(), "{name} cut at {end} was accepted");
        }
    }
}
