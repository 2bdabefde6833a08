//! Package URLs in their one canonical form, so that the same package written by two SBOM
//! generators (`%40babel` or `@babel`, `PKG:NPM`, qualifiers in any order) is stored, matched and
//! searched as one.

use packageurl::PackageUrl;

/// The canonical form of `purl` as the purl specification defines it: lower-case scheme and type,
/// the type's own case rules for namespace and name (npm and PyPI names are case-insensitive,
/// Maven's are not), percent-encoding where the specification requires it, qualifiers sorted by
/// key, and the subpath kept. Nothing that identifies the package is dropped; only empty
/// qualifiers and `.`/`..` path segments go, as the specification says.
///
/// `Err` says what is wrong with the text, for the caller to put next to the field it came from.
pub fn normalize(purl: &str) -> Result<String, String> {
    let trimmed = purl.trim();
    // The scheme is case-insensitive, but the parser only knows it in lower case.
    let text = match trimmed.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("pkg:") && scheme != "pkg:" => {
            format!("pkg:{}", &trimmed[4..])
        }
        _ => trimmed.to_owned(),
    };
    text.parse::<PackageUrl>()
        .map(|parsed| parsed.to_string())
        .map_err(|e| format!("is not a package URL: {e}"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn an_npm_scope_is_percent_encoded_and_the_name_lower_cased() {
        assert_eq!(
            normalize("pkg:npm/@babel/Core@7.10.4").unwrap(),
            "pkg:npm/%40babel/core@7.10.4"
        );
        assert_eq!(
            normalize("pkg:npm/%40babel/core@7.10.4").unwrap(),
            "pkg:npm/%40babel/core@7.10.4"
        );
    }

    #[test]
    fn the_scheme_and_type_are_lower_cased_and_maven_names_keep_their_case() {
        assert_eq!(
            normalize("PKG:Maven/org.Apache/Commons-Lang3@3.12.0").unwrap(),
            "pkg:maven/org.Apache/Commons-Lang3@3.12.0"
        );
    }

    #[test]
    fn qualifiers_are_sorted_and_the_subpath_is_kept() {
        assert_eq!(
            normalize("pkg:maven/g/a@1.0?type=jar&classifier=sources#src/main").unwrap(),
            "pkg:maven/g/a@1.0?classifier=sources&type=jar#src/main"
        );
        assert_eq!(
            normalize("pkg:deb/debian/curl@7.50.3-1?distro=jessie&arch=i386").unwrap(),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
    }

    #[test]
    fn pypi_names_follow_pep_503() {
        assert_eq!(
            normalize("pkg:pypi/Django_Rest@3.0").unwrap(),
            "pkg:pypi/django-rest@3.0"
        );
    }

    #[test]
    fn a_version_with_characters_outside_the_safe_set_is_encoded() {
        assert_eq!(
            normalize("pkg:golang/github.com/a/b@v0.0.0-2019+incompatible").unwrap(),
            "pkg:golang/github.com/a/b@v0.0.0-2019%2Bincompatible"
        );
    }

    #[test]
    fn text_that_is_not_a_purl_is_refused_with_a_reason() {
        for bad in [
            "",
            "npm/left-pad@1.0",
            "http://example.com",
            "pkg:npm/",
            "pkg:1npm/x",
        ] {
            let refusal = normalize(bad).unwrap_err();
            assert!(
                refusal.starts_with("is not a package URL"),
                "{bad}: {refusal}"
            );
        }
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        for purl in [
            "pkg:npm/%40mapbox/node-pre-gyp@1.0.10",
            "pkg:maven/org.keycloak/keycloak-common@10.0.2?type=jar",
            "pkg:composer/asm89/stack-cors@1.3.0",
            "pkg:golang/github.com/ProtonMail/go-rfc5322@v0.5.0",
        ] {
            let once = normalize(purl).unwrap();
            assert_eq!(normalize(&once).unwrap(), once);
        }
    }
}
