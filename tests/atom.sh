#!/usr/bin/env bash
# Atom feeds of public updates as feed readers read them: tests/atom_client.py parses a real
# server's station, town and category feeds with Python's feedparser and checks what they hold
# and what they must not. Installs feedparser into target/venv (beside schemathesis) when
# missing; expects `cargo build` to have made target/debug/liaison.
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDPARSER_VERSION=6.0.11
. tests/venv.sh
venv_install "feedparser==$FEEDPARSER_VERSION"
[ -x target/debug/liaison ] || cargo build
"$venv/bin/python" tests/atom_client.py target/debug/liaison
