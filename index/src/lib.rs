//! stafette-index: German-grade full-text search for stafette, on tantivy 0.27.
//!
//! The crate is sync and speaks its own small types; the server calls it from blocking
//! threads. It knows nothing about HTTP, sled or async runtimes.
//!
//! # Layout
//! - [`SearchIndex`] (`index.rs`): open/create/recover, upsert/delete/commit with the last
//!   applied outbox sequence in the commit payload, search and suggest entry points.
//! - `schema.rs`: fields and [`SCHEMA_VERSION`]; `analysis.rs`: the German analyzers.
//! - [`decompound`]: the scored compound splitter and its parts dictionary.
//! - [`synonyms`]: curated, OpenThesaurus and per-installation synonym lists.
//! - [`query`]: the never-failing parser of search-box input; `expand.rs` builds tantivy
//!   queries from it (stems, compounds, synonyms, typos, prefixes).
//! - `search.rs`: filters (permissions first), collectors, facets, safe HTML snippets.
//! - [`embed`]: pure-Rust multilingual-e5-small inference (4-bit model file, tokenizer,
//!   forward pass) for semantic search.
//! - [`dense`]: passages per document, the in-memory vector index (same [`Filter`] rules as
//!   the keyword index) and reciprocal rank fusion.
//! - [`eval`]: retrieval metrics (MRR@10, nDCG@10, Recall@10) and test-set loaders.
//! - [`IndexError`] (`error.rs`): user errors (400) apart from internal ones (500).
//!
//! # Data files
//! `data/dictionary-de.txt` (LGPL-3.0-or-later) and `data/openthesaurus-subset.txt`
//! (LGPL-2.1-or-later) are embedded with `include_str!`; their notices are next to them.
#![warn(missing_docs)]

mod analysis;
pub mod decompound;
pub mod dense;
pub mod embed;
mod error;
pub mod eval;
mod expand;
mod index;
pub mod query;
mod schema;
mod search;
pub mod synonyms;
mod types;

pub use error::{IndexError, Result};
pub use expand::QueryFeatures;
pub use index::{OpenOutcome, SearchIndex};
pub use schema::SCHEMA_VERSION;
pub use search::{MAX_LIMIT, MAX_OFFSET};
pub use synonyms::Synonyms;
pub use types::{
    Facets, Filter, Hit, IndexDoc, SearchRequest, SearchResults, SortOrder, Suggestion,
};
