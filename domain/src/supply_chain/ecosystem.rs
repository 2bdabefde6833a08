//! Package ecosystems, and how a purl names a package in OSV's terms.
//!
//! An SBOM names a component by purl (`pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1`);
//! an OSV advisory names it by ecosystem and package name
//! (`Maven`, `org.apache.logging.log4j:log4j-core`). Matching needs both spellings to meet.

use std::fmt;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde::{Deserialize, Serialize};

/// The ecosystems whose version order Wayfinder knows. Anything else is kept by name as
/// `Other`, so an advisory for it is stored, but its versions can't be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Ecosystem {
    Maven,
    Npm,
    PyPI,
    Go,
    CratesIo,
    Packagist,
    NuGet,
    RubyGems,
    Other(String),
}

impl Ecosystem {
    /// Reads OSV's ecosystem name (`Maven`, `npm`, `crates.io`…). OSV spells them with a fixed
    /// case; other spellings are read too, since hand-written advisories vary.
    pub fn from_osv(name: &str) -> Ecosystem {
        match name.trim().to_ascii_lowercase().as_str() {
            "maven" => Ecosystem::Maven,
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "go" => Ecosystem::Go,
            "crates.io" => Ecosystem::CratesIo,
            "packagist" => Ecosystem::Packagist,
            "nuget" => Ecosystem::NuGet,
            "rubygems" => Ecosystem::RubyGems,
            _ => Ecosystem::Other(name.trim().to_owned()),
        }
    }

    /// OSV's spelling, the one stored and shown.
    pub fn as_osv(&self) -> &str {
        match self {
            Ecosystem::Maven => "Maven",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Other(name) => name,
        }
    }

    /// The ecosystem of a purl type (also the scheme of a `vers:` range). Unknown types are
    /// kept as `Other(type)`.
    pub fn from_purl_type(purl_type: &str) -> Ecosystem {
        match purl_type.trim().to_ascii_lowercase().as_str() {
            "maven" => Ecosystem::Maven,
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "golang" => Ecosystem::Go,
            "cargo" => Ecosystem::CratesIo,
            "composer" => Ecosystem::Packagist,
            "nuget" => Ecosystem::NuGet,
            "gem" => Ecosystem::RubyGems,
            other => Ecosystem::Other(other.to_owned()),
        }
    }

    /// Whether two package names of this ecosystem name the same package. PyPI compares
    /// PEP 503-normalised names and NuGet ignores case, because their registries do; every
    /// other ecosystem compares names exactly.
    pub fn same_package(&self, a: &str, b: &str) -> bool {
        self.package_key(a) == self.package_key(b)
    }

    /// The one spelling of package `name` under which components and advisories are stored and
    /// matched: PyPI's PEP 503 normal form, NuGet's ids in lower case (both registries ignore
    /// case), every other name exactly as written.
    pub fn package_key(&self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => normalize_pypi_name(name),
            Ecosystem::NuGet => name.to_ascii_lowercase(),
            _ => name.to_owned(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_osv())
    }
}

impl From<String> for Ecosystem {
    fn from(name: String) -> Self {
        Ecosystem::from_osv(&name)
    }
}

impl From<Ecosystem> for String {
    fn from(ecosystem: Ecosystem) -> Self {
        ecosystem.as_osv().to_owned()
    }
}

/// PEP 503's normal form: lower case, each run of `-`, `_` and `.` one `-`
/// (`Zope.Interface` and `zope_interface` are the same project).
pub fn normalize_pypi_name(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                normal.push('-');
            }
            in_separator_run = true;
        } else {
            normal.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    normal
}

