//! Text analysis: the tantivy analyzers we register and the token filters behind them.
//!
//! | name | chain | used by |
//! |---|---|---|
//! | `de` | simple → remove long → lowercase → German stop words → German stemmer | title, description, headings, body |
//! | `de_compound` | simple → remove long → lowercase → decompound (keeps original) → stop → stem | compounds |
//! | `spell` | simple → remove long → lowercase | typo correction and prefix expansion |
//! | `title_prefix` | simple → lowercase → umlaut fold → decompound → edge n-grams | search-as-you-type |
//!
//! Research (search.md §1.2) showed the German stemmer already folds ä/ö/ü/ß and ae/oe/ue, so
//! no separate folding filter is needed on the stemmed fields.

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

use crate::decompound::{Decompounder, GERMAN};

/// Analyzer name of the stemmed German fields.
pub(crate) const DE: &str = "de";
/// Analyzer name of the decompounded field.
pub(crate) const DE_COMPOUND: &str = "de_compound";
/// Analyzer name of the unstemmed word field used for typo and prefix expansion.
pub(crate) const SPELL: &str = "spell";
/// Analyzer name of the title edge-n-gram field.
pub(crate) const TITLE_PREFIX: &str = "title_prefix";

/// Tokens longer than this (in bytes) are dropped: they are URLs, hashes or base64.
const MAX_TOKEN_LEN: usize = 40;
/// Longest prefix indexed for search-as-you-type, in chars.
const MAX_PREFIX_CHARS: usize = 20;
/// Bound on the per-analyzer split cache, so a huge vocabulary cannot grow memory forever.
const SPLIT_CACHE_LIMIT: usize = 50_000;

/// Registers all analyzers of the schema on an index's tokenizer manager.
pub(crate) fn register(manager: &TokenizerManager) {
    manager.register(DE, german());
    manager.register(DE_COMPOUND, german_compound());
    manager.register(SPELL, spell());
    manager.register(TITLE_PREFIX, title_prefix());
}

fn stop_words() -> StopWordFilter {
    StopWordFilter::new(Language::German).unwrap_or_else(|| StopWordFilter::remove(Vec::new()))
}

/// The precise German analyzer (stop words + Snowball stemmer).
pub(crate) fn german() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(stop_words())
        .filter(Stemmer::new(Language::German))
        .build()
}

/// The decompounding analyzer: emits each word and, for compounds, its stemmed parts.
pub(crate) fn german_compound() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(ExpandFilter(Decompound::new(&GERMAN, true)))
        .filter(stop_words())
        .filter(Stemmer::new(Language::German))
        .build()
}

/// Lowercased, unstemmed words: the vocabulary that typo corrections are drawn from.
pub(crate) fn spell() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .build()
}

/// Edge n-grams of folded title words and their compound parts.
pub(crate) fn title_prefix() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(ExpandFilter(Decompound::new(&GERMAN, true)))
        .filter(ExpandFilter(EdgeNgrams))
        .build()
}

/// Runs an analyzer and returns the token texts.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Folds umlauts and ß the way the stemmer does, for the unstemmed prefix field.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ä' | 'Ä' => out.push('a'),
            'ö' | 'Ö' => out.push('o'),
            'ü' | 'Ü' => out.push('u'),
            'ß' => out.push_str("ss"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A token transformation that may turn one token into several (or none).
pub(crate) trait Expand: Clone + Send + Sync + 'static {
    /// Appends the tokens that replace `token` to `out`, in order.
    fn expand(&mut self, token: &Token, out: &mut Vec<Token>);
}

/// Adapts an [`Expand`] into a tantivy [`TokenFilter`].
#[derive(Clone)]
pub(crate) struct ExpandFilter<E>(pub(crate) E);

impl<E: Expand> TokenFilter for ExpandFilter<E> {
    type Tokenizer<T: Tokenizer> = ExpandTokenizer<T, E>;

    fn transform<T: Tokenizer>(self, inner: T) -> ExpandTokenizer<T, E> {
        ExpandTokenizer {
            inner,
            expander: self.0,
            buf: Vec::new(),
        }
    }
}

/// The tokenizer produced by [`ExpandFilter`].
#[derive(Clone)]
pub(crate) struct ExpandTokenizer<T, E> {
    inner: T,
    expander: E,
    buf: Vec<Token>,
}

