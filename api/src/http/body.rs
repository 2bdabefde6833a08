use actix_web::{HttpResponse, http::StatusCode, web};
use futures::StreamExt;

use super::responses::error;

/// Reads a request body up to `limit` bytes; a larger body is refused with a JSON 413 as soon
/// as the limit is crossed, without reading the rest.
pub async fn read_limited(
    mut payload: web::Payload,
    limit: usize,
    what: &str,
) -> Result<web::Bytes, HttpResponse> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the request body could not be read",
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "LIMIT_EXCEEDED",
                &format!("{what} may be at most {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
