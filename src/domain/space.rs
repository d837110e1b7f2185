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
}

/// Deepest allowed nesting of spaces; keeps page trees and breadcrumbs sane.
pub const MAX_SPACE_DEPTH: usize = 8;
