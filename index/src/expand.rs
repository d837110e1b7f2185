//! Turns a [`ParsedQuery`] into tantivy queries, with German-aware expansion.
//!
//! Every query word becomes one *unit*: a disjunction of
//! - the stemmed word in title (×3), headings (×2), description (×1.5) and body (×1),
//! - the word and, for compounds, its parts in the decompounded field (×0.4 / ×0.3), so that
//!   "Genehmigung" finds "Baugenehmigung" and "Hundesteuer" finds "Steuer für Hunde",
//! - synonym expansions (×0.6 curated, ×0.3 OpenThesaurus),
//! - for a word absent from the index, its closest spellings found by walking the term
//!   dictionary with a Levenshtein automaton (×0.8 at distance 1, ×0.6 at distance 2). These
//!   are ordinary term queries, so unlike `FuzzyTermQuery` they are BM25-scored and highlighted,
//! - with `prefix`, the last word's completions (search-as-you-type).
//!
//! Units are then combined so that all must match, falling back to any (see
//! [`minimum_match`]); exclusions match the precise fields only.

use std::collections::HashMap;
use std::sync::LazyLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use serde::{Deserialize, Serialize};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenStream;
use tantivy::{Searcher, Term};

use crate::analysis;
use crate::error::Result;
use crate::query::{Item, ParsedQuery};
use crate::schema::Fields;
use crate::synonyms::{Expansion, SynonymMap};

/// Boost of a word found in the decompounded field.
const COMPOUND_BOOST: f32 = 0.4;
/// Boost of a compound query word whose parts all occur in the decompounded field.
const PARTS_BOOST: f32 = 0.3;
/// Boost of typo corrections at distance 1 and 2.
const TYPO_BOOST: [f32; 2] = [0.8, 0.6];
/// Boost of prefix completions of the last word.
const PREFIX_BOOST: f32 = 0.7;
/// Most typo corrections / prefix completions per word.
const MAX_TYPO_CANDIDATES: usize = 3;
const MAX_PREFIX_CANDIDATES: usize = 8;
/// Bound on dictionary terms scanned for prefix completion, per segment.
const MAX_PREFIX_SCAN: usize = 2_000;

/// Switches for the expansion stages, to measure what each contributes (see `eval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryFeatures {
    /// Search the decompounded field.
    pub compounds: bool,
    /// Expand synonyms and abbreviations.
    pub synonyms: bool,
    /// Correct words that do not occur in the index.
    pub typos: bool,
}

impl Default for QueryFeatures {
    fn default() -> Self {
        Self {
            compounds: true,
            synonyms: true,
            typos: true,
        }
    }
}

/// The pieces a search is composed of.
pub(crate) struct Built {
    /// One scoring query per query unit (word, phrase or OR group).
    pub(crate) units: Vec<Box<dyn Query>>,
    /// Queries for excluded words and phrases.
    pub(crate) excluded: Vec<Box<dyn Query>>,
    /// A corrected query when some word was replaced by a typo correction.
    pub(crate) suggestion: Option<String>,
    /// Terms added by expansion, for display.
    pub(crate) expanded: Vec<String>,
}

/// How many units a document must match in the first, strict pass: all of them.
///
/// Measured alternatives (MRR@10 / Recall@10, XQuAD-de | our guides-at queries): all words
/// with a fallback to any word when nothing matches 0.940 / 0.987 | 0.818 / 0.852; two
/// thirds 0.936 / 0.976 | 0.818 / 0.842; half 0.931 / 0.963; any word 0.939 / 0.987.
/// Partial minimums exclude the answer of long questions without helping short queries,
/// while "all, else any" keeps totals meaningful for the search-box case and loses nothing.
/// The caller performs the fallback to 1.
pub(crate) fn minimum_match(units: usize) -> usize {
    units
}

/// One analysed word of the query.
struct Word {
    surface: String,
    stem: Option<String>,
}

