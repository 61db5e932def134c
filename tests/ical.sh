#!/usr/bin/env bash
# Reception calendars as calendar programs read them: tests/ical_client.py parses the station and
# member feeds of a real server with Python's icalendar and compares them with the JSON sessions.
# Installs icalendar into target/venv (beside schemathesis) when missing; expects `cargo build` to
# have made target/debug/liaison.
set -euo pipefail
cd "$(dirname "$0")/.."
ICALENDAR_VERSION=7.3.2
. tests/venv.sh
venv_install "icalendar==$ICALENDAR_VERSION"
[ -x target/debug/liaison ] || cargo build
"$venv/bin/python" tests/ical_client.py target/debug/liaison
