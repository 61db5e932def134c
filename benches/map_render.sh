#!/usr/bin/env bash
# First render of the citizen's map (/) on the Haishu sample, measured in the browser: Debian's
# Chromium (headless, WebGL on SwiftShader, through tests/browser's Playwright) opens / in a fresh
# context RUNS times; each time the page's own `map-ready` mark (set when the district, its grids
# and every station are drawn and the map is idle) is read from the Performance API, in ms after
# navigation start. Prints every run and the median, and the median of each stage the page marks:
# first-contentful-paint, map-preview (the server's SVG drawing of the district painted: the map's first
# render, Element Timing), map-asked (map.js has asked for the district's data), map-data (the answers in hand), map-made
# (MapLibre's Map constructed, with the data in its style), map-load (MapLibre's `load`), map-ready.
#
#   benches/map_render.sh            # RUNS=7, the release binary
#   BIN=target/debug/liaison RUNS=3 benches/map_render.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-7}
PORT=${PORT:-18185}
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/liaison
fi
[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] || npm ci --prefix "$ROOT/tests/browser" --ignore-scripts
"$BIN" --db "$WORK/map.db" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

cd "$ROOT/tests/browser"
BASE_URL="http://127.0.0.1:$PORT" RUNS=$RUNS node --input-type=module <<'JS'
import { launch } from './lib.mjs';
const base = process.env.BASE_URL;
const runs = Number(process.env.RUNS);
const browser = await launch();
const times = [];
const stages = [];
for (let i = 0; i <= runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
  // The first paint of the map: the server's drawing of the district (Element Timing of
  // img#map-preview), and the first contentful paint (Paint Timing).
  Object.assign(marks, await page.evaluate(() => new Promise((resolve) => {
    const out = {};
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    if (fcp) out['first-contentful-paint'] = fcp.startTime;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.identifier === 'map-preview') out['map-preview'] = e.renderTime || e.loadTime;
      resolve(out);
    }).observe({ type: 'element', buffered: true });
    setTimeout(() => resolve(out), 2000);
  })));
  const ms = marks['map-ready'];
  if (ms === undefined) throw new Error('the page did not get ready');
  // The first run is a warm-up (server and browser process), not counted.
  if (i > 0) {
    times.push(ms);
    stages.push(marks);
  }
  await context.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`runs (ms): ${times.map((t) => t.toFixed(0)).join(' ')}`);
console.log(`median: ${median(times).toFixed(0)} ms`);
for (const name of ['first-contentful-paint', 'map-preview', 'map-asked', 'map-data', 'map-made', 'map-load', 'map-ready']) {
  const at = stages.map((s) => s[name]).filter((t) => t !== undefined);
  if (at.length) console.log(`  ${name}: median ${median(at).toFixed(0)} ms (${at.map((t) => t.toFixed(0)).join(' ')})`);
}
JS