/// Builds the query parts. `filter` is the permission/facet filter: word statistics that
/// decide typo corrections are taken under it, so corrections (which are shown to the user)
/// never reveal words that occur only in documents the user may not read.
pub(crate) fn build(
    searcher: &Searcher,
    f: &Fields,
    filter: Option<&dyn Query>,
    synonyms: &SynonymMap,
    parsed: &ParsedQuery,
    prefix: bool,
    features: QueryFeatures,
) -> Result<Built> {
    let mut b = Builder {
        searcher,
        f,
        filter,
        features,
        de: analysis::german(),
        de_compound: analysis::german_compound(),
        spell: analysis::spell(),
        expanded: Vec::new(),
        corrections: HashMap::new(),
    };

    // Analyse all words first: synonym keys may span words ("Hund anmelden").
    let mut words: Vec<Vec<Vec<Word>>> = Vec::new();
    let mut flat_stems = Vec::new();
    for group in &parsed.groups {
        let mut items = Vec::new();
        for item in group {
            let ws = match item {
                Item::Word(raw) => b.words(raw),
                Item::Phrase(_) => Vec::new(),
            };
            flat_stems.extend(ws.iter().filter_map(|w| w.stem.clone()));
            items.push(ws);
        }
        words.push(items);
    }
    let mut flat_expansions = if features.synonyms {
        synonyms.expand(&flat_stems).into_iter()
    } else {
        vec![Vec::new(); flat_stems.len()].into_iter()
    };
    let last_group = parsed.groups.len().saturating_sub(1);

    let mut units = Vec::new();
    for (g, (group, group_words)) in parsed.groups.iter().zip(words).enumerate() {
        let mut alternatives: Vec<Vec<Box<dyn Query>>> = Vec::new();
        let n_items = group.len();
        for (i, (item, item_words)) in group.iter().zip(group_words).enumerate() {
            let mut item_units = Vec::new();
            match item {
                Item::Phrase(text) => item_units.extend(b.phrase(text)),
                Item::Word(_) => {
                    let n_words = item_words.len();
                    for (k, word) in item_words.into_iter().enumerate() {
                        let exps = if word.stem.is_some() {
                            flat_expansions.next().unwrap_or_default()
                        } else {
                            Vec::new()
                        };
                        let is_last =
                            prefix && g == last_group && i + 1 == n_items && k + 1 == n_words;
                        item_units.extend(b.word(&word, &exps, is_last)?);
                    }
                }
            }
            if !item_units.is_empty() {
                alternatives.push(item_units);
            }
        }
        match alternatives.len() {
            0 => {}
            // A single item: each of its words is a unit of its own.
            1 => units.extend(alternatives.into_iter().flatten()),
            // `a OR b`: one unit satisfied by all words of any alternative.
            _ => units.push(Box::new(BooleanQuery::union(
                alternatives.into_iter().map(all_of).collect(),
            )) as Box<dyn Query>),
        }
    }

    let mut excluded = Vec::new();
    for item in &parsed.excluded {
        match item {
            Item::Phrase(text) => excluded.extend(b.phrase(text)),
            Item::Word(raw) => {
                for w in b.words(raw) {
                    if let Some(stem) = &w.stem {
                        excluded.push(precise(f, stem, 1.0));
                    }
                }
            }
        }
    }

    let suggestion = (!b.corrections.is_empty()).then(|| {
        parsed
            .groups
            .iter()
            .flatten()
            .flat_map(|item| match item {
                Item::Word(raw) => analysis::tokens(&mut analysis::spell(), raw),
                Item::Phrase(p) => vec![format!("\"{p}\"")],
            })
            .map(|w| b.corrections.get(&w).cloned().unwrap_or(w))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut seen = std::collections::HashSet::new();
    let expanded = b
        .expanded
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect();
    Ok(Built {
        units,
        excluded,
        suggestion,
        expanded,
    })
}

struct Builder<'a> {
    searcher: &'a Searcher,
    f: &'a Fields,
    filter: Option<&'a dyn Query>,
    features: QueryFeatures,
    de: tantivy::tokenizer::TextAnalyzer,
    de_compound: tantivy::tokenizer::TextAnalyzer,
    spell: tantivy::tokenizer::TextAnalyzer,
    expanded: Vec<String>,
    corrections: HashMap<String, String>,
}

impl Builder<'_> {
    /// Splits raw text into lowercase words and stems them (stop words get no stem).
    fn words(&mut self, raw: &str) -> Vec<Word> {
        analysis::tokens(&mut self.spell, raw)
            .into_iter()
            .map(|surface| {
                let stem = analysis::tokens(&mut self.de, &surface).into_iter().next();
                Word { surface, stem }
            })
            .collect()
    }

    /// Whether any visible document contains the stem in the fields a word unit searches.
    fn occurs(&self, stem: &str) -> Result<bool> {
        let f = self.f;
        let fields = [f.title, f.headings, f.description, f.body, f.compounds];
        let any = BooleanQuery::union(fields.iter().map(|&field| term(field, stem)).collect());
        Ok(self.visible_count(Box::new(any))? > 0)
    }

    /// Number of documents matching `q` under the filter.
    fn visible_count(&self, q: Box<dyn Query>) -> Result<usize> {
        let mut clauses = vec![(Occur::Must, q)];
        if let Some(filter) = self.filter {
            clauses.push((Occur::Must, filter.box_clone()));
        }
        Ok(self.searcher.search(&BooleanQuery::new(clauses), &Count)?)
    }

    /// The unit query of one word, or `None` for a stop word with nothing to add.
    fn word(
        &mut self,
        word: &Word,
        expansions: &[Expansion],
        is_last: bool,
    ) -> Result<Option<Box<dyn Query>>> {
        let f = self.f;
        let mut alts: Vec<Box<dyn Query>> = Vec::new();
        if let Some(stem) = &word.stem {
            alts.push(precise(f, stem, 1.0));
            if self.features.compounds {
                alts.push(boosted(term(f.compounds, stem), COMPOUND_BOOST));
                let parts = analysis::tokens(&mut self.de_compound, &word.surface);
                if parts.len() > 2 {
                    let parts = parts[1..].iter().map(|p| term(f.compounds, p)).collect();
                    alts.push(boosted(all_of(parts), PARTS_BOOST));
                }
            }
            for exp in expansions {
                alts.push(expansion(f, exp));
                self.expanded.push(exp.display.clone());
            }
        }
        // Completions first: a half-typed last word is not a typo and gets no "Meinten Sie".
        let mut completions = Vec::new();
        if is_last {
            alts.push(Box::new(TermQuery::new(
                Term::from_field_text(f.title_prefix, &analysis::fold(&word.surface)),
                IndexRecordOption::Basic,
            )));
            completions = prefix_candidates(self.searcher, f.spell, &word.surface)?;
            for candidate in &completions {
                for s in analysis::tokens(&mut self.de, candidate) {
                    alts.push(precise(f, &s, PREFIX_BOOST));
                }
            }
        }
        if let Some(stem) = &word.stem
            && self.features.typos
            && expansions.is_empty()
            && completions.is_empty()
            && !self.occurs(stem)?
        {
            let mut candidates = Vec::new();
            for (candidate, distance, _) in typo_candidates(self.searcher, f.spell, &word.surface)?
            {
                // Re-count under the filter; drop words only unreadable documents contain.
                let n = self.visible_count(term(f.spell, &candidate))?;
                if n > 0 {
                    candidates.push((candidate, distance, n));
                }
            }
            candidates.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
            candidates.truncate(MAX_TYPO_CANDIDATES);
            if let Some((best, _, _)) = candidates.first() {
                self.corrections.insert(word.surface.clone(), best.clone());
            }
            for (candidate, distance, _) in candidates {
                let boost = TYPO_BOOST[usize::from(distance.saturating_sub(1).min(1))];
                for s in analysis::tokens(&mut self.de, &candidate) {
                    alts.push(precise(f, &s, boost));
                }
                self.expanded.push(candidate);
            }
        }
        Ok(match alts.len() {
            0 => None,
            1 => alts.pop(),
            _ => Some(Box::new(BooleanQuery::union(alts))),
        })
    }

    /// A phrase over the precise fields; a one-word "phrase" is a plain stemmed term.
    fn phrase(&mut self, text: &str) -> Option<Box<dyn Query>> {
        let mut terms: Vec<(usize, String)> = Vec::new();
        let mut stream = self.de.token_stream(text);
        while let Some(t) = stream.next() {
            terms.push((t.position, t.text.clone()));
        }
        drop(stream);
        let f = self.f;
        match terms.len() {
            0 => None,
            1 => terms.pop().map(|(_, s)| precise(f, &s, 1.0)),
            _ => {
                let first = terms.first().map_or(0, |(p, _)| *p);
                let per_field = precise_fields(f)
                    .into_iter()
                    .map(|(field, boost)| {
                        let phrase = PhraseQuery::new_with_offset(
                            terms
                                .iter()
                                .map(|(p, s)| (p - first, Term::from_field_text(field, s)))
                                .collect(),
                        );
                        boosted(Box::new(phrase), boost)
                    })
                    .collect();
                Some(Box::new(BooleanQuery::union(per_field)))
            }
        }
    }
}

