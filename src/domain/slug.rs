//! URL slugs: German-aware transliteration (ä→ae, ß→ss) and validation.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest slug we generate; longer titles are cut at a word boundary.
const MAX_SLUG_LEN: usize = 80;

/// Turns any text into a lowercase ASCII slug: German letters are transliterated the
/// German way (`ä`→`ae`, `ß`→`ss`) before everything else goes through `deunicode`, runs of
/// other characters become one `-`. May return an empty string for text without letters or
/// digits; callers decide the fallback.
pub fn slugify(text: &str) -> String {
    let mut ascii = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            'ä' => ascii.push_str("ae"),
            'ö' => ascii.push_str("oe"),
            'ü' => ascii.push_str("ue"),
            'Ä' => ascii.push_str("Ae"),
            'Ö' => ascii.push_str("Oe"),
            'Ü' => ascii.push_str("Ue"),
            'ß' | 'ẞ' => ascii.push_str("ss"),
            c if c.is_ascii() => ascii.push(c),
            // Symbols (§, €, …) would transliterate to words ("SS", "EUR"); drop them.
            c if !c.is_alphanumeric() => ascii.push('-'),
            c => ascii.push_str(deunicode::deunicode_char(c).unwrap_or("-")),
        }
    }
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    slug
}

/// A validated article or space slug: non-empty lowercase ASCII letters, digits and single
/// dashes. Constructed only through [`Slug::parse`] or [`Slug::from_title`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid slug {0:?}: use lowercase letters, digits and single dashes")]
pub struct InvalidSlug(pub String);

impl Slug {
    /// Accepts an existing slug exactly as written.
    pub fn parse(s: &str) -> Result<Self, InvalidSlug> {
        let valid = !s.is_empty()
            && s.len() <= 200
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Slug(s.to_owned()))
        } else {
            Err(InvalidSlug(s.to_owned()))
        }
    }

    /// Derives a slug from a title; titles without letters or digits become `artikel`.
    pub fn from_title(title: &str) -> Self {
        let s = slugify(title);
        if s.is_empty() {
            Slug("artikel".to_owned())
        } else {
            Slug(s)
        }
    }

    /// The slug with a numeric suffix, used to make it unique (`antrag-2`).
    pub fn with_suffix(&self, n: u32) -> Self {
        Slug(format!("{}-{n}", self.0))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = InvalidSlug;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_letters_are_transliterated() {
        assert_eq!(slugify("Größe der Übergabe"), "groesse-der-uebergabe");
        assert_eq!(
            slugify("Straßenverkehrsamt: Öffnungszeiten!"),
            "strassenverkehrsamt-oeffnungszeiten"
        );
        assert_eq!(slugify("  Ärger  mit -- Ämtern "), "aerger-mit-aemtern");
    }

    #[test]
    fn other_scripts_fall_back_to_deunicode() {
        assert_eq!(slugify("Café Niño"), "cafe-nino");
        assert_eq!(slugify("§ 34 BauGB"), "34-baugb");
    }

    #[test]
    fn empty_titles_get_a_fallback() {
        assert_eq!(slugify("!!!"), "");
        assert_eq!(Slug::from_title("???").as_str(), "artikel");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let s = slugify(&"Verwaltungsvorschrift ".repeat(10));
        assert!(s.len() <= MAX_SLUG_LEN);
        assert!(!s.ends_with('-'));
    }

    #[test]
    fn parse_rejects_malformed_slugs() {
        assert!(Slug::parse("abc-def").is_ok());
        for bad in ["", "-a", "a-", "a--b", "Ab", "a b", "ä"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }
}
