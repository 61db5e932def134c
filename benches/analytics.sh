#!/usr/bin/env bash
# Analytics side by side in one run: liaison and PostGIS (../shared/peers) on the same 1,000,000
# synthetic issues and 2,000 grid areas.
#   1. builds a SQLite database with the real importer (the Haishu sample's towns, stations and
#      members; the peers' 2,000 areas as grid areas; `liaison import issues` of all 1,000,000),
#   2. starts the server on it: time to the first answer and resident memory,
#   3. times the heatmap and statistics over HTTP (curl, JSON included),
#   4. runs `cargo bench --bench analytics` (in-process timings),
#   5. runs the peers' psql_timing.sh (PostGIS: hexagon heatmap whole and city, issues -> areas).
#
#   benches/analytics.sh            # RUNS=7
# Installs PostgreSQL 15 + PostGIS through the peers' scripts when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$ROOT/../shared/peers
DATA=${DATA:-/tmp/peerdata}
RUNS=${RUNS:-7}
PORT=${PORT:-18182}
WORK=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$PEERS/pg_cluster.sh" start >/dev/null
[ -f "$DATA/areas.csv" ] || "$PEERS/postgis_setup.sh"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/liaison
DB=$WORK/bench.db

echo "== import"
"$BIN" --db "$DB" import areas "$ROOT/data/areas.geojson" >/dev/null
"$BIN" --db "$DB" import stations "$ROOT/data/stations.geojson" >/dev/null
"$BIN" --db "$DB" import members "$ROOT/data/members.csv" >/dev/null
"$BIN" --db "$DB" import grids "$DATA/areas.csv" >/dev/null
/usr/bin/time -f "import issues: %e s wall, %M KiB max RSS" "$BIN" --db "$DB" import issues "$DATA/issues.csv"

echo "== start-up"
start=$(date +%s%N)
"$BIN" --db "$DB" serve --bind "127.0.0.1:$PORT" --no-sample --reload-secs 0 2>"$WORK/serve.log" &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.02; done
ready=$(date +%s%N)
echo "start-up to first answer: $(( (ready - start) / 1000000 )) ms; RSS $(( $(ps -o rss= -p $SERVER) / 1024 )) MiB"
grep -o 'analytics loaded.*' "$WORK/serve.log" | sed 's/\x1b\[[0-9;]*m//g' || true

echo "== HTTP (median of $RUNS, curl time_total; JSON bytes)"
http() { # name path [curl options]
  local name=$1 path=$2 times=() size
  shift 2
  curl -s -o /dev/null "$@" "http://127.0.0.1:$PORT$path" # warm-up
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -s -o "$WORK/out" -w '%{time_total}' "$@" "http://127.0.0.1:$PORT$path")")
  done
  size=$(stat -c %s "$WORK/out")
  printf '%s\n' "${times[@]}" | sort -g | awk -v n="$name" -v s="$size" '{a[NR]=$1} END {printf "%-28s median %7.1f ms  (%d bytes)\n", n, a[int((NR+1)/2)]*1000, s}'
}
http heatmap_whole_res8 "/api/v1/heatmap?res=8"
http heatmap_whole_res9 "/api/v1/heatmap?res=9"
http heatmap_city_res8 "/api/v1/heatmap?res=8&bbox=121.45,29.80,121.65,29.95"
http heatmap_whole_res8_gzip "/api/v1/heatmap?res=8" -H "Accept-Encoding: gzip"
http stats_per_grid_area "/api/v1/stats?group_by=grid"
http stats_per_town "/api/v1/stats?group_by=town"
http choropleth_grid_areas "/api/v1/areas/stats?level=grid&metric=resolution_rate"
kill $SERVER; SERVER=

echo "== in-process (divan)"
LIAISON_BENCH_DB=$DB cargo bench --quiet --bench analytics

echo "== PostGIS (psql \\timing, median of $RUNS)"
OUT_DIR=$WORK "$PEERS/bench/psql_timing.sh" "$RUNS" | awk -F'\t' '{print $2, $4, $6}'
