// The dashboard's first render, as a leader opening it sees it: from navigation start to the page's
// Performance API mark `dashboard-ready` (set when body[data-state="ready"] is first reached: KPI
// cards, ranking, charts and the map drawn and idle). Each run is a fresh browser context, so
// nothing is cached; no request is routed through this script (which would pause each one), and
// a request leaving the host still fails the run. Env: BASE_URL, RUNS (default 5), QUERY (the page's query, default none),
// WIDTH and HEIGHT (default 1280×1000). Prints {runs: [{ready_ms, dom_content_loaded_ms, requests:
// [{url, ms, bytes}]}], median_ready_ms}; run by benches/dashboard.sh.

import { assertClean, baseUrl, openPage, run, waitReady } from './lib.mjs';

const runs = Number(process.env.RUNS || 5);
const query = process.env.QUERY || '';
const viewport = { width: Number(process.env.WIDTH || 1280), height: Number(process.env.HEIGHT || 1000) };

await run(async (browser) => {
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    const page = await openPage(browser, `${baseUrl()}/dashboard${query}`, { viewport, intercept: process.env.INTERCEPT === '1' });
    await waitReady(page, 120_000);
    results.push(
      await page.evaluate(() => {
        const mark = performance.getEntriesByName('dashboard-ready')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        return {
          ready_ms: Math.round(mark.startTime),
          dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
          stages: Object.fromEntries(
            performance.getEntriesByType('mark').filter((m) => m.name.startsWith('dashboard-')).map((m) => [m.name.slice(10), Math.round(m.startTime)]),
          ),
          requests: performance
            .getEntriesByType('resource')
            .map((r) => ({ url: r.name.replace(location.origin, ''), start_ms: Math.round(r.startTime), ms: Math.round(r.duration), bytes: r.transferSize })),
        };
      }),
    );
    assertClean(page);
    await page.context().close();
  }
  const sorted = results.map((r) => r.ready_ms).sort((a, b) => a - b);
  return { viewport, query, runs: results, median_ready_ms: sorted[Math.floor((sorted.length - 1) / 2)] };
});
