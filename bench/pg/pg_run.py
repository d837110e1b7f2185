#!/usr/bin/env python3
"""PostgreSQL full-text search (configuration `german`) as a peer for stafette's search.

Python 3 standard library only; talks to the server through the `psql` client (one
session per step, SQL on stdin). Connection settings come from the usual libpq
environment (PGHOST, PGPORT, PGUSER, PGDATABASE), set by bench/pg/compare.sh.

Subcommands:
  load     --docs FILE --table NAME      load IndexDoc JSON lines, build tsvector + GIN index
  run      --table NAME --queries FILE --out RUNFILE [--variant V]
                                          top-10 ids per query as a run file for `stafette eval`
  latency  --table NAME --queries FILE [--rounds N] [--variant V]
                                          p50/p99 per query, client wall time and server time
  compare-tsquery --queries FILE         how many queries websearch_to_tsquery and
                                          plainto_tsquery turn into different tsqueries
  table    FILE...                        combined per-kind table from `stafette eval --json`
                                          lines and latency JSON lines

Variants (`--variant`):
  websearch    websearch_to_tsquery('german', q), all words must match (the default;
               what a Wiki.js-style wiki does)
  or-fallback  same, but when nothing matches, any word may (the AND is turned into OR);
               this mirrors stafette's own "all words, else any word" rule
  plainto      plainto_tsquery('german', q) (quality only; not part of compare.sh, see README)
Ranking is always ts_rank_cd(tsv, query) DESC (ties by id), LIMIT 10.
"""

import argparse
import json
import os
import re
import subprocess
import sys

CONFIG = "german"
VARIANTS = ("websearch", "or-fallback", "plainto")


def psql(sql, quiet=True):
    """Runs SQL through one psql session and returns stdout (unaligned, tuples only)."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    proc = subprocess.run(
        cmd, input=sql, text=True, encoding="utf-8", capture_output=True, env=env
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"psql failed with exit code {proc.returncode}")
    if not quiet and proc.stderr:
        sys.stderr.write(proc.stderr)
    return proc.stdout


def lit(s):
    """A standard SQL string literal (standard_conforming_strings is on by default)."""
    return "'" + s.replace("\x00", "").replace("'", "''") + "'"


def ident(s):
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", s):
        raise SystemExit(f"bad table name {s!r}")
    return s


def copy_field(s):
    """Escapes a value for COPY ... FROM STDIN (text format)."""
    return (
        s.replace("\x00", "")
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_load(args):
    t = ident(args.table)
    docs = read_jsonl(args.docs)
    parts = [
        "SET client_min_messages = warning;",
        f"DROP TABLE IF EXISTS {t};",
        # Headings have no field of their own in this setup (Wiki.js indexes the rendered
        # page text, headings included, as one content column): they go in front of the body.
        f"""CREATE TABLE {t} (
  id text PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL,
  body text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('{CONFIG}', title), 'A') ||
    setweight(to_tsvector('{CONFIG}', description), 'B') ||
    setweight(to_tsvector('{CONFIG}', body), 'D')) STORED
);""",
        f"COPY {t} (id, title, description, body) FROM STDIN;",
    ]
    for d in docs:
        body = "\n".join(list(d.get("headings") or []) + [d.get("body") or ""])
        parts.append(
            "\t".join(
                copy_field(x)
                for x in (d["id"], d.get("title") or "", d.get("description") or "", body)
            )
        )
    parts.append("\\.")
    parts.append(f"CREATE INDEX {t}_tsv ON {t} USING GIN (tsv);")
    parts.append(f"VACUUM ANALYZE {t};")
    parts.append(
        f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{t}')) FROM {t};"
    )
    out = psql("\n".join(parts) + "\n").strip()
    n, size = out.split("|")
    print(f"PostgreSQL: loaded {n} documents into {t} ({size} with GIN index)")


def top10_sql(table, query, variant):
    """One row: a JSON array with the ranked top-10 ids."""
    t = ident(table)
    q = lit(query)
    if variant == "websearch":
        return f"""SELECT coalesce(json_agg(id ORDER BY r DESC, id), '[]') FROM (
  SELECT d.id, ts_rank_cd(d.tsv, q) AS r
  FROM {t} d, websearch_to_tsquery('{CONFIG}', {q}) q
  WHERE d.tsv @@ q ORDER BY r DESC, d.id LIMIT 10) x;"""
    if variant == "plainto":
        return f"""SELECT coalesce(json_agg(id ORDER BY r DESC, id), '[]') FROM (
  SELECT d.id, ts_rank_cd(d.tsv, q) AS r
  FROM {t} d, plainto_tsquery('{CONFIG}', {q}) q
  WHERE d.tsv @@ q ORDER BY r DESC, d.id LIMIT 10) x;"""
    if variant == "or-fallback":
        return f"""WITH a AS (SELECT websearch_to_tsquery('{CONFIG}', {q}) AS q),
