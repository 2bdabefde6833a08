//! Connections the renderer wrote as JSON text, put in their place in the response.
//!
//! async-graphql's response is a value tree; a rendered connection enters it as a placeholder
//! string naming its text, and the text replaces the placeholder's JSON when the response is
//! serialized ([`WrittenParts::splice`]), or, for a caller that keeps the response as a value,
//! is read back into one ([`WrittenParts::resolve`]). A placeholder starts with U+0000, which
//! no stored text holds, and carries a random nonce drawn for each response, so no answer of
//! the executor can pass for one.

use std::sync::{Mutex, PoisonError};

use async_graphql::Value;

/// The texts of one response (a request, or every request of a batch); request data.
pub struct WrittenParts {
    /// The start of every placeholder of this response: U+0000, the nonce and a colon.
    prefix: String,
    texts: Mutex<Vec<Vec<u8>>>,
}

impl Default for WrittenParts {
    fn default() -> Self {
        Self {
            prefix: format!("\0{:032x}:", rand::random::<u128>()),
            texts: Mutex::default(),
        }
    }
}

impl WrittenParts {
    /// The value standing for `text` in the response until it is serialized.
    pub fn placeholder(&self, text: Vec<u8>) -> Value {
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        texts.push(text);
        Value::String(format!("{}{}", self.prefix, texts.len() - 1))
    }

    /// `serialized`, the response as serde_json wrote it, with every placeholder string
    /// replaced by its text.
    pub fn splice(&self, serialized: Vec<u8>) -> Vec<u8> {
        let texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        if texts.is_empty() {
            return serialized;
        }
        // As serde_json writes the placeholder: a quote, U+0000 escaped, the nonce.
        let opening = format!("\"\\u0000{}", &self.prefix[1..]);
        let length = serialized.len() + texts.iter().map(Vec::len).sum::<usize>();
        let mut out = Vec::with_capacity(length);
        let mut copied = 0;
        for start in memchr::memmem::find_iter(&serialized, opening.as_bytes()) {
            let digits = start + opening.len();
            let Some(end) = memchr::memchr(b'"', &serialized[digits..]).map(|n| digits + n) else {
                break;
            };
            let Some(text) = index(&serialized[digits..end]).and_then(|i| texts.get(i)) else {
                continue;
            };
            out.extend_from_slice(&serialized[copied..start]);
            out.extend_from_slice(text);
            copied = end + 1;
        }
        out.extend_from_slice(&serialized[copied..]);
        out
    }

    /// `value` with every placeholder replaced by its text read back as a value.
    pub fn resolve(&self, value: &mut Value) {
        if self
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
        {
            return;
        }
        self.resolve_in(value);
    }

    fn resolve_in(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                let Some(i) = s
                    .strip_prefix(&self.prefix)
                    .and_then(|i| index(i.as_bytes()))
                else {
                    return;
                };
                let texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(read) = texts.get(i).and_then(|t| serde_json::from_slice(t).ok()) {
                    *value = read;
                }
            }
            Value::List(items) => items.iter_mut().for_each(|v| self.resolve_in(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.resolve_in(v)),
            _ => {}
        }
    }
}

fn index(digits: &[u8]) -> Option<usize> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, indexmap::IndexMap};

    use super::*;

    fn response(parts: &WrittenParts) -> Value {
        let mut fields = IndexMap::new();
        fields.insert(
            Name::new("a"),
            parts.placeholder(br#"{"x":[1,"\u0000"]}"#.to_vec()),
        );
        // What a stored text could hold, and what another response's placeholder looks like.
        fields.insert(Name::new("b"), Value::String("\0not a placeholder".into()));
        fields.insert(
            Name::new("c"),
            WrittenParts::default().placeholder(b"1".to_vec()),
        );
        fields.insert(Name::new("d"), parts.placeholder(b"[]".to_vec()));
        Value::Object(fields)
    }

    #[test]
    fn placeholders_are_replaced_by_their_text_and_nothing_else() {
        let parts = WrittenParts::default();
        let value = response(&parts);
        let spliced = parts.splice(serde_json::to_vec(&value).unwrap());
        let spliced: serde_json::Value = serde_json::from_slice(&spliced).unwrap();
        let mut resolved = value;
        parts.resolve(&mut resolved);
        let resolved = resolved.into_json().unwrap();
        assert_eq!(spliced, resolved);
        assert_eq!(spliced["a"], serde_json::json!({"x": [1, "\u{0}"]}));
        assert_eq!(spliced["b"], "\u{0}not a placeholder");
        assert!(
            spliced["c"].as_str().unwrap().starts_with('\0'),
            "{spliced}"
        );
        assert_eq!(spliced["d"], serde_json::json!([]));
    }
}
