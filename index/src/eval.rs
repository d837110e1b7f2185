//! Retrieval evaluation: metrics, test-set loaders and a runner.
//!
//! Metrics follow the usual definitions at cut-off 10:
//! - MRR@10: 1/rank of the first relevant hit (0 if none in the top 10),
//! - nDCG@10: graded gain `2^g − 1` with a `log2(rank + 1)` discount, normalised by the ideal
//!   ordering of the judged documents,
//! - Recall@10: share of the relevant documents found in the top 10.
//!
//! The XQuAD-de loader mirrors the measurement in research/search.md §4/§5.4: every paragraph
//! is a document (body only), every question a query whose one relevant document is its
//! paragraph.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::error::{IndexError, Result};
use crate::index::SearchIndex;
use crate::types::{IndexDoc, SearchRequest};

/// Cut-off of all metrics.
pub const K: usize = 10;

/// One judged query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalQuery {
    /// The query text.
    pub query: String,
    /// Query kind for per-kind reporting (keyword, compound, synonym, question, typo, english).
    pub kind: String,
    /// Relevant document ids with their grade (≥ 1; 1 for binary judgments).
    pub relevant: HashMap<String, u32>,
}

/// Averaged metrics over a set of queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Number of queries.
    pub queries: usize,
    /// Mean reciprocal rank at 10.
    pub mrr: f64,
    /// Mean nDCG at 10.
    pub ndcg: f64,
    /// Mean recall at 10.
    pub recall: f64,
}

/// An evaluation result: overall, per kind, and the queries that found nothing relevant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Over all queries.
    pub overall: Metrics,
    /// Per query kind.
    pub by_kind: BTreeMap<String, Metrics>,
    /// Queries without a relevant hit in the top 10 (query, top 3 ids), for error analysis.
    pub misses: Vec<(String, Vec<String>)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<12} {:>7} {:>8} {:>8} {:>9}",
            "kind", "queries", "MRR@10", "nDCG@10", "Recall@10"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, m: &Metrics| {
            writeln!(
                f,
                "{:<12} {:>7} {:>8.3} {:>8.3} {:>9.3}",
                name, m.queries, m.mrr, m.ndcg, m.recall
            )
        };
        for (kind, m) in &self.by_kind {
            row(f, kind, m)?;
        }
        row(f, "all", &self.overall)
    }
}

/// The grade that counts as "answers the query" for MRR and recall: the highest grade in
/// the judgments. With binary judgments that is every relevant id; with graded ones
/// (`relevant` = 2, `partial` = 1) partially helpful documents only add to nDCG.
fn answering(relevant: &HashMap<String, u32>) -> u32 {
    relevant.values().copied().max().unwrap_or(0).max(1)
}

/// Reciprocal rank of the first answering id within the top [`K`].
pub fn reciprocal_rank(ranked: &[String], relevant: &HashMap<String, u32>) -> f64 {
    let top = answering(relevant);
    ranked
        .iter()
        .take(K)
        .position(|id| relevant.get(id).is_some_and(|&g| g >= top))
        .map_or(0.0, |i| 1.0 / (i as f64 + 1.0))
}

/// nDCG within the top [`K`] with gain `2^grade − 1`.
pub fn ndcg(ranked: &[String], relevant: &HashMap<String, u32>) -> f64 {
    let gain = |g: u32| f64::from(g.min(16)).exp2() - 1.0;
    let discount = |i: usize| (i as f64 + 2.0).log2();
    let dcg: f64 = ranked
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, id)| gain(relevant.get(id).copied().unwrap_or(0)) / discount(i))
        .sum();
    let mut grades: Vec<u32> = relevant.values().copied().filter(|&g| g > 0).collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 = grades
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, &g)| gain(g) / discount(i))
        .sum();
    if ideal > 0.0 { dcg / ideal } else { 0.0 }
}

/// Share of answering ids found within the top [`K`].
pub fn recall(ranked: &[String], relevant: &HashMap<String, u32>) -> f64 {
    let top = answering(relevant);
    let total = relevant.values().filter(|&&g| g >= top).count();
    if total == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(K)
        .filter(|id| relevant.get(*id).is_some_and(|&g| g >= top))
        .count();
    found as f64 / total as f64
}

