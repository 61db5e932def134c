#!/usr/bin/env bash
# Batch lookups side by side in one run: liaison (`POST /api/v1/stations/nearest` and
# `POST /api/v1/grids/at`, 10,000 points a request, over HTTP with curl) and PostGIS
# (../shared/peers: the same 10,000 points as ONE query each, a k-NN LATERAL join with geography
# distance and an ST_Intersects join), on the peers' 100,000 stations and 2,000 Voronoi areas.
#
#   benches/batch.sh              # RUNS=7 (median of RUNS after one warm-up each)
#
# Points: 10,000 deterministic points (Python's random.Random(20240602), 6 decimals) in the peers'
# box lon 121.2–121.8, lat 29.6–30.1. Installs PostgreSQL 15 + PostGIS through the peers' scripts
# when missing. Prints points/s for both systems and the ratio.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$ROOT/../shared/peers
DATA=${DATA:-/tmp/peerdata}
RUNS=${RUNS:-7}
PORT=${PORT:-18183}
N=10000
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
export PGHOST=127.0.0.1 PGPORT=5433 PGUSER=postgres

"$PEERS/pg_cluster.sh" start >/dev/null
[ -f "$DATA/areas.csv" ] || "$PEERS/postgis_setup.sh"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/liaison
DB=$WORK/bench.db

echo "== data: 10,000 points; liaison imports the peers' stations and areas"
python3 - "$WORK" "$N" <<'PY'
import json, random, sys
work, n = sys.argv[1], int(sys.argv[2])
r = random.Random(20240602)
pts = [(i, round(121.2 + 0.6 * r.random(), 6), round(29.6 + 0.5 * r.random(), 6)) for i in range(n)]
with open(f"{work}/points.csv", "w") as f:
    f.write("id,lon,lat\n")
    f.writelines(f"{i},{lon},{lat}\n" for i, lon, lat in pts)
for k in (1, 5):
    with open(f"{work}/nearest_k{k}.json", "w") as f:
        json.dump({"k": k, "points": [{"id": str(i), "lon": lon, "lat": lat} for i, lon, lat in pts]}, f)
with open(f"{work}/grids.json", "w") as f:
    json.dump({"points": [{"id": str(i), "lon": lon, "lat": lat} for i, lon, lat in pts]}, f)
PY
# The peers' stations have no parent; a liaison point needs one: give each the station after it
# (as benches/http_load.sh does). Their kinds and levels are liaison's codes already.
awk -F, 'NR==1 {print $0",parent"; next} {print $0","($3=="liaison_point" ? $1+1 : "")}' "$DATA/stations.csv" > "$WORK/stations.csv"
"$BIN" --db "$DB" import stations "$WORK/stations.csv" >/dev/null
"$BIN" --db "$DB" import grids "$DATA/areas.csv" >/dev/null
# Another server on the port would answer in ours' place (it happened: a dashboard bench on 18183).
if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; then
  echo "port $PORT is taken by another server; run with PORT=<a free port>" >&2
  exit 1
fi
"$BIN" --db "$DB" serve --bind "127.0.0.1:$PORT" --no-sample --reload-secs 0 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
kill -0 "$SERVER" 2>/dev/null || { echo "liaison serve stopped:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$PORT/healthz"; echo

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { awk -v n="$N" -v ms="$1" 'BEGIN {printf "%.0f", n / (ms / 1000)}'; }
printf 'system\twork\tmedian_ms\tpoints_per_s\n' > "$WORK/results.tsv"

echo "== liaison: curl POST of 10,000 points (time_total, median of $RUNS)"
post() { # name path file content-type
  local name=$1 path=$2 file=$3 ct=$4 times=()
  curl -sf -o "$WORK/$name.out" -H "Content-Type: $ct" --data-binary "@$file" "http://127.0.0.1:$PORT$path" # warm-up, kept
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -sf -o /dev/null -w '%{time_total}' -H "Content-Type: $ct" --data-binary "@$file" "http://127.0.0.1:$PORT$path")")
  done
  local ms
  ms=$(printf '%s\n' "${times[@]}" | median | awk '{printf "%.1f", $1 * 1000}')
  printf 'liaison\t%s\t%s\t%s\n' "$name" "$ms" "$(rate "$ms")" | tee -a "$WORK/results.tsv"
  echo "   ($(stat -c %s "$WORK/$name.out") bytes; runs: ${times[*]})"
}
post nearest_k1 /api/v1/stations/nearest "$WORK/nearest_k1.json" application/json
post nearest_k5 /api/v1/stations/nearest "$WORK/nearest_k5.json" application/json
post grids /api/v1/grids/at "$WORK/grids.json" application/json
post nearest_k1_csv /api/v1/stations/nearest "$WORK/points.csv" text/csv
post grids_csv /api/v1/grids/at "$WORK/points.csv" text/csv
kill $SERVER; SERVER=

