//! Measures retrieval quality on XQuAD-de (and optionally a Markdown corpus with judged
//! queries), with each expansion stage switched off in turn.
//!
//! Run with
//! ```text
//! cargo run -p stafette-index --example eval -- [XQUAD_JSON] [MARKDOWN_DIR QUERIES_JSONL]
//! ```
//! Defaults: `../shared/eval/xquad-de/xquad.de.json` relative to the workspace root.

use std::path::{Path, PathBuf};
use std::time::Instant;

use stafette_index::eval::{self, EvalQuery};
use stafette_index::{IndexDoc, QueryFeatures, SearchIndex, Synonyms};

fn build(docs: &[IndexDoc], synonyms: Synonyms) -> Result<SearchIndex, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let index = SearchIndex::in_ram(synonyms)?;
    for doc in docs {
        index.upsert(doc)?;
    }
    index.commit(1)?;
    let bytes: usize = docs.iter().map(|d| d.body.len() + d.title.len()).sum();
    println!(
        "(indexed {} docs, {} KiB, in {:.0} ms)",
        docs.len(),
        bytes / 1024,
        start.elapsed().as_secs_f64() * 1000.0
    );
    Ok(index)
}

fn compare(
    name: &str,
    docs: &[IndexDoc],
    queries: &[EvalQuery],
) -> Result<(), Box<dyn std::error::Error>> {
    let all = QueryFeatures::default();
    let variants = [
        ("all features", Synonyms::german_default(), all),
        (
            "no synonyms",
            Synonyms::empty(),
            QueryFeatures {
                synonyms: false,
                ..all
            },
        ),
        ("curated synonyms only", Synonyms::curated(), all),
        (
            "no compounds",
            Synonyms::german_default(),
            QueryFeatures {
                compounds: false,
                ..all
            },
        ),
        (
            "no typos",
            Synonyms::german_default(),
            QueryFeatures {
                typos: false,
                ..all
            },
        ),
        (
            "plain BM25 (stem+stop)",
            Synonyms::empty(),
            QueryFeatures {
                compounds: false,
                synonyms: false,
                typos: false,
            },
        ),
    ];
    for (label, synonyms, features) in variants {
        let index = build(docs, synonyms)?;
        index.set_query_features(features);
        let start = Instant::now();
        let report = eval::run_eval(&index, queries);
        let per_query = start.elapsed().as_secs_f64() * 1000.0 / queries.len().max(1) as f64;
        println!("## {name} — {label} ({per_query:.2} ms/query)\n{report}");
        if label == "all features" {
            for (q, top) in report.misses.iter().take(15) {
                println!("  miss: {q}  → {top:?}");
            }
            println!();
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let xquad = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("shared/eval/xquad-de/xquad.de.json"));
    let (docs, queries) = eval::load_xquad(&xquad)?;
    println!(
        "XQuAD-de: {} documents, {} queries\n",
        docs.len(),
        queries.len()
    );
    compare("XQuAD-de", &docs, &queries)?;
    if let (Some(dir), Some(qs)) = (args.get(1), args.get(2)) {
        let docs = eval::load_markdown_dir(Path::new(dir))?;
        let queries = eval::load_queries_jsonl(Path::new(qs))?;
        println!(
            "{dir}: {} documents, {} queries\n",
            docs.len(),
            queries.len()
        );
        compare(dir, &docs, &queries)?;
    }
    Ok(())
}
