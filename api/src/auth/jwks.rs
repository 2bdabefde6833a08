//! Verification keys from a JWKS document. Every key is pinned to exactly one algorithm when it
//! is loaded, so a token can never choose how its signature is checked: its header's `alg`
//! must equal the algorithm of the key its `kid` selects. That closes the classic confusion
//! attacks (an RSA public key used as an HMAC secret, `alg: none`).

use std::collections::HashMap;

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;
use serde_json::Value;

/// A public key and the one algorithm it verifies.
#[derive(Clone)]
pub struct VerificationKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The usable keys of a JWKS by `kid`.
pub type KeysById = HashMap<String, VerificationKey>;

/// A JWKS document with its keys still unparsed, so that one key of a type we do not support
/// (or a malformed one) is skipped instead of making the whole set unusable.
#[derive(Deserialize)]
struct RawSet {
    keys: Vec<Value>,
}

/// Parses a JWKS document. Keys that cannot be used are skipped and logged with the reason; a
/// document that is not a JWKS at all is an error (the caller keeps the keys it had).
pub fn parse(document: &[u8]) -> Result<KeysById, String> {
    let raw: RawSet =
        serde_json::from_slice(document).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = KeysById::new();
    for (index, value) in raw.keys.into_iter().enumerate() {
        let kid = value.get("kid").and_then(Value::as_str).map(str::to_owned);
        let parsed = serde_json::from_value::<Jwk>(value)
            .map_err(|e| format!("not a JWK: {e}"))
            .and_then(|jwk| pin(&jwk));
        match (kid, parsed) {
            (None, _) => tracing::warn!(
                index,
                "JWKS: key without `kid` skipped (keys are selected by kid)"
            ),
            (Some(kid), Err(reason)) => tracing::warn!(index, %kid, %reason, "JWKS: key skipped"),
            (Some(kid), Ok(_)) if keys.contains_key(&kid) => {
                tracing::warn!(index, %kid, "JWKS: duplicate kid skipped (the first one wins)")
            }
            (Some(kid), Ok(key)) => {
                keys.insert(kid, key);
            }
        }
    }
    Ok(keys)
}

/// The single algorithm a key verifies: RSA keys RS256 (or the RSA algorithm their `alg`
/// names), EC keys the ECDSA algorithm of their curve. Symmetric keys are refused: a JWKS is
/// published, so a secret in it would be no secret.
fn pin(jwk: &Jwk) -> Result<VerificationKey, String> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption) | Some(PublicKeyUse::Other(_))
    ) {
        return Err("not a signature key (`use` is not `sig`)".into());
    }
    let declared = jwk.common.key_algorithm;
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => match declared {
            None | Some(KeyAlgorithm::RS256) => Algorithm::RS256,
            Some(KeyAlgorithm::RS384) => Algorithm::RS384,
            Some(KeyAlgorithm::RS512) => Algorithm::RS512,
            Some(KeyAlgorithm::PS256) => Algorithm::PS256,
            Some(KeyAlgorithm::PS384) => Algorithm::PS384,
            Some(KeyAlgorithm::PS512) => Algorithm::PS512,
            Some(other) => return Err(format!("RSA key declares algorithm {other}")),
        },
        AlgorithmParameters::EllipticCurve(ec) => {
            let (algorithm, name) = match ec.curve {
                EllipticCurve::P256 => (Algorithm::ES256, KeyAlgorithm::ES256),
                EllipticCurve::P384 => (Algorithm::ES384, KeyAlgorithm::ES384),
                ref other => return Err(format!("unsupported curve {other:?}")),
            };
            match declared {
                None => algorithm,
                Some(d) if d == name => algorithm,
                Some(d) => return Err(format!("EC key on {:?} declares algorithm {d}", ec.curve)),
            }
        }
        AlgorithmParameters::OctetKey(_) => return Err("symmetric keys are not accepted".into()),
        AlgorithmParameters::OctetKeyPair(_) => {
            return Err("OKP (EdDSA) keys are not supported".into());
        }
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key material: {e}"))?;
    Ok(VerificationKey { algorithm, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const N: &str = "4ErwVFlM2zbh2nWwmS8u3ZaZL4eKPenZ7vc1vv5Abmz5tWQjTQrzL1T5QpZZp7-lnJ0B1oHjvisSy9_CDSQRCeTjgotfbPJG59nHoNBBY-w9Bz9s5j5JgwkTXKfiXXaUZtr9b18HCmB--MV6SalYEtRiyPBxznGHk_INkoZzfPlkqOFMuDF3158xrlH9r-Oscy5SS1Q51qsInnoZfuzIkKdSNU24hMy13gIwrNxJ_Z00-J_8B0lIwBr4B31Ns4SBhrxTi9U59R6keCb2VnjzfGqmM7HzGLVRkwUzEM851aStn-xvEs8aZ2GHXSjKNvKIy21V2sRzcWt5fzpmgy9sFQ";
    const X: &str = "6rrO0heqN9B6-_5razeXfKd0XeUE24ak5r5QWVYvJu8";
    const Y: &str = "hUFGrME89pDa7KjKmt0oRdlqsm1JKKAG6D2-zSS8GrE";

    fn algorithms(set: serde_json::Value) -> Vec<(String, Algorithm)> {
        let mut keys: Vec<_> = parse(set.to_string().as_bytes())
            .unwrap()
            .into_iter()
            .map(|(kid, key)| (kid, key.algorithm))
            .collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        keys
    }

    #[test]
    fn each_key_is_pinned_to_one_algorithm() {
        let set = json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "alg": "PS256", "n": N, "e": "AQAB"},
            {"kty": "EC", "kid": "c", "crv": "P-256", "x": X, "y": Y},
            {"kty": "EC", "kid": "d", "crv": "P-256", "alg": "ES256", "x": X, "y": Y},
        ]});
        assert_eq!(
            algorithms(set),
            vec![
                ("a".into(), Algorithm::RS256),
                ("b".into(), Algorithm::PS256),
                ("c".into(), Algorithm::ES256),
                ("d".into(), Algorithm::ES256),
            ]
        );
    }

    #[test]
    fn inconsistent_symmetric_unkeyed_and_duplicate_keys_are_skipped() {
        let set = json!({"keys": [
            {"kty": "RSA", "kid": "hs", "alg": "HS256", "n": N, "e": "AQAB"},
            {"kty": "EC", "kid": "ec-rs", "crv": "P-256", "alg": "RS256", "x": X, "y": Y},
            {"kty": "oct", "kid": "secret", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": N, "e": "AQAB"},
            {"kty": "RSA", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "dup", "n": N, "e": "AQAB"},
            {"kty": "EC", "kid": "dup", "crv": "P-256", "x": X, "y": Y},
            {"kty": "weird", "kid": "weird"},
        ]});
        assert_eq!(algorithms(set), vec![("dup".into(), Algorithm::RS256)]);
    }

    #[test]
    fn a_document_that_is_not_a_jwks_is_an_error() {
        assert!(parse(b"<html>").is_err());
        assert!(parse(br#"{"kid": "x"}"#).is_err());
    }
}
