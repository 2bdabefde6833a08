//! How domain errors reach clients: as `extensions.code` from the public contract, with field
//! paths for bad input. Internal causes are logged with a correlation id and never sent.

use async_graphql::{ErrorExtensions, ID, Response, ServerError, Value as GqlValue};
use domain::Error;
use uuid::Uuid;

pub trait OrGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> OrGql<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

pub fn to_gql(error: Error) -> async_graphql::Error {
    let message = error.to_string();
    match error {
        Error::Unauthenticated => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "UNAUTHENTICATED"))
        }
        Error::Forbidden { .. } => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "FORBIDDEN"))
        }
        Error::NotFound { .. } => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "NOT_FOUND"))
        }
        Error::Invalid(fields) => async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", "BAD_USER_INPUT");
            if let Some(first) = fields.first() {
                e.set("field", first.path.clone());
            }
            let list: Vec<GqlValue> = fields
                .iter()
                .map(|f| {
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(
                        async_graphql::Name::new("path"),
                        GqlValue::from(f.path.clone()),
                    );
                    m.insert(
                        async_graphql::Name::new("message"),
                        GqlValue::from(f.message.clone()),
                    );
                    GqlValue::Object(m)
                })
                .collect();
            e.set("fields", GqlValue::List(list));
        }),
        Error::StaleRevision {
            expected, actual, ..
        } => async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", "CONFLICT");
            e.set("expectedRevision", expected);
            e.set("actualRevision", actual);
        }),
        Error::Conflict {
            affected_fact_sheets,
            ..
        } => async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", "CONFLICT");
            if let Some(n) = affected_fact_sheets {
                e.set("affectedFactSheets", n);
            }
        }),
        Error::LimitExceeded(_) => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "LIMIT_EXCEEDED"))
        }
        Error::FeatureDisabled { feature } => {
            async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", "FORBIDDEN");
                e.set("feature", feature.clone());
            })
        }
        Error::QuotaExhausted { feature, quota } => {
            async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", "LIMIT_EXCEEDED");
                e.set("feature", feature.clone());
                e.set("quota", quota);
            })
        }
        Error::Database(_) | Error::Internal(_) => internal(&error_detail(&error)),
    }
}

fn error_detail(error: &Error) -> String {
    match error {
        Error::Database(db) => format!("database: {db}"),
        other => other.to_string(),
    }
}

/// An INTERNAL error: the detail is logged with an id the client can quote to support.
pub fn internal(detail: &str) -> async_graphql::Error {
    let incident = Uuid::now_v7();
    tracing::error!(%incident, detail, "internal error");
    async_graphql::Error::new(format!("internal error (incident {incident})"))
        .extend_with(|_, e| e.set("code", "INTERNAL"))
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
            extensions.set("code", "BAD_USER_INPUT");
            error.extensions = Some(extensions);
        }
    }
}
