//! `stafette eval`: retrieval quality (MRR@10, nDCG@10, Recall@10, per query kind) of the
//! keyword, semantic or hybrid search on a corpus with judged queries, or of an external
//! ranking (a "run" file, e.g. from PostgreSQL full-text search) on the same judgments.
//!
//! Semantic and hybrid use the server's rules: the same passages per document
//! (`dense::passages`), the top [`DEPTH`] of each list, reciprocal rank fusion with
//! `dense::RRF_K`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use stafette_index::dense::{self, DocMeta, VectorIndex};
use stafette_index::embed::Model;
use stafette_index::eval::{self, EvalQuery, Report};
use stafette_index::{Filter, IndexDoc, SearchIndex, SearchRequest, Synonyms};

use crate::config::EvalArgs;

/// Runs the evaluation and prints the report.
pub(super) fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let (docs, queries) = load(args)?;
    let report = match &args.run {
        Some(run) => score_run(run, &queries)?,
        None => {
            let index =
                SearchIndex::in_ram(Synonyms::german_default()).context("creating the index")?;
            for d in &docs {
                index.upsert(d).context("indexing")?;
            }
            index.commit(1).context("committing")?;
            match args.mode.as_str() {
                "keyword" => eval::run_eval(&index, &queries),
                mode @ ("semantic" | "hybrid") => {
                    let path = args
                        .model
                        .as_deref()
                        .context("--mode semantic|hybrid needs --model FILE")?;
                    let model =
                        Model::load(path).with_context(|| format!("loading {}", path.display()))?;
                    let vectors = embed_docs(&model, &docs)?;
                    dense_eval(&index, &model, &vectors, &queries, mode == "hybrid")?
                }
                other => bail!("unknown --mode {other} (keyword, semantic, hybrid)"),
            }
        }
    };
    let default_label = format!("stafette {}", args.mode);
    let label = args.label.as_deref().unwrap_or(if args.run.is_some() {
        "external run"
    } else {
        &default_label
    });
    println!(
        "## {label}: {} documents, {} queries\n{report}",
        docs.len(),
        queries.len()
    );
    if args.json {
        let kinds: serde_json::Map<String, serde_json::Value> = report
            .by_kind
            .iter()
            .map(|(k, m)| (k.clone(), serde_json::json!({"n": m.queries, "mrr": m.mrr, "ndcg": m.ndcg, "recall": m.recall})))
            .collect();
        let o = report.overall;
        println!(
            "{}",
            serde_json::json!({"label": label, "overall": {"n": o.queries, "mrr": o.mrr, "ndcg": o.ndcg, "recall": o.recall}, "kinds": kinds})
        );
    }
    if let Some(min) = args.min_mrr
        && report.overall.mrr < min
    {
        bail!(
            "MRR@10 {:.3} is below the required {min:.3}",
            report.overall.mrr
        );
    }
    Ok(())
}

/// Candidates per ranking before fusion (as in the server).
const DEPTH: usize = 100;

/// Embeds every document with the server's passage rules.
fn embed_docs(model: &Model, docs: &[IndexDoc]) -> anyhow::Result<VectorIndex> {
    let index = VectorIndex::new();
    let started = std::time::Instant::now();
    let mut tokens = 0usize;
    for batch in docs.chunks(16) {
        let passages: Vec<Vec<String>> = batch
            .iter()
            .map(|d| {
                let sections = dense::split_sections(&d.body, &d.headings);
                dense::passages(model, &d.title, &d.description, &sections)
            })
            .collect();
        tokens += passages
            .iter()
            .flatten()
            .map(|p| model.tokenize_passage(p).len())
            .sum::<usize>();
        let vectors = dense::embed_documents(model, &passages).context("embedding")?;
        for (d, v) in batch.iter().zip(vectors) {
            let meta = DocMeta {
                space: d.space.clone(),
                tags: d.tags.clone(),
                kind: d.kind.clone(),
                status: d.status.clone(),
            };
            index.upsert(&d.id, meta, v);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "embedded {} documents ({tokens} tokens) in {secs:.1} s = {:.0} tokens/s",
        docs.len(),
        tokens as f64 / secs
    );
    Ok(index)
}

/// Runs every query through the dense ranking, fused with the keyword ranking for hybrid.
fn dense_eval(
    index: &SearchIndex,
    model: &Model,
    vectors: &VectorIndex,
    queries: &[EvalQuery],
    hybrid: bool,
) -> anyhow::Result<Report> {
    let mut runs = Vec::with_capacity(queries.len());
    for q in queries {
        let v = model.embed_query(&q.query).context("embedding a query")?;
        let dense_ids: Vec<String> = vectors
            .search(&v, &Filter::default(), DEPTH)
            .into_iter()
            .map(|h| h.id)
            .collect();
        let ranked = if hybrid {
            let mut req = SearchRequest::new(q.query.clone());
            req.limit = DEPTH;
            let kw: Vec<String> = index
                .search(&req)
                .map(|r| r.hits.into_iter().map(|h| h.id).collect())
                .unwrap_or_default();
            dense::fuse_rrf(&[&kw, &dense_ids], dense::RRF_K)
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        } else {
            dense_ids
        };
        runs.push((q, ranked));
    }
    Ok(eval::evaluate(runs))
}

fn load(args: &EvalArgs) -> anyhow::Result<(Vec<IndexDoc>, Vec<EvalQuery>)> {
    match (&args.xquad, &args.docs, &args.queries) {
        (Some(x), None, None) => Ok(eval::load_xquad(x)?),
        (None, Some(d), Some(q)) => Ok((eval::load_markdown_dir(d)?, eval::load_queries_jsonl(q)?)),
        _ => bail!("either --xquad FILE, or --docs DIR with --queries FILE"),
    }
}

/// Scores a run file: JSON lines `{"query": "...", "ranked": ["doc id", ...]}` in the
/// order of the query set (matched by query text).
fn score_run(path: &Path, queries: &[EvalQuery]) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut ranked: HashMap<String, Vec<String>> = HashMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        let q = v["query"].as_str().context("missing query")?.to_owned();
        let ids = v["ranked"]
            .as_array()
            .context("missing ranked")?
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
        ranked.insert(q, ids);
    }
    Ok(eval::evaluate(queries.iter().map(|q| {
        (q, ranked.get(&q.query).cloned().unwrap_or_default())
    })))
}
