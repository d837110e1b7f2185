//! Heading anchor ids: `slugify(heading text)`, made unique within one article.

use std::collections::{HashMap, HashSet};

use crate::domain::slug::slugify;

/// Id for a heading whose text has no letters or digits (`## ???`).
const FALLBACK_ID: &str = "abschnitt";

/// Hands out unique ids in document order: the first `Ablauf` gets `ablauf`, the next
/// `ablauf-2`, then `ablauf-3`.
#[derive(Debug, Default)]
pub(super) struct HeadingIds {
    taken: HashSet<String>,
    /// Next suffix to try per base id. Without it, n equal headings would probe
    /// 2, 3, … n each time, which is quadratic on a 512 KB page of `#` lines.
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    /// Reserves ids the renderer uses elsewhere (footnotes), so no heading takes them.
    pub(super) fn reserve(&mut self, id: String) {
        self.taken.insert(id);
    }

    /// The id for a heading with this text.
    pub(super) fn allocate(&mut self, text: &str) -> String {
        let mut base = slugify(text);
        if base.is_empty() {
            base = FALLBACK_ID.to_owned();
        }
        if self.taken.insert(base.clone()) {
            return base;
        }
        let mut suffix = self.next_suffix.get(&base).copied().unwrap_or(2);
        // A heading may itself read like a suffixed id (`Ablauf 2`), so probe until free.
        let id = loop {
            let candidate = format!("{base}-{suffix}");
            suffix += 1;
            if self.taken.insert(candidate.clone()) {
                break candidate;
            }
        };
        self.next_suffix.insert(base, suffix);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headings_get_numbered_suffixes() {
        let mut ids = HeadingIds::default();
        let got: Vec<String> = ["Ablauf", "Ablauf", "Ablauf 2", "Ablauf", "!!!", "???"]
            .iter()
            .map(|text| ids.allocate(text))
            .collect();
        assert_eq!(
            got,
            [
                "ablauf",
                "ablauf-2",
                "ablauf-2-2",
                "ablauf-3",
                "abschnitt",
                "abschnitt-2"
            ]
        );
    }

    #[test]
    fn reserved_ids_are_skipped() {
        let mut ids = HeadingIds::default();
        ids.reserve("fn-1".to_owned());
        assert_eq!(ids.allocate("Fn 1"), "fn-1-2");
    }
}
