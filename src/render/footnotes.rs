//! Footnote numbers and the anchors between references and definitions. The rewrite
//! moves the definitions into a numbered list at the end of the article, so a footnote's
//! number must be known before its first reference is written.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{Event, Tag};

/// Footnote numbers, fixed before rendering: referenced footnotes in order of their first
/// reference, then definitions nobody references (shown, not dropped, so no text is lost).
#[derive(Debug, Default)]
pub(super) struct Footnotes {
    numbers: HashMap<String, usize>,
    /// Numbers `1..=referenced` have a reference in the text and get a back-link.
    referenced: usize,
    /// Footnotes whose first reference has been emitted (only it carries the `fnref-` id).
    anchored: HashSet<usize>,
}

impl Footnotes {
    pub(super) fn number(events: &[Event<'_>]) -> Self {
        let defined: HashSet<String> = events
            .iter()
            .filter_map(|event| match event {
                Event::Start(Tag::FootnoteDefinition(label)) => Some(footnote_key(label)),
                _ => None,
            })
            .collect();
        let mut numbers = HashMap::new();
        for event in events {
            if let Event::FootnoteReference(label) = event {
                let key = footnote_key(label);
                if defined.contains(&key) && !numbers.contains_key(&key) {
                    numbers.insert(key, numbers.len() + 1);
                }
            }
        }
        let referenced = numbers.len();
        for event in events {
            if let Event::Start(Tag::FootnoteDefinition(label)) = event {
                let key = footnote_key(label);
                if !numbers.contains_key(&key) {
                    numbers.insert(key, numbers.len() + 1);
                }
            }
        }
        Footnotes {
            numbers,
            referenced,
            anchored: HashSet::new(),
        }
    }

    pub(super) fn get(&self, label: &str) -> Option<usize> {
        self.numbers.get(&footnote_key(label)).copied()
    }

    pub(super) fn is_referenced(&self, number: usize) -> bool {
        number <= self.referenced
    }

    /// Every footnote number in use.
    pub(super) fn all_numbers(&self) -> impl Iterator<Item = usize> + '_ {
        self.numbers.values().copied()
    }

    /// True the first time it is asked about `number`: only the first reference to a
    /// footnote carries the `fnref-` id the back-link jumps to, so ids stay unique.
    pub(super) fn first_reference(&mut self, number: usize) -> bool {
        self.anchored.insert(number)
    }
}

/// Footnote labels match case-insensitively, as pulldown-cmark matches them.
fn footnote_key(label: &str) -> String {
    label.to_lowercase()
}
