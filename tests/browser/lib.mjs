// Shared helpers of the browser scenarios: Playwright (playwright-core, which downloads no browser)
// driving Debian's Chromium, headless, with WebGL on SwiftShader. Every page opened here records
// its console errors, uncaught exceptions and requests, and requests beyond the server under test
// are blocked and reported. Screenshots land in target/browser/ of the checkout, as artifacts.
//
// A scenario is a script beside this file, run by cargo test (tests/api/browser.rs) with the
// server's address in BASE_URL; it prints one JSON line of what the page showed and exits
// non-zero, with a readable message, when something fails.

import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

/** The checkout's root: this file is tests/browser/lib.mjs. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshots go. */
export const SHOTS = path.join(ROOT, 'target', 'browser');

/** How long one action or wait may take before the scenario fails with a message. */
export const PATIENCE_MS = 40_000;

/** Hosts that are this machine; anything else is a foreign request. */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Schemes that never leave the browser. */
const IN_BROWSER = new Set(['data:', 'blob:', 'about:']);

/** The server under test, from BASE_URL, without a trailing slash. */
export function baseUrl() {
  const base = process.env.BASE_URL;
  if (!base) throw new Error('BASE_URL is not set: the scenario needs the address of a running server');
  return base.replace(/\/+$/, '');
}

/** A required environment variable of a scenario. */
export function env(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** Headless Chromium (Debian's, or CHROMIUM) with WebGL on SwiftShader and no background traffic. */
export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  try {
    await stat(executablePath);
  } catch {
    throw new Error(`no Chromium at ${executablePath}: run scripts/test.sh (installs it) or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Whether a requested URL stays on this machine (or inside the browser). */
function isLocal(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return IN_BROWSER.has(u.protocol) || LOCAL_HOSTS.has(u.hostname);
}

/** What a page did: per page, kept beside it (see `record`). */
const RECORDS = new WeakMap();

/** What `page` has done so far: `{ requests, foreign, errors }` (arrays of strings). */
export function record(page) {
  const r = RECORDS.get(page);
  if (!r) throw new Error('this page was not opened with openPage()');
  return r;
}

/**
 * Opens `url` in a new context of `browser` and returns the page, after its `load` event. Every
 * request is recorded; those to a host other than 127.0.0.1/localhost are blocked and kept as
 * foreign; console errors and uncaught exceptions are kept as errors. `context` adds options of
 * the browser context (e.g. `geolocation` and `permissions`). `intercept: false` (for timings)
 * routes nothing through this process — routing pauses every request on a round trip to Node and
 * turns the HTTP cache off — so foreign requests are still recorded, but no longer blocked.
 */
export async function openPage(
  browser,
  url,
  { viewport = { width: 1280, height: 1000 }, context: options = {}, intercept = true } = {},
) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
  context.setDefaultTimeout(PATIENCE_MS);
  const page = await context.newPage();
  const r = { requests: [], foreign: [], errors: [] };
  RECORDS.set(page, r);
  const foreign = (u) => {
    if (!r.foreign.includes(u)) r.foreign.push(u);
  };
  if (intercept) {
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (isLocal(u)) return route.continue();
      foreign(u);
      return route.abort('blockedbyclient');
    });
  }
  context.on('request', (req) => {
    const u = req.url();
    r.requests.push(u);
    // Routing sees every network request; this catches what it may not (e.g. a worker's).
    if (!isLocal(u)) foreign(u);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const at = msg.location();
      r.errors.push(`console.error: ${msg.text()}${at?.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (e) => r.errors.push(`uncaught: ${e.stack ?? e.message ?? e}`));
  page.on('crash', () => r.errors.push('the page crashed'));
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res || !res.ok()) throw new Error(`GET ${url}: HTTP ${res?.status() ?? 'no answer'}`);
  return page;
}

/**
 * Waits until the page says its view is drawn, `body[data-state="ready"]`; fails with the page's
 * status and errors when it says `"error"` instead, or when neither comes in time.
 */
export async function waitReady(page, timeout = PATIENCE_MS) {
  try {
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body?.dataset.state), null, { timeout });
  } catch (e) {
    const state = await page.evaluate(() => document.body?.dataset.state).catch(() => undefined);
    throw new Error(`the page was not ready in ${timeout} ms (data-state=${state}); errors: ${JSON.stringify(record(page).errors)}`, { cause: e });
  }
  const state = await page.evaluate(() => ({ ...document.body.dataset, status: document.getElementById('status')?.textContent }));
  if (state.state === 'error') {
    throw new Error(`the page says data-state="error": ${JSON.stringify(state)}; errors: ${JSON.stringify(record(page).errors)}`);
  }
}

