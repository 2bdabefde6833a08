use serde_json::Value;

use super::Attributes;

/// Applies a partial update: keys present in `patch` replace the stored value, a key set to
/// `null` removes it, keys not mentioned are kept (JSON merge patch, one level deep).
pub fn merge_patch(current: &Attributes, patch: &Attributes) -> Attributes {
    let mut merged = current.clone();
    for (key, value) in patch {
        if value.is_null() {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// The changed keys between two attribute sets as `(key, old, new)`, sorted by key.
pub(crate) fn diff<'a>(
    old: &'a Attributes,
    new: &'a Attributes,
) -> Vec<(&'a str, Option<&'a Value>, Option<&'a Value>)> {
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k), new.get(k));
            (o != n).then_some((k, o, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn null_removes_and_absent_keeps() {
        let current = json!({"a": 1, "b": 2}).as_object().unwrap().clone();
        let patch = json!({"a": null, "c": 3}).as_object().unwrap().clone();
        assert_eq!(
            Value::Object(merge_patch(&current, &patch)),
            json!({"b": 2, "c": 3})
        );
    }
}
