//! Maven: the order of `org.apache.maven.artifact.versioning.ComparableVersion`.
//!
//! A version is split at `.`, `-` and digit/letter boundaries into a tree of numbers and
//! qualifiers; each `-` (and each digit/letter switch) opens a sub-list. Known qualifiers order
//! `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < release (`""`, `ga`, `final`,
//! `release`) < `sp`; unknown qualifiers sort after them, alphabetically. Trailing zeros and
//! release qualifiers don't count (`1.0` == `1`, `1.0-final` == `1`).

use std::cmp::Ordering;

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeros, compared by length then text: no overflow on huge numbers.
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(compare_lists(&parse(a)?, &parse(b)?))
}

fn parse(version: &str) -> Option<Vec<Item>> {
    let version = version.trim();
    if version.is_empty() || version.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let version = version.to_lowercase();
    let chars: Vec<char> = version.chars().collect();

    // A stack of open lists; each finished list is folded into its parent on close.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '.' || c == '-' {
            let list = stack.last_mut().expect("root list");
            if i == start {
                list.push(Item::Int("0".into()));
            } else {
                list.push(item(&chars[start..i], is_digit, false));
            }
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                let text = &chars[start..i];
                stack
                    .last_mut()
                    .expect("root list")
                    .push(item(text, false, true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                let text = &chars[start..i];
                stack
                    .last_mut()
                    .expect("root list")
                    .push(item(text, true, false));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        let text = &chars[start..];
        stack
            .last_mut()
            .expect("root list")
            .push(item(text, is_digit, false));
    }
    while stack.len() > 1 {
        let mut list = stack.pop().expect("nested list");
        normalize(&mut list);
        stack
            .last_mut()
            .expect("parent list")
            .push(Item::List(list));
    }
    let mut root = stack.pop().expect("root list");
    normalize(&mut root);
    Some(root)
}

fn item(text: &[char], is_digit: bool, followed_by_digit: bool) -> Item {
    let text: String = text.iter().collect();
    if is_digit {
        let trimmed = text.trim_start_matches('0');
        return Item::Int(if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        });
    }
    let text = match (text.as_str(), followed_by_digit) {
        ("a", true) => "alpha".to_owned(),
        ("b", true) => "beta".to_owned(),
        ("m", true) => "milestone".to_owned(),
        ("ga" | "final" | "release", _) => String::new(),
        ("cr", _) => "rc".to_owned(),
        _ => text,
    };
    Item::Str(text)
}

/// Drops trailing "null" items (zeros, release qualifiers, empty lists), looking past
/// sub-lists, as ComparableVersion does.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if is_null(&list[i]) {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(digits) => digits == "0",
        Item::Str(text) => qualifier_rank(text) == (RELEASE_INDEX, ""),
        Item::List(items) => items.is_empty(),
    }
}

/// Known qualifiers by their index; unknown ones after all of them, by their text.
fn qualifier_rank(text: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|q| *q == text) {
        Some(index) => (index, ""),
        None => (QUALIFIERS.len(), text),
    }
}

fn compare_ints(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `item` against a missing item (the other version ran out).
fn compare_to_nothing(item: &Item) -> Ordering {
    match item {
        Item::Int(digits) if digits == "0" => Ordering::Equal,
        Item::Int(_) => Ordering::Greater,
        Item::Str(text) => qualifier_rank(text).cmp(&(RELEASE_INDEX, "")),
        Item::List(items) => items.first().map_or(Ordering::Equal, compare_to_nothing),
    }
}

fn compare_items(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(x), Item::Int(y)) => compare_ints(x, y),
        (Item::Int(_), _) => Ordering::Greater,
        (Item::Str(_), Item::Int(_)) => Ordering::Less,
        (Item::Str(x), Item::Str(y)) => qualifier_rank(x).cmp(&qualifier_rank(y)),
        (Item::Str(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Int(_)) => Ordering::Less,
        (Item::List(_), Item::Str(_)) => Ordering::Greater,
        (Item::List(x), Item::List(y)) => compare_lists(x, y),
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let order = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => compare_items(x, y),
            (Some(x), None) => compare_to_nothing(x),
            (None, Some(y)) => compare_to_nothing(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_ascending(versions: &[&str]) {
        for pair in versions.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Ordering::Less), "{pair:?}");
            assert_eq!(
                compare(pair[1], pair[0]),
                Some(Ordering::Greater),
                "{pair:?}"
            );
        }
    }

    #[test]
    fn qualifiers_order_below_the_release_and_service_packs_above() {
        assert_ascending(&[
            "1.0-alpha1",
            "1.0-beta1",
            "1.0-milestone1",
            "1.0-rc1",
            "1.0-snapshot",
            "1.0",
            "1.0-sp1",
            "1.0-whatever",
            "1.0.1",
        ]);
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_ascending(&["2.0-beta9", "2.0", "2.0.1", "2.4", "2.12.2", "10.0"]);
        assert_ascending(&["1-beta2", "1-beta10"]);
        assert_ascending(&["1.0", "1.0.99999999999999999999999"]);
    }

    #[test]
    fn spellings_of_the_same_version_are_equal() {
        for (a, b) in [
            ("1.0", "1"),
            ("1.0.0", "1"),
            ("1.0-ga", "1"),
            ("1.0.final", "1"),
            ("1.0-RELEASE", "1.0"),
            ("1.0-cr1", "1.0-rc1"),
            ("1.0a1", "1.0-alpha-1"),
            ("1.0-SNAPSHOT", "1.0-snapshot"),
        ] {
            assert_eq!(compare(a, b), Some(Ordering::Equal), "{a} vs {b}");
        }
    }

    #[test]
    fn an_empty_or_spaced_version_cannot_be_ordered() {
        assert_eq!(compare("", "1.0"), None);
        assert_eq!(compare("1.0", "1 0"), None);
    }
}
