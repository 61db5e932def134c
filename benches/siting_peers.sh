#!/usr/bin/env bash
# Siting side by side with PySAL spopt + CBC on the peers' instance (../shared/peers), then a
# national-scale run (1,000,000 x 50,000, p = 500): see benches/siting_peers.py.
#   benches/siting_peers.sh                  # RUNS=3 liaison runs a question; NATIONAL=0 skips it
#   BIN=target/release/liaison WORK=/tmp/siting-bench benches/siting_peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=$(cd "${PEERS:-../shared/peers}" && pwd)
BIN=${BIN:-target/release/liaison}
WORK=${WORK:-/tmp/siting-bench}
[ -x "$PEERS/.venv/bin/python" ] || "$PEERS/setup_python.sh"
[ -x "$BIN" ] || cargo build --release
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
exec "$PEERS/.venv/bin/python" benches/siting_peers.py "$(realpath "$BIN")" "$PEERS" "$WORK"
