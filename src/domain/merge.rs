//! Three-way merge of concurrent edits, so that a save on a stale base never loses work.
//!
//! Bodies are merged line by line (diffy). Titles, descriptions and spaces are single values:
//! a side that did not change them yields to the side that did; two different changes
//! conflict. Tags merge as sets.

use super::article::Tags;

/// Outcome of merging one text field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMerge {
    /// Both edits combined without overlap.
    Clean(String),
    /// Overlapping edits: the text with conflict markers for the user to resolve.
    Conflict(String),
}

/// Merges `theirs` (the incoming save, based on `base`) into `ours` (the current text).
pub fn merge_text(base: &str, ours: &str, theirs: &str) -> TextMerge {
    if ours == theirs || base == theirs {
        return TextMerge::Clean(ours.to_owned());
    }
    if base == ours {
        return TextMerge::Clean(theirs.to_owned());
    }
    // diffy works on lines; make sure every text ends with a newline so an edit of the
    // last line does not collide with the missing-newline marker.
    let norm = |s: &str| {
        if s.ends_with('\n') {
            s.to_owned()
        } else {
            format!("{s}\n")
        }
    };
    let mut opts = diffy::MergeOptions::new();
    opts.set_conflict_style(diffy::ConflictStyle::Merge);
    match opts.merge(&norm(base), &norm(ours), &norm(theirs)) {
        Ok(merged) => TextMerge::Clean(restore_trailing_newline(merged, ours, theirs)),
        Err(with_markers) => TextMerge::Conflict(with_markers),
    }
}

fn restore_trailing_newline(mut merged: String, ours: &str, theirs: &str) -> String {
    if !ours.ends_with('\n') && !theirs.ends_with('\n') && merged.ends_with('\n') {
        merged.pop();
    }
    merged
}

/// Merges a single-valued field; `None` means a real conflict.
pub fn merge_value<T: PartialEq + Clone>(base: &T, ours: &T, theirs: &T) -> Option<T> {
    if ours == theirs || theirs == base {
        Some(ours.clone())
    } else if ours == base {
        Some(theirs.clone())
    } else {
        None
    }
}

/// Merges tag sets: additions and removals from both sides apply.
pub fn merge_tags(base: &Tags, ours: &Tags, theirs: &Tags) -> Tags {
    let b = base.as_slice();
    let removed_by_them: Vec<&String> = b
        .iter()
        .filter(|t| !theirs.as_slice().contains(t))
        .collect();
    let kept = ours
        .as_slice()
        .iter()
        .filter(|t| !removed_by_them.contains(t));
    let added_by_them = theirs.as_slice().iter().filter(|t| !b.contains(t));
    Tags::new(kept.chain(added_by_them))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "# Antrag\n\nSchritt eins.\n\nSchritt zwei.\n\nSchritt drei.\n";

    #[test]
    fn edits_in_different_paragraphs_merge_cleanly() {
        let ours = BASE.replace("Schritt eins.", "Schritt eins, mit Ausweis.");
        let theirs = BASE.replace("Schritt drei.", "Schritt drei, danach Bescheid.");
        let merged = merge_text(BASE, &ours, &theirs);
        assert_eq!(
            merged,
            TextMerge::Clean(
                "# Antrag\n\nSchritt eins, mit Ausweis.\n\nSchritt zwei.\n\nSchritt drei, danach Bescheid.\n"
                    .to_owned()
            )
        );
    }

    #[test]
    fn edits_of_the_same_line_conflict_with_markers() {
        let ours = BASE.replace("Schritt zwei.", "Schritt zwei (Amt A).");
        let theirs = BASE.replace("Schritt zwei.", "Schritt zwei (Amt B).");
        match merge_text(BASE, &ours, &theirs) {
            TextMerge::Conflict(text) => {
                assert!(text.contains("<<<<<<<"));
                assert!(text.contains("Amt A") && text.contains("Amt B"));
            }
            other => panic!("expected conflict, got {other:?}"),
        }
    }

    #[test]
    fn one_sided_changes_win_without_diffing() {
        assert_eq!(merge_text("a", "a", "b"), TextMerge::Clean("b".to_owned()));
        assert_eq!(merge_text("a", "b", "a"), TextMerge::Clean("b".to_owned()));
        assert_eq!(merge_text("a", "c", "c"), TextMerge::Clean("c".to_owned()));
    }

    #[test]
    fn missing_trailing_newline_does_not_cause_conflicts() {
        let base = "eins\nzwei\ndrei";
        let merged = merge_text(base, "EINS\nzwei\ndrei", "eins\nzwei\nDREI");
        assert_eq!(merged, TextMerge::Clean("EINS\nzwei\nDREI".to_owned()));
    }

    #[test]
    fn values_conflict_only_when_both_sides_change_differently() {
        assert_eq!(merge_value(&1, &1, &2), Some(2));
        assert_eq!(merge_value(&1, &3, &1), Some(3));
        assert_eq!(merge_value(&1, &3, &3), Some(3));
        assert_eq!(merge_value(&1, &3, &4), None);
    }

    #[test]
    fn tags_merge_as_sets() {
        let base = Tags::new(["a", "b"]);
        let ours = Tags::new(["a", "b", "c"]);
        let theirs = Tags::new(["b", "d"]);
        assert_eq!(
            merge_tags(&base, &ours, &theirs).as_slice(),
            ["b", "c", "d"]
        );
    }
}
