//! API tokens of technical users (integrations, CI pipelines, the Events API), as LeanIX's
//! technical users work: an admin creates one for a role, the secret is shown once, and the
//! integration exchanges it for a short-lived access token.
//!
//! Only a SHA-256 digest of a token is stored. A slow password hash would buy nothing: the
//! secret part is 256 random bits, so it cannot be guessed from its digest.

mod exchange;
mod manage;
mod names;
mod secret;

pub use exchange::{Grant, Redemption, RefusalReason, redeem, still_valid};
pub use manage::{MAX_LIFETIME, create, list, revoke};
pub(crate) use names::acting_token_name;
pub use secret::TokenSecret;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// A stored API token (never its secret; `token_hash` is a digest).
pub type ApiToken = entity::api_token::Model;

/// A token as just created: the row, and the secret that is shown this once.
#[derive(Debug)]
pub struct CreatedApiToken {
    pub api_token: ApiToken,
    pub token: TokenSecret,
}

/// Access tokens minted for an API token carry this subject, so every request they make is
/// attributable to the technical user and revocation can be checked per request.
const SUBJECT_PREFIX: &str = "apitoken:";

/// The `sub` of an access token minted for API token `id`.
pub fn subject(id: Uuid) -> String {
    format!("{SUBJECT_PREFIX}{}", id.simple())
}

/// The API token behind an access token's subject, when the subject names one. `Some(None)`
/// means the subject claims to be an API token but names none: such a token is refused.
pub fn token_id_of_subject(subject: &str) -> Option<Option<Uuid>> {
    subject
        .strip_prefix(SUBJECT_PREFIX)
        .map(|id| Uuid::try_parse(id).ok())
}

/// A time as the database keeps it (PostgreSQL stores microseconds), so what a mutation returns
/// equals what a later read returns.
fn stored(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_their_token() {
        let id = Uuid::now_v7();
        assert_eq!(token_id_of_subject(&subject(id)), Some(Some(id)));
        assert_eq!(token_id_of_subject("apitoken:nonsense"), Some(None));
        assert_eq!(token_id_of_subject("alice@acme.test"), None);
    }
}
