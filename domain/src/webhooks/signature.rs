use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Whether `header` (`sha256=<hex>`, as GitHub's `X-Hub-Signature-256`) is the HMAC-SHA256 of
/// `body` under `secret`. The comparison takes the same time however many leading bytes match
/// (`verify_slice`), so response times do not let a sender guess a valid signature byte by
/// byte.
pub fn signature_matches(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_digest) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The `X-Hub-Signature-256` header GitHub sends with `body` under `secret`: for clients that
/// play GitHub's part (the webhook benchmark).
pub fn signature_header(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
    const DOCUMENTED: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_documented_signature_verifies_and_nothing_else_does() {
        let secret = b"It's a Secret to Everybody";
        assert!(signature_matches(
            secret,
            b"Hello, World!",
            Some(DOCUMENTED)
        ));
        assert!(!signature_matches(
            secret,
            b"Hello, World?",
            Some(DOCUMENTED)
        ));
        assert!(!signature_matches(
            b"another",
            b"Hello, World!",
            Some(DOCUMENTED)
        ));
        assert!(!signature_matches(secret, b"Hello, World!", None));
        assert!(!signature_matches(
            secret,
            b"Hello, World!",
            Some(&DOCUMENTED[..20])
        ));
        assert!(!signature_matches(
            secret,
            b"Hello, World!",
            Some(DOCUMENTED.trim_start_matches("sha256="))
        ));
    }
}
