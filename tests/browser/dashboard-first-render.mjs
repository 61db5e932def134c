// The dashboard's first render, as a leader opening it sees it: from navigation start to the page's
// Performance API mark `dashboard-ready` (set when body[data-state="ready"] is first reached: KPI
// cards, ranking, charts and the map drawn and idle). Each run is a fresh browser context, so
// nothing is cached; no request is routed through this script (which would pause each one), and
// a request leaving the host still fails the run. Env: BASE_URL, RUNS (default 5), QUERY (the page's query, default none),
// WIDTH and HEIGHT (default 1280×1000), COLD=1 for questions the server has not answered before. Prints {runs: [{ready_ms, first_paint_ms, map_paint_ms,
// kpi_paint_ms, dom_content_loaded_ms, requests: [{url, ms, bytes}]}], median_ready_ms and the
// medians of the paints}; run by benches/dashboard.sh.

import { assertClean, baseUrl, openPage, run, waitReady } from './lib.mjs';

const runs = Number(process.env.RUNS || 5);
const query = process.env.QUERY || '';
const viewport = { width: Number(process.env.WIDTH || 1280), height: Number(process.env.HEIGHT || 1000) };

await run(async (browser) => {
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    // COLD=1: a window start before every opinion, a different day each run, so that the server
    // remembers no answer from an earlier run (the numbers are the same).
    const cold = process.env.COLD === '1' ? `${query ? '&' : '?'}from=2000-01-${String(i + 1).padStart(2, '0')}` : '';
    const page = await openPage(browser, `${baseUrl()}/dashboard${query}${cold}`, { viewport, intercept: process.env.INTERCEPT === '1' });
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
    // The first paint: the page carries the view drawn by the server (KPI cards, ranking, the
    // charts as SVG, the map from above as an image), so the first contentful paint (Paint
    // Timing) and the Element Timing of the map image and of the first KPI card are when a leader
    // sees the numbers and the map; `ready_ms` is when the live 3D map has taken over.
    Object.assign(
      results[results.length - 1],
      await page.evaluate(
        () =>
          new Promise((resolve) => {
            const out = { first_paint_ms: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN) };
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) {
                if (e.identifier === 'dashboard-map') out.map_paint_ms = Math.round(e.renderTime || e.loadTime);
                if (e.identifier === 'dashboard-kpi') out.kpi_paint_ms = Math.round(e.renderTime || e.loadTime);
              }
              resolve(out);
            }).observe({ type: 'element', buffered: true });
            setTimeout(() => resolve(out), 2000);
          }),
      ),
    );
    assertClean(page);
    await page.context().close();
  }
  const sorted = results.map((r) => r.ready_ms).sort((a, b) => a - b);
  const median = (k) => {
    const xs = results.map((r) => r[k]).filter(Number.isFinite).sort((a, b) => a - b);
    return xs.length ? xs[Math.floor((xs.length - 1) / 2)] : null;
  };
  return {
    viewport,
    query,
    runs: results,
    median_ready_ms: sorted[Math.floor((sorted.length - 1) / 2)],
    median_first_paint_ms: median('first_paint_ms'),
    median_map_paint_ms: median('map_paint_ms'),
    median_kpi_paint_ms: median('kpi_paint_ms'),
  };
});
