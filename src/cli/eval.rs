//! `stafette eval`: retrieval quality (MRR@10, nDCG@10, Recall@10, per query kind) of the
//! keyword search on a corpus with judged queries, or of an external ranking (a "run"
//! file, e.g. from PostgreSQL full-text search) on the same judgments.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use stafette_index::eval::{self, EvalQuery, Report};
use stafette_index::{IndexDoc, SearchIndex, Synonyms};

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
            eval::run_eval(&index, &queries)
        }
    };
    let label = args.label.as_deref().unwrap_or(if args.run.is_some() {
        "external run"
    } else {
        "stafette keyword"
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
