//! German compound splitting ("Hundesteuer" → hund | steuer).
//!
//! tantivy's `SplitCompoundWords` takes the leftmost-longest dictionary match and drops the
//! original token, which produced `hundes|teuer` in our research (search.md §1.3). This
//! splitter instead scores every segmentation of a word with dynamic programming and keeps the
//! best one: long known parts beat many short ones, linking morphemes (Fugen-s, -es, -n, -en,
//! -e, -er, -ens) may follow a modifier, and the head (last part) may carry an inflection
//! ending. The parts dictionary (`data/dictionary-de.txt`, LGPL-3.0-or-later, see its NOTICE)
//! lists mostly *modifier* forms ("genehmigungs", "zulassungs"), so a head is also accepted when
//! its Fugen-s form is listed, or, at a penalty, when it is unknown but ends in a productive
//! noun suffix (-ung, -heit, -keit, …).

use std::collections::HashSet;
use std::sync::LazyLock;

/// The parts dictionary shipped with the crate, one lowercase word per line, `#` comments.
const DICTIONARY: &str = include_str!("../data/dictionary-de.txt");

/// Shortest word we try to split; anything shorter cannot hold two parts of [`MIN_PART`].
const MIN_WORD: usize = 6;
/// Shortest part, in chars. Two-letter parts ("ab", "an") produce mostly nonsense splits.
const MIN_PART: usize = 3;
/// Longest word we try to split; longer tokens are noise (URLs, hashes).
const MAX_WORD: usize = 40;
/// Linking morphemes that may follow a modifier, cheapest first.
const LINKS: [&str; 7] = ["s", "es", "n", "en", "e", "er", "ens"];
/// Inflection endings a head may carry in running text (Genehmigungen, Ausweises).
const HEAD_ENDINGS: [&str; 7] = ["e", "en", "n", "s", "es", "er", "ern"];
/// Productive noun suffixes: an unknown head ending in one of them is probably a real word.
const NOUN_SUFFIXES: [&str; 10] = [
    "ung", "ungen", "heit", "keit", "schaft", "ion", "tät", "nis", "erei", "ment",
];
/// Modifier forms whose final "s" is always a Fugen-s (Genehmigungs-, Sicherheits-).
const FUGEN_S_CLASSES: [&str; 8] = [
    "ungs", "heits", "keits", "schafts", "ions", "täts", "ings", "tums",
];
/// Every part costs this much, so that fewer parts win when lengths are similar.
const PART_PENALTY: i32 = 8;
/// A linking morpheme costs a little: "hunde|steuer" (listed form) beats "hund+e|steuer".
const LINK_PENALTY: i32 = 1;

/// The crate's German splitter, built once from the embedded dictionary.
pub static GERMAN: LazyLock<Decompounder> =
    LazyLock::new(|| Decompounder::from_words(DICTIONARY.lines()));

/// A dictionary-based compound splitter with scored segmentations.
#[derive(Debug, Clone)]
pub struct Decompounder {
    words: HashSet<String>,
    longest: usize,
}

/// One scored way to cover `word[..end]` with modifiers.
#[derive(Clone)]
struct Partial {
    score: i32,
    /// Char ranges of the modifiers (without linking morphemes).
    parts: Vec<(usize, usize)>,
}

