#!/usr/bin/env bash
# Reception calendars as calendar programs read them: tests/ical_client.py parses the station and
# member feeds of a real server with Python's icalendar and compares them with the JSON sessions.
# Installs icalendar into target/venv (beside schemathesis) when missing; expects `cargo build` to
# have made target/debug/liaison.
set -euo pipefail
cd "$(dirname "$0")/.."
ICALENDAR_VERSION=7.3.2
venv=target/venv
if ! "$venv/bin/pip" show icalendar 2>/dev/null | grep -qx "Version: $ICALENDAR_VERSION"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    echo "installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  echo "installing icalendar $ICALENDAR_VERSION into $venv"
  "$venv/bin/pip" install -q "icalendar==$ICALENDAR_VERSION"
fi
[ -x target/debug/liaison ] || cargo build
"$venv/bin/python" tests/ical_client.py target/debug/liaison