fn precise_fields(f: &Fields) -> [(Field, f32); 4] {
    [
        (f.title, 3.0),
        (f.headings, 2.0),
        (f.description, 1.5),
        (f.body, 1.0),
    ]
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

fn all_of(mut qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if qs.len() == 1
        && let Some(q) = qs.pop()
    {
        return q;
    }
    Box::new(BooleanQuery::intersection(qs))
}

/// A stemmed term in the precise fields, scaled by `scale`.
fn precise(f: &Fields, stem: &str, scale: f32) -> Box<dyn Query> {
    Box::new(BooleanQuery::union(
        precise_fields(f)
            .into_iter()
            .map(|(field, boost)| boosted(term(field, stem), boost * scale))
            .collect(),
    ))
}

/// A synonym expansion: all its words in the precise fields. Not in the decompounded field:
/// a short synonym matching compound *parts* drifts too far ("Pass" would find "Passfoto").
fn expansion(f: &Fields, exp: &Expansion) -> Box<dyn Query> {
    all_of(
        exp.stems
            .iter()
            .map(|s| precise(f, s, exp.weight))
            .collect(),
    )
}

static LEVENSHTEIN: LazyLock<[LevenshteinAutomatonBuilder; 2]> = LazyLock::new(|| {
    [
        LevenshteinAutomatonBuilder::new(1, true),
        LevenshteinAutomatonBuilder::new(2, true),
    ]
});

/// Lets the term dictionary be searched with a Levenshtein DFA.
struct DfaRef<'a>(&'a DFA);