/// The OSV ecosystem, OSV package name and version (when the purl has one) of a purl;
/// `None` when it is not a valid purl. Maven names are `group:artifact`, npm names keep their
/// `@scope/`, Go and Packagist names join namespace and name with `/`, PyPI names are
/// PEP 503-normalised and NuGet ids lower-cased (see [`Ecosystem::package_key`]).
pub fn osv_package(purl: &str) -> Option<(Ecosystem, String, Option<String>)> {
    let parsed = PackageUrl::from_str(purl.trim()).ok()?;
    let ecosystem = Ecosystem::from_purl_type(parsed.ty());
    let namespace = parsed.namespace().filter(|ns| !ns.is_empty());
    let name = parsed.name();
    let osv_name = match (&ecosystem, namespace) {
        (Ecosystem::Maven, Some(group)) => format!("{group}:{name}"),
        (Ecosystem::PyPI, _) => name.to_owned(),
        (_, Some(namespace)) => format!("{namespace}/{name}"),
        (_, None) => name.to_owned(),
    };
    let osv_name = ecosystem.package_key(&osv_name);
    Some((ecosystem, osv_name, parsed.version().map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_ecosystem_reads_back_from_its_osv_spelling() {
        for ecosystem in [
            Ecosystem::Maven,
            Ecosystem::Npm,
            Ecosystem::PyPI,
            Ecosystem::Go,
            Ecosystem::CratesIo,
            Ecosystem::Packagist,
            Ecosystem::NuGet,
            Ecosystem::RubyGems,
        ] {
            assert_eq!(Ecosystem::from_osv(ecosystem.as_osv()), ecosystem);
        }
        assert_eq!(
            Ecosystem::from_osv("Debian:11"),
            Ecosystem::Other("Debian:11".into())
        );
    }

    #[test]
    fn purl_types_map_to_their_ecosystems() {
        assert_eq!(Ecosystem::from_purl_type("golang"), Ecosystem::Go);
        assert_eq!(Ecosystem::from_purl_type("cargo"), Ecosystem::CratesIo);
        assert_eq!(Ecosystem::from_purl_type("composer"), Ecosystem::Packagist);
        assert_eq!(Ecosystem::from_purl_type("gem"), Ecosystem::RubyGems);
        assert_eq!(
            Ecosystem::from_purl_type("deb"),
            Ecosystem::Other("deb".into())
        );
    }

    #[test]
    fn purls_name_packages_the_way_osv_does() {
        let cases = [
            (
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                Some("2.14.1"),
            ),
            (
                "pkg:npm/%40angular/core@16.0.0",
                Ecosystem::Npm,
                "@angular/core",
                Some("16.0.0"),
            ),
            ("pkg:npm/lodash", Ecosystem::Npm, "lodash", None),
            (
                "pkg:pypi/Zope.Interface@5.4.0",
                Ecosystem::PyPI,
                "zope-interface",
                Some("5.4.0"),
            ),
            (
                "pkg:golang/golang.org/x/text@v0.3.7",
                Ecosystem::Go,
                "golang.org/x/text",
                Some("v0.3.7"),
            ),
            (
                "pkg:composer/guzzlehttp/guzzle@7.4.2",
                Ecosystem::Packagist,
                "guzzlehttp/guzzle",
                Some("7.4.2"),
            ),
            (
                "pkg:nuget/Newtonsoft.Json@12.0.3",
                Ecosystem::NuGet,
                "newtonsoft.json",
                Some("12.0.3"),
            ),
            (
                "pkg:cargo/time@0.2.22",
                Ecosystem::CratesIo,
                "time",
                Some("0.2.22"),
            ),
            (
                "pkg:gem/rails@7.0.4",
                Ecosystem::RubyGems,
                "rails",
                Some("7.0.4"),
            ),
        ];
        for (purl, ecosystem, name, version) in cases {
            assert_eq!(
                osv_package(purl),
                Some((ecosystem, name.to_owned(), version.map(str::to_owned))),
                "{purl}"
            );
        }
        assert_eq!(osv_package("not a purl"), None);
    }

    #[test]
    fn pypi_and_nuget_names_match_the_way_their_registries_do() {
        assert!(Ecosystem::PyPI.same_package("Django", "django"));
        assert!(Ecosystem::PyPI.same_package("zope_interface", "Zope.Interface"));
        assert!(Ecosystem::NuGet.same_package("newtonsoft.json", "Newtonsoft.Json"));
        assert!(!Ecosystem::Npm.same_package("Lodash", "lodash"));
        assert!(!Ecosystem::Maven.same_package(
            "org.apache.logging.log4j:log4j-api",
            "org.apache.logging.log4j:log4j-core"
        ));
    }

    #[test]
    fn an_ecosystem_serialises_as_its_osv_spelling() {
        let json = serde_json::to_string(&Ecosystem::CratesIo).unwrap();
        assert_eq!(json, "\"crates.io\"");
        let back: Ecosystem = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Ecosystem::CratesIo);
    }
}
