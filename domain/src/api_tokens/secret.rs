use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

const PREFIX: &str = "wf_";
const UUID_HEX: usize = 32;
const RANDOM_BYTES: usize = 32;
/// 32 random bytes in unpadded base64url.
const RANDOM_CHARS: usize = 43;
const LEN: usize = PREFIX.len() + UUID_HEX + 1 + UUID_HEX + 1 + RANDOM_CHARS;

/// An API token as the client holds it: `wf_<workspace>_<id>_<random>`. It names its workspace
/// and row, so redeeming it reads exactly one row by primary key (tenant first, as the sharding
/// scheme requires) instead of searching by hash; the prefix lets secret scanners spot leaks.
/// `Debug` and `Display` never print the random part.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret {
    text: String,
    workspace_id: Uuid,
    id: Uuid,
}

impl TokenSecret {
    /// A fresh token for the row `id` of `workspace_id`, with 256 bits from the OS-seeded CSPRNG.
    pub fn generate(workspace_id: Uuid, id: Uuid) -> Self {
        let mut random = [0u8; RANDOM_BYTES];
        rand::rng().fill_bytes(&mut random);
        let text = format!(
            "{PREFIX}{}_{}_{}",
            workspace_id.simple(),
            id.simple(),
            URL_SAFE_NO_PAD.encode(random)
        );
        Self {
            text,
            workspace_id,
            id,
        }
    }

    /// Reads a token presented by a client; `None` when it is not shaped like one.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != LEN || !text.is_ascii() {
            return None;
        }
        let rest = text.strip_prefix(PREFIX)?;
        let (workspace, rest) = rest.split_at(UUID_HEX);
        let rest = rest.strip_prefix('_')?;
        let (id, rest) = rest.split_at(UUID_HEX);
        let random = rest.strip_prefix('_')?;
        let decoded = URL_SAFE_NO_PAD.decode(random).ok()?;
        if decoded.len() != RANDOM_BYTES {
            return None;
        }
        Some(Self {
            text: text.to_owned(),
            workspace_id: Uuid::try_parse(workspace).ok()?,
            id: Uuid::try_parse(id).ok()?,
        })
    }

    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The whole token, for showing it to its creator once.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// Hex SHA-256 of the whole token, the only form that is stored.
    pub fn digest(&self) -> String {
        #[cfg(test)]
        DIGESTS.with(|count| count.set(count.get() + 1));
        hex(&Sha256::digest(self.text.as_bytes()))
    }

    /// Compares with a stored digest in constant time, so response timing says nothing about
    /// how much of a guess was right.
    pub fn matches(&self, stored_digest: &str) -> bool {
        self.digest()
            .as_bytes()
            .ct_eq(stored_digest.as_bytes())
            .into()
    }
}

#[cfg(test)]
thread_local! {
    /// Digests computed on this thread, so tests can tell that every refusal hashes alike.
    pub(super) static DIGESTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({}, redacted)", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_back_and_match_only_their_digest() {
        let (ws, id) = (Uuid::now_v7(), Uuid::now_v7());
        let token = TokenSecret::generate(ws, id);
        assert_eq!(token.expose().len(), LEN);
        let parsed = TokenSecret::parse(token.expose()).unwrap();
        assert_eq!((parsed.workspace_id(), parsed.id()), (ws, id));
        assert!(parsed.matches(&token.digest()));
        let other = TokenSecret::generate(ws, id);
        assert_ne!(other.expose(), token.expose());
        assert!(!other.matches(&token.digest()));
        assert!(!format!("{token:?}").contains(&token.expose()[70..]));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = TokenSecret::generate(Uuid::now_v7(), Uuid::now_v7());
        let text = good.expose();
        let cases = [
            String::new(),
            "wf_".into(),
            text[..text.len() - 1].to_owned(),
            format!("{text}A"),
            text.replacen("wf_", "xx_", 1),
            format!("{}!{}", &text[..text.len() - 1], ""),
            format!("{}g{}", &text[..3], &text[4..]),
        ];
        for case in cases {
            assert!(TokenSecret::parse(&case).is_none(), "{case}");
        }
    }
}
