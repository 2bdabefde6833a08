//! Webhooks: deliveries a code host pushes to Wayfinder, turned into the same events `POST
//! /events` takes and stored by the same ingest. Each provider is one module that reads its
//! payloads into [`Draft`]s; what a draft still needs from stored data (which changes a
//! deployment shipped, whether a merge's commits already came by push) is resolved here, so a
//! second provider adds a module and nothing else.
//!
//! A delivery is authenticated by its signature alone, with the secret the workspace shares
//! with the provider ([`secrets`]); the caller is trusted with a [`Principal`] only after that.

pub mod github;
mod resolve;
pub mod secrets;
mod signature;

use std::fmt;

use crate::events::IncomingEvent;

pub use resolve::receive;
pub use signature::{signature_header, signature_matches};

/// The code hosts a workspace can receive webhooks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    GitHub,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one delivery asks of Wayfinder.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The provider checking the endpoint works.
    Ping,
    /// Nothing Wayfinder measures: an event it does not map, or a state it does not count.
    Ignored,
    Drafts(Vec<Draft>),
}

/// An event read from a payload, possibly still missing what only stored data can tell.
#[derive(Debug, Clone)]
pub enum Draft {
    /// Complete as it is.
    Ready(IncomingEvent),
    /// A deployment of commit `sha`: its `changeIds` are the repository's changes up to that
    /// commit that no earlier deployment to the same environment shipped.
    Deployment { event: IncomingEvent, sha: String },
    /// A merged pull request's change, dropped when any of `commits` already arrived by push.
    MergedChange {
        event: IncomingEvent,
        commits: Vec<String>,
    },
}
