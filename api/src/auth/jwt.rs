use std::time::Duration;

use chrono::Utc;
use domain::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

/// The claims of a Wayfinder access token (see the public contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub workspace: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

/// Why a token was refused; logged, never sent to the client in detail.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(String);

/// The HS256 key pair and the expected issuer and audience. The algorithm is pinned: a token
/// claiming any other `alg` (including `none`) is refused before its signature is looked at.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    pub fn issue(
        &self,
        subject: &str,
        workspace: &str,
        role: Role,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            workspace: workspace.to_owned(),
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl.as_secs() as i64,
            iat: now,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError(e.kind().to_owned_string()))
    }
}

trait KindText {
    fn to_owned_string(&self) -> String;
}

impl KindText for jsonwebtoken::errors::ErrorKind {
    fn to_owned_string(&self) -> String {
        format!("{self:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::hs256(
            b"a-test-secret-that-is-long-enough",
            "wayfinder",
            "wayfinder-api",
        )
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_claims() {
        let token = keys()
            .issue("alice", "acme", Role::Member, Duration::from_secs(60))
            .unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.workspace.as_str(), claims.role),
            ("alice", "acme", Role::Member)
        );
    }

    #[test]
    fn wrong_secret_issuer_audience_and_expiry_are_refused() {
        let token = keys()
            .issue("alice", "acme", Role::Admin, Duration::from_secs(60))
            .unwrap();
        assert!(
            JwtKeys::hs256(
                b"another-secret-another-secret!!",
                "wayfinder",
                "wayfinder-api"
            )
            .verify(&token)
            .is_err()
        );
        assert!(
            JwtKeys::hs256(
                b"a-test-secret-that-is-long-enough",
                "other",
                "wayfinder-api"
            )
            .verify(&token)
            .is_err()
        );
        assert!(
            JwtKeys::hs256(b"a-test-secret-that-is-long-enough", "wayfinder", "other")
                .verify(&token)
                .is_err()
        );
        let now = Utc::now().timestamp();
        let expired = Claims {
            sub: "a".into(),
            workspace: "acme".into(),
            role: Role::Admin,
            iss: "wayfinder".into(),
            aud: "wayfinder-api".into(),
            exp: now - 3600,
            iat: now - 7200,
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &expired,
            &EncodingKey::from_secret(b"a-test-secret-that-is-long-enough"),
        )
        .unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let body = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"a","workspace":"acme","role":"admin","iss":"wayfinder","aud":"wayfinder-api","exp":{},"iat":{now}}}"#, now + 60));
        assert!(keys().verify(&format!("{header}.{body}.")).is_err());
    }
}
