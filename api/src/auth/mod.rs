//! Authentication: bearer JWTs verified with a pinned algorithm and required `iss`, `aud` and
//! `exp`, turned into a domain [`domain::Principal`] for the token's workspace.

mod jwt;
mod principal;
mod secret;

pub use jwt::{Claims, JwtKeys, TokenError};
pub use principal::{AuthError, authenticate, bearer_token};
pub use secret::load_or_create_secret;
