//! The single place where roles are turned into permissions. Services call [`require`] first;
//! resolvers never check roles themselves, so a rule changes in exactly one line.

use std::fmt;

mod saved_views;

pub use saved_views::{Visibility, may_see_view, require_edit_view, require_keep_view};

use crate::{
    error::{Error, Result},
    principal::{Principal, Role},
    security_log::Refusal,
};

/// What a caller wants to do, at the granularity the contract grants roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read fact sheets, relations, history, the meta model.
    Read,
    /// Create and change fact sheets, relations, tags, subscriptions.
    WriteInventory,
    /// Change the meta model and tag groups.
    AdministerMetaModel,
    /// Read and change workspace settings: features, API tokens.
    AdministerWorkspace,
}

impl Action {
    /// The least role that may perform the action (roles are ordered viewer < member < admin).
    pub fn minimum_role(self) -> Role {
        match self {
            Action::Read => Role::Viewer,
            Action::WriteInventory => Role::Member,
            Action::AdministerMetaModel | Action::AdministerWorkspace => Role::Admin,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Read => "read the inventory",
            Action::WriteInventory => "change the inventory",
            Action::AdministerMetaModel => "change the meta model",
            Action::AdministerWorkspace => "administer the workspace",
        })
    }
}

pub fn allows(role: Role, action: Action) -> bool {
    role >= action.minimum_role()
}

pub fn require(principal: &Principal, action: Action) -> Result<()> {
    if allows(principal.role, action) {
        Ok(())
    } else {
        Refusal::new("forbidden", "role below the operation's rule")
            .by(principal)
            .role(principal.role)
            .action(action)
            .log();
        Err(Error::Forbidden {
            role: principal.role.to_string(),
            action: action.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_as_the_contract_says() {
        use Action::*;
        use Role::*;
        let expected = [
            (Viewer, Read, true),
            (Viewer, WriteInventory, false),
            (Viewer, AdministerMetaModel, false),
            (Viewer, AdministerWorkspace, false),
            (Member, Read, true),
            (Member, WriteInventory, true),
            (Member, AdministerMetaModel, false),
            (Member, AdministerWorkspace, false),
            (Admin, Read, true),
            (Admin, WriteInventory, true),
            (Admin, AdministerMetaModel, true),
            (Admin, AdministerWorkspace, true),
        ];
        for (role, action, allowed) in expected {
            assert_eq!(allows(role, action), allowed, "{role} / {action}");
        }
    }
}
