//! Query-time synonym and abbreviation expansion.
//!
//! Lists are plain text, one rule per line, `#` starts a comment:
//!
//! ```text
//! Führerschein, Fahrerlaubnis          # a group: each word expands to the others
//! Perso, Persos => Personalausweis     # one-way: left side expands to right side
//! Hartz IV => Bürgergeld               # multi-word terms are fine
//! ```
//!
//! Matching is done on *analysed* terms (stemmed, umlaut-folded), so "Anträge" matches a rule
//! written for "Antrag". Expansions are scored below the user's own words (see the weights),
//! because a synonym is evidence, not certainty.
//!
//! Sources: [`Synonyms::curated`] (our municipal list, `data/synonyms-curated.txt`),
//! [`Synonyms::openthesaurus`] (a filtered subset of OpenThesaurus, LGPL-2.1-or-later, see
//! `data/openthesaurus.NOTICE.txt`) and per-installation lists via [`Synonyms::parse`].

use std::collections::HashMap;

use crate::analysis;
use crate::error::{IndexError, Result};

const CURATED: &str = include_str!("../data/synonyms-curated.txt");
const OPENTHESAURUS: &str = include_str!("../data/openthesaurus-subset.txt");

/// Weight of curated and per-installation expansions relative to the user's own words (1.0).
pub const CURATED_WEIGHT: f32 = 0.6;
/// Weight of OpenThesaurus expansions: general-language synsets are noisier.
pub const THESAURUS_WEIGHT: f32 = 0.3;
/// Longest accepted term, in chars.
const MAX_TERM_CHARS: usize = 100;
/// Most words in one synonym term.
const MAX_TERM_WORDS: usize = 4;
/// Most rules in one list: per-installation lists are admin input.
const MAX_RULES: usize = 20_000;

/// One parsed rule: each `from` term expands to every `to` term other than itself.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    from: Vec<String>,
    to: Vec<String>,
    weight: f32,
}

/// A set of synonym rules (unanalysed). Cheap to merge; compiled when installed in an index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synonyms {
    rules: Vec<Rule>,
}

impl Synonyms {
    /// No synonyms at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses a per-installation list (weight [`CURATED_WEIGHT`]).
    ///
    /// # Errors
    /// [`IndexError::InvalidSynonyms`] naming the first bad line.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with_weight(text, CURATED_WEIGHT)
    }

    /// Parses a list whose expansions get `weight` (relative to 1.0 for the user's words).
    ///
    /// # Errors
    /// [`IndexError::InvalidSynonyms`] naming the first bad line.
    pub fn parse_with_weight(text: &str, weight: f32) -> Result<Self> {
        let mut rules = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |reason: &str| IndexError::InvalidSynonyms {
                line: n + 1,
                reason: reason.to_owned(),
            };
            if rules.len() >= MAX_RULES {
                return Err(bad("too many rules"));
            }
            let rule = match line.split_once("=>") {
                Some((lhs, rhs)) => {
                    if rhs.contains("=>") {
                        return Err(bad("more than one '=>'"));
                    }
                    let from = terms(lhs).map_err(|r| bad(&r))?;
                    let to = terms(rhs).map_err(|r| bad(&r))?;
                    Rule { from, to, weight }
                }
                None => {
                    let group = terms(line).map_err(|r| bad(&r))?;
                    if group.len() < 2 {
                        return Err(bad("a group needs at least two terms"));
                    }
                    Rule {
                        from: group.clone(),
                        to: group,
                        weight,
                    }
                }
            };
            rules.push(rule);
        }
        Ok(Self { rules })
    }

    /// The curated municipal list shipped with the crate.
    pub fn curated() -> Self {
        // The embedded list is checked by a unit test, so an error here means a broken build.
        Self::parse_with_weight(CURATED, CURATED_WEIGHT).unwrap_or_default()
    }

    /// The filtered OpenThesaurus subset shipped with the crate.
    pub fn openthesaurus() -> Self {
        Self::parse_with_weight(OPENTHESAURUS, THESAURUS_WEIGHT).unwrap_or_default()
    }

    /// Curated list plus OpenThesaurus subset: the recommended default.
    pub fn german_default() -> Self {
        Self::curated().merge(Self::openthesaurus())
    }

    /// Adds another list's rules (e.g. the per-installation list).
    pub fn merge(mut self, other: Synonyms) -> Self {
        self.rules.extend(other.rules);
        self
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Analyses all terms and builds the lookup table used at query time.
    pub(crate) fn compile(&self) -> SynonymMap {
        let mut analyzer = analysis::german();
        let mut map: HashMap<String, Vec<Expansion>> = HashMap::new();
        let mut max_key_tokens = 0;
        for rule in &self.rules {
            let targets: Vec<(String, Vec<String>)> = rule
                .to
                .iter()
                .map(|t| (t.clone(), analysis::tokens(&mut analyzer, t)))
                .filter(|(_, stems)| !stems.is_empty())
                .collect();
            for from in &rule.from {
                let key_stems = analysis::tokens(&mut analyzer, from);
                if key_stems.is_empty() {
                    continue;
                }
                max_key_tokens = max_key_tokens.max(key_stems.len());
                let entry = map.entry(key_stems.join(" ")).or_default();
                for (display, stems) in &targets {
                    if *stems == key_stems {
                        continue;
                    }
                    match entry.iter_mut().find(|e| e.stems == *stems) {
                        Some(e) => e.weight = e.weight.max(rule.weight),
                        None => entry.push(Expansion {
                            display: display.clone(),
                            stems: stems.clone(),
                            weight: rule.weight,
                        }),
                    }
                }
            }
        }
        SynonymMap {
            map,
            max_key_tokens,
        }
    }
}

