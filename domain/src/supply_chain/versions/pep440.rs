//! PyPI: PEP 440, through `pep440_rs` (the parser uv uses), so epochs, pre-, post- and
//! dev-releases and local versions order as pip orders them
//! (`1.0.dev0` < `1.0a1` < `1.0rc1` < `1.0` < `1.0.post1`).

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;

pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let a = Version::from_str(a.trim()).ok()?;
    let b = Version::from_str(b.trim()).ok()?;
    Some(a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_post_and_dev_releases_order_as_pip_does() {
        let ordered = [
            "1.0.dev0",
            "1.0a1",
            "1.0b2",
            "1.0rc1",
            "1.0",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Ordering::Less), "{pair:?}");
        }
        assert_eq!(compare("3.2", "3.2.0"), Some(Ordering::Equal));
        assert_eq!(compare("1.0-RC1", "1.0rc1"), Some(Ordering::Equal));
        assert_eq!(compare("not.a.version", "1.0"), None);
    }
}
