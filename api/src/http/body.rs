//! Reading a request body under a size limit and a deadline.
//!
//! actix-web's `client_request_timeout` covers the request head only: a client that declared a
//! large body and then sent it a byte at a time held its connection, and a file descriptor, for
//! as long as it liked, and enough such clients took the server to its descriptor limit without
//! any credentials. Every body is therefore read against a deadline that moves with the bytes
//! received: a fixed allowance for small bodies, plus the time the bytes so far would take at a
//! minimum rate. A trickle is cut after about the fixed allowance, whatever length it declared,
//! while a large upload over a slow but honest link still gets through.

use std::time::Duration;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use domain::{Principal, security_log::Refusal};
use futures::StreamExt;
use tokio::time::{Instant, timeout_at};

use super::HttpLimits;
use crate::{client_error::ClientError, error_code::ErrorCode};

/// A body that was not read: the response that refuses it and the reason for the `security` log.
struct BodyRefusal {
    reason: &'static str,
    response: HttpResponse,
}

/// Reads a request body of at most `limit` bytes. A declared `Content-Length` above the limit
/// is refused before anything is read; a body that grows past it is refused as soon as it does,
/// without reading the rest; a body that arrives too slowly (see the module doc) is refused at
/// its deadline. A refusal is logged with `caller`, where the request has been authenticated.
pub async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    limits: &HttpLimits,
    what: &str,
    caller: Option<&Principal>,
) -> Result<web::Bytes, HttpResponse> {
    let mut body = web::BytesMut::new();
    read_limited_into(req, payload, limit, limits, what, caller, &mut |chunk| {
        body.extend_from_slice(chunk)
    })
    .await?;
    Ok(body.freeze())
}

/// Like [`read_limited`], handing each chunk to `sink` as it arrives instead of holding the
/// body, for bodies read as a stream.
pub async fn read_limited_into(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    limits: &HttpLimits,
    what: &str,
    caller: Option<&Principal>,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), HttpResponse> {
    let refusal = match read_within(req, payload, limit, limits, what, sink).await {
        Ok(()) => return Ok(()),
        Err(refusal) => refusal,
    };
    Refusal::new("request refused", refusal.reason)
        .by_caller(caller)
        .status(refusal.response.status())
        .peer(req.peer_addr())
        .log();
    Err(refusal.response)
}

async fn read_within(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    limits: &HttpLimits,
    what: &str,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), BodyRefusal> {
    let too_large = || BodyRefusal {
        reason: "request body too large",
        response: ClientError::new(
            ErrorCode::LimitExceeded,
            format!("{what} may be at most {limit} bytes"),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        .into(),
    };
    if declared_length(req).is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let start = Instant::now();
    let mut received = 0;
    loop {
        let deadline = start + allowance(limits, received);
        let chunk = match timeout_at(deadline, payload.next()).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(_) => {
                return Err(BodyRefusal {
                    reason: "request body too slow",
                    response: ClientError::new(
                        ErrorCode::LimitExceeded,
                        "the request body arrived too slowly",
                    )
                    .with_status(StatusCode::REQUEST_TIMEOUT)
                    .into(),
                });
            }
        };
        let chunk = chunk.map_err(|_| BodyRefusal {
            reason: "request body unreadable",
            response: ClientError::new(
                ErrorCode::BadUserInput,
                "the request body could not be read",
            )
            .into(),
        })?;
        if received + chunk.len() > limit {
            return Err(too_large());
        }
        received += chunk.len();
        sink(&chunk);
    }
    Ok(())
}

/// The refusal of a batch of `size` `items` ("events", "operations") longer than its `cap`,
/// logged with `reason`: 413, like a body too large, since the batch is what makes it so.
pub fn batch_too_large(
    principal: &Principal,
    reason: &'static str,
    size: usize,
    cap: usize,
    items: &str,
) -> HttpResponse {
    Refusal::new("request refused", reason)
        .by(principal)
        .size(size)
        .log();
    ClientError::new(
        ErrorCode::LimitExceeded,
        format!("a batch may hold at most {cap} {items}"),
    )
    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    .into()
}

/// The time a body may have taken once `received` bytes of it are in: the fixed allowance,
/// plus what those bytes earn at the minimum rate (none when the rate is 0).
fn allowance(limits: &HttpLimits, received: usize) -> Duration {
    let earned = match limits.body_min_bytes_per_second {
        0 => Duration::ZERO,
        rate => Duration::from_secs_f64(received as f64 / rate as f64),
    };
    limits.body_read_timeout + earned
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether the request's content type is `application/json` (parameters such as a charset
/// allowed).
pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(timeout_ms: u64, rate: u64) -> HttpLimits {
        HttpLimits {
            max_body_bytes: 1024,
            max_batch_size: 1,
            request_timeout: Duration::from_secs(1),
            max_event_body_bytes: 1024,
            max_events_per_request: 1,
            max_import_body_bytes: 1024,
            max_sbom_body_bytes: 1024,
            body_read_timeout: Duration::from_millis(timeout_ms),
            body_min_bytes_per_second: rate,
            max_connections: 0,
            max_connections_per_address: 0,
        }
    }

    #[test]
    fn each_byte_received_earns_time_at_the_minimum_rate() {
        let limits = limits(5_000, 64 * 1024);
        assert_eq!(allowance(&limits, 0), Duration::from_secs(5));
        assert_eq!(
            allowance(&limits, 1),
            Duration::from_secs(5) + Duration::from_secs_f64(1.0 / 65536.0)
        );
        assert_eq!(allowance(&limits, 640 * 1024), Duration::from_secs(15));
    }

    #[test]
    fn without_a_minimum_rate_the_whole_body_has_the_fixed_allowance() {
        assert_eq!(
            allowance(&limits(1_000, 0), 1 << 30),
            Duration::from_secs(1)
        );
    }
}
