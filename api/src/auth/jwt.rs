use std::{sync::Arc, time::Duration};

use chrono::Utc;
use domain::Role;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use super::jwks_cache::JwksCache;

/// The claims of a Wayfinder access token (see the public contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub workspace: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    /// Optional for tokens of an external identity provider; ours always carry it.
    #[serde(default)]
    pub iat: i64,
}

/// Why a token was refused; logged, never sent to the client in detail.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Invalid(String),
    /// The header names a `kid` no trusted key has (yet): a reload of the JWKS may help.
    #[error("unknown key id `{0}`")]
    UnknownKey(String),
}

/// Verification keys and the expected issuer and audience.
///
/// A token without `kid` is checked against the HS256 secret only; a token with `kid` only
/// against the JWKS key of that id, whose algorithm was pinned when the key was loaded. The
/// header's `alg` must equal the pinned algorithm, so a token can never pick how it is
/// verified (`none`, or an RSA public key passed off as an HMAC secret, are refused before any
/// signature is looked at). Keys embedded in a token header (`jwk`, `jku`, `x5u`) are ignored.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    external: Option<ExternalKeys>,
}

/// Keys of an external identity provider, which names itself with its own issuer.
#[derive(Clone)]
struct ExternalKeys {
    cache: Arc<JwksCache>,
    issuer: String,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            external: None,
        }
    }

    /// Also accepts tokens signed by the keys of `cache` and issued by `issuer`.
    pub fn with_jwks(mut self, cache: Arc<JwksCache>, issuer: &str) -> Self {
        self.external = Some(ExternalKeys {
            cache,
            issuer: issuer.to_owned(),
        });
        self
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
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// Verifies with the keys at hand.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token)
            .map_err(|e| TokenError::Invalid(format!("header: {}", e.kind().to_owned_string())))?;
        let (algorithm, key, issuer) = match header.kid {
            None => (
                Algorithm::HS256,
                self.decoding.clone(),
                self.issuer.as_str(),
            ),
            Some(kid) => {
                let external = self
                    .external
                    .as_ref()
                    .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
                let found = external
                    .cache
                    .get(&kid)
                    .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
                (found.algorithm, found.key, external.issuer.as_str())
            }
        };
        if header.alg != algorithm {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} does not match the key's {algorithm:?}",
                header.alg
            )));
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        decode::<Claims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError::Invalid(e.kind().to_owned_string()))
    }

    /// Verifies, and when the token names a key we do not know, reloads the JWKS (rate
    /// limited) and tries once more: that is how a key rotated in at the identity provider is
    /// picked up without waiting for the periodic reload.
    pub async fn verify_fresh(&self, token: &str) -> Result<Claims, TokenError> {
        match self.verify(token) {
            Err(TokenError::UnknownKey(kid)) => match &self.external {
                Some(external) if external.cache.reload_if_allowed().await => self.verify(token),
                _ => Err(TokenError::UnknownKey(kid)),
            },
            other => other,
        }
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

    mod with_jwks {
        use std::path::Path;

        use serde_json::{Value, json};

        use super::*;
        use crate::auth::{JwksCache, JwksSource};

        fn fixture(name: &str) -> Vec<u8> {
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/jwt")
                    .join(name),
            )
            .unwrap()
        }

        async fn keys() -> JwtKeys {
            let source = JwksSource::File(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/jwt/test-only-jwks-initial.json"),
            );
            let cache = JwksCache::load(source, Duration::from_secs(3600))
                .await
                .unwrap();
            super::keys().with_jwks(cache, "https://idp.test")
        }

        fn claims() -> Value {
            let now = Utc::now().timestamp();
            json!({"sub": "ci", "workspace": "acme", "role": "viewer", "iss": "https://idp.test",
                   "aud": "wayfinder-api", "exp": now + 600})
        }

        fn sign(alg: Algorithm, kid: &str, claims: &Value, key: &EncodingKey) -> String {
            let header = Header {
                kid: Some(kid.into()),
                ..Header::new(alg)
            };
            encode(&header, claims, key).unwrap()
        }

        fn rsa(n: u8) -> EncodingKey {
            EncodingKey::from_rsa_pem(&fixture(&format!("test-only-rsa-{n}.key.pem"))).unwrap()
        }

        /// Each refusal for the reason it should have, not merely refused.
        #[tokio::test]
        async fn each_bad_token_is_refused_for_its_own_reason() {
            let keys = keys().await;
            let now = Utc::now().timestamp();
            let with = |key: &str, value: Value| {
                let mut c = claims();
                c[key] = value;
                c
            };
            let without = |key: &str| {
                let mut c = claims();
                c.as_object_mut().unwrap().remove(key);
                c
            };
            let hs_with_public_key = EncodingKey::from_secret(&fixture("test-only-rsa-1.pub.pem"));
            let cases = [
                (
                    "bad signature",
                    sign(Algorithm::RS256, "rsa-1", &claims(), &rsa(2)),
                    "InvalidSignature",
                ),
                (
                    "expired",
                    sign(
                        Algorithm::RS256,
                        "rsa-1",
                        &with("exp", json!(now - 3600)),
                        &rsa(1),
                    ),
                    "ExpiredSignature",
                ),
                (
                    "not yet valid",
                    sign(
                        Algorithm::RS256,
                        "rsa-1",
                        &with("nbf", json!(now + 3600)),
                        &rsa(1),
                    ),
                    "ImmatureSignature",
                ),
                (
                    "wrong iss",
                    sign(
                        Algorithm::RS256,
                        "rsa-1",
                        &with("iss", json!("wayfinder")),
                        &rsa(1),
                    ),
                    "InvalidIssuer",
                ),
                (
                    "wrong aud",
                    sign(Algorithm::RS256, "rsa-1", &with("aud", json!("x")), &rsa(1)),
                    "InvalidAudience",
                ),
                (
                    "no aud",
                    sign(Algorithm::RS256, "rsa-1", &without("aud"), &rsa(1)),
                    "missing field `aud`",
                ),
                (
                    "no exp",
                    sign(Algorithm::RS256, "rsa-1", &without("exp"), &rsa(1)),
                    "missing field `exp`",
                ),
                (
                    "no iss",
                    sign(Algorithm::RS256, "rsa-1", &without("iss"), &rsa(1)),
                    "missing field `iss`",
                ),
                (
                    "string exp",
                    sign(
                        Algorithm::RS256,
                        "rsa-1",
                        &with("exp", json!((now + 600).to_string())),
                        &rsa(1),
                    ),
                    "exp",
                ),
                (
                    "HS256 with the RSA public key",
                    sign(Algorithm::HS256, "rsa-1", &claims(), &hs_with_public_key),
                    "does not match the key",
                ),
                (
                    "RS256 under the EC key's kid",
                    sign(Algorithm::RS256, "ec-1", &claims(), &rsa(1)),
                    "does not match the key",
                ),
                (
                    "unknown kid",
                    sign(Algorithm::RS256, "rsa-2", &claims(), &rsa(2)),
                    "unknown key id",
                ),
            ];
            for (case, token, reason) in cases {
                let error = keys.verify_fresh(&token).await.unwrap_err().to_string();
                assert!(
                    error.contains(reason),
                    "{case}: `{error}` should mention {reason}"
                );
            }
            let good = sign(Algorithm::RS256, "rsa-1", &claims(), &rsa(1));
            assert_eq!(keys.verify_fresh(&good).await.unwrap().sub, "ci");
        }
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