o AS (SELECT replace(q::text, ' & ', ' | ')::tsquery AS q FROM a),
ra AS (SELECT d.id, ts_rank_cd(d.tsv, a.q) AS r FROM {t} d, a
       WHERE d.tsv @@ a.q ORDER BY r DESC, d.id LIMIT 10),
ro AS (SELECT d.id, ts_rank_cd(d.tsv, o.q) AS r FROM {t} d, o
       WHERE NOT EXISTS (SELECT 1 FROM ra) AND d.tsv @@ o.q ORDER BY r DESC, d.id LIMIT 10)
SELECT coalesce(json_agg(id ORDER BY r DESC, id), '[]')
FROM (SELECT * FROM ra UNION ALL SELECT * FROM ro) x;"""
    raise SystemExit(f"unknown variant {variant}")


def page_sql(table, query, variant):
    """What a search page needs: id, title and a highlighted body snippet for the top 10."""
    t = ident(table)
    q = lit(query)
    if variant == "websearch":
        tsq = f"SELECT websearch_to_tsquery('{CONFIG}', {q}) AS q"
        ranked = f"""SELECT d.id, d.title, d.body, ts_rank_cd(d.tsv, s.q) AS r FROM {t} d, s
       WHERE d.tsv @@ s.q ORDER BY r DESC, d.id LIMIT 10"""
        return f"""WITH s AS ({tsq}),
top AS ({ranked})
SELECT top.id, top.title,
  ts_headline('{CONFIG}', top.body, s.q, 'MaxFragments=1, MaxWords=30, MinWords=10')
FROM top, s ORDER BY top.r DESC, top.id;"""
    if variant == "or-fallback":
        return f"""WITH a AS (SELECT websearch_to_tsquery('{CONFIG}', {q}) AS q),
o AS (SELECT replace(q::text, ' & ', ' | ')::tsquery AS q FROM a),
ra AS (SELECT d.id, d.title, d.body, ts_rank_cd(d.tsv, a.q) AS r, a.q FROM {t} d, a
       WHERE d.tsv @@ a.q ORDER BY r DESC, d.id LIMIT 10),
ro AS (SELECT d.id, d.title, d.body, ts_rank_cd(d.tsv, o.q) AS r, o.q FROM {t} d, o
       WHERE NOT EXISTS (SELECT 1 FROM ra) AND d.tsv @@ o.q ORDER BY r DESC, d.id LIMIT 10),
top AS (SELECT * FROM ra UNION ALL SELECT * FROM ro)
SELECT id, title,
  ts_headline('{CONFIG}', body, q, 'MaxFragments=1, MaxWords=30, MinWords=10')
