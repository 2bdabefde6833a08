use proptest::prelude::*;
use serde_json::json;

use super::{SbomFormat, parse};

fn cyclonedx(components: serde_json::Value) -> Vec<u8> {
    json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
        .to_string()
        .into_bytes()
}

fn library(name: &str) -> serde_json::Value {
    json!({"type": "library", "name": name, "version": "1.0"})
}

#[test]
fn a_field_of_the_wrong_shape_is_named_by_its_json_path() {
    let mut components: Vec<_> = (0..13).map(|i| library(&format!("c{i}"))).collect();
    components[12]["version"] = json!(7);
    let refusal = parse(None, &cyclonedx(json!(components))).unwrap_err();
    assert_eq!(refusal.path, "components.12.version");
    assert!(
        refusal.message.contains("expected a string"),
        "{}",
        refusal.message
    );

    let nested = json!([{"type": "library", "name": "a", "components": [{"type": "library"}]}]);
    let refusal = parse(None, &cyclonedx(nested)).unwrap_err();
    assert_eq!(refusal.path, "components.0.components.0");
    assert!(
        refusal.message.contains("missing field `name`"),
        "{}",
        refusal.message
    );
}

#[test]
fn a_field_of_the_wrong_shape_is_named_by_its_xml_element() {
    let mut xml = String::from(
        r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.3"><components>"#,
    );
    for i in 0..12 {
        xml.push_str(&format!(
            r#"<component type="library"><name>c{i}</name></component>"#
        ));
    }
    xml.push_str(
        r#"<component type="library"><version>1</version></component></components></bom>"#,
    );
    let refusal = parse(Some("application/vnd.cyclonedx+xml"), xml.as_bytes()).unwrap_err();
    assert_eq!(refusal.path, "bom/components/component[13]");
    assert!(refusal.message.contains("name"), "{}", refusal.message);
}

#[test]
fn an_invalid_purl_is_named_where_it_stands() {
    let mut components = vec![library("a"), library("b")];
    components[1]["purl"] = json!("npm/left-pad");
    let refusal = parse(None, &cyclonedx(json!(components))).unwrap_err();
    assert_eq!(refusal.path, "components.1.purl");
    assert!(refusal.message.starts_with("is not a package URL"));
}

#[test]
fn malformed_documents_name_the_line_and_column() {
    let refusal = parse(
        None,
        b"{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \n}",
    )
    .unwrap_err();
    assert_eq!(refusal.path, "");
    assert!(
        refusal.message.contains("line 4 column 1"),
        "{}",
        refusal.message
    );

    let xml =
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n</component></bom>";
    let refusal = parse(None, xml.as_bytes()).unwrap_err();
    assert!(refusal.message.contains("line 3"), "{}", refusal.message);
    assert!(
        refusal.message.contains("well-formed"),
        "{}",
        refusal.message
    );
}

#[test]
fn unsupported_versions_are_refused_with_what_is_supported() {
    let old = json!({"bomFormat": "CycloneDX", "specVersion": "1.1", "components": []});
    let refusal = parse(None, old.to_string().as_bytes()).unwrap_err();
    assert_eq!(refusal.path, "specVersion");
    assert!(
        refusal.message.contains("1.2 to 1.6"),
        "{}",
        refusal.message
    );

    let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"><components/></bom>"#;
    let refusal = parse(None, xml.as_bytes()).unwrap_err();
    assert_eq!(refusal.path, "bom/@xmlns");

    let spdx = json!({"spdxVersion": "SPDX-1.2", "packages": []});
    let refusal = parse(Some("application/spdx+json"), spdx.to_string().as_bytes()).unwrap_err();
    assert_eq!(refusal.path, "spdxVersion");

    let spdx3 = json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []});
    assert_eq!(
        parse(None, spdx3.to_string().as_bytes()).unwrap_err().path,
        "@context"
    );
    assert!(parse(Some("text/spdx"), b"SPDXVersion: SPDX-2.3").is_err());
}

#[test]
fn json_is_sniffed_by_its_marker_fields() {
    let cdx = cyclonedx(json!([library("a")]));
    assert_eq!(
        parse(Some("application/json"), &cdx).unwrap().format,
        SbomFormat::CycloneDxJson
    );
    let spdx = json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [
        {"SPDXID": "SPDXRef-a", "name": "a"}
    ]});
    let read = parse(
        Some("Application/JSON; charset=utf-8"),
        spdx.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(read.format, SbomFormat::SpdxJson);
    assert_eq!(read.components[0].kind, "library");
    let neither = parse(None, br#"{"name": "x"}"#).unwrap_err();
    assert!(neither.message.contains("bomFormat"), "{}", neither.message);
    assert!(parse(None, b"   ").is_err());
    assert!(parse(None, b"[1, 2]").is_err());
}

#[test]
fn nested_xml_components_and_the_graph_from_the_described_component() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <metadata><component type="application" bom-ref="app"><name>app</name></component></metadata>
  <components>
    <component type="framework" bom-ref="a">
      <group>org.example</group><name>a</name><version>1.0</version><scope>required</scope>
      <hashes><hash alg="SHA-256">abc123</hash></hashes>
      <licenses><expression>Apache-2.0 or mit</expression></licenses>
      <purl>PKG:maven/org.example/a@1.0?type=jar&amp;classifier=x</purl>
      <components>
        <component type="library" bom-ref="b"><name>b</name>
          <licenses><license><name>Public Domain</name></license></licenses>
        </component>
      </components>
    </component>
  </components>
  <dependencies>
    <dependency ref="app"><dependency ref="a"/></dependency>
    <dependency ref="a"><dependency ref="b"/></dependency>
  </dependencies>
</bom>"#;
    let sbom = parse(Some("application/vnd.cyclonedx+xml"), xml.as_bytes()).unwrap();
    assert_eq!(sbom.spec_version, "1.6");
    let [a, b] = sbom.components.as_slice() else {
        panic!("{:?}", sbom.components)
    };
    assert_eq!(a.kind, "framework");
    assert_eq!(a.scope.as_deref(), Some("required"));
    assert_eq!(a.group.as_deref(), Some("org.example"));
    assert_eq!(
        a.purl.as_deref(),
        Some("pkg:maven/org.example/a@1.0?classifier=x&type=jar")
    );
    assert_eq!(a.licenses, ["Apache-2.0 OR MIT"]);
    assert_eq!(
        (a.hashes[0].alg.as_str(), a.hashes[0].value.as_str()),
        ("SHA-256", "abc123")
    );
    assert!(a.direct);
    assert_eq!(b.licenses, ["Public Domain"]);
    assert!(!b.direct);
}

