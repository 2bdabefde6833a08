//! The closed list of error codes clients see as `extensions.code`. Clients match on these
//! strings for as long as the API lives, so each is written here once and nowhere else.

use actix_web::http::StatusCode;

/// What went wrong, as a client can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No valid credentials: the client must (re)authenticate.
    Unauthenticated,
    /// The caller may not do this, or the workspace's features do not allow it.
    Forbidden,
    NotFound,
    /// The request is wrong; asking again unchanged gets the same answer.
    BadUserInput,
    /// The request lost a race (a stale revision) or would invalidate stored data.
    Conflict,
    /// A size, rate, time or quota limit refused the request.
    LimitExceeded,
    /// The server failed; the client is given an incident id, never the cause.
    Internal,
}

impl ErrorCode {
    /// The `extensions.code` string of the public contract.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::LimitExceeded => "LIMIT_EXCEEDED",
            Self::Internal => "INTERNAL",
        }
    }

    /// The HTTP status of a refusal with this code outside GraphQL execution. A few refusals
    /// answer with a more precise status (a body too large, too slow, a store that cannot be
    /// reached) and say so where they are made.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadUserInput => StatusCode::BAD_REQUEST,
            Self::Conflict => StatusCode::CONFLICT,
            Self::LimitExceeded => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