impl tantivy_fst::Automaton for DfaRef<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Words of the index within edit distance 1 (4–7 chars) or 2 (8+ chars) of `word`, best
/// first: smaller distance, then more documents. Transpositions count as one edit.
fn typo_candidates(
    searcher: &Searcher,
    field: Field,
    word: &str,
) -> Result<Vec<(String, u8, u64)>> {
    let len = word.chars().count();
    if len < 4 {
        return Ok(Vec::new());
    }
    let max = if len >= 8 { 2 } else { 1 };
    let dfa = LEVENSHTEIN[max - 1].build_dfa(word);
    let mut found: HashMap<String, (u8, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().search(DfaRef(&dfa)).into_stream()?;
        while stream.advance() {
            let Ok(key) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let Distance::Exact(d) = dfa.eval(key) else {
                continue;
            };
            if d == 0 {
                continue;
            }
            let entry = found.entry(key.to_owned()).or_insert((d, 0));
            entry.1 += u64::from(stream.value().doc_freq);
        }
    }
    let mut out: Vec<(String, u8, u64)> = found.into_iter().map(|(k, (d, n))| (k, d, n)).collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    // A generous pool: the caller re-counts under the permission filter and keeps the best.
    out.truncate(MAX_TYPO_CANDIDATES * 8);
    Ok(out)
}

/// The most frequent index words starting with `prefix` (at least 2 chars).
fn prefix_candidates(searcher: &Searcher, field: Field, prefix: &str) -> Result<Vec<String>> {
    if prefix.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut upper = prefix.as_bytes().to_vec();
    // 0xFF never occurs in UTF-8, so this bounds exactly the keys starting with `prefix`.
    upper.push(0xFF);
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .lt(&upper)
            .into_stream()?;
        let mut scanned = 0;
        while scanned < MAX_PREFIX_SCAN && stream.advance() {
            scanned += 1;
            if let Ok(key) = std::str::from_utf8(stream.key()) {
                *found.entry(key.to_owned()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut out: Vec<(String, u64)> = found.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(MAX_PREFIX_CANDIDATES);
    Ok(out.into_iter().map(|(k, _)| k).collect())
}

#[cfg(test)]
mod tests {
    use super::minimum_match;

    #[test]
    fn strict_pass_requires_every_unit() {
        assert_eq!(minimum_match(2), 2);
        assert_eq!(minimum_match(6), 6);
    }
}