impl<T: Tokenizer, E: Expand> Tokenizer for ExpandTokenizer<T, E> {
    type TokenStream<'a> = ExpandStream<'a, T::TokenStream<'a>, E>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.buf.clear();
        ExpandStream {
            tail: self.inner.token_stream(text),
            expander: &mut self.expander,
            buf: &mut self.buf,
            idx: 0,
        }
    }
}

/// The token stream produced by [`ExpandTokenizer`].
pub(crate) struct ExpandStream<'a, S, E> {
    tail: S,
    expander: &'a mut E,
    buf: &'a mut Vec<Token>,
    idx: usize,
}

impl<S: TokenStream, E: Expand> TokenStream for ExpandStream<'_, S, E> {
    fn advance(&mut self) -> bool {
        self.idx += 1;
        if self.idx < self.buf.len() {
            return true;
        }
        loop {
            if !self.tail.advance() {
                self.buf.clear();
                return false;
            }
            self.buf.clear();
            self.idx = 0;
            self.expander.expand(self.tail.token(), self.buf);
            if !self.buf.is_empty() {
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        // Before the first `advance` (a contract violation) fall back to the inner token
        // rather than panicking.
        self.buf.get(self.idx).unwrap_or_else(|| self.tail.token())
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.idx < self.buf.len() {
            &mut self.buf[self.idx]
        } else {
            self.tail.token_mut()
        }
    }
}

/// Emits the original token and then its compound parts, all at the original position and
/// with the original offsets, so a snippet highlights the whole compound.
#[derive(Clone)]
pub(crate) struct Decompound {
    splitter: &'static Decompounder,
    keep_original: bool,
    cache: HashMap<String, Option<Vec<String>>>,
}

impl Decompound {
    pub(crate) fn new(splitter: &'static Decompounder, keep_original: bool) -> Self {
        Self {
            splitter,
            keep_original,
            cache: HashMap::new(),
        }
    }
}

impl Expand for Decompound {
    fn expand(&mut self, token: &Token, out: &mut Vec<Token>) {
        if self.keep_original {
            out.push(token.clone());
        }
        if self.cache.len() > SPLIT_CACHE_LIMIT {
            self.cache.clear();
        }
        let splitter = self.splitter;
        let parts = self
            .cache
            .entry(token.text.clone())
            .or_insert_with(|| splitter.split(&token.text));
        match parts {
            Some(parts) => out.extend(parts.iter().map(|p| Token {
                text: p.clone(),
                ..token.clone()
            })),
            None if !self.keep_original => out.push(token.clone()),
            None => {}
        }
    }
}

/// Emits the folded prefixes (1..=20 chars) of each token.
#[derive(Clone)]
pub(crate) struct EdgeNgrams;

impl Expand for EdgeNgrams {
    fn expand(&mut self, token: &Token, out: &mut Vec<Token>) {
        let folded = fold(&token.text);
        let mut prefix = String::new();
        for c in folded.chars().take(MAX_PREFIX_CHARS) {
            prefix.push(c);
            out.push(Token {
                text: prefix.clone(),
                ..token.clone()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_stems_and_folds() {
        assert_eq!(
            tokens(&mut german(), "Anträge Antrag"),
            ["antrag", "antrag"]
        );
        assert_eq!(tokens(&mut german(), "Führerschein"), ["fuhrerschein"]);
        assert_eq!(tokens(&mut german(), "die und Hund"), ["hund"]);
    }

    #[test]
    fn compound_analyzer_keeps_original_and_adds_parts() {
        let toks = tokens(&mut german_compound(), "Baugenehmigung");
        assert_eq!(toks, ["baugenehm", "bau", "genehm"]);
        let toks = tokens(&mut german_compound(), "Genehmigung");
        assert_eq!(toks, ["genehm"]);
    }

    #[test]
    fn title_prefix_emits_folded_edges_of_parts() {
        let toks = tokens(&mut title_prefix(), "Führerscheinantrag");
        assert!(toks.contains(&"fuhrersch".to_owned()));
        assert!(toks.contains(&"antr".to_owned()));
        assert!(!toks.contains(&"führ".to_owned()));
    }
}
