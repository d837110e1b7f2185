#!/usr/bin/env bash
# Peer comparison: stafette's keyword search vs PostgreSQL full-text search with the `german`
# configuration (the setup of Wiki.js-style wikis), in one run on one machine:
#   (a) quality per query kind on the Austrian guides with eval/guides-at-queries.jsonl,
#   (b) quality on XQuAD-de,
#   (c) search latency p50/p99 for both at 10,000 generated articles.
# Both systems index the same text (dumped by index/examples/dump_corpus.rs from stafette's
# evaluation loaders) and both rankings are scored by `stafette eval`, so the metric code is
# the same. PostgreSQL runs as a throwaway cluster in a temp dir, on 127.0.0.1 with a random
# free port, and is stopped and deleted on exit.
#
# Usage: bench/pg/compare.sh   (env: SHARED=../shared/eval ARTICLES=10000 ROUNDS=3 SEED=20251122
#                              CARGO_TARGET_DIR=... as usual)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SHARED=${SHARED:-$ROOT/../shared/eval}
ARTICLES=${ARTICLES:-10000}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-20251122}
GUIDES=$SHARED/guides-at
XQUAD=$SHARED/xquad-de/xquad.de.json
QUERIES=$ROOT/eval/guides-at-queries.jsonl
PG_RUN=$ROOT/bench/pg/pg_run.py

# --- PostgreSQL binaries (Debian packages; 15 preferred) --------------------------------
find_pgbin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    return 1
}
if ! PGBIN=$(find_pgbin); then
    echo "## installing PostgreSQL from Debian" >&2
    apt-get update -qq
    if apt-cache policy postgresql-15 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get install -y -qq postgresql-15 postgresql-client-15 >&2
    else
        apt-get install -y -qq postgresql postgresql-client >&2
    fi
    PGBIN=$(find_pgbin) || { echo "no pg_ctl after installation" >&2; exit 1; }
fi

# --- build first, so compiling never overlaps a measurement ------------------------------
echo "## building (debug: stafette, dump_corpus; release: search_latency)" >&2
cargo build --quiet --bin stafette
cargo build --quiet -p stafette-index --example dump_corpus
cargo build --quiet --release -p stafette-index --example search_latency