FROM top ORDER BY r DESC, id;"""
    raise SystemExit(f"unknown variant {variant}")


def cmd_run(args):
    queries = read_jsonl(args.queries)
    sql = ["SET client_min_messages = warning;"]
    sql += [top10_sql(args.table, q["query"], args.variant) for q in queries]
    lines = psql("\n".join(sql) + "\n").splitlines()
    if len(lines) != len(queries):
        raise SystemExit(f"expected {len(queries)} result lines, got {len(lines)}")
    empty = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for q, line in zip(queries, lines):
            ranked = json.loads(line)
            empty += not ranked
            f.write(json.dumps({"query": q["query"], "ranked": ranked}, ensure_ascii=False))
            f.write("\n")
    print(
        f"PostgreSQL {args.variant}: {len(queries)} queries on {args.table}, "
        f"{empty} without any hit -> {args.out}"
    )


TIME_RE = re.compile(r"^Time: ([0-9.]+) ms", re.M)


def percentile(sorted_values, p):
    """Nearest-rank percentile (same definition as search_latency.rs)."""
    if not sorted_values:
        return 0.0
    k = max(1, min(len(sorted_values), -(-p * len(sorted_values) // 100)))
    return sorted_values[int(k) - 1]


def stats(values):
    v = sorted(values)
    return {
        "samples": len(v),
        "p50_ms": percentile(v, 50),
        "p99_ms": percentile(v, 99),
        "mean_ms": sum(v) / max(1, len(v)),
        "max_ms": v[-1] if v else 0.0,
    }


def cmd_latency(args):
    queries = [q["query"] for q in read_jsonl(args.queries)]
    n = len(queries)
    rounds = max(1, args.rounds)
    count = psql(f"SELECT count(*) FROM {ident(args.table)};").strip()

    # (1) Client wall time, as psql's \timing reports it: send, plan, execute, receive
    # 10 rows with ts_headline snippets over the local Unix socket. One warm-up pass first.
    page = [page_sql(args.table, q, args.variant) for q in queries]
    script = ["SET client_min_messages = warning;", "\\o /dev/null"]
    script += page  # warm-up, untimed
    script.append("\\timing on")
    for _ in range(rounds):
        script += page
    out = psql("\n".join(script) + "\n")
    wall = [float(x) for x in TIME_RE.findall(out)]
    if len(wall) != n * rounds:
        raise SystemExit(f"expected {n * rounds} timings, got {len(wall)}")

    # (1b) The same, ranking only (one row with the top-10 ids), to show what the snippets cost.
    ids = [top10_sql(args.table, q, args.variant) for q in queries]
    script = ["SET client_min_messages = warning;", "\\o /dev/null"] + ids + ["\\timing on"]
    script += ids * rounds
    out = psql("\n".join(script) + "\n")
    wall_ids = [float(x) for x in TIME_RE.findall(out)]
    if len(wall_ids) != n * rounds:
        raise SystemExit(f"expected {n * rounds} timings, got {len(wall_ids)}")

    # (2) Server time of the ranking query alone: EXPLAIN (ANALYZE, TIMING OFF) planning +
    # execution time, no snippets, no client/socket cost.
    script = ["SET client_min_messages = warning;"]
    for _ in range(rounds):
        for q in queries:
            script.append(
                "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "
                + top10_sql(args.table, q, args.variant)
            )
    out = psql("\n".join(script) + "\n")
    plans = json.loads("[" + ",".join(re.findall(r"^\[.*?^\]", out, re.M | re.S)) + "]")
    server = [p[0]["Planning Time"] + p[0]["Execution Time"] for p in plans]
    if len(server) != n * rounds:
        raise SystemExit(f"expected {n * rounds} plans, got {len(server)}")

    # Matching documents per query, for context: with all words (AND), and as the variant
    # executes it (or-fallback: any word when nothing has all words).
    script = ["SET client_min_messages = warning;"]
    t = ident(args.table)
    for q in queries:
        script.append(
            f"""WITH a AS (SELECT websearch_to_tsquery('{CONFIG}', {lit(q)}) AS q),
