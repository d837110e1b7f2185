//! Spaces (Bereiche): nestable containers for articles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::article::Timestamp;
use super::slug::Slug;

/// Stable space id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpaceId(pub Ulid);

impl SpaceId {
    /// A fresh id.
    pub fn new() -> Self {
        SpaceId(Ulid::new())
    }

    /// Key bytes for sled.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }

    /// Inverse of [`SpaceId::to_bytes`].
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        SpaceId(Ulid::from_bytes(bytes))
    }
}

impl Default for SpaceId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for SpaceId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(SpaceId)
    }
}

/// A space (Bereich), optionally nested under a parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// Stable id.
    pub id: SpaceId,
    /// Unique slug (globally unique, not per parent, so URLs stay short).
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Short description shown on the space page.
    #[serde(default)]
    pub description: String,
    /// Parent space, if nested.
    #[serde(default)]
    pub parent: Option<SpaceId>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Who may read and write here; `None` inherits the parent's (a root space without
    /// one is open to all logged-in staff, see [`Acl::default_open`]).
    #[serde(default)]
    pub acl: Option<Acl>,
}

/// A level of access to a space. Ordered: `Write` includes `Read`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// No access.
    #[default]
    None,
    /// Read articles, history and search hits.
    Read,
    /// Also create, edit, move and delete articles (for roles that may write).
    Write,
}

impl Access {
    /// The name used in the API and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

impl FromStr for Access {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "none" | "" => Ok(Access::None),
            "read" => Ok(Access::Read),
            "write" => Ok(Access::Write),
            other => Err(format!(
                "Unbekannte Berechtigung „{other}“ (erlaubt: none, read, write)."
            )),
        }
    }
}

/// A group's access to a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupGrant {
    /// The group.
    pub group: crate::domain::user::GroupId,
    /// Its access.
    pub access: Access,
}

/// Permissions of a space (and, by inheritance, of its sub-spaces without their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// Access for every logged-in user.
    pub all_staff: Access,
    /// Anonymous visitors may read (only while the installation allows anonymous reading).
    #[serde(default)]
    pub anonymous_read: bool,
    /// Access per group; a user gets the highest of all that apply.
    #[serde(default)]
    pub groups: Vec<GroupGrant>,
}

impl Acl {
    /// What applies where no space on the path has an ACL: all staff read and write.
    pub fn default_open() -> Self {
        Acl {
            all_staff: Access::Write,
            anonymous_read: false,
            groups: Vec::new(),
        }
    }
}

/// Deepest allowed nesting of spaces; keeps page trees and breadcrumbs sane.
pub const MAX_SPACE_DEPTH: usize = 8;
