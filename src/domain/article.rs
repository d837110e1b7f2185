//! Articles and their revisions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::slug::Slug;
use super::space::SpaceId;

/// Milliseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Current time as a [`Timestamp`].
pub fn now() -> Timestamp {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// Stable article id (a ULID: sortable by creation time, never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(pub Ulid);

impl ArticleId {
    /// A fresh id.
    pub fn new() -> Self {
        ArticleId(Ulid::new())
    }

    /// The 16 big-endian bytes used as sled key prefix (keeps creation order).
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }

    /// Inverse of [`ArticleId::to_bytes`].
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        ArticleId(Ulid::from_bytes(bytes))
    }
}

impl Default for ArticleId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ArticleId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(ArticleId)
    }
}

/// Normalised, de-duplicated tag list (trimmed, order kept, at most [`Tags::MAX`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(Vec<String>);

impl Tags {
    /// Most tags an article may carry.
    pub const MAX: usize = 30;
    /// Longest tag in characters.
    pub const MAX_LEN: usize = 60;

    /// Normalises raw tags: trims, drops empties and duplicates (case-insensitive), caps count and length.
    pub fn new<I, S>(raw: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out: Vec<String> = Vec::new();
        for t in raw {
            let t: String = t.as_ref().trim().chars().take(Self::MAX_LEN).collect();
            let t = t.trim().to_owned();
            if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
                out.push(t);
            }
            if out.len() == Self::MAX {
                break;
            }
        }
        Tags(out)
    }

    /// Parses a comma-separated list as typed into a form field.
    pub fn parse_csv(s: &str) -> Self {
        Self::new(s.split(','))
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Comma-separated form for editing.
    pub fn to_csv(&self) -> String {
        self.0.join(", ")
    }
}

/// Current state of an article. The body lives in the revision store (see
/// [`Revision`]); `revision` names the newest one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable id.
    pub id: ArticleId,
    /// Current slug; older slugs stay in `old_slugs` and redirect here.
    pub slug: Slug,
    /// Slugs this article had before a rename.
    #[serde(default)]
    pub old_slugs: Vec<Slug>,
    /// The space (Bereich) the article lives in.
    pub space: SpaceId,
    /// Title as written.
    pub title: String,
    /// One-line summary shown in lists and search results.
    #[serde(default)]
    pub description: String,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
    /// Number of the newest revision (1-based).
    pub revision: u32,
    /// Who created the article.
    pub created_by: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Who saved the newest revision.
    pub updated_by: String,
    /// When the newest revision was saved.
    pub updated_at: Timestamp,
    /// Set while the article is in the trash.
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
    /// Who moved it to the trash.
    #[serde(default)]
    pub deleted_by: Option<String>,
}

impl Article {
    /// True while the article is in the trash.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// Everything about a revision except its body (kept apart because bodies can be large and
/// are stored in chunks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionMeta {
    /// Revision number, 1-based and gap-free per article.
    pub n: u32,
    /// Who saved it.
    pub author: String,
    /// When.
    pub at: Timestamp,
    /// The author's change summary (may be empty).
    #[serde(default)]
    pub summary: String,
    /// Title at this revision.
    pub title: String,
    /// Description at this revision.
    #[serde(default)]
    pub description: String,
    /// Tags at this revision.
    #[serde(default)]
    pub tags: Tags,
    /// Space at this revision.
    pub space: SpaceId,
    /// Body length in bytes.
    pub body_len: usize,
}

/// A full revision: metadata plus the Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// Metadata.
    pub meta: RevisionMeta,
    /// Markdown source.
    pub body: String,
}

/// Longest accepted title in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest accepted description in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Longest accepted change summary in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// Validates and normalises a title: trimmed, single-line, 1–200 characters.
pub fn clean_title(raw: &str) -> Result<String, String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err("Der Titel darf nicht leer sein.".to_owned());
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "Der Titel ist zu lang (höchstens {MAX_TITLE_CHARS} Zeichen)."
        ));
    }
    Ok(t)
}

/// Normalises a one-line text field, cutting it to `max` characters.
pub fn clean_line(raw: &str, max: usize) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let t = Tags::parse_csv(" Meldewesen, meldewesen ,, Bürgerbüro ");
        assert_eq!(t.as_slice(), ["Meldewesen", "Bürgerbüro"]);
        assert_eq!(t.to_csv(), "Meldewesen, Bürgerbüro");
    }

    #[test]
    fn titles_are_validated() {
        assert_eq!(
            clean_title("  Hund \n anmelden ").as_deref(),
            Ok("Hund anmelden")
        );
        assert!(clean_title("   ").is_err());
        assert!(clean_title(&"x".repeat(201)).is_err());
    }

    #[test]
    fn article_ids_round_trip_through_bytes_and_text() {
        let id = ArticleId::new();
        assert_eq!(ArticleId::from_bytes(id.to_bytes()), id);
        assert_eq!(id.to_string().parse::<ArticleId>().ok(), Some(id));
    }
}
