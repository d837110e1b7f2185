//! Accounts: users, roles, groups, sessions, API tokens, external identities and audit
//! events. Pure types and rules; storage is in `store::users`, the use cases in
//! `service::auth`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::article::Timestamp;

macro_rules! ulid_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Stable ", $what, " id (a ULID).")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Ulid);

        impl $name {
            /// A fresh id.
            pub fn new() -> Self {
                $name(Ulid::new())
            }
            /// Key bytes for sled.
            pub fn to_bytes(self) -> [u8; 16] {
                self.0.to_bytes()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ulid::DecodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ulid::from_string(s).map($name)
            }
        }
    };
}

ulid_id!(UserId, "user");
ulid_id!(GroupId, "group");
ulid_id!(TokenId, "API token");

/// What a user may do at most; space permissions narrow it further. Ordered: each role
/// includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads what the spaces allow; never writes.
    Leser,
    /// Writes in spaces that grant write access.
    Autor,
    /// Author plus search analytics, synonyms and knowledge-retention views.
    Wissensmanager,
    /// Everything, including accounts, permissions and the audit log.
    Admin,
}

impl Role {
    /// All roles, lowest first.
    pub const ALL: [Role; 4] = [Role::Leser, Role::Autor, Role::Wissensmanager, Role::Admin];

    /// The name used in the API, the CLI and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leser => "leser",
            Role::Autor => "autor",
            Role::Wissensmanager => "wissensmanager",
            Role::Admin => "admin",
        }
    }

    /// German label for the UI.
    pub fn label_de(self) -> &'static str {
        match self {
            Role::Leser => "Leser",
            Role::Autor => "Autor",
            Role::Wissensmanager => "Wissensmanager",
            Role::Admin => "Admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "leser" | "reader" => Ok(Role::Leser),
            "autor" | "author" => Ok(Role::Autor),
            "wissensmanager" | "knowledge-manager" | "knowledge_manager" => {
                Ok(Role::Wissensmanager)
            }
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "Unbekannte Rolle „{other}“ (erlaubt: leser, autor, wissensmanager, admin)."
            )),
        }
    }
}

/// An identity at an external provider (OIDC issuer + subject; later LDAP DN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdentity {
    /// Provider: the OIDC issuer URL.
    pub issuer: String,
    /// The provider's stable subject id.
    pub subject: String,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Login name: lowercase, unique.
    pub login: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Organisational unit (Organisationseinheit), e.g. "Bürgeramt".
    #[serde(default)]
    pub unit: String,
    /// Address for reminder e-mails (optional; nothing needs e-mail to work).
    #[serde(default)]
    pub email: Option<String>,
    /// Highest permitted role.
    pub role: Role,
    /// Group memberships.
    #[serde(default)]
    pub groups: Vec<GroupId>,
    /// Deactivated users cannot log in and own no sessions or tokens.
    pub active: bool,
    /// argon2id PHC string; `None` for accounts that log in only via SSO.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// SSO identities linked to this account.
    #[serde(default)]
    pub external: Vec<ExternalIdentity>,
    /// Creation time.
    pub created_at: Timestamp,
}

/// Checks and normalises a login name: 2–64 characters of `a-z 0-9 . _ -`, lowercased.
pub fn clean_login(raw: &str) -> Result<String, String> {
    let login = raw.trim().to_lowercase();
    let ok_chars = login
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(2..=64).contains(&login.chars().count()) || !ok_chars {
        return Err(
            "Der Login muss 2 bis 64 Zeichen lang sein und darf nur a–z, 0–9, Punkt, Unterstrich und Bindestrich enthalten."
                .to_owned(),
        );
    }
    Ok(login)
}

/// Shortest accepted password. Length beats composition rules (NIST SP 800-63B, BSI).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted password (bounds hashing work).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password against the length rules.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Das Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen lang sein."
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("Das Passwort ist zu lang.".to_owned());
    }
    Ok(())
}

/// A group of users; space permissions are granted to groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Stable id.
    pub id: GroupId,
    /// Unique name, e.g. "Personalamt".
    pub name: String,
    /// What the group is for.
    #[serde(default)]
    pub description: String,
    /// Names of SSO group claims that put a user into this group on login.
    #[serde(default)]
    pub external_names: Vec<String>,
}

