//! The `security` log: one line for every refused request, naming who asked as far as the
//! server knows (`-` where it does not), why it was refused, and how. Operators filter and alert
//! on this target, so every refusal is written here, with the same fields, and never a token.

use std::fmt::Display;

use actix_web::http::StatusCode;
use domain::Principal;

/// One refusal, written by [`log`](Self::log).
#[must_use = "a refusal is written by `log`"]
pub struct Refusal<'a> {
    /// What happened, the line's message: "request refused", "authentication failed", …
    event: &'static str,
    reason: &'a str,
    workspace: &'a str,
    subject: &'a str,
    peer: Option<String>,
    status: Option<u16>,
    /// The size that broke a limit (a batch's length).
    size: Option<usize>,
    /// The limit that was broken, where the reason does not say it.
    cap: Option<usize>,
    retry_after: Option<u64>,
}

impl<'a> Refusal<'a> {
    pub fn new(event: &'static str, reason: &'a str) -> Self {
        Self {
            event,
            reason,
            workspace: "-",
            subject: "-",
            peer: None,
            status: None,
            size: None,
            cap: None,
            retry_after: None,
        }
    }

    /// The caller, authenticated.
    pub fn by(self, principal: &'a Principal) -> Self {
        self.by_identity(&principal.workspace_slug, &principal.subject)
    }

    /// The caller, where the request got as far as authenticating it.
    pub fn by_caller(self, caller: Option<&'a Principal>) -> Self {
        match caller {
            Some(principal) => self.by(principal),
            None => self,
        }
    }

    /// The workspace and subject a caller claimed, or got as far as proving.
    pub fn by_identity(mut self, workspace: &'a str, subject: &'a str) -> Self {
        self.workspace = workspace;
        self.subject = subject;
        self
    }

    /// The client's address, where the connection has one.
    pub fn peer(mut self, peer: Option<impl Display>) -> Self {
        self.peer = peer.map(|p| p.to_string());
        self
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status.as_u16());
        self
    }

    pub fn size(mut self, size: usize) -> Self {
        self.size = Some(size);
        self
    }

    pub fn cap(mut self, cap: usize) -> Self {
        self.cap = Some(cap);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn log(self) {
        tracing::warn!(
            target: "security",
            workspace = self.workspace,
            subject = self.subject,
            reason = self.reason,
            status = self.status,
            peer = self.peer.as_deref(),
            size = self.size,
            cap = self.cap,
            retry_after = self.retry_after,
            "{}",
            self.event
        );
    }
}
