//! Save-latency benchmark against a running server: creates N articles, then times
//! `PUT /api/v1/articles/{id}` edits from several concurrent writers (each edit is
//! acknowledged only after the group-committed flush), and prints percentiles.
//!
//! Run with: `cargo run --release --example bench_save -- http://127.0.0.1:8090 1000 4 2000`
//! (base URL, articles to create, concurrent writers, timed edits)

use std::time::{Duration, Instant};

use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8090".to_owned());
    let articles: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let writers: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(4);
    let edits: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(2000);
    // The API needs a token since accounts exist (bench/http.sh creates one with the CLI).
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(token) = std::env::var("STAFETTE_TOKEN") {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}")
                .parse()
                .expect("token is a valid header value"),
        );
    }
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("HTTP client");

    let mut ids = Vec::with_capacity(articles);
    let mut create_lat = Vec::with_capacity(articles);
    for i in 0..articles {
        let t = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/articles"))
            .json(&json!({"title": format!("Benchmark-Artikel {i}"), "body": body(i, 0), "tags": ["Benchmark"]}))
            .send()
            .await?;
        create_lat.push(t.elapsed());
        let j: serde_json::Value = res.json().await?;
        ids.push((
            i,
            j["id"].as_str().unwrap_or_default().to_owned(),
            j["revision"].as_u64().unwrap_or(1),
        ));
    }
    report("create", &mut create_lat);

    let per_writer = edits / writers.max(1);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let client = client.clone();
        let base = base.clone();
        // Each writer edits its own slice of articles so bases stay current (no merges).
        let mine: Vec<(usize, String, u64)> =
            ids.iter().skip(w).step_by(writers).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut mine = mine;
            let mut lat = Vec::with_capacity(per_writer);
            for e in 0..per_writer {
                let k = e % mine.len().max(1);
                let (i, id, rev) = mine[k].clone();
                let t = Instant::now();
                let res = client
                    .put(format!("{base}/api/v1/articles/{id}"))
                    // Same title: an edit, not a rename (the page benchmark reads these slugs).
                    .json(&json!({"title": format!("Benchmark-Artikel {i}"), "body": body(e, w), "base_revision": rev}))
                    .send()
                    .await;
                lat.push(t.elapsed());
                if let Ok(res) = res
                    && let Ok(j) = res.json::<serde_json::Value>().await
                {
                    mine[k].2 = j["revision"].as_u64().unwrap_or(rev);
                }
            }
            lat
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "edits: {} in {secs:.1} s = {:.0} saves/s with {writers} writers",
        all.len(),
        all.len() as f64 / secs
    );
    report("edit", &mut all);
    Ok(())
}

fn body(i: usize, w: usize) -> String {
    format!(
        "## Zweck\n\nArbeitsanweisung Nummer {i} (Fassung {w}).\n\n## Ablauf\n\n1. Antrag prüfen\n2. Gebühr berechnen\n3. Bescheid erstellen\n\n{}",
        "Die Sachbearbeitung prüft die Unterlagen vollständig. ".repeat(20)
    )
}

fn report(label: &str, lat: &mut [Duration]) {
    lat.sort();
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{label}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms",
        lat.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    );
}