#[test]
fn the_described_component_is_not_listed_even_when_the_document_lists_it() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.4",
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [
            {"type": "application", "name": "app", "bom-ref": "app"},
            {"type": "library", "name": "a", "bom-ref": "a"},
            {"type": "library", "name": "b", "bom-ref": "b"}
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}]});
    let sbom = parse(None, doc.to_string().as_bytes()).unwrap();
    let names: Vec<_> = sbom
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.direct))
        .collect();
    assert_eq!(names, [("a", true), ("b", false)]);
}

#[test]
fn hostile_xml_is_refused_before_serde_reads_it() {
    let deep = format!(
        r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4">{}{}</bom>"#,
        "<components><component type=\"library\"><name>x</name>".repeat(200),
        "</component></components>".repeat(200)
    );
    let refusal = parse(None, deep.as_bytes()).unwrap_err();
    assert!(refusal.message.contains("deeper"), "{}", refusal.message);

    let doctype =
        r#"<!DOCTYPE bom [<!ENTITY a "aaaa">]><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>"#;
    assert!(
        parse(None, doctype.as_bytes())
            .unwrap_err()
            .message
            .contains("DOCTYPE")
    );
    let two_roots = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>"#;
    assert!(parse(None, two_roots.as_bytes()).is_err());
    assert!(parse(None, b"<other/>").is_err());
    assert!(
        parse(
            None,
            b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\xff</bom>"
        )
        .is_err()
    );
}

#[test]
fn text_with_a_nul_character_is_refused() {
    let refusal = parse(None, &cyclonedx(json!([library("a"), library("b\u{0}")]))).unwrap_err();
    assert_eq!(refusal.path, "components.1");
}

#[test]
fn deeply_nested_json_is_refused_not_overflowed() {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.4","components":"#);
    for _ in 0..5000 {
        doc.push_str(r#"[{"type":"library","name":"x","components":"#);
    }
    assert!(parse(None, doc.as_bytes()).is_err());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), kind in 0usize..4) {
        let content_type = [None, Some("application/json"), Some("application/vnd.cyclonedx+xml"), Some("application/spdx+json")][kind];
        let _ = parse(content_type, &body);
    }

    #[test]
    fn mangled_documents_never_panic(cut in 0usize..2000, byte in any::<u8>(), at in 0usize..2000) {
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.4",
            "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
            "components": [{"type": "library", "name": "a", "bom-ref": "a", "purl": "pkg:npm/%40s/a@1?x=1#p",
                "licenses": [{"expression": "MIT OR (Apache-2.0 WITH LLVM-exception)"}]}],
            "dependencies": [{"ref": "app", "dependsOn": ["a"]}]}).to_string();
        let mut body = doc.into_bytes();
        let at = at % body.len();
        body[at] = byte;
        body.truncate(cut.min(body.len()));
        let _ = parse(None, &body);
        let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library" bom-ref="a"><name>a</name><purl>pkg:npm/a@1</purl><licenses><license><id>MIT</id></license></licenses></component></components></bom>"#.to_owned();
        let mut body = xml.into_bytes();
        let at = at % body.len();
        body[at] = byte;
        body.truncate(cut.min(body.len()));
        let _ = parse(None, &body);
    }

    #[test]
    fn any_text_as_purl_or_licence_never_panics(text in ".{0,60}") {
        let _ = crate::supply_chain::purl::normalize(&text);
        let _ = super::license::normalize(&text);
        let _ = crate::supply_chain::purl::normalize(&format!("pkg:{text}"));
    }
}

#[test]
fn xml_licences_are_all_read_even_when_interleaved() {
    let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>
      <component type="library"><name>a</name><licenses>
        <license><id>MIT</id></license>
        <expression>GPL-2.0+</expression>
        <license><name>Custom</name></license>
      </licenses></component>
    </components></bom>"#;
    let sbom = parse(None, xml.as_bytes()).unwrap();
    assert_eq!(
        sbom.components[0].licenses,
        ["MIT", "Custom", "GPL-2.0-or-later"]
    );
}
