//! How errors reach GraphQL clients: through [`ClientError`], as `extensions.code` from the
//! public contract, with field paths for bad input. Internal causes are logged with an incident
//! id and never sent.

use async_graphql::{ID, Response, ServerError};
use domain::Error;
use uuid::Uuid;

use crate::{client_error::ClientError, error_code::ErrorCode};

pub trait OrGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> OrGql<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

pub fn to_gql(error: Error) -> async_graphql::Error {
    ClientError::from(error).into()
}

/// An INTERNAL error: the detail is logged with an id the client can quote to support.
pub fn internal(detail: &str) -> async_graphql::Error {
    ClientError::incident(detail).into()
}

pub fn bad_input(path: &str, message: &str) -> async_graphql::Error {
    to_gql(Error::invalid(path, message))
}

pub fn parse_id(id: &ID, path: &str) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| bad_input(path, "is not a valid id"))
}

/// The last line of defence before a response leaves: an error without a code either came from
/// GraphQL itself (parse, validation, argument coercion: the client's fault) or from a resolver
/// that let a foreign error through, whose message may carry internals. The first kind gets
/// `BAD_USER_INPUT`; the second is logged and replaced by a generic INTERNAL error.
pub fn sanitize_errors(response: &mut Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        if error.source.is_some() {
            let replacement = internal(&error.message);
            *error = ServerError {
                message: replacement.message,
                source: None,
                locations: error.locations.clone(),
                path: error.path.clone(),
                extensions: replacement.extensions,
            };
        } else {
            let mut extensions = error.extensions.take().unwrap_or_default();
            extensions.set("code", ErrorCode::BadUserInput.as_str());
            error.extensions = Some(extensions);
        }
    }
}
