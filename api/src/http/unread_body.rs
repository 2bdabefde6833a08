//! A request whose body was not read to the end closes its connection after the response.
//!
//! Refusals answer before the body is read (a bad token, a body declared too large, one that
//! arrived too slowly). When a handler drops a chunked body unread, actix-web reads on and
//! discards what the client sends for as long as it sends it, with no timer: a client refused
//! for trickling its body could go on trickling and keep the connection. actix-web closes the
//! connection instead (after a short linger that lets the client read the response) when the
//! body is still held, unread, as the response goes out. So this middleware holds the body of
//! every request that did not read it to its end until its response has been written; a body
//! read to the end (nearly every request) leaves its response as it was, with actix-web's
//! fast path for a body known in one piece.

use std::{
    cell::{Cell, RefCell},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    Error, HttpMessage,
    body::{BodySize, BoxBody, EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    middleware::Next,
    web::Bytes,
};
use futures::{Stream, StreamExt};

/// The request body, shared by the handler (which reads it) and the response (which holds it),
/// noting when it was read to its end.
struct SharedBody {
    payload: Rc<RefCell<Payload>>,
    ended: Rc<Cell<bool>>,
}

impl Stream for SharedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.payload.borrow_mut().poll_next_unpin(cx);
        if matches!(next, Poll::Ready(None)) {
            self.ended.set(true);
        }
        next
    }
}

/// A response body that holds the request body until it has been written.
pub struct Holding {
    body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for Holding {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// Middleware: see the module doc. Requests without a body pass untouched.
pub async fn close_unread(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, Holding>>, Error> {
    let body = Rc::new(RefCell::new(req.take_payload()));
    let ended = Rc::new(Cell::new(matches!(*body.borrow(), Payload::None)));
    if !ended.get() {
        req.set_payload(Payload::Stream {
            payload: Box::pin(SharedBody {
                payload: body.clone(),
                ended: ended.clone(),
            }),
        });
    }
    let response = next.call(req).await?;
    if ended.get() {
        return Ok(response.map_into_left_body());
    }
    Ok(response
        .map_into_boxed_body()
        .map_body(|_, b| Holding {
            body: b,
            _request_body: body,
        })
        .map_into_right_body())
}