echo "== PostGIS: the same 10,000 points as one query each (psql \\timing, rows fetched to /dev/null, median of $RUNS)"
psql -X -q -d peer -v ON_ERROR_STOP=1 > "$WORK/psql.log" <<SQL
CREATE TEMP TABLE batch_points (id integer PRIMARY KEY, lon double precision, lat double precision);
\\copy batch_points FROM '$WORK/points.csv' WITH (FORMAT csv, HEADER true)
ALTER TABLE batch_points ADD COLUMN geom geometry(Point, 4326), ADD COLUMN geog geography(Point, 4326);
UPDATE batch_points SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326), geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;
ANALYZE batch_points;
\\o $WORK/explain.txt
EXPLAIN SELECT p.id, s.id, s.meters FROM batch_points p CROSS JOIN LATERAL (SELECT st.id, ST_Distance(st.geog, p.geog) AS meters FROM stations st ORDER BY st.geog <-> p.geog LIMIT 5) s;
EXPLAIN SELECT p.id, a.id FROM batch_points p LEFT JOIN areas a ON ST_Intersects(a.geom, p.geom);
\\o
\\copy (SELECT p.id, a.id FROM batch_points p LEFT JOIN areas a ON ST_Intersects(a.geom, p.geom) ORDER BY p.id, a.id) TO '$WORK/grids_postgis.csv' WITH (FORMAT csv)
\\timing on
$(for k in 1 5; do for r in $(seq 0 "$RUNS"); do
  echo "\\o /dev/null"
  echo "\\echo nearest_k$k $r"
  echo "SELECT p.id, s.id, s.meters FROM batch_points p CROSS JOIN LATERAL (SELECT st.id, ST_Distance(st.geog, p.geog) AS meters FROM stations st ORDER BY st.geog <-> p.geog LIMIT $k) s ORDER BY p.id;"
done; done
for r in $(seq 0 "$RUNS"); do
  echo "\\echo grids $r"
  echo "SELECT p.id, a.id FROM batch_points p LEFT JOIN areas a ON ST_Intersects(a.geom, p.geom) ORDER BY p.id;"
done)
SQL
# \echo goes to stdout and Time: lines too; pair each timing with the label before it (run 0 is the warm-up).
awk '/^(nearest_k[15]|grids) [0-9]+$/ {label=$1; run=$2; next} /^Time:/ && label != "" && run > 0 {print label, $2}' "$WORK/psql.log" > "$WORK/pg_times.txt"
for w in nearest_k1 nearest_k5 grids; do
  ms=$(awk -v w="$w" '$1==w {print $2}' "$WORK/pg_times.txt" | median)
  printf 'postgis\t%s\t%s\t%s\n' "$w" "$ms" "$(rate "$ms")" | tee -a "$WORK/results.tsv"
done
grep -E 'Nested Loop|Index Scan|Limit' "$WORK/explain.txt" | sed 's/^/   plan: /' | head -8

echo "== answers agree? (grid of each point: liaison JSON vs PostGIS ST_Intersects, lowest id)"
python3 - "$WORK" <<'PY'
import csv, json, sys
work = sys.argv[1]
pg = {}
for pid, aid in csv.reader(open(f"{work}/grids_postgis.csv")):
    pg.setdefault(int(pid), aid)  # ordered by area id: the lowest wins on shared edges, as in liaison
rows = json.load(open(f"{work}/grids.out"))
same = sum(1 for r in rows if (r.get("grid") or {}).get("id", "") == pg.get(r["index"], ""))
print(f"   {same} of {len(rows)} points in the same grid")
PY

echo "== per point (points/s) and ratio"
python3 - "$WORK/results.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {(r["system"], r["work"]): r for r in rows}
print("| work | liaison (HTTP, JSON) | PostGIS (one query) | ratio |")
print("|---|---|---|---|")
for w in ("nearest_k1", "nearest_k5", "grids"):
    l, p = by[("liaison", w)], by[("postgis", w)]
    lr, pr = float(l["points_per_s"]), float(p["points_per_s"])
    print(f"| {w} | {lr:,.0f} points/s ({l['median_ms']} ms) | {pr:,.0f} points/s ({p['median_ms']} ms) | {lr / pr:.1f}x |")
for w in ("nearest_k1_csv", "grids_csv"):
    l = by[("liaison", w)]
    print(f"| {w} | {float(l['points_per_s']):,.0f} points/s ({l['median_ms']} ms) | | |")
PY
