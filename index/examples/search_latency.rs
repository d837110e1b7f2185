//! Search latency at scale: generates a reproducible corpus of German articles, indexes it
//! on disk and times `SearchIndex::search` for a fixed list of queries.
//!
//! Run from the workspace root (release build):
//! ```text
//! cargo run --release -p stafette-index --example search_latency -- \
//!     --guides ../shared/eval/guides-at --xquad ../shared/eval/xquad-de/xquad.de.json \
//!     --queries eval/guides-at-queries.jsonl [--articles 10000] [--seed 20251122] \
//!     [--rounds 3] [--index-dir DIR] [--out-docs FILE] [--out-queries FILE]
//! ```
//!
//! The corpus: every article samples sentences from the Austrian guides and XQuAD-de
//! paragraphs (300–800 words), headings and titles from the guides, and compounds built from
//! two parts of `index/data/dictionary-de.txt`, with a fixed-seed PRNG (SplitMix64), so the
//! same seed always gives the same articles. `--out-docs` writes them as JSON lines
//! (`IndexDoc`) and `--out-queries` the timed queries (`{"query": ...}`), for other engines.
//!
//! The index lives in a fresh directory (`SearchIndex::open_or_create`, memory-mapped like in
//! the server); it is deleted afterwards unless `--index-dir` was given. Each query runs as
//! the server runs it: `SearchRequest { limit: 10, .. }` with hits, snippets, facets and
//! totals. One untimed warm-up pass, then `--rounds` timed passes over all queries.
//!
//! With `--model FILE` (the e5-small file) it then times **hybrid** search as the server runs
//! it: embed the query while the keyword search (top 100, first 10 highlighted) runs, brute-force dense search
//! (top 100) over `--passages N` passage vectors plus one article vector per article, and
//! reciprocal rank fusion; and it reports the resident memory (VmRSS) with the model, the
//! index and all vectors loaded. The vectors are seeded random unit vectors: embedding
//! 10,000 articles would take an hour here, and the dense scan costs the same whatever the
//! values are.

use std::error::Error;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use stafette_index::eval;
use stafette_index::{IndexDoc, SearchIndex, SearchRequest, Synonyms};

type Res<T> = Result<T, Box<dyn Error>>;

/// SplitMix64: tiny, well-distributed and fully deterministic.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct Args {
    guides: PathBuf,
    xquad: PathBuf,
    queries: PathBuf,
    dictionary: PathBuf,
    articles: usize,
    seed: u64,
    rounds: usize,
    index_dir: Option<PathBuf>,
    out_docs: Option<PathBuf>,
    out_queries: Option<PathBuf>,
    model: Option<PathBuf>,
    passages: usize,
}

fn parse_args() -> Res<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut a = Args {
        guides: root.join("../shared/eval/guides-at"),
        xquad: root.join("../shared/eval/xquad-de/xquad.de.json"),
        queries: root.join("eval/guides-at-queries.jsonl"),
        dictionary: root.join("index/data/dictionary-de.txt"),
        articles: 10_000,
        seed: 20_251_122,
        rounds: 3,
        index_dir: None,
        out_docs: None,
        out_queries: None,
        model: None,
        passages: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--guides" => a.guides = value()?.into(),
            "--xquad" => a.xquad = value()?.into(),
            "--queries" => a.queries = value()?.into(),
            "--dictionary" => a.dictionary = value()?.into(),
            "--articles" => a.articles = value()?.parse()?,
            "--seed" => a.seed = value()?.parse()?,
            "--rounds" => a.rounds = value()?.parse::<usize>()?.max(1),
            "--index-dir" => a.index_dir = Some(value()?.into()),
            "--out-docs" => a.out_docs = Some(value()?.into()),
            "--out-queries" => a.out_queries = Some(value()?.into()),
            "--model" => a.model = Some(value()?.into()),
            "--passages" => a.passages = value()?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(a)
}

/// Splits text into sentences of 4 to 60 words (on `.`, `?`, `!` followed by a space, and on
/// line breaks).
fn sentences(text: &str, out: &mut Vec<String>) {
    for line in text.lines() {
        let mut start = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let end_of_sentence =
                matches!(b, b'.' | b'?' | b'!') && bytes.get(i + 1).is_none_or(|&n| n == b' ');
            if end_of_sentence {
                push_sentence(&line[start..=i], out);
                start = i + 1;
            }
        }
        push_sentence(&line[start..], out);
    }
}

