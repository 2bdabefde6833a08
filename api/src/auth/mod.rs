//! Authentication: bearer JWTs verified with a pinned algorithm and required `iss`, `aud` and
//! `exp` (HS256 with our secret, or RS256/ES256 with an identity provider's JWKS), turned into
//! a domain [`domain::Principal`] for the token's workspace.

mod jwks;
mod jwks_cache;
mod jwt;
mod principal;
mod secret;

pub use jwks_cache::{JwksCache, JwksSource};
pub use jwt::{Claims, JwtKeys, TokenError};
pub use principal::{AuthError, authenticate, bearer_token};
pub use secret::load_or_create_secret;
