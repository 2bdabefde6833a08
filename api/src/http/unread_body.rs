//! A request whose body was not read to the end closes its connection after the response.
//!
//! Refusals answer before the body is read (a bad token, a body declared too large, one that
//! arrived too slowly). When a handler drops a chunked body unread, actix-web reads on and
//! discards what the client sends for as long as it sends it, with no timer: a client refused
//! for trickling its body could go on trickling and keep the connection. actix-web closes the
//! connection instead (after a short linger that lets the client read the response) when the
//! body is still held, unread, as the response goes out. So this middleware holds every
//! request's body until its response has been written.

use std::{
    cell::RefCell,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    Error, HttpMessage,
    body::{BodySize, BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    middleware::Next,
    web::Bytes,
};
use futures::{Stream, StreamExt};

/// The request body, shared by the handler (which reads it) and the response (which holds it).
struct SharedBody(Rc<RefCell<Payload>>);

impl Stream for SharedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.borrow_mut().poll_next_unpin(cx)
    }
}

/// A response body that holds the request body until it has been written.
struct Holding {
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
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let body = Rc::new(RefCell::new(req.take_payload()));
    if !matches!(*body.borrow(), Payload::None) {
        req.set_payload(Payload::Stream {
            payload: Box::pin(SharedBody(body.clone())),
        });
    }
    let response = next.call(req).await?;
    Ok(response.map_into_boxed_body().map_body(|_, b| Holding {
        body: b,
        _request_body: body,
    }))
}
