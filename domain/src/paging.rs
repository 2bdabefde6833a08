//! Relay-style forward pagination: opaque cursors and page-size rules shared by every list.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    error::{Error, Result},
    limits::{self, MAX_PAGE_SIZE},
};

pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// The page size for `first`: 50 when absent, at most 500 (larger requests are capped, as the
/// contract promises), negative values refused.
pub fn page_size(first: Option<i32>) -> Result<u64> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(Error::invalid("first", "must not be negative")),
        Some(n) => Ok((n as u64).min(MAX_PAGE_SIZE)),
    }
}

/// Cursors are base64url-encoded JSON: opaque to clients, easy to evolve for us.
pub fn encode_cursor<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// A cursor is the client's text too: a forged one holding U+0000 (which no stored value holds)
/// is refused like any other cursor this list did not return.
pub fn decode_cursor<T: DeserializeOwned>(cursor: &str) -> Result<T> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .filter(|json| limits::check_json("", json).is_none())
        .and_then(|json| serde_json::from_value(json).ok())
        .ok_or_else(|| Error::invalid("after", "is not a cursor returned by this list"))
}

/// One page of a list, each item with the cursor that points just past it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// The same page with each item made into another (its cursor kept).
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
        }
    }

    /// Builds a page from `size + 1` fetched rows: the extra row only says whether more exist.
    pub fn from_rows(mut rows: Vec<T>, size: u64, cursor: impl Fn(&T) -> String) -> Self {
        let has_next_page = rows.len() as u64 > size;
        rows.truncate(size as usize);
        Self {
            items: rows.into_iter().map(|row| (cursor(&row), row)).collect(),
            has_next_page,
        }
    }

    pub fn end_cursor(&self) -> Option<&str> {
        self.items.last().map(|(c, _)| c.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_default_and_cap() {
        assert_eq!(page_size(None).unwrap(), 50);
        assert_eq!(page_size(Some(10)).unwrap(), 10);
        assert_eq!(page_size(Some(100_000)).unwrap(), 500);
        assert!(page_size(Some(-1)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor(&("b", 3));
        assert_eq!(
            decode_cursor::<(String, i32)>(&c).unwrap(),
            ("b".to_string(), 3)
        );
        assert!(decode_cursor::<(String, i32)>("%%%").is_err());
        let forged = encode_cursor(&("b\u{0}", 3));
        assert!(decode_cursor::<(String, i32)>(&forged).is_err());
    }
}
