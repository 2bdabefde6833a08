//! Licences as SPDX expressions in their canonical form.

/// The canonical SPDX expression for `text` (`apache 2.0/mit` becomes `Apache-2.0 OR MIT`,
/// `GPL-2.0+` becomes `GPL-2.0-or-later`) when the SPDX licence list knows every licence in it;
/// otherwise the text as written, trimmed, so that no licence is ever lost. `None` for blank text.
pub(super) fn normalize(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let canonical = match spdx::Expression::canonicalize(text) {
        Ok(Some(canonical)) => canonical,
        Ok(None) => text.to_owned(),
        Err(_) => return Some(text.to_owned()),
    };
    match spdx::Expression::parse(&canonical) {
        Ok(_) => Some(canonical),
        Err(_) => Some(text.to_owned()),
    }
}

/// The licences SPDX states for a package: the concluded licence unless it is `NOASSERTION` or
/// `NONE`, else the declared one on the same terms.
pub(super) fn spdx_package(concluded: Option<&str>, declared: Option<&str>) -> Option<String> {
    asserted(concluded)
        .or(asserted(declared))
        .and_then(normalize)
}

fn asserted(text: Option<&str>) -> Option<&str> {
    text.map(str::trim)
        .filter(|t| !t.is_empty() && *t != "NOASSERTION" && *t != "NONE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_expressions_become_canonical() {
        assert_eq!(normalize("mit/Apache-2.0").unwrap(), "MIT OR Apache-2.0");
        assert_eq!(normalize("GPL-2.0+").unwrap(), "GPL-2.0-or-later");
        assert_eq!(normalize(" MIT ").unwrap(), "MIT");
        assert_eq!(
            normalize("(LGPL-2.0-only OR LicenseRef-3)").unwrap(),
            "(LGPL-2.0-only OR LicenseRef-3)"
        );
    }

    #[test]
    fn what_the_spdx_list_does_not_know_is_kept_as_written() {
        assert_eq!(normalize("Public Domain").unwrap(), "Public Domain");
        assert_eq!(
            normalize("GNU General Public License, version 2").unwrap(),
            "GNU General Public License, version 2"
        );
        assert_eq!(normalize("MIT OR (").unwrap(), "MIT OR (");
        assert_eq!(normalize("   "), None);
    }

    #[test]
    fn spdx_prefers_the_concluded_licence_unless_it_asserts_nothing() {
        assert_eq!(
            spdx_package(Some("MIT"), Some("Apache-2.0")).unwrap(),
            "MIT"
        );
        assert_eq!(
            spdx_package(Some("NOASSERTION"), Some("Apache-2.0")).unwrap(),
            "Apache-2.0"
        );
        assert_eq!(spdx_package(Some("NONE"), None), None);
        assert_eq!(spdx_package(None, Some("NOASSERTION")), None);
    }
}