/** Screenshot of the viewport as target/browser/NAME.png; returns `{ path, bytes }`. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return { path: file, bytes: (await stat(file)).size };
}

/**
 * Fails when the page logged an error, threw, or asked anything of another host. `expected` lists
 * URL parts whose failed loads the scenario caused on purpose (Chromium logs a 404 answer as a
 * console error: an unknown tracking code, say); only those "Failed to load resource" lines pass.
 */
export function assertClean(page, { expected = [] } = {}) {
  const { foreign } = record(page);
  const errors = record(page).errors.filter(
    (e) => !(e.includes('Failed to load resource') && expected.some((part) => e.includes(part))),
  );
  const problems = [];
  if (foreign.length) problems.push(`requests beyond this machine (blocked): ${foreign.join(', ')}`);
  if (errors.length) problems.push(`errors:\n  ${errors.join('\n  ')}`);
  if (problems.length) throw new Error(`${page.url()} is not clean: ${problems.join('; ')}`);
}

/**
 * Runs a scenario: launches the browser, calls `scenario(browser)`, prints its result as one JSON
 * line, and closes the browser. A failure is printed readably and the exit code is 1.
 */
export async function run(scenario) {
  let browser;
  try {
    browser = await launch();
    const result = await scenario(browser);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (e) {
    process.exitCode = 1;
    process.stderr.write(`${path.basename(process.argv[1] ?? 'scenario')} failed: ${e.stack ?? e}\n`);
  } finally {
    await browser?.close().catch(() => {});
  }
}

/**
 * The pixels of a PNG as Chromium's screenshots write it (8-bit RGB or RGBA, not interlaced):
 * `{ width, height, channels, data }`, rows top to bottom, filters undone (PNG spec §9).
 */
export function decodePng(buffer) {
  const { inflateSync } = zlib;
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (at < buffer.length) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const data = buffer.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
      channels = { 2: 3, 6: 4 }[data[9]];
      if (!channels) throw new Error(`PNG colour type ${data[9]} is not RGB or RGBA`);
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter];
      out[y * stride + x] = (line[x] + predicted) & 0xff;
    }
  }
  return { width, height, channels, data: out };
}

/** What the dashboard shows (run in the page): numbers as `{value: data-value or null, text}`. */
export function dashboardView() {
  const cell = (n) => ({ value: n.dataset.value ?? null, text: n.textContent.trim() });
  const numbers = (id) =>
    Object.fromEntries([...document.querySelectorAll(`#${id} [data-field]`)].map((n) => [n.dataset.field, cell(n)]));
  const chart = (id) => {
    const n = document.getElementById(id);
    return {
      labels: JSON.parse(n.dataset.labels ?? 'null'),
      values: JSON.parse(n.dataset.values ?? 'null'),
      // ECharts draws into a canvas of the chart's size.
      canvas: [...n.querySelectorAll('canvas')].map((c) => [c.width, c.height]),
      // The server's drawing of the first view, until ECharts replaces it.
      svg: n.querySelectorAll('.ssr-chart').length,
    };
  };
  const table = document.getElementById('ranking-table');
  return {
    state: { ...document.body.dataset },
    search: location.search,
    ranking: {
      by: table.dataset.by,
      rows: [...table.querySelectorAll('tbody tr[data-code]')].map((tr) => ({
        code: tr.dataset.code,
        name: tr.querySelector('.name').textContent.trim(),
        picked: tr.classList.contains('picked'),
        cells: Object.fromEntries([...tr.querySelectorAll('td[data-field]')].map((td) => [td.dataset.field, cell(td)])),
      })),
    },
    totals: numbers('totals-list'),
    scope: document.getElementById('kpi-scope').hidden ? null : numbers('scope-list'),
    scopeName: document.getElementById('scope-name').textContent.trim(),
    charts: Object.fromEntries(['trend-chart', 'category-chart', 'reply-chart'].map((id) => [id, chart(id)])),
    links: Object.fromEntries(
      ['ranking-csv', 'trend-csv', 'category-csv', 'reply-csv', 'wall-link'].map((id) => [id, document.getElementById(id).getAttribute('href')]),
    ),
    width: { page: document.documentElement.scrollWidth, viewport: window.innerWidth },
  };
}
