//! Writes the evaluation corpora exactly as stafette's evaluation loaders see them, so other
//! engines (bench/pg: PostgreSQL full-text search) index identical text.
//!
//! ```text
//! cargo run -p stafette-index --example dump_corpus -- \
//!     --guides ../shared/eval/guides-at --queries eval/guides-at-queries.jsonl \
//!     --xquad ../shared/eval/xquad-de/xquad.de.json --out DIR
//! ```
//!
//! Writes `DIR/guides-docs.jsonl`, `DIR/guides-queries.jsonl`, `DIR/xquad-docs.jsonl` and
//! `DIR/xquad-queries.jsonl`. Documents are `IndexDoc` as JSON (`id`, `title`,
//! `description`, `headings`, `body`, …) from `eval::load_markdown_dir` / `eval::load_xquad`;
//! queries are `{"query", "kind"}` in the loaders' order.

use std::error::Error;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use stafette_index::IndexDoc;
use stafette_index::eval::{self, EvalQuery};

type Res<T> = Result<T, Box<dyn Error>>;

fn write(dir: &Path, name: &str, docs: &[IndexDoc], queries: &[EvalQuery]) -> Res<()> {
    let mut w = BufWriter::new(fs::File::create(dir.join(format!("{name}-docs.jsonl")))?);
    for d in docs {
        serde_json::to_writer(&mut w, d)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    let mut w = BufWriter::new(fs::File::create(dir.join(format!("{name}-queries.jsonl")))?);
    for q in queries {
        serde_json::to_writer(
            &mut w,
            &serde_json::json!({ "query": q.query, "kind": q.kind }),
        )?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    println!(
        "{name}: {} documents, {} queries",
        docs.len(),
        queries.len()
    );
    Ok(())
}

fn main() -> Res<()> {
    let mut guides = None;
    let mut queries = None;
    let mut xquad = None;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: PathBuf = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .into();
        match flag.as_str() {
            "--guides" => guides = Some(value),
            "--queries" => queries = Some(value),
            "--xquad" => xquad = Some(value),
            "--out" => out = Some(value),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    fs::create_dir_all(&out)?;
    if let (Some(g), Some(q)) = (&guides, &queries) {
        let docs = eval::load_markdown_dir(g)?;
        let qs = eval::load_queries_jsonl(q)?;
        write(&out, "guides", &docs, &qs)?;
    }
    if let Some(x) = &xquad {
        let (docs, qs) = eval::load_xquad(x)?;
        write(&out, "xquad", &docs, &qs)?;
    }
    Ok(())
}