/// A login session. Stored under the SHA-256 of its secret, so a copy of the database does
/// not hand out live sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Public handle (shown in "my sessions", used to end one); not the secret.
    pub id: String,
    /// Owner.
    pub user: UserId,
    /// Login time.
    pub created_at: Timestamp,
    /// Last request seen (updated at most once a minute).
    pub last_seen: Timestamp,
    /// Browser description for the sessions list (shortened User-Agent).
    #[serde(default)]
    pub agent: String,
    /// How the user logged in: "passwort" or "sso".
    #[serde(default)]
    pub method: String,
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// GET requests only.
    Read,
    /// Reading and writing, within the user's permissions.
    Write,
}

impl FromStr for TokenScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "read" | "lesen" => Ok(TokenScope::Read),
            "write" | "schreiben" => Ok(TokenScope::Write),
            other => Err(format!(
                "Unbekannter Geltungsbereich „{other}“ (erlaubt: read, write)."
            )),
        }
    }
}

impl TokenScope {
    /// The name used in the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
}

/// An API token (the secret itself is never stored, only its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Public id (first part of the token string).
    pub id: TokenId,
    /// Owner.
    pub user: UserId,
    /// Label chosen by the user.
    pub name: String,
    /// Permitted operations.
    pub scope: TokenScope,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last use (updated at most once a minute).
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
}

/// Kinds of audited events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Successful login.
    Login,
    /// Failed login (wrong password, unknown or deactivated user, lockout).
    LoginFailed,
    /// Logout.
    Logout,
    /// Account created.
    UserCreated,
    /// Role, unit, groups or name changed.
    UserChanged,
    /// Account deactivated.
    UserDeactivated,
    /// Account reactivated.
    UserReactivated,
    /// Password set or changed.
    PasswordChanged,
    /// Group created or changed.
    GroupChanged,
    /// Space permissions changed.
    AclChanged,
    /// Installation-wide setting changed.
    SettingChanged,
    /// API token created.
    TokenCreated,
    /// API token revoked.
    TokenRevoked,
    /// Article moved to the trash.
    ArticleDeleted,
    /// Article restored from the trash or to an old revision.
    ArticleRestored,
    /// Backup restored.
    BackupRestored,
    /// Process (register entry, model versions, links) deleted.
    ProcessDeleted,
}

impl AuditAction {
    /// All actions, for filters.
    pub const ALL: [AuditAction; 17] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::UserCreated,
        AuditAction::UserChanged,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::PasswordChanged,
        AuditAction::GroupChanged,
        AuditAction::AclChanged,
        AuditAction::SettingChanged,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::ArticleDeleted,
        AuditAction::ArticleRestored,
        AuditAction::BackupRestored,
        AuditAction::ProcessDeleted,
    ];

    /// The stable name used in the API, CSV and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserChanged => "user_changed",
            AuditAction::UserDeactivated => "user_deactivated",
            AuditAction::UserReactivated => "user_reactivated",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::GroupChanged => "group_changed",
            AuditAction::AclChanged => "acl_changed",
            AuditAction::SettingChanged => "setting_changed",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::ArticleDeleted => "article_deleted",
            AuditAction::ArticleRestored => "article_restored",
            AuditAction::BackupRestored => "backup_restored",
            AuditAction::ProcessDeleted => "process_deleted",
        }
    }
}

impl FromStr for AuditAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("Unbekannte Aktion „{s}“."))
    }
}

/// One audit log entry. Records who did what to which object; no IP addresses or
/// browsing data (BRIEF §5: no tracking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When.
    pub at: Timestamp,
    /// Login of the acting user ("system" for the CLI, the attempted login for failures).
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// The object: a login, group name, space slug or article slug.
    pub target: String,
    /// Human-readable details (e.g. "Rolle: autor → admin").
    #[serde(default)]
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_checked() {
        assert_eq!(clean_login(" M.Mueller ").as_deref(), Ok("m.mueller"));
        assert!(clean_login("a").is_err());
        assert!(clean_login("mü").is_err());
        assert!(clean_login("a b").is_err());
    }

    #[test]
    fn roles_are_ordered_and_parse_in_both_languages() {
        assert!(Role::Leser < Role::Autor && Role::Wissensmanager < Role::Admin);
        assert_eq!("Reader".parse::<Role>(), Ok(Role::Leser));
        assert_eq!("wissensmanager".parse::<Role>(), Ok(Role::Wissensmanager));
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password("kurz").is_err());
        assert!(check_password("langes passwort ohne ziffern").is_ok());
    }

    #[test]
    fn audit_actions_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(a));
        }
    }
}
