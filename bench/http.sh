#!/usr/bin/env bash
# Article page throughput and save latency of stafette, side by side with the ceiling
# (a bare axum handler returning a fixed string) in the same run on the same machine.
# Usage: bench/http.sh            (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}
cargo build --release --quiet --bin stafette --example ceiling --example bench_save
DATA=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$DATA"' EXIT
# An account and a token (CLI, before the server holds the database). Pages are measured
# with the token, so the numbers include authentication and the permission check.
echo 'ein Passwort fuer den Benchmark' | ./target/release/stafette --data-dir "$DATA" user add bench --role admin --password-stdin >/dev/null
export STAFETTE_TOKEN=$(./target/release/stafette --data-dir "$DATA" token create bench --scope write)
./target/release/stafette serve --listen 127.0.0.1:8090 --data-dir "$DATA" >/dev/null 2>&1 &
./target/release/examples/ceiling 127.0.0.1:8091 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:8090/healthz >/dev/null && break; sleep 0.1; done

echo "## machine"; nproc; grep -m1 'model name' /proc/cpuinfo || true
echo "## seeding 1,000 articles and measuring save latency (4 concurrent writers)"
./target/release/examples/bench_save http://127.0.0.1:8090 1000 4 2000
sleep 3 # let the indexer settle so it does not compete with the page benchmark
echo "## ceiling: bare axum handler"
wrk -t2 -c"$CONNS" -d"$DURATION" http://127.0.0.1:8091/
echo "## stafette: article page (rendered, with backlinks)"
curl -sf -o /dev/null -H "Authorization: Bearer $STAFETTE_TOKEN" -w "status %{http_code}, %{size_download} bytes\n" http://127.0.0.1:8090/artikel/benchmark-artikel-500
# A browser sends the CSRF cookie it got on its first visit; so does the benchmark.
wrk -t2 -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $STAFETTE_TOKEN" http://127.0.0.1:8090/artikel/benchmark-artikel-500