fn push_sentence(s: &str, out: &mut Vec<String>) {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let words = s.split(' ').count();
    if (4..=60).contains(&words) {
        out.push(s);
    }
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The material articles are sampled from.
struct Pools {
    sentences: Vec<String>,
    titles: Vec<String>,
    headings: Vec<String>,
    parts: Vec<String>,
}

impl Pools {
    fn compound(&self, rng: &mut Rng) -> String {
        let a = rng.pick(&self.parts);
        let b = rng.pick(&self.parts);
        capitalize(&format!("{a}{b}"))
    }

    fn article(&self, i: usize, rng: &mut Rng) -> IndexDoc {
        let title = if rng.chance(50) {
            format!("{} {}", rng.pick(&self.titles), self.compound(rng))
        } else {
            format!("{}: {}", self.compound(rng), rng.pick(&self.headings))
        };
        let headings = (0..rng.range(2, 5))
            .map(|_| rng.pick(&self.headings).clone())
            .collect();
        let target = rng.range(300, 800);
        let mut body = String::new();
        let mut words = 0;
        let mut in_paragraph = 0;
        while words < target {
            let s = rng.pick(&self.sentences);
            body.push_str(s);
            words += s.split(' ').count();
            if rng.chance(20) {
                body.push(' ');
                body.push_str(&self.compound(rng));
                body.push('.');
                words += 1;
            }
            in_paragraph += 1;
            if in_paragraph >= rng.range(3, 8) {
                body.push_str("\n\n");
                in_paragraph = 0;
            } else {
                body.push(' ');
            }
        }
        IndexDoc {
            id: format!("gen-{i:05}"),
            kind: "article".to_owned(),
            title,
            description: rng.pick(&self.sentences).clone(),
            headings,
            body,
            space: format!("bereich-{}", rng.below(12)),
            tags: (0..rng.below(3))
                .map(|_| format!("tag-{}", rng.below(40)))
                .collect(),
            status: None,
            updated_at: 1_700_000_000 + i as i64 * 60,
            url_hint: None,
        }
    }
}

fn load_pools(args: &Args) -> Res<(Pools, Vec<String>)> {
    let guides = eval::load_markdown_dir(&args.guides)?;
    let (paragraphs, xquad_queries) = eval::load_xquad(&args.xquad)?;
    let guide_queries = eval::load_queries_jsonl(&args.queries)?;
    let mut sents = Vec::new();
    let mut titles = Vec::new();
    let mut headings = Vec::new();
    for d in &guides {
        sentences(&d.description, &mut sents);
        sentences(&d.body, &mut sents);
        titles.push(d.title.clone());
        headings.extend(d.headings.iter().filter(|h| !h.is_empty()).cloned());
    }
    for p in &paragraphs {
        sentences(&p.body, &mut sents);
    }
    let parts: Vec<String> = fs::read_to_string(&args.dictionary)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && l.chars().count() >= 4)
        .map(str::to_owned)
        .collect();
    if sents.is_empty() || titles.is_empty() || headings.is_empty() || parts.is_empty() {
        return Err("empty sentence, title, heading or dictionary pool".into());
    }
    // The timed queries: every guides query, plus XQuAD questions spread evenly over the set.
    let mut queries: Vec<String> = guide_queries.into_iter().map(|q| q.query).collect();
    let extra = 400usize.saturating_sub(queries.len()).max(1);
    let step = (xquad_queries.len() / extra).max(1);
    queries.extend(
        xquad_queries
            .into_iter()
            .step_by(step)
            .take(extra)
            .map(|q| q.query),
    );
    let pools = Pools {
        sentences: sents,
        titles,
        headings,
        parts,
    };
    Ok((pools, queries))
}