/// Computes a [`Report`] from queries and their ranked result ids.
pub fn evaluate<'a>(runs: impl IntoIterator<Item = (&'a EvalQuery, Vec<String>)>) -> Report {
    #[derive(Default)]
    struct Sum {
        n: usize,
        mrr: f64,
        ndcg: f64,
        recall: f64,
    }
    impl Sum {
        fn add(&mut self, rr: f64, nd: f64, re: f64) {
            self.n += 1;
            self.mrr += rr;
            self.ndcg += nd;
            self.recall += re;
        }
        fn metrics(&self) -> Metrics {
            let n = self.n.max(1) as f64;
            Metrics {
                queries: self.n,
                mrr: self.mrr / n,
                ndcg: self.ndcg / n,
                recall: self.recall / n,
            }
        }
    }
    let mut all = Sum::default();
    let mut kinds: BTreeMap<String, Sum> = BTreeMap::new();
    let mut misses = Vec::new();
    for (q, ranked) in runs {
        let (rr, nd, re) = (
            reciprocal_rank(&ranked, &q.relevant),
            ndcg(&ranked, &q.relevant),
            recall(&ranked, &q.relevant),
        );
        all.add(rr, nd, re);
        kinds.entry(q.kind.clone()).or_default().add(rr, nd, re);
        if rr == 0.0 {
            misses.push((q.query.clone(), ranked.into_iter().take(3).collect()));
        }
    }
    Report {
        overall: all.metrics(),
        by_kind: kinds.into_iter().map(|(k, s)| (k, s.metrics())).collect(),
        misses,
    }
}

/// Runs every query against `index` (top [`K`], relevance order) and evaluates the rankings.
/// A failing query counts as an empty result and is logged.
///
/// # Blocking
/// Runs one search per query.
pub fn run_eval(index: &SearchIndex, queries: &[EvalQuery]) -> Report {
    evaluate(queries.iter().map(|q| {
        let mut req = SearchRequest::new(q.query.clone());
        req.limit = K;
        let ranked = match index.search(&req) {
            Ok(res) => res.hits.into_iter().map(|h| h.id).collect(),
            Err(e) => {
                tracing::warn!(query = %q.query, error = %e, "evaluation query failed");
                Vec::new()
            }
        };
        (q, ranked)
    }))
}

fn data_error(path: &Path, reason: impl fmt::Display) -> IndexError {
    IndexError::EvalData(format!("{}: {reason}", path.display()))
}

#[derive(Deserialize)]
struct Squad {
    data: Vec<SquadArticle>,
}
#[derive(Deserialize)]
struct SquadArticle {
    paragraphs: Vec<SquadParagraph>,
}
#[derive(Deserialize)]
struct SquadParagraph {
    context: String,
    qas: Vec<SquadQa>,
}
#[derive(Deserialize)]
struct SquadQa {
    question: String,
}

/// Loads a SQuAD-format file (XQuAD-de): paragraphs become documents `xq-<article>-<para>`
/// (body only, kind `article`), questions become queries of kind `question`.
pub fn load_xquad(path: &Path) -> Result<(Vec<IndexDoc>, Vec<EvalQuery>)> {
    let text = fs::read_to_string(path).map_err(|e| data_error(path, e))?;
    let squad: Squad = serde_json::from_str(&text).map_err(|e| data_error(path, e))?;
    let mut docs = Vec::new();
    let mut queries = Vec::new();
    for (a, article) in squad.data.into_iter().enumerate() {
        for (p, para) in article.paragraphs.into_iter().enumerate() {
            let id = format!("xq-{a}-{p}");
            for qa in para.qas {
                queries.push(EvalQuery {
                    query: qa.question,
                    kind: "question".to_owned(),
                    relevant: HashMap::from([(id.clone(), 1)]),
                });
            }
            docs.push(IndexDoc {
                id,
                kind: "article".to_owned(),
                body: para.context,
                space: "eval".to_owned(),
                ..IndexDoc::default()
            });
        }
    }
    Ok((docs, queries))
}

/// Loads every `*.md` file of a directory as a document: id = file stem, `title` and
/// `description` from the YAML front matter (simple `key: value` lines, indented
/// continuation lines, quotes stripped), headings from `#` lines, body = the rest with
/// Markdown punctuation removed. A trailing `## Related Posts` section (link lists in the
/// TramitIt guides that repeat other titles) is dropped.
pub fn load_markdown_dir(dir: &Path) -> Result<Vec<IndexDoc>> {
    let mut paths: Vec<_> = fs::read_dir(dir)
        .map_err(|e| data_error(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut docs = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).map_err(|e| data_error(&path, e))?;
        let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if id.eq_ignore_ascii_case("LICENSE-NOTE") || id.eq_ignore_ascii_case("README") {
            continue;
        }
        docs.push(markdown_doc(id, &text));
    }
    Ok(docs)
}

