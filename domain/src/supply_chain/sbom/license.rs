//! Licences as SPDX expressions in their canonical form.

/// The canonical SPDX expression for `text` (`apache 2.0/mit` becomes `Apache-2.0 OR MIT`,
/// `GPL-2.0+` becomes `GPL-2.0-or-later`) when the SPDX licence list knows every licence in it;
/// otherwise the text as written, trimmed, so that no licence is ever lost. `None` for blank text.
pub(super) fn normalize(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let cased = with_listed_case(text);
    let canonical = match spdx::Expression::canonicalize(&cased) {
        Ok(Some(canonical)) => canonical,
        Ok(None) => cased,
        Err(_) => return Some(text.to_owned()),
    };
    match spdx::Expression::parse(&canonical) {
        Ok(_) => Some(canonical),
        Err(_) => Some(text.to_owned()),
    }
}

/// `text` with each licence or exception identifier spelled as the SPDX list spells it: the
/// specification matches identifiers without regard to case (`apache-2.0` is `Apache-2.0`), the
/// `spdx` crate only in the list's own case.
fn with_listed_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let (bare, plus) = match word.strip_suffix('+') {
            Some(bare) => (bare, "+"),
            None => (word.as_str(), ""),
        };
        let listed = spdx::identifiers::LICENSES
            .iter()
            .map(|l| l.name)
            .chain(spdx::identifiers::EXCEPTIONS.iter().map(|e| e.name))
            .find(|name| name.eq_ignore_ascii_case(bare));
        match listed {
            Some(name) => {
                out.push_str(name);
                out.push_str(plus);
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '(' | ')' | '/') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
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
        assert_eq!(normalize("mit/apache-2.0").unwrap(), "MIT OR Apache-2.0");
        assert_eq!(normalize("GPL-2.0+").unwrap(), "GPL-2.0-or-later");
        assert_eq!(normalize(" MIT ").unwrap(), "MIT");
        assert_eq!(
            normalize("(apache-2.0 with llvm-exception) or bsd-3-clause").unwrap(),
            "(Apache-2.0 WITH LLVM-exception) OR BSD-3-Clause"
        );
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
