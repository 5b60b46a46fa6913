//! What each role may do, enforced here in the service layer so that no host (desktop, command
//! line, tests) can do more than the configured role allows, whatever its UI hides.
//!
//! The user and role come from the local settings file (see [`crate::config`]).

use serde::Serialize;
use ts_rs::TS;

use crate::config::Role;
use crate::error::{Result, ServiceError};

/// Something a person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Permission {
    /// Add, edit or remove an address, or set the default billing or shipping address.
    EditAddress,
    /// Add or edit an email or phone.
    EditContact,
    /// Change the customer type or price level.
    EditAccountFields,
    /// Mark an account tax-exempt (with its certificate) or take the exemption away.
    MarkTaxExempt,
    /// Decide review items: uncertain matches, disagreements, colliding edits.
    DecideReview,
    /// Add or remove the systems Concord syncs with.
    ManageSystems,
}

impl Permission {
    /// Words for a refusal: "may not {describe}".
    pub fn describe(self) -> &'static str {
        match self {
            Permission::EditAddress => "edit addresses",
            Permission::EditContact => "edit emails and phones",
            Permission::EditAccountFields => "change the customer type or price level",
            Permission::MarkTaxExempt => "change an account's tax exemption",
            Permission::DecideReview => "decide review items",
            Permission::ManageSystems => "add or remove connected systems",
        }
    }
}

impl Role {
    /// Whether this role has `permission`. Reps correct how to reach a customer; what the
    /// customer pays (type, price level, tax), review decisions and the connected systems are a
    /// supervisor's.
    pub fn allows(self, permission: Permission) -> bool {
        match self {
            Role::Supervisor => true,
            Role::Rep => matches!(
                permission,
                Permission::EditAddress | Permission::EditContact
            ),
        }
    }

    /// Every permission this role has, for the UI to show what it offers.
    pub fn permissions(self) -> Vec<Permission> {
        [
            Permission::EditAddress,
            Permission::EditContact,
            Permission::EditAccountFields,
            Permission::MarkTaxExempt,
            Permission::DecideReview,
            Permission::ManageSystems,
        ]
        .into_iter()
        .filter(|p| self.allows(*p))
        .collect()
    }
}

/// Refuses with [`crate::ErrorCode::Forbidden`] unless `role` has `permission`.
pub fn require(role: Role, permission: Permission) -> Result<()> {
    if role.allows(permission) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(format!(
            "a {role} may not {}; ask a supervisor",
            permission.describe()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_rep_corrects_addresses_and_contacts_only() {
        let allowed = Role::Rep.permissions();

        assert_eq!(
            allowed,
            vec![Permission::EditAddress, Permission::EditContact],
            "what a customer pays is not a rep's to change"
        );
    }

    #[test]
    fn a_supervisor_may_do_everything() {
        let allowed = Role::Supervisor.permissions();

        assert_eq!(
            allowed.len(),
            6,
            "supervisors also decide, mark tax exemption and manage systems"
        );
    }

    #[test]
    fn a_refusal_is_forbidden_and_names_what_was_refused() {
        let refused = require(Role::Rep, Permission::MarkTaxExempt).unwrap_err();

        assert_eq!(
            refused.code,
            ErrorCode::Forbidden,
            "the UI shows a refusal, not a bug"
        );
        assert!(
            refused.message.contains("tax exemption"),
            "{}",
            refused.message
        );
    }
}