fn markdown_doc(id: &str, text: &str) -> IndexDoc {
    let mut doc = IndexDoc {
        id: id.to_owned(),
        kind: "article".to_owned(),
        space: "eval".to_owned(),
        ..IndexDoc::default()
    };
    let mut lines = text.lines().peekable();
    let mut front: BTreeMap<String, String> = BTreeMap::new();
    if lines.peek().is_some_and(|l| l.trim() == "---") {
        lines.next();
        let mut key = String::new();
        for line in lines.by_ref() {
            if line.trim() == "---" {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(v) = front.get_mut(&key) {
                    v.push(' ');
                    v.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                key = k.trim().to_owned();
                front.insert(key.clone(), v.trim().to_owned());
            }
        }
    }
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '\'' || c == '"').to_owned();
    doc.title = front.get("title").map(|s| unquote(s)).unwrap_or_default();
    doc.description = front
        .get("description")
        .map(|s| unquote(s))
        .unwrap_or_default();
    let mut body = String::new();
    for line in lines {
        let trimmed = line.trim();
        if let Some(h) = trimmed.strip_prefix('#') {
            let heading = h.trim_start_matches('#').trim();
            if heading.eq_ignore_ascii_case("related posts") {
                break;
            }
            doc.headings.push(heading.to_owned());
            continue;
        }
        body.push_str(&strip_markdown(trimmed));
        body.push('\n');
    }
    doc.body = body;
    doc
}

/// Removes link targets and Markdown punctuation so only readable text remains.
fn strip_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // `](url)`: drop the target.
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' | ']' | '*' | '_' | '`' | '|' | '>' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize)]
struct JsonQuery {
    query: String,
    #[serde(default)]
    kind: Option<String>,
    relevant: Vec<String>,
    #[serde(default)]
    partial: Vec<String>,
    #[serde(default)]
    grades: HashMap<String, u32>,
}

/// Loads judged queries, one JSON object per line:
/// `{"query": "...", "kind": "keyword", "relevant": ["file_stem", ...]}`, optionally with
/// `"grades": {"file_stem": 2}` for graded relevance (default grade 1), or with
/// `"partial": [...]` (then `relevant` ids get grade 2 and partial ones grade 1). Blank lines and lines
/// starting with `#` or `//` are skipped.
pub fn load_queries_jsonl(path: &Path) -> Result<Vec<EvalQuery>> {
    let text = fs::read_to_string(path).map_err(|e| data_error(path, e))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let q: JsonQuery = serde_json::from_str(line)
            .map_err(|e| data_error(path, format!("line {}: {e}", n + 1)))?;
        let full = if q.partial.is_empty() { 1 } else { 2 };
        let mut relevant: HashMap<String, u32> = q.partial.into_iter().map(|id| (id, 1)).collect();
        relevant.extend(q.relevant.into_iter().map(|id| (id, full)));
        relevant.extend(q.grades);
        out.push(EvalQuery {
            query: q.query,
            kind: q.kind.unwrap_or_else(|| "keyword".to_owned()),
            relevant,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn metrics_on_a_small_ranking() {
        let rel = HashMap::from([("b".to_owned(), 1), ("d".to_owned(), 1)]);
        let ranked = ids(&["a", "b", "c", "d"]);
        assert!((reciprocal_rank(&ranked, &rel) - 0.5).abs() < 1e-9);
        assert!((recall(&ranked, &rel) - 1.0).abs() < 1e-9);
        let expected = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg(&ranked, &rel) - expected).abs() < 1e-9);
        assert_eq!(reciprocal_rank(&ids(&["x"]), &rel), 0.0);
    }

    #[test]
    fn partial_judgments_count_for_ndcg_only() {
        let rel = HashMap::from([("full".to_owned(), 2), ("part".to_owned(), 1)]);
        let ranked = ids(&["part", "full"]);
        assert!((reciprocal_rank(&ranked, &rel) - 0.5).abs() < 1e-9);
        assert!((recall(&ranked, &rel) - 1.0).abs() < 1e-9);
        assert!(ndcg(&ranked, &rel) < 1.0 && ndcg(&ranked, &rel) > 0.5);
    }

    #[test]
    fn report_groups_by_kind() {
        let q1 = EvalQuery {
            query: "a".into(),
            kind: "keyword".into(),
            relevant: HashMap::from([("1".to_owned(), 1)]),
        };
        let q2 = EvalQuery {
            kind: "typo".into(),
            ..q1.clone()
        };
        let r = evaluate([(&q1, ids(&["1"])), (&q2, ids(&["2"]))]);
        assert_eq!(r.overall.queries, 2);
        assert!((r.overall.mrr - 0.5).abs() < 1e-9);
        assert_eq!(r.by_kind["typo"].mrr, 0.0);
        assert_eq!(r.misses.len(), 1);
        assert!(r.to_string().contains("keyword"));
    }

    #[test]
    fn markdown_front_matter_and_body() {
        let doc = markdown_doc(
            "x",
            "---\ntitle: 'Ein Titel'\ndescription: Erste Zeile\n  zweite Zeile\n---\n## Abschnitt\nText mit [Link](http://x) und **fett**.\n## Related Posts\n- [Anderer](y)\n",
        );
        assert_eq!(doc.title, "Ein Titel");
        assert_eq!(doc.description, "Erste Zeile zweite Zeile");
        assert_eq!(doc.headings, ["Abschnitt"]);
        assert!(doc.body.contains("Link"));
        assert!(!doc.body.contains("http"));
        assert!(!doc.body.contains("Anderer"));
    }
}
