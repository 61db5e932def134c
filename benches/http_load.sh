#!/usr/bin/env bash
# HTTP load, side by side in one run: liaison (wrk) and PostGIS (pgbench, ../shared/peers) answering
# the same two questions on the same synthetic data — the 5 nearest stations of 100,000 (exact,
# metres) and which of 2,000 grid areas holds a point — with random points in lon 121.2–121.8,
# lat 29.6–30.1, client and server on this machine's cores.
#
#   benches/http_load.sh                 # DURATION=20 CONNS="2 16" REPS=3
#   DURATION=10 REPS=1 benches/http_load.sh
#
# Installs wrk and (through the peers' scripts) PostgreSQL 15 + PostGIS when missing. Every run is
# bounded by DURATION; results are printed as a table for docs/benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$ROOT/../shared/peers
DATA=${DATA:-/tmp/peerdata}
DURATION=${DURATION:-20}
CONNS=${CONNS:-"2 16"}
REPS=${REPS:-3}
PORT=${PORT:-18181}
WORK=$(mktemp -d)
trap 'kill -CONT $SERVER 2>/dev/null; kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=

command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }
"$PEERS/pg_cluster.sh" start >/dev/null
[ -f "$DATA/areas.csv" ] || "$PEERS/postgis_setup.sh"

cargo build --release --quiet
BIN=$ROOT/target/release/liaison
DB=$WORK/bench.db
# The peers' stations have no parent; a liaison point needs one: give each the deputy station after it.
awk -F, 'NR==1 {print $0",parent"; next} {print $0","($3=="liaison_point" ? $1+1 : "")}' "$DATA/stations.csv" > "$WORK/stations.csv"
"$BIN" --db "$DB" import stations "$WORK/stations.csv"
"$BIN" --db "$DB" import grids "$DATA/areas.csv"
"$BIN" --db "$DB" serve --bind "127.0.0.1:$PORT" --no-sample --reload-secs 0 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

lua() { # $1: path prefix before the coordinates, $2: suffix
  cat > "$WORK/$3.lua" <<LUA
math.randomseed(42)
request = function()
  local lon = 121.2 + math.random(0, 1000000) * 0.0000006
  local lat = 29.6 + math.random(0, 1000000) * 0.0000005
  return wrk.format("GET", string.format("$1lon=%.6f&lat=%.6f$2", lon, lat))
end
LUA
}
lua "/api/v1/stations/nearest?" "&k=5" knn
lua "/api/v1/grids/at?" "" pip

printf 'system\twork\tclients\trep\treq_per_s\tp50_ms\tp99_ms\n' > "$WORK/results.tsv"
for rep in $(seq "$REPS"); do
  for c in $CONNS; do
    for w in knn pip; do
      out=$(timeout $((DURATION + 30)) wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d "${DURATION}s" --latency -s "$WORK/$w.lua" "http://127.0.0.1:$PORT/")
      rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1=="50%" {print $2}' <<<"$out")
      p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
      printf 'liaison\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$rep" "$rps" "$p50" "$p99" "${non2xx:+non-2xx=$non2xx}" | tee -a "$WORK/results.tsv"
    done
  done
  kill -STOP $SERVER   # pause liaison while PostGIS runs, so neither competes with the other
  for c in $CONNS; do
    for s in knn_geog pip; do
      out=$(PGHOST=127.0.0.1 PGPORT=5433 PGUSER=postgres timeout $((DURATION + 30)) \
        pgbench -n -M prepared -c "$c" -j "$(( c < 2 ? c : 2 ))" -T "$DURATION" -f "$PEERS/bench/$s.sql" peer 2>&1)
      tps=$(awk -F'= ' '/^tps = .*without initial connection/ {split($2,a," "); print a[1]}' <<<"$out")
      lat=$(awk -F'= ' '/^latency average/ {split($2,a," "); print a[1]}' <<<"$out")
      printf 'postgis\t%s\t%s\t%s\t%s\tavg %sms\t\n' "${s/knn_geog/knn}" "$c" "$rep" "$tps" "$lat" | tee -a "$WORK/results.tsv"
    done
  done
  kill -CONT $SERVER
done
echo
echo "== medians (req/s)"
python3 - "$WORK/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
keys = sorted({(r["work"], r["clients"]) for r in rows}, key=lambda k: (k[0], int(k[1])))
print("| work | clients | liaison HTTP | PostGIS | ratio |")
print("|---|---|---|---|---|")
for w, c in keys:
    med = lambda s: statistics.median(float(r["req_per_s"]) for r in rows if r["system"] == s and r["work"] == w and r["clients"] == c)
    a, b = med("liaison"), med("postgis")
    print(f"| {w} | {c} | {a:,.0f} | {b:,.0f} | {a / b:.2f}× |")
PY