fn write_jsonl<T: serde::Serialize>(path: &Path, items: impl Iterator<Item = T>) -> Res<()> {
    let mut w = BufWriter::new(fs::File::create(path)?);
    for item in items {
        serde_json::to_writer(&mut w, &item)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn dir_size(dir: &Path) -> Res<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest-rank definition.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> Res<()> {
    let args = parse_args()?;
    let (pools, queries) = load_pools(&args)?;
    let mut rng = Rng(args.seed);
    let docs: Vec<IndexDoc> = (0..args.articles)
        .map(|i| pools.article(i, &mut rng))
        .collect();
    let words: usize = docs.iter().map(|d| d.body.split_whitespace().count()).sum();
    let bytes: usize = docs
        .iter()
        .map(|d| d.title.len() + d.description.len() + d.body.len())
        .sum();
    println!(
        "corpus: {} articles (seed {}), {} body words ({:.0} per article), {:.1} MiB text; \
         pools: {} sentences, {} titles, {} headings, {} compound parts",
        docs.len(),
        args.seed,
        words,
        words as f64 / docs.len().max(1) as f64,
        bytes as f64 / 1_048_576.0,
        pools.sentences.len(),
        pools.titles.len(),
        pools.headings.len(),
        pools.parts.len()
    );
    if let Some(path) = &args.out_docs {
        write_jsonl(path, docs.iter())?;
    }
    if let Some(path) = &args.out_queries {
        write_jsonl(
            path,
            queries.iter().map(|q| serde_json::json!({ "query": q })),
        )?;
    }

    let (dir, remove_dir) = match &args.index_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("stafette-latency-{}", std::process::id())),
            true,
        ),
    };
    let result = measure(&dir, &docs, &queries, args.rounds).and_then(|index| match &args.model {
        Some(model) => measure_hybrid(&index, model, &docs, &queries, &args),
        None => Ok(()),
    });
    if remove_dir {
        let _ = fs::remove_dir_all(&dir);
    }
    result
}

fn measure(dir: &Path, docs: &[IndexDoc], queries: &[String], rounds: usize) -> Res<SearchIndex> {
    let start = Instant::now();
    let (index, _) = SearchIndex::open_or_create(dir, Synonyms::german_default())?;
    for d in docs {
        index.upsert(d)?;
    }
    index.commit(1)?;
    println!(
        "index: {} documents on disk in {:.1} s, {:.1} MiB ({})",
        index.doc_count()?,
        start.elapsed().as_secs_f64(),
        dir_size(dir)? as f64 / 1_048_576.0,
        dir.display()
    );

    let run = |q: &str| -> Res<(f64, usize, usize)> {
        let req = SearchRequest {
            limit: 10,
            ..SearchRequest::new(q)
        };
        let t = Instant::now();
        let res = index.search(&req)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        Ok((ms, res.hits.len(), res.total))
    };
    let mut first = Vec::with_capacity(queries.len());
    let mut totals = Vec::with_capacity(queries.len());
    let mut empty = 0;
    for q in queries {
        let (ms, hits, total) = run(q)?;
        first.push(ms);
        totals.push(total as f64);
        if hits == 0 {
            empty += 1;
        }
    }
    totals.sort_by(f64::total_cmp);
    let mut timed = Vec::with_capacity(queries.len() * rounds);
    let cpu_start = thread_cpu_ns();
    let wall_start = Instant::now();
    for _ in 0..rounds {
        for q in queries {
            timed.push(run(q)?.0);
        }
    }
    let wall_total = wall_start.elapsed().as_secs_f64() * 1000.0;
    if let (Some(a), Some(b)) = (cpu_start, thread_cpu_ns()) {
        let n = timed.len().max(1) as f64;
        println!(
            "on-CPU time of the searching thread over the timed passes: {:.2} ms per query \
             (wall {:.2} ms per query; the difference is time spent waiting for a core)",
            b.saturating_sub(a) as f64 / 1e6 / n,
            wall_total / n
        );
    }
    report("first pass", &mut first);
    report(&format!("{rounds} timed passes"), &mut timed);
    println!(
        "{} queries, {} without hits, matching documents per query: median {}, p90 {}; \
         each search() returns 10 hits with snippets, facets and total",
        queries.len(),
        empty,
        percentile(&totals, 50.0),
        percentile(&totals, 90.0)
    );
    let mut sorted = timed;
    sorted.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "system": "stafette",
            "articles": docs.len(),
            "queries": queries.len(),
            "samples": sorted.len(),
            "p50_ms": percentile(&sorted, 50.0),
            "p99_ms": percentile(&sorted, 99.0),
            "mean_ms": sorted.iter().sum::<f64>() / sorted.len().max(1) as f64,
            "max_ms": sorted.last().copied().unwrap_or(0.0),
        })
    );
    Ok(index)
}

