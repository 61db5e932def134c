#!/usr/bin/env bash
# Interleaved A/B of the dashboard's first render: base (before the server-drawn view) and ssr, one server each on the same database.
set -u
ROOT=/work/main
./liaison-base --db bench.db serve --bind 127.0.0.1:18591 --no-sample --reload-secs 0 2>base-serve.log & A=$!
./${SSR:-liaison-ssr} --db bench.db serve --bind 127.0.0.1:18592 --no-sample --reload-secs 0 2>ssr-serve.log & B=$!
trap 'kill $A $B' EXIT
until curl -sf http://127.0.0.1:18591/healthz >/dev/null && curl -sf http://127.0.0.1:18592/healthz >/dev/null; do sleep 0.5; done
for round in 1 2 3; do
  for v in base:18591 ssr:18592; do
    name=${v%%:*}; port=${v##*:}
    for q in "" "?wall=1"; do
      w=1280; h=1000; [ -n "$q" ] && { w=1920; h=1080; }
      BASE_URL=http://127.0.0.1:$port RUNS=3 QUERY="$q" WIDTH=$w HEIGHT=$h node $ROOT/tests/browser/dashboard-first-render.mjs \
        | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s.trim().split("\n").pop());console.log([process.argv[1],process.argv[2]||"desk",r.runs.map(x=>x.ready_ms).join(" "),"|",r.runs.map(x=>x.first_paint_ms).join(" "),"|",r.runs.map(x=>x.kpi_paint_ms??"-").join(" ")].join(" "))})' "$name" "$q"
    done
  done
  uptime
done
