//! Who may see and change a saved view. A view is its owner's bookmark first: a private one is
//! invisible to everyone else, admins included, so it answers "not found" rather than
//! "forbidden" and gives nothing away. A workspace view is read by every role; sharing one
//! changes what colleagues see, so it takes a role that changes the inventory, and only its
//! owner or an admin may change or delete it.

use serde::{Deserialize, Serialize};

use super::{Action, require};
use crate::{
    error::{Error, Result},
    principal::{Principal, Role},
    security_log::Refusal,
};

/// Who sees a saved view besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Its owner only.
    Private,
    /// Everyone in the workspace.
    Workspace,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "PRIVATE",
            Visibility::Workspace => "WORKSPACE",
        }
    }

    /// The stored text, read back; anything unknown is treated as private, the safer side.
    pub fn parse(stored: &str) -> Self {
        if stored == Visibility::Workspace.as_str() {
            Visibility::Workspace
        } else {
            Visibility::Private
        }
    }
}

/// Whether `principal` sees a view of `owner` with `visibility` at all.
pub fn may_see_view(principal: &Principal, owner: &str, visibility: Visibility) -> bool {
    visibility == Visibility::Workspace || principal.subject == owner
}

/// Refuses `principal` keeping a view with `visibility`: saving one needs read access, sharing
/// one with the workspace needs a role that changes the inventory.
pub fn require_keep_view(principal: &Principal, visibility: Visibility) -> Result<()> {
    require(principal, Action::Read)?;
    if visibility == Visibility::Workspace {
        require(principal, Action::WriteInventory)?;
    }
    Ok(())
}

/// Refuses `principal` changing or deleting a view of `owner` it can see (a private view of
/// someone else is not found before this): only the owner, or an admin, may.
pub fn require_edit_view(principal: &Principal, owner: &str) -> Result<()> {
    require(principal, Action::Read)?;
    if principal.subject == owner || principal.role == Role::Admin {
        return Ok(());
    }
    Refusal::new("forbidden", "saved view of another user")
        .by(principal)
        .role(principal.role)
        .log();
    Err(Error::Forbidden {
        role: principal.role.to_string(),
        action: "change a saved view of another user".to_owned(),
    })
}
