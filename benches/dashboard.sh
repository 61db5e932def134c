#!/usr/bin/env bash
# The leaders' dashboard's first render over 1,000,000 opinions (target ≤ 2 s): the first paint
# (the page carries the view drawn by the server) and the live 3D map's `dashboard-ready`:
#   1. `liaison sample-data --issues N` (the Haishu sample and N opinions over two years),
#   2. a database with the sample's places (first start with --sample-opinions 0) and
#      `liaison import issues` of the N opinions,
#   3. the release server on it, and tests/browser/dashboard-first-render.mjs: headless Chromium
#      (WebGL on SwiftShader, i.e. on the CPU) opening /dashboard RUNS times in fresh contexts, from
#      navigation start to the page's `dashboard-ready` mark; desk view (with hexagons, and with
#      the towns' choropleth) and wall screen.
#
#   benches/dashboard.sh            # ISSUES=1000000 RUNS=5
# Needs Node.js and tests/browser/node_modules (npm ci --prefix tests/browser --ignore-scripts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ISSUES=${ISSUES:-1000000}
RUNS=${RUNS:-5}
PORT=${PORT:-18183}
WORK=${WORK:-$(mktemp -d)}
SERVER=
trap 'kill $SERVER 2>/dev/null || true' EXIT

# BIN: a release binary built before (the script builds one otherwise).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/liaison
fi
DB=$WORK/bench.db

if [ ! -f "$DB" ]; then
  echo "== sample data: $ISSUES opinions"
  "$BIN" sample-data --out "$WORK/data" --issues "$ISSUES" >/dev/null
  "$BIN" --db "$DB" serve --bind "127.0.0.1:$PORT" --sample-opinions 0 2>"$WORK/first.log" &
  SERVER=$!
  until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.1; done
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
  /usr/bin/time -f "import issues: %e s wall" "$BIN" --db "$DB" import issues "$WORK/data/issues.csv" >/dev/null
fi

"$BIN" --db "$DB" serve --bind "127.0.0.1:$PORT" --no-sample --reload-secs 0 2>"$WORK/serve.log" &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.1; done
curl -s "http://127.0.0.1:$PORT/api/v1/stats" | head -c 200; echo

echo "== the first view's API requests at once, without a browser (curl; median of $RUNS)"
FIRST_VIEW=(/api/v1/stats "/api/v1/stats?group_by=town" "/api/v1/stats?interval=month" "/api/v1/stats?group_by=category"
  "/api/v1/heatmap?res=8&metric=resolution_rate" "/api/v1/areas?level=town")
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N)
  pids=()
  for u in "${FIRST_VIEW[@]}"; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$u" & pids+=($!); done
  wait "${pids[@]}"
  echo $(( ($(date +%s%N) - start) / 1000000 ))
done | sort -n | awk '{a[NR]=$1} END {print "all six answered in " a[int((NR+1)/2)] " ms (median; fastest " a[1] " ms)"}'

echo "== the page itself, with the view drawn by the server (curl, gzip; median of $RUNS)"
for _ in $(seq "$RUNS"); do
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$PORT/dashboard"
done | sort -n | awk '{t[NR]=$1; b[NR]=$2} END {m=int((NR+1)/2); printf "/dashboard answered in %.0f ms (median), %d bytes gzip\n", t[m]*1000, b[m]}'

summary() { # name < the scenario's JSON line
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{
    const r=JSON.parse(s.trim().split("\n").pop());
    const med=(xs)=>xs.sort((a,b)=>a-b)[Math.floor((xs.length-1)/2)];
    console.log(`${process.argv[1]}: first paint (server-drawn view) ms ${r.runs.map((x)=>x.first_paint_ms).join(", ")}; median ${r.median_first_paint_ms} ms (map image ${r.median_map_paint_ms} ms, KPI card ${r.median_kpi_paint_ms} ms)`);
    console.log(`${process.argv[1]}: live 3D map ready ms ${r.runs.map((x)=>x.ready_ms).join(", ")}; median ${r.median_ready_ms} ms`);
    const names=Object.keys(r.runs[0].stages).sort((a,b)=>r.runs[0].stages[a]-r.runs[0].stages[b]);
    console.log("  stages (median ms from navigation start): "+names.map((n)=>`${n} ${med(r.runs.map((x)=>x.stages[n]))}`).join(", "));
    for (const q of r.runs[r.runs.length-1].requests.filter((q)=>q.url.startsWith("/api/")))
      console.log(`  ${q.url}  start ${q.start_ms} ms, took ${q.ms} ms, ${q.bytes} bytes`);
  })' "$1"
}
echo "== desk view, 1280×1000"
BASE_URL="http://127.0.0.1:$PORT" RUNS=$RUNS node "$ROOT/tests/browser/dashboard-first-render.mjs" | tee "$WORK/desk.json" | summary desk
echo "== desk view, 1280×1000, the towns' choropleth instead of the hexagons (17 areas, not ~5,700 cells)"
BASE_URL="http://127.0.0.1:$PORT" RUNS=$RUNS QUERY='?layer=town' node "$ROOT/tests/browser/dashboard-first-render.mjs" \
  | tee "$WORK/desk-towns.json" | summary desk-towns
echo "== wall screen, 1920×1080"
BASE_URL="http://127.0.0.1:$PORT" RUNS=$RUNS QUERY='?wall=1' WIDTH=1920 HEIGHT=1080 \
  node "$ROOT/tests/browser/dashboard-first-render.mjs" | tee "$WORK/wall.json" | summary wall
echo "results in $WORK"
