//! Accounts and permissions: who is acting ([`Actor`]), what they may read and write
//! ([`access`]), and the account use cases (users, groups, sessions, API tokens, the audit
//! log, SSO). Permission checks live here and in the services that call
//! [`access::Access`], never in handlers.

pub mod access;
pub mod audit;
pub mod oidc;
pub mod passwords;
pub mod sessions;
pub mod settings;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod users;

use crate::domain::{GroupId, Role, TokenScope, UserId};

/// Compares secrets in time independent of where they differ (only the length leaks).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How the actor authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Nobody logged in.
    Anonymous,
    /// A browser session.
    Session,
    /// An API token with this scope.
    Token(TokenScope),
    /// The server itself or the command line (full access).
    System,
}

/// Who performs an action, as resolved for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Stable login name recorded as author ("anonym" when nobody is logged in).
    pub login: String,
    /// The account, when logged in.
    pub user: Option<UserId>,
    /// Display name for the UI.
    pub display_name: String,
    /// The account's role (anonymous visitors count as readers).
    pub role: Role,
    /// Group memberships.
    pub groups: Vec<GroupId>,
    /// Organisational unit.
    pub unit: String,
    /// How the actor authenticated.
    pub via: Via,
}

impl Actor {
    /// A visitor who is not logged in.
    pub fn anonymous() -> Self {
        Actor {
            login: "anonym".to_owned(),
            user: None,
            display_name: String::new(),
            role: Role::Leser,
            groups: Vec::new(),
            unit: String::new(),
            via: Via::Anonymous,
        }
    }

    /// A named system actor (import, restore, the CLI) with full access.
    pub fn system(name: &str) -> Self {
        Actor {
            login: name.to_owned(),
            user: None,
            display_name: name.to_owned(),
            role: Role::Admin,
            groups: Vec::new(),
            unit: String::new(),
            via: Via::System,
        }
    }

    /// The actor for a logged-in user.
    pub fn for_user(user: &crate::domain::User, via: Via) -> Self {
        Actor {
            login: user.login.clone(),
            user: Some(user.id),
            display_name: user.display_name.clone(),
            role: user.role,
            groups: user.groups.clone(),
            unit: user.unit.clone(),
            via,
        }
    }

    /// Whether somebody is logged in (or it is the system).
    pub fn is_authenticated(&self) -> bool {
        self.via != Via::Anonymous
    }

    /// Whether the actor sees and may change everything (admins and the system).
    pub fn is_admin(&self) -> bool {
        self.via == Via::System || (self.is_authenticated() && self.role == Role::Admin)
    }

    /// Whether the actor has at least `role` (anonymous visitors have none).
    pub fn has_role(&self, role: Role) -> bool {
        self.via == Via::System || (self.is_authenticated() && self.role >= role)
    }

    /// Whether this request may change anything at all: a role above reader, and not a
    /// read-only token.
    pub fn may_write(&self) -> bool {
        match self.via {
            Via::System => true,
            Via::Anonymous | Via::Token(TokenScope::Read) => false,
            Via::Session | Via::Token(TokenScope::Write) => self.role >= Role::Autor,
        }
    }

    /// Requires at least `role`; anonymous visitors get "login required" (401), others
    /// "forbidden" (403).
    pub fn require(&self, role: Role) -> crate::error::Result<()> {
        if !self.is_authenticated() {
            return Err(crate::error::AppError::Unauthenticated);
        }
        if !self.has_role(role) {
            return Err(crate::error::AppError::Forbidden(format!(
                "Dafür ist die Rolle {} nötig.",
                role.label_de()
            )));
        }
        Ok(())
    }

    /// Requires a request that may change something in addition to [`Actor::require`].
    pub fn require_write(&self, role: Role) -> crate::error::Result<()> {
        self.require(role)?;
        if !self.may_write() {
            return Err(crate::error::AppError::Forbidden(
                "Dieser Zugang darf nur lesen.".to_owned(),
            ));
        }
        Ok(())
    }
}