o AS (SELECT replace(q::text, ' & ', ' | ')::tsquery AS q FROM a)
SELECT (SELECT count(*) FROM {t} d, a WHERE d.tsv @@ a.q) || ' ' ||
       (SELECT count(*) FROM {t} d, o WHERE d.tsv @@ o.q);"""
        )
    rows = [line.split() for line in psql("\n".join(script) + "\n").splitlines()]
    and_n = [int(r[0]) for r in rows]
    or_n = [int(r[1]) for r in rows]
    executed = and_n if args.variant != "or-fallback" else [
        a if a > 0 else o for a, o in zip(and_n, or_n)
    ]
    executed_sorted = sorted(executed)

    w, wi, s = stats(wall), stats(wall_ids), stats(server)
    # Empty results are cheap: the same client wall time over the queries with >= 1 hit only
    # (samples are in query order, pass after pass).
    hit = [executed[i % n] > 0 for i in range(n * rounds)]
    wh = stats([x for x, h in zip(wall, hit) if h])
    print(
        f"PostgreSQL {args.variant} on {count} articles, {n} queries x {rounds} passes; "
        f"{sum(1 for x in executed if x == 0)} queries without hits, matching documents "
        f"per query: median {percentile(executed_sorted, 50)}, "
        f"p90 {percentile(executed_sorted, 90)}"
    )
    print(
        f"PostgreSQL client wall time (psql \\timing, top 10 + ts_headline): "
        f"p50 {w['p50_ms']:.2f} ms, p99 {w['p99_ms']:.2f} ms, mean {w['mean_ms']:.2f} ms, "
        f"max {w['max_ms']:.2f} ms"
    )
    print(
        f"PostgreSQL client wall time (psql \\timing, top 10 + ts_headline), only the "
        f"{sum(1 for x in executed if x > 0)} queries with hits: "
        f"p50 {wh['p50_ms']:.2f} ms, p99 {wh['p99_ms']:.2f} ms, mean {wh['mean_ms']:.2f} ms, "
        f"max {wh['max_ms']:.2f} ms"
    )
    print(
        f"PostgreSQL client wall time (psql \\timing, top-10 ids only): "
        f"p50 {wi['p50_ms']:.2f} ms, p99 {wi['p99_ms']:.2f} ms, mean {wi['mean_ms']:.2f} ms, "
        f"max {wi['max_ms']:.2f} ms"
    )
    print(
        f"PostgreSQL server time (EXPLAIN ANALYZE planning+execution, top-10 ids): "
        f"p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms, mean {s['mean_ms']:.2f} ms, "
        f"max {s['max_ms']:.2f} ms"
    )
    print(
        json.dumps(
            {
                "system": f"PostgreSQL {CONFIG} ({args.variant})",
                "articles": int(count),
                "queries": n,
                "wall": w,
                "wall_with_hits": wh,
                "wall_ids": wi,
                "server": s,
            }
        )
    )


def cmd_compare_tsquery(args):
    queries = [q["query"] for q in read_jsonl(args.queries)]
    sql = ["SET client_min_messages = warning;"]
    for q in queries:
        sql.append(
            f"SELECT websearch_to_tsquery('{CONFIG}', {lit(q)})::text = "
            f"plainto_tsquery('{CONFIG}', {lit(q)})::text;"
        )
    same = psql("\n".join(sql) + "\n").split()
    differ = [q for q, s in zip(queries, same) if s != "t"]
    print(
        f"websearch_to_tsquery vs plainto_tsquery on {args.queries}: "
        f"{len(differ)} of {len(queries)} queries differ"
        + (f" ({'; '.join(differ[:5])})" if differ else "")
    )


def cmd_table(args):
    """Prints one per-kind table per data set from `stafette eval --json` lines.

    Input files hold JSON lines; lines with "label" are eval reports. Reports are grouped in
    the order given as: dataset name (from the file name prefix before '__'), then systems.
    """
    groups = {}
    for path in args.files:
        dataset = os.path.basename(path).split("__")[0]
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{") and '"label"' in line:
                    groups.setdefault(dataset, []).append(json.loads(line))
    for dataset, reports in groups.items():
        kinds = []
        for r in reports:
            for k in r["kinds"]:
                if k not in kinds:
                    kinds.append(k)
        print(f"\n### {dataset}: MRR@10 / nDCG@10 / Recall@10\n")
        header = "| kind | n | " + " | ".join(r["label"] for r in reports) + " |"
        print(header)
        print("|" + "---|" * (2 + len(reports)))
        for k in kinds + ["all"]:
            cells = []
            n = ""
            for r in reports:
                m = r["overall"] if k == "all" else r["kinds"].get(k)
                if m is None:
                    cells.append("–")
                    continue
                n = m["n"]
                cells.append(f"{m['mrr']:.3f} / {m['ndcg']:.3f} / {m['recall']:.3f}")
            print(f"| {k} | {n} | " + " | ".join(cells) + " |")
        # Who wins on MRR@10, per kind: first report vs the best PostgreSQL one.
        if len(reports) > 1:
            base = reports[0]
            lines = []
            for k in kinds + ["all"]:
                ours = (base["overall"] if k == "all" else base["kinds"].get(k, {})).get("mrr")
                others = [
                    (r["overall"] if k == "all" else r["kinds"].get(k, {})).get("mrr")
                    for r in reports[1:]
                ]
                others = [o for o in others if o is not None]
                if ours is None or not others:
                    continue
                verdict = "ahead" if ours > max(others) else (
                    "tie" if ours == max(others) else "BEHIND")
                lines.append(f"{k}: {verdict} ({ours:.3f} vs best peer {max(others):.3f})")
            print(f"\n{base['label']} vs best peer on MRR@10: " + "; ".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("load")
    s.add_argument("--docs", required=True)
    s.add_argument("--table", required=True)
    s = sub.add_parser("run")
    s.add_argument("--table", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--variant", choices=VARIANTS, default="websearch")
    s = sub.add_parser("latency")
    s.add_argument("--table", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--variant", choices=VARIANTS, default="websearch")
    s = sub.add_parser("compare-tsquery")
    s.add_argument("--queries", required=True)
    s = sub.add_parser("table")
    s.add_argument("files", nargs="+")
    args = p.parse_args()
    {
        "load": cmd_load,
        "run": cmd_run,
        "latency": cmd_latency,
        "compare-tsquery": cmd_compare_tsquery,
        "table": cmd_table,
    }[args.cmd](args)


if __name__ == "__main__":
    main()
