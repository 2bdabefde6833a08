//! The `security` log: one line for every refused request, every grant or change of rights and
//! every operation refused for want of a rule, naming who asked as far as the server knows (`-`
//! where it does not) and why. Operators filter and alert on this target, so every such line is
//! written here, with the same field names, and never a token.
//!
//! Three kinds, told apart by level: a [`Refusal`] (warn) is the server protecting itself, an
//! [`Audit`] (info) records who was granted or changed what, and a [`Misconfiguration`] (error)
//! is a server bug an operator must fix.

use std::{borrow::Cow, fmt::Display, marker::PhantomData};

use chrono::{DateTime, Utc};
use tracing::{Level, field};
use uuid::Uuid;

use crate::principal::{Principal, Role};

/// A refused request or operation, logged at warn.
pub type Refusal<'a> = SecurityLine<'a, Refused>;
/// A grant or a change of rights or settings, logged at info.
pub type Audit<'a> = SecurityLine<'a, Audited>;
/// An operation refused because the server lacks a rule for it: a bug, logged at error.
pub type Misconfiguration<'a> = SecurityLine<'a, Misconfigured>;

/// What sets a line's level and what its `status` is: an HTTP status for refusals, a setting's
/// new state for audits.
pub trait Kind {
    const LEVEL: Level;
    type Status: tracing::Value;
}

pub enum Refused {}
impl Kind for Refused {
    const LEVEL: Level = Level::WARN;
    type Status = u16;
}

pub enum Audited {}
impl Kind for Audited {
    const LEVEL: Level = Level::INFO;
    type Status = &'static str;
}

pub enum Misconfigured {}
impl Kind for Misconfigured {
    const LEVEL: Level = Level::ERROR;
    type Status = u16;
}

/// One line, written by [`log`](Self::log). Fields left unset are not written.
#[must_use = "a security line is written by `log`"]
pub struct SecurityLine<'a, K: Kind> {
    kind: PhantomData<K>,
    /// What happened, the line's message: "request refused", "api token created", …
    event: &'static str,
    reason: &'a str,
    /// The workspace's slug, or its id where only that is known.
    workspace: Cow<'a, str>,
    subject: &'a str,
    status: Option<K::Status>,
    role: Option<Role>,
    action: Option<String>,
    operation: Option<&'a str>,
    feature: Option<&'a str>,
    quota: Option<i64>,
    /// Who made a platform change that has no principal (the CLI).
    actor: Option<&'a str>,
    token_id: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
    expires_in: Option<u64>,
    peer: Option<String>,
    /// The size that broke a limit (a batch's length).
    size: Option<usize>,
    /// The limit that was broken, where the reason does not say it.
    cap: Option<usize>,
    retry_after: Option<u64>,
}

impl<'a, K: Kind> SecurityLine<'a, K> {
    pub fn new(event: &'static str, reason: &'a str) -> Self {
        Self {
            kind: PhantomData,
            event,
            reason,
            workspace: Cow::Borrowed("-"),
            subject: "-",
            status: None,
            role: None,
            action: None,
            operation: None,
            feature: None,
            quota: None,
            actor: None,
            token_id: None,
            expires_at: None,
            expires_in: None,
            peer: None,
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
        self.workspace = Cow::Borrowed(workspace);
        self.subject = subject;
        self
    }

    /// The workspace by id, where no caller is at hand (feature checks, platform changes).
    pub fn in_workspace(mut self, workspace_id: Uuid) -> Self {
        self.workspace = Cow::Owned(workspace_id.to_string());
        self
    }

    /// The client's address, where the connection has one.
    pub fn peer(mut self, peer: Option<impl Display>) -> Self {
        self.peer = peer.map(|p| p.to_string());
        self
    }

    pub fn status(mut self, status: impl Into<K::Status>) -> Self {
        self.status = Some(status.into());
        self
    }

    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// What the caller tried to do, in the words of the authorization table.
    pub fn action(mut self, action: impl Display) -> Self {
        self.action = Some(action.to_string());
        self
    }

    /// The GraphQL operation (root field) concerned.
    pub fn operation(mut self, name: &'a str) -> Self {
        self.operation = Some(name);
        self
    }

    pub fn feature(mut self, id: &'a str) -> Self {
        self.feature = Some(id);
        self
    }

    /// A feature's quota; `None` (no quota) writes nothing.
    pub fn quota(mut self, quota: Option<i64>) -> Self {
        self.quota = quota;
        self
    }

    pub fn actor(mut self, actor: &'a str) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn token_id(mut self, id: Uuid) -> Self {
        self.token_id = Some(id);
        self
    }

    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    pub fn expires_in(mut self, seconds: u64) -> Self {
        self.expires_in = Some(seconds);
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
        // tracing fixes an event's level where the event is written: one call per level.
        macro_rules! write_at {
            ($level:expr) => {
                tracing::event!(
                    target: "security",
                    $level,
                    workspace = &*self.workspace,
                    subject = self.subject,
                    reason = self.reason,
                    status = self.status,
                    role = self.role.map(field::display),
                    action = self.action.as_deref(),
                    operation = self.operation,
                    feature = self.feature,
                    quota = self.quota,
                    actor = self.actor,
                    token_id = self.token_id.map(field::display),
                    expires_at = self.expires_at.map(field::display),
                    expires_in = self.expires_in,
                    peer = self.peer.as_deref(),
                    size = self.size,
                    cap = self.cap,
                    retry_after = self.retry_after,
                    "{}",
                    self.event
                )
            };
        }
        if K::LEVEL == Level::ERROR {
            write_at!(Level::ERROR);
        } else if K::LEVEL == Level::WARN {
            write_at!(Level::WARN);
        } else {
            write_at!(Level::INFO);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io,
        sync::{Arc, Mutex},
    };

    use serde_json::Value;

    use super::*;

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The lines `write` logs, as JSON, seen by a subscriber of this thread only.
    fn logged(write: impl FnOnce()) -> Vec<Value> {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, write);
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn each_kind_logs_at_its_level_with_only_the_fields_it_was_given() {
        let token_id = Uuid::now_v7();
        let lines = logged(|| {
            Audit::new("api token revoked", "api token revoked")
                .by_identity("acme", "alice")
                .token_id(token_id)
                .role(Role::Admin)
                .log();
            Refusal::new("limit exceeded", "quota exhausted")
                .status(429u16)
                .quota(None)
                .log();
            Misconfiguration::new("forbidden", "operation has no authorization rule")
                .operation("createTeam")
                .log();
        });
        let [audit, refusal, bug] = &lines[..] else {
            panic!("three lines expected: {lines:?}");
        };
        assert_eq!(audit["level"], "INFO");
        assert_eq!(audit["target"], "security");
        assert_eq!(audit["fields"]["message"], "api token revoked");
        assert_eq!(audit["fields"]["token_id"], token_id.to_string());
        assert_eq!(audit["fields"]["role"], "admin");
        assert_eq!(audit["fields"]["workspace"], "acme");
        assert!(audit["fields"].get("status").is_none(), "{audit}");
        assert_eq!(refusal["level"], "WARN");
        assert_eq!(
            refusal["fields"]["status"], 429,
            "a number, as operators filter it"
        );
        assert_eq!(refusal["fields"]["subject"], "-");
        assert!(refusal["fields"].get("quota").is_none(), "{refusal}");
        assert_eq!(bug["level"], "ERROR");
        assert_eq!(bug["fields"]["operation"], "createTeam");
    }
}
