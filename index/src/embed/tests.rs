//! Unit tests on the synthetic model (the real model is tested in `tests/reference.rs`).

use super::*;

fn model() -> Model {
    Model::from_bytes(synthetic_model_bytes(&SyntheticSpec::default())).unwrap()
}

fn pieces(m: &Model, ids: &[u32]) -> Vec<String> {
    ids.iter()
        .map(|&i| m.piece(i).unwrap().to_owned())
        .collect()
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn loads_synthetic_model() {
    let m = model();
    assert_eq!(m.dim(), 32);
    assert!(m.heap_bytes() > 0);
}

#[test]
fn viterbi_picks_best_segmentation() {
    let m = model();
    // "▁hallo" (one piece) beats "▁hal" + "lo".
    assert_eq!(
        pieces(&m, &m.tokenize("hallo welt")),
        ["<s>", "▁hallo", "▁welt", "</s>"]
    );
    assert_eq!(
        pieces(&m, &m.tokenize("query: hallo")),
        ["<s>", "▁que", "ry", ":", "▁hallo", "</s>"]
    );
}

#[test]
fn tokenizer_edge_cases() {
    let m = model();
    // Empty and whitespace-only text leave one `▁`.
    assert_eq!(m.tokenize(""), [0, 6, 2]);
    assert_eq!(m.tokenize(" \t\n  "), [0, 6, 2]);
    // Prefix space absorbs leading whitespace; trailing whitespace gives a final `▁`.
    assert_eq!(m.tokenize_query("   "), m.tokenize("query: "));
    assert_eq!(
        pieces(&m, &m.tokenize("hallo ")),
        ["<s>", "▁hallo", "▁", "</s>"]
    );
    // Unknown code points: one <unk> per code point, never fused.
    assert_eq!(m.tokenize("🧪🧪"), [0, 6, 3, 3, 2]);
    // Deleted control char, NUL dropped, mapped chars (full-width A, `▁`, NBSP).
    assert_eq!(m.tokenize("hal\u{1}lo"), m.tokenize("hallo"));
    assert_eq!(m.tokenize("hal\0lo"), m.tokenize("hallo"));
    assert_eq!(m.tokenize("\u{ff21}"), m.tokenize("A"));
    assert_eq!(m.tokenize("hallo\u{2581}welt"), m.tokenize("hallo welt"));
    assert_eq!(
        m.tokenize("hallo\u{a0}\u{a0}welt"),
        m.tokenize("hallo welt")
    );
    assert_eq!(m.tokenize("…"), m.tokenize("..."));
    // Literal special tokens match their pieces (except <unk>).
    assert_eq!(m.tokenize("<s>"), [0, 6, 0, 2]);
    assert_eq!(m.tokenize("<mask>")[2], 38);
    assert!(!m.tokenize("<unk>")[1..].starts_with(&[3]));
    // Very long input: linear time, nothing truncated.
    let long = "hallo welt ".repeat(20_000);
    let ids = m.tokenize(&long);
    assert_eq!(ids.len(), 40_000 + 3);
}

#[test]
fn embeddings_are_normalised_and_deterministic() {
    let m = model();
    let q = m.embed_query("hallo welt").unwrap();
    assert_eq!(q.len(), 32);
    assert!((cos(&q, &q) - 1.0).abs() < 1e-5);
    assert_eq!(q, m.embed_query("hallo welt").unwrap());
    let p = m.embed_passages(&["hallo welt"]).unwrap();
    assert!(
        cos(&q, &p[0]) < 0.9999,
        "query and passage prefixes must differ"
    );
    for t in ["", "   ", "🧪", "\u{1}\u{2}"] {
        let v = m.embed_query(t).unwrap();
        assert!(v.iter().all(|x| x.is_finite()));
    }
}

#[test]
fn empty_batch_gives_no_vectors() {
    assert!(model().embed_passages(&[]).unwrap().is_empty());
}

#[test]
fn synthetic_seeds_differ() {
    let a = Model::from_bytes(synthetic_model_bytes(&SyntheticSpec::default())).unwrap();
    let b = Model::from_bytes(synthetic_model_bytes(&SyntheticSpec {
        seed: 2,
        ..SyntheticSpec::default()
    }))
    .unwrap();
    assert_eq!(a.tokenize("hallo"), b.tokenize("hallo"));
    assert_ne!(
        a.embed_query("hallo").unwrap(),
        b.embed_query("hallo").unwrap()
    );
}

#[test]
fn batching_matches_single_calls() {
    let m = model();
    // Includes texts longer than one window (max_pos 16 → 14 content tokens per window).
    let texts: Vec<String> = (0..40)
        .map(|i| "hallo welt und die ".repeat(i % 9 + 1))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batch = m.embed_passages(&refs).unwrap();
    for (t, b) in refs.iter().zip(&batch) {
        let single = m.embed_passages(&[t]).unwrap();
        assert!(cos(&single[0], b) > 0.99999, "{t}");
    }
}

#[test]
fn long_text_is_windowed_not_truncated() {
    let m = model();
    let a = m
        .embed_passages(&["hallo welt ".repeat(30).as_str()])
        .unwrap();
    let b = m
        .embed_passages(&[("hallo welt ".repeat(30) + "der die und").as_str()])
        .unwrap();
    assert!(
        cos(&a[0], &b[0]) < 0.99999,
        "text after the first window must change the vector"
    );
}

#[test]
fn corrupt_files_are_rejected() {
    let good = synthetic_model_bytes(&SyntheticSpec::default());
    let err = |bytes: Vec<u8>| Model::from_bytes(bytes).unwrap_err().to_string();

    let mut b = good.clone();
    b[0] = b'X';
    assert!(err(b).contains("bad magic"));
    let mut b = good.clone();
    b[4] = 2;
    assert!(err(b).contains("version"));
    let mut b = good.clone();
    b[8..12].copy_from_slice(&33i32.to_le_bytes());
    assert!(err(b).contains("hidden size"));
    assert!(err(good[..good.len() - 1].to_vec()).contains("outside"));
    assert!(err(good[..100].to_vec()).contains("truncated"));
    assert!(err(Vec::new()).contains("truncated"));
    // A NaN LayerNorm weight (last tensor: l1.oln.b) is caught.
    let mut b = good.clone();
    let n = b.len();
    b[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(err(b).contains("NaN"));
}

#[test]
fn checksum_is_verified() {
    let dir = std::env::temp_dir().join(format!("e5-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("synthetic.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    write_synthetic_model(
        &mut f,
        &SyntheticSpec {
            seed: 7,
            ..SyntheticSpec::default()
        },
    )
    .unwrap();
    drop(f);
    let sum = sha256_file(&path).unwrap();
    assert_eq!(sum, sha256_hex(&std::fs::read(&path).unwrap()));
    assert!(Model::load_verified(&path, &sum).is_ok());
    let e = Model::load_verified(&path, MODEL_SHA256).unwrap_err();
    assert!(matches!(e, EmbedError::Checksum { .. }), "{e}");
    let e = Model::load(&dir.join("missing.bin")).unwrap_err();
    assert!(e.to_string().contains("missing.bin"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn chunks_fit_and_cover_the_text() {
    let m = model();
    let para = "hallo welt. der die und! hallo welt und die der.";
    let text = format!(
        "{para}\n\n{para} {para}\n\nhallo\nwelt {}",
        "hallo".repeat(40)
    );
    for max in [6, 10, 20, 40, 200] {
        let chunks = m.chunk_passage(&text, max);
        for c in &chunks {
            let n = m.tokenize_passage(c).len();
            assert!(
                n <= max || c.chars().count() == 1,
                "max {max}: {n} tokens in {c:?}"
            );
        }
        let joined: String = chunks.concat().split_whitespace().collect();
        let orig: String = text.split_whitespace().collect();
        assert_eq!(joined, orig, "max {max}");
    }
    assert!(m.chunk_passage("  \n ", 50).is_empty());
    assert_eq!(m.chunk_passage("hallo welt", 50), ["hallo welt"]);
}
