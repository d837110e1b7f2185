//! Word-level diffs between two texts, for the revision comparison view.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// What a diff segment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    /// Text in both versions.
    Equal,
    /// Text only in the newer version.
    Insert,
    /// Text only in the older version.
    Delete,
}

/// A run of words with the same [`SegmentKind`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Kind of change.
    pub kind: SegmentKind,
    /// The text, whitespace included.
    pub text: String,
}

/// A word-level diff with counts for a summary line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordDiff {
    /// Segments in reading order.
    pub segments: Vec<Segment>,
    /// Words inserted.
    pub inserted_words: usize,
    /// Words deleted.
    pub deleted_words: usize,
}

impl WordDiff {
    /// True when both texts are equal.
    pub fn is_empty(&self) -> bool {
        self.inserted_words == 0 && self.deleted_words == 0
    }
}

/// Above this many bytes in total we diff by lines, not words: word diffs on huge texts
/// cost quadratic time in the worst case and are unreadable anyway.
const WORD_DIFF_MAX_BYTES: usize = 256 * 1024;

/// Computes a readable word-level diff from `old` to `new`.
pub fn word_diff(old: &str, new: &str) -> WordDiff {
    let diff = if old.len() + new.len() <= WORD_DIFF_MAX_BYTES {
        TextDiff::configure()
            .timeout(std::time::Duration::from_millis(500))
            .diff_unicode_words(old, new)
    } else {
        TextDiff::configure()
            .timeout(std::time::Duration::from_millis(500))
            .diff_lines(old, new)
    };
    let mut segments: Vec<Segment> = Vec::new();
    let (mut inserted_words, mut deleted_words) = (0, 0);
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => SegmentKind::Equal,
            ChangeTag::Insert => SegmentKind::Insert,
            ChangeTag::Delete => SegmentKind::Delete,
        };
        let text = change.value();
        let words = text.split_whitespace().count();
        match kind {
            SegmentKind::Insert => inserted_words += words,
            SegmentKind::Delete => deleted_words += words,
            SegmentKind::Equal => {}
        }
        match segments.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(text),
            // Whitespace between two changes of one kind reads better inside the change.
            _ => segments.push(Segment {
                kind,
                text: text.to_owned(),
            }),
        }
    }
    WordDiff {
        segments,
        inserted_words,
        deleted_words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_word_is_one_delete_and_one_insert() {
        let d = word_diff(
            "Der Antrag wird geprüft.",
            "Der Antrag wird sofort geprüft.",
        );
        assert_eq!(d.inserted_words, 1);
        assert_eq!(d.deleted_words, 0);
        let inserted: String = d
            .segments
            .iter()
            .filter(|s| s.kind == SegmentKind::Insert)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(inserted.trim(), "sofort");
    }

    #[test]
    fn equal_texts_give_an_empty_diff() {
        let d = word_diff("gleich", "gleich");
        assert!(d.is_empty());
        assert_eq!(d.segments.len(), 1);
    }

    #[test]
    fn replaced_umlaut_word_is_detected() {
        let d = word_diff("Gebühr zahlen", "Gebühren zahlen");
        assert_eq!(d.deleted_words, 1);
        assert_eq!(d.inserted_words, 1);
    }
}
