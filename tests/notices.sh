#!/usr/bin/env bash
# Notices to citizens who follow their opinion, as a mail server receives them:
# tests/notices_client.py starts a real SMTP server (Python's aiosmtpd) and a real liaison server
# sending to it, and checks the notices' language, links and unsubscribing. Installs aiosmtpd
# into target/venv (beside schemathesis) when missing; expects `cargo build` to have made
# target/debug/liaison.
set -euo pipefail
cd "$(dirname "$0")/.."
AIOSMTPD_VERSION=1.4.6
. tests/venv.sh
venv_install "aiosmtpd==$AIOSMTPD_VERSION"
[ -x target/debug/liaison ] || cargo build
"$venv/bin/python" tests/notices_client.py target/debug/liaison
