//! Counting the lexical tokens of a GraphQL document without parsing it.
//!
//! The parser builds a tree for every token it reads, so a huge document costs memory and time
//! before any limit on its shape can look at it. This pass only walks the bytes once, keeps no
//! state but a counter and stops as soon as the limit is crossed: refusing a 1 MiB document of
//! punctuation costs well under a millisecond.
//!
//! Tokens are counted as the GraphQL spec (§2.1.6) defines them: punctuators (`...` is one),
//! names, numbers and strings (a block string is one). Whitespace, commas and comments are
//! ignored tokens and do not count. The count only has to be right for valid documents; an
//! invalid one is refused by the parser anyway, so malformed input just ends its token early.

/// The number of tokens in `query`, or `None` once it exceeds `limit` (the rest is not read).
pub fn count_tokens(query: &str, limit: usize) -> Option<usize> {
    let bytes = query.as_bytes();
    let mut count = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                // Ignored tokens: not counted.
                i += 1;
                continue;
            }
            0xEF if bytes[i..].starts_with("\u{FEFF}".as_bytes()) => {
                i += 3;
                continue;
            }
            b'#' => {
                i += bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(bytes.len() - i);
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => block_string_len(&bytes[i..]),
            b'"' => string_len(&bytes[i..]),
            b'.' if bytes[i..].starts_with(b"...") => 3,
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                run_len(&bytes[i..], |c| c == b'_' || c.is_ascii_alphanumeric())
            }
            b'-' | b'0'..=b'9' => {
                1 + run_len(&bytes[i + 1..], |c| {
                    c.is_ascii_alphanumeric() || c == b'.' || c == b'+' || c == b'-'
                })
            }
            // Punctuators and any other single byte (an invalid one ends up a parse error).
            _ => 1,
        };
        count += 1;
        if count > limit {
            return None;
        }
    }
    Some(count)
}

fn run_len(bytes: &[u8], keep: impl Fn(u8) -> bool) -> usize {
    bytes.iter().position(|&c| !keep(c)).unwrap_or(bytes.len())
}

/// Length of a `"…"` string including its quotes; an unterminated one runs to the line end.
fn string_len(bytes: &[u8]) -> usize {
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Length of a `"""…"""` block string including its quotes (`\"""` does not end it).
fn block_string_len(bytes: &[u8]) -> usize {
    let mut i = 3;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::count_tokens;

    #[test]
    fn counts_tokens_as_the_spec_defines_them() {
        assert_eq!(count_tokens("{ viewer { subject } }", 100), Some(6));
        // query Q ( $ id : ID ! ) { a : f ( id : $ id ) { ... F } }
        let q = "query Q($id: ID!) { a: f(id: $id) { ...F } }";
        assert_eq!(count_tokens(q, 100), Some(24));
        // Comments, commas and whitespace are ignored; a string is one token, escapes included.
        assert_eq!(
            count_tokens("# hello { } \n{ f(s: \"a \\\" } {\", n: -1.5e3) }", 100),
            Some(11)
        );
        assert_eq!(
            count_tokens("{ f(s: \"\"\" a \\\"\"\" { } \"\"\") }", 100),
            Some(8)
        );
    }

    #[test]
    fn stops_once_over_the_limit() {
        let q = "{ a ".repeat(1000);
        assert_eq!(count_tokens(&q, 2000), Some(2000));
        assert_eq!(count_tokens(&q, 1999), None);
    }
}