impl Decompounder {
    /// Builds a splitter from a word list (lowercase; empty lines and `#` comments skipped).
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let words: HashSet<String> = words
            .into_iter()
            .map(str::trim)
            .filter(|w| !w.is_empty() && !w.starts_with('#'))
            .map(str::to_lowercase)
            .collect();
        let longest = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
        Self { words, longest }
    }

    /// Number of dictionary entries.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Splits a lowercase word into its parts, or returns `None` when it is not a compound we
    /// recognise (too short, listed as a whole word, or no segmentation into known parts).
    ///
    /// The parts are returned in base form where that is cheap to know (the Fugen-s of
    /// "genehmigungs" and the plural/Fugen "-e" of "hunde" are removed); callers stem them anyway.
    pub fn split(&self, word: &str) -> Option<Vec<String>> {
        let chars: Vec<char> = word.chars().collect();
        let n = chars.len();
        if !(MIN_WORD..=MAX_WORD).contains(&n) || self.is_known(word) {
            return None;
        }
        if !chars.iter().all(|c| c.is_alphabetic()) {
            return None;
        }
        let slice = |a: usize, b: usize| -> String { chars[a..b].iter().collect() };

        // best[i]: best segmentation of chars[..i] into modifiers (each optionally followed by a
        // linking morpheme). best[0] is the empty segmentation.
        let mut best: Vec<Option<Partial>> = vec![None; n + 1];
        best[0] = Some(Partial {
            score: 0,
            parts: Vec::new(),
        });
        for start in 0..n {
            let Some(prefix) = best[start].clone() else {
                continue;
            };
            let max_end = (start + self.longest).min(n.saturating_sub(MIN_PART));
            for end in (start + MIN_PART)..=max_end {
                if !self.words.contains(&slice(start, end)) {
                    continue;
                }
                let len = i32::try_from(end - start).unwrap_or(i32::MAX);
                let base = prefix.score + len * len - PART_PENALTY;
                let mut parts = prefix.parts.clone();
                parts.push((start, end));
                consider(&mut best[end], base, &parts);
                for link in LINKS {
                    let link_len = link.chars().count();
                    let after = end + link_len;
                    if after + MIN_PART <= n && slice(end, after) == link {
                        consider(&mut best[after], base - LINK_PENALTY, &parts);
                    }
                }
            }
        }

        let mut winner: Option<(i32, Partial, String)> = None;
        for (head_start, prefix) in best.iter().enumerate().take(n - MIN_PART + 1) {
            let Some(prefix) = prefix else {
                continue;
            };
            if head_start < MIN_PART || prefix.parts.is_empty() {
                continue;
            }
            let head = slice(head_start, n);
            let Some((head_score, head_form, known)) = self.score_head(&head) else {
                continue;
            };
            // An unknown head needs a substantial modifier: "gen|ehmigung" is not a split.
            if !known && head_start < 4 {
                continue;
            }
            let total = prefix.score + head_score - PART_PENALTY;
            if winner.as_ref().is_none_or(|(s, _, _)| total > *s) {
                winner = Some((total, prefix.clone(), head_form));
            }
        }
        let (_, Partial { parts, .. }, head) = winner?;
        let mut out: Vec<String> = parts
            .into_iter()
            .map(|(a, b)| self.modifier_base(&slice(a, b)))
            .collect();
        out.push(head);
        Some(out)
    }

    /// Whether a whole word is listed, directly or in its Fugen-s form ("genehmigungs").
    fn is_known(&self, word: &str) -> bool {
        self.words.contains(word) || self.words.contains(&format!("{word}s"))
    }

    /// Scores a candidate head and returns the form to emit and whether it is a known word,
    /// or `None` if it is implausible.
    fn score_head(&self, head: &str) -> Option<(i32, String, bool)> {
        let len = i32::try_from(head.chars().count()).unwrap_or(i32::MAX);
        // The dictionary lists the Fugen form "genehmigungs" but not "genehmigung".
        if self.is_known(head) {
            return Some((len * len, head.to_owned(), true));
        }
        for ending in HEAD_ENDINGS {
            if let Some(stem) = head.strip_suffix(ending)
                && stem.chars().count() >= MIN_PART
                && (self.words.contains(stem) || self.words.contains(&format!("{stem}s")))
            {
                // Slightly below a bare listed head so an exact listing wins ties.
                return Some((len * len - 1, head.to_owned(), true));
            }
        }
        // Unknown heads are accepted only when long and shaped like a derived noun; the
        // penalty keeps any all-known segmentation ahead ("hund|steuer" over "hundes|teuer").
        if len >= 6
            && NOUN_SUFFIXES
                .iter()
                .any(|s| head.ends_with(s) || head.ends_with(&format!("{s}en")))
        {
            return Some((len * len / 3, head.to_owned(), false));
        }
        None
    }

    /// Turns a modifier as written ("genehmigungs", "hunde") into its base form when the
    /// base is certain: a Fugen-s after a suffix that always takes one, or a listed base word.
    fn modifier_base(&self, part: &str) -> String {
        if FUGEN_S_CLASSES.iter().any(|c| part.ends_with(c))
            && let Some(base) = part.strip_suffix('s')
        {
            return base.to_owned();
        }
        for link in ["es", "e", "s", "en", "n"] {
            if let Some(base) = part.strip_suffix(link)
                && base.chars().count() >= 4
                && self.words.contains(base)
            {
                return base.to_owned();
            }
        }
        part.to_owned()
    }
}

/// Keeps the higher-scoring of the stored and the new segmentation.
fn consider(slot: &mut Option<Partial>, score: i32, parts: &[(usize, usize)]) {
    if slot.as_ref().is_none_or(|p| score > p.score) {
        *slot = Some(Partial {
            score,
            parts: parts.to_vec(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(word: &str) -> Option<String> {
        GERMAN.split(word).map(|p| p.join("|"))
    }

    #[test]
    fn dictionary_is_loaded() {
        assert!(GERMAN.len() > 14_000);
    }

    #[test]
    fn prefers_known_parts_over_greedy_longest() {
        assert_eq!(split("hundesteuer").as_deref(), Some("hund|steuer"));
    }

    #[test]
    fn accepts_head_listed_only_in_fugen_form() {
        assert_eq!(split("baugenehmigung").as_deref(), Some("bau|genehmigung"));
        assert_eq!(
            split("baugenehmigungen").as_deref(),
            Some("bau|genehmigungen")
        );
    }

    #[test]
    fn splits_common_municipal_compounds() {
        assert_eq!(
            split("personalausweis").as_deref(),
            Some("personal|ausweis")
        );
        assert_eq!(
            split("kraftfahrzeugzulassung").as_deref(),
            Some("kraft|fahrzeug|zulassung")
        );
        assert_eq!(split("führungszeugnis").as_deref(), Some("führung|zeugnis"));
        assert_eq!(
            split("meldebescheinigung").as_deref(),
            Some("melde|bescheinigung")
        );
    }

    #[test]
    fn strips_fugen_s_from_modifiers() {
        let parts = GERMAN.split("genehmigungsverfahren").unwrap_or_default();
        assert_eq!(parts.first().map(String::as_str), Some("genehmigung"));
    }

    #[test]
    fn leaves_simple_and_short_words_alone() {
        assert_eq!(split("steuer"), None);
        assert_eq!(split("haus"), None);
        assert_eq!(split("abenteuer"), None);
        assert_eq!(split("genehmigung"), None);
        assert_eq!(split("bescheinigung"), None);
        assert_eq!(split("x1y2z3abc"), None);
    }

    #[test]
    fn custom_dictionary() {
        let d = Decompounder::from_words(["dampf", "schiff", "fahrt"]);
        assert_eq!(
            d.split("dampfschifffahrt").map(|p| p.join("|")).as_deref(),
            Some("dampf|schiff|fahrt")
        );
        assert_eq!(d.split("dampfer"), None);
    }
}