/// Resident memory of this process in MiB (Linux `/proc/self/status`, `VmRSS`).
fn rss_mib() -> f64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn measure_hybrid(
    index: &SearchIndex,
    model_path: &Path,
    docs: &[IndexDoc],
    queries: &[String],
    args: &Args,
) -> Res<()> {
    use stafette_index::Filter;
    use stafette_index::dense::{self, DocMeta, DocVectors, VectorIndex};
    use stafette_index::embed::Model;

    let before = rss_mib();
    let model = Model::load(model_path)?;
    let with_model = rss_mib();
    let dim = model.dim();
    let vectors = VectorIndex::new();
    let mut rng = Rng(args.seed ^ 0xD1CE);
    for d in docs {
        let mut rows = Vec::with_capacity((args.passages + 1) * dim);
        for _ in 0..=args.passages {
            let mut v: Vec<f32> = (0..dim)
                .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                .collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= n);
            rows.extend(v);
        }
        let meta = DocMeta {
            space: d.space.clone(),
            tags: d.tags.clone(),
            kind: d.kind.clone(),
            status: d.status.clone(),
        };
        vectors.upsert(&d.id, meta, DocVectors { dim, rows });
    }
    let with_vectors = rss_mib();
    println!(
        "memory (VmRSS): {before:.0} MiB with the keyword index, {with_model:.0} MiB with the model \
         (model heap {:.0} MiB), {with_vectors:.0} MiB with {} vectors ({} articles × {} rows)",
        model.heap_bytes() as f64 / 1_048_576.0,
        vectors.floats() / dim,
        docs.len(),
        args.passages + 1
    );
    let filter = Filter::default();
    let run = |q: &str| -> Res<[f64; 4]> {
        // As the server: the query is embedded on another thread while the keyword search
        // (100 candidates, the first page of 10 highlighted) runs on this one.
        let t = Instant::now();
        let (qv, kw, t_embed, t_kw) = std::thread::scope(|s| {
            let embedding = s.spawn(|| {
                let v = model.embed_query(q);
                (v, t.elapsed().as_secs_f64() * 1000.0)
            });
            let t1 = Instant::now();
            let req = SearchRequest {
                limit: 100,
                ..SearchRequest::new(q)
            };
            let kw = index.search_highlighting(&req, 10);
            let t_kw = t1.elapsed().as_secs_f64() * 1000.0;
            let (v, t_embed) = embedding.join().expect("embedding thread");
            (v, kw, t_embed, t_kw)
        });
        let qv = qv?;
        let kw: Vec<String> = kw?.hits.into_iter().map(|h| h.id).collect();
        let t2 = Instant::now();
        let dense_ids: Vec<String> = vectors
            .search(&qv, &filter, 100)
            .into_iter()
            .map(|h| h.id)
            .collect();
        let t_dense = t2.elapsed().as_secs_f64() * 1000.0;
        let fused = dense::fuse_rrf(&[&kw, &dense_ids], dense::RRF_K);
        std::hint::black_box(fused);
        Ok([t.elapsed().as_secs_f64() * 1000.0, t_embed, t_kw, t_dense])
    };
    for q in queries {
        run(q)?;
    }
    let mut parts: [Vec<f64>; 4] = Default::default();
    for _ in 0..args.rounds {
        for q in queries {
            let r = run(q)?;
            for (p, v) in parts.iter_mut().zip(r) {
                p.push(v);
            }
        }
    }
    for (label, p) in [
        "hybrid total",
        "query embedding",
        "keyword top 100",
        "dense top 100",
    ]
    .iter()
    .zip(parts.iter_mut())
    {
        p.sort_by(f64::total_cmp);
        println!(
            "{label}: n={} p50 {:.2} ms, p99 {:.2} ms, mean {:.2} ms",
            p.len(),
            percentile(p, 50.0),
            percentile(p, 99.0),
            p.iter().sum::<f64>() / p.len().max(1) as f64
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "system": "stafette hybrid",
            "articles": docs.len(),
            "p50_ms": percentile(&parts[0], 50.0),
            "p99_ms": percentile(&parts[0], 99.0),
            "rss_mib": rss_mib(),
        })
    );
    Ok(())
}

/// Time this thread has run on a CPU (Linux `/proc/thread-self/schedstat`, first field, ns).
/// Exact to a scheduler tick at either end, so only meaningful summed over many queries.
fn thread_cpu_ns() -> Option<u64> {
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn report(label: &str, samples: &mut [f64]) {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    println!(
        "stafette search, {label}: n={} p50 {:.2} ms, p99 {:.2} ms, mean {:.2} ms, max {:.2} ms",
        samples.len(),
        percentile(samples, 50.0),
        percentile(samples, 99.0),
        mean,
        samples.last().copied().unwrap_or(0.0)
    );
}
