#!/usr/bin/env bash
# Two builds' dashboards side by side, interleaved on one database: A and B (release binaries),
# DB (a database made by benches/dashboard.sh, e.g. its WORK/bench.db), ROUNDS rounds of RUNS fresh
# browser contexts each, desk (1280×1000) and wall screen (1920×1080). Prints per set: the name, the
# view, ready ms (live 3D map), | first contentful paint ms, | the first KPI card's paint ms.
#   A=old/liaison B=target/release/liaison DB=/tmp/x/bench.db benches/dashboard_ab.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${A:?A: the first binary}" "${B:?B: the second binary}" "${DB:?DB: the database}"
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-3}
"$A" --db "$DB" serve --bind 127.0.0.1:18591 --no-sample --reload-secs 0 2>/dev/null & PA=$!
"$B" --db "$DB" serve --bind 127.0.0.1:18592 --no-sample --reload-secs 0 2>/dev/null & PB=$!
trap 'kill $PA $PB 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:18591/healthz >/dev/null && curl -sf http://127.0.0.1:18592/healthz >/dev/null; do sleep 0.5; done
for _ in $(seq "$ROUNDS"); do
  for v in A:18591 B:18592; do
    for q in "" "?wall=1"; do
      w=1280; h=1000; [ -n "$q" ] && { w=1920; h=1080; }
      BASE_URL=http://127.0.0.1:${v#*:} RUNS=$RUNS QUERY="$q" WIDTH=$w HEIGHT=$h node "$ROOT/tests/browser/dashboard-first-render.mjs" \
        | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s.trim().split("\n").pop());console.log([process.argv[1],process.argv[2]||"desk",r.runs.map(x=>x.ready_ms).join(" "),"|",r.runs.map(x=>x.first_paint_ms).join(" "),"|",r.runs.map(x=>x.kpi_paint_ms??"-").join(" ")].join(" "))})' "${v%%:*}" "$q"
    done
  done
  uptime
done