/// Splits a comma-separated term list and validates each term.
fn terms(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    for term in text.split(',') {
        let term = term.split_whitespace().collect::<Vec<_>>().join(" ");
        if term.is_empty() {
            return Err("empty term".to_owned());
        }
        if term.chars().count() > MAX_TERM_CHARS {
            return Err(format!("term longer than {MAX_TERM_CHARS} chars"));
        }
        if term.split(' ').count() > MAX_TERM_WORDS {
            return Err(format!("term with more than {MAX_TERM_WORDS} words"));
        }
        out.push(term);
    }
    Ok(out)
}

/// One expansion of a matched key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expansion {
    /// The term as written in the list, for `expanded_terms`.
    pub(crate) display: String,
    /// Its analysed terms; all must match.
    pub(crate) stems: Vec<String>,
    /// Score weight relative to the user's own words.
    pub(crate) weight: f32,
}

/// Compiled synonyms: analysed key (stems joined by a space) → expansions.
#[derive(Debug, Clone, Default)]
pub(crate) struct SynonymMap {
    map: HashMap<String, Vec<Expansion>>,
    max_key_tokens: usize,
}

impl SynonymMap {
    /// For each position in `stems`, the expansions whose key covers that position, found by
    /// longest match first (so "hartz iv" wins over "hartz").
    pub(crate) fn expand(&self, stems: &[String]) -> Vec<Vec<Expansion>> {
        let mut out = vec![Vec::new(); stems.len()];
        let mut i = 0;
        while i < stems.len() {
            let mut matched = 0;
            for len in (1..=self.max_key_tokens.min(stems.len() - i)).rev() {
                if let Some(exps) = self.map.get(&stems[i..i + len].join(" ")) {
                    for slot in &mut out[i..i + len] {
                        slot.extend(exps.iter().cloned());
                    }
                    matched = len;
                    break;
                }
            }
            i += matched.max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(analyzer: &mut tantivy::tokenizer::TextAnalyzer, s: &str) -> Vec<String> {
        analysis::tokens(analyzer, s)
    }

    #[test]
    fn embedded_lists_parse() {
        let curated = Synonyms::parse_with_weight(CURATED, CURATED_WEIGHT).unwrap();
        assert!(curated.len() >= 150, "curated has {}", curated.len());
        Synonyms::parse_with_weight(OPENTHESAURUS, THESAURUS_WEIGHT).unwrap();
    }

    #[test]
    fn groups_one_way_and_multiword() {
        let s = Synonyms::parse(
            "Führerschein, Fahrerlaubnis\nPerso => Personalausweis\nHartz IV => Bürgergeld",
        )
        .unwrap();
        let map = s.compile();
        let mut a = analysis::german();
        let exp = map.expand(&stems(&mut a, "perso"));
        assert_eq!(exp[0][0].display, "Personalausweis");
        assert!(map.expand(&stems(&mut a, "Personalausweis"))[0].is_empty());
        let exp = map.expand(&stems(&mut a, "Fahrerlaubnis"));
        assert_eq!(exp[0][0].stems, ["fuhrerschein"]);
        let exp = map.expand(&stems(&mut a, "hartz iv antrag"));
        assert_eq!(exp[0][0].display, "Bürgergeld");
        assert_eq!(exp[1][0].display, "Bürgergeld");
        assert!(exp[2].is_empty());
    }

    #[test]
    fn bad_lines_are_reported() {
        let err = Synonyms::parse("a, b\nsolo\n").unwrap_err();
        assert!(matches!(err, IndexError::InvalidSynonyms { line: 2, .. }));
        assert!(Synonyms::parse("a => b => c").is_err());
        assert!(Synonyms::parse("a, , b").is_err());
        assert!(Synonyms::parse("# only a comment\n\n").unwrap().is_empty());
    }
}