# --- throwaway cluster on loopback -------------------------------------------------------
TMP=$(mktemp -d /tmp/stafette-pg.XXXXXX)
PGDATA=$TMP/data
WORK=$TMP/work
mkdir -p "$TMP/sock" "$WORK"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres: "$TMP" "$TMP/sock"; fi
cleanup() {
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
    || { cat "$TMP/initdb.log" >&2; exit 1; }
# Defaults of a fresh cluster, except: loopback only, our port and socket dir, and no fsync
# (speeds up loading only; queries never write).
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$TMP/postgres.log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -k $TMP/sock -c fsync=off" start \
    || { cat "$TMP/postgres.log" >&2; exit 1; }
export PGHOST=$TMP/sock PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
PGVERSION=$(psql -X -A -t -c 'SHOW server_version')

echo "# stafette vs PostgreSQL full-text search (german)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- stafette: $(git rev-parse --short HEAD 2>/dev/null || echo '?') (working tree), PostgreSQL $PGVERSION ($PGBIN), 127.0.0.1:$PORT"
echo

# --- (a) + (b) quality --------------------------------------------------------------------
echo "## corpora (stafette's evaluation loaders, dumped for PostgreSQL)"
cargo run --quiet -p stafette-index --example dump_corpus -- \
    --guides "$GUIDES" --queries "$QUERIES" --xquad "$XQUAD" --out "$WORK"
python3 "$PG_RUN" load --docs "$WORK/guides-docs.jsonl" --table guides
python3 "$PG_RUN" load --docs "$WORK/xquad-docs.jsonl" --table xquad
python3 "$PG_RUN" compare-tsquery --queries "$WORK/guides-queries.jsonl"
python3 "$PG_RUN" compare-tsquery --queries "$WORK/xquad-queries.jsonl"
echo

eval_both() { # name, table, stafette eval args...
    local name=$1 table=$2
    shift 2
    local variant
    echo "## $name"
    echo
    cargo run --quiet -- eval "$@" --label "stafette" --json | tee "$WORK/${name}__0.txt" | grep -v '^{'
    local i=1
    for variant in websearch or-fallback; do
        python3 "$PG_RUN" run --table "$table" --queries "$WORK/$table-queries.jsonl" \
            --variant "$variant" --out "$WORK/$table-$variant.run"
        cargo run --quiet -- eval "$@" --run "$WORK/$table-$variant.run" \
            --label "PostgreSQL german ($variant)" --json | tee "$WORK/${name}__$i.txt" | grep -v '^{'
        i=$((i + 1))
    done
    # plainto_tsquery: checked, not tabled (see README): overall figures only.
    python3 "$PG_RUN" run --table "$table" --queries "$WORK/$table-queries.jsonl" \
        --variant plainto --out "$WORK/$table-plainto.run" >/dev/null
    cargo run --quiet -- eval "$@" --run "$WORK/$table-plainto.run" \
        --label "PostgreSQL german (plainto)" --json | grep '^{' | python3 -c '
import json, sys
d = json.loads(sys.stdin.read()); o = d["overall"]
print("%s: all %d queries MRR@10 %.3f, nDCG@10 %.3f, Recall@10 %.3f (not tabled)"
      % (d["label"], o["n"], o["mrr"], o["ndcg"], o["recall"]))'
    echo
}
eval_both guides-at guides --docs "$GUIDES" --queries "$QUERIES"
eval_both xquad-de xquad --xquad "$XQUAD"

echo "## quality side by side (MRR@10 / nDCG@10 / Recall@10)"
python3 "$PG_RUN" table "$WORK/guides-at__0.txt" "$WORK/guides-at__1.txt" "$WORK/guides-at__2.txt"
python3 "$PG_RUN" table "$WORK/xquad-de__0.txt" "$WORK/xquad-de__1.txt" "$WORK/xquad-de__2.txt"
echo

# --- (c) latency at $ARTICLES generated articles ------------------------------------------
echo "## latency at $ARTICLES generated articles (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
"${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/search_latency" \
    --guides "$GUIDES" --xquad "$XQUAD" --queries "$QUERIES" \
    --articles "$ARTICLES" --seed "$SEED" --rounds "$ROUNDS" --index-dir "$WORK/stafette-index" \
    --out-docs "$WORK/gen-docs.jsonl" --out-queries "$WORK/gen-queries.jsonl" | tee "$WORK/lat-stafette.txt"
rm -rf "$WORK/stafette-index"
echo
python3 "$PG_RUN" load --docs "$WORK/gen-docs.jsonl" --table gen
for variant in websearch or-fallback; do
    echo "(load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
    python3 "$PG_RUN" latency --table gen --queries "$WORK/gen-queries.jsonl" \
        --rounds "$ROUNDS" --variant "$variant" | tee "$WORK/lat-pg-$variant.txt"
done
echo
echo "## latency side by side ($ARTICLES articles, $ROUNDS timed passes over the same queries)"
python3 - "$WORK/lat-stafette.txt" "$WORK/lat-pg-websearch.txt" "$WORK/lat-pg-or-fallback.txt" <<'EOF'
import json, sys
rows = []
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        if line.startswith("{"):
            d = json.loads(line)
            if "wall" in d:
                rows.append((d["system"] + ", client wall time incl. snippets", d["wall"]))
                rows.append((d["system"] + ", the same, only queries with hits", d["wall_with_hits"]))
                rows.append((d["system"] + ", client wall time, top-10 ids only", d["wall_ids"]))
                rows.append((d["system"] + ", server time (EXPLAIN ANALYZE), top-10 ids only", d["server"]))
            else:
                rows.append((d["system"] + " search() in-process, incl. snippets + facets", d))
print("\n| system (what is timed) | samples | p50 ms | p99 ms | mean ms | max ms |")
print("|---|---|---|---|---|---|")
for name, s in rows:
    print(f"| {name} | {s['samples']} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['mean_ms']:.2f} | {s['max_ms']:.2f} |")
EOF
echo
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
