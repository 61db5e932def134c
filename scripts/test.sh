#!/usr/bin/env bash
# Runs every test: cargo's (unit, HTTP integration, browser, doctests), the Open311 client test in
# Python, then schemathesis over the whole OpenAPI document. Installs what the browser tests need
# (Debian's Chromium and CJK fonts) when missing, and schemathesis (from PyPI) into target/venv.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo test "$@"
# Open311 as a client sees it: a real server, a real token, JSON and XML (Python standard library only).
python3 tests/open311_client.py target/debug/liaison
# The API contract: schemathesis fuzzes every operation of /api/openapi.json (tests/schemathesis.sh).
tests/schemathesis.sh
