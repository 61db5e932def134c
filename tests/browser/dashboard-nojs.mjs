// The dashboard without JavaScript, as the server draws its view (and as every leader sees it at
// the first paint, before the scripts run): for each query of QUERIES (a JSON list), open
// /dashboard with JavaScript off and read the KPI cards, the ranking, the charts' data and the map
// image. Env: BASE_URL, QUERIES. Prints {views: [{query, view, map: {complete, width, height,
// src}, noscript}], screenshots}.

import { assertClean, baseUrl, dashboardView, env, openPage, run, screenshot } from './lib.mjs';

await run(async (browser) => {
  const views = [];
  const screenshots = [];
  for (const [i, query] of JSON.parse(env('QUERIES')).entries()) {
    const wall = query.includes('wall=1');
    const viewport = wall ? { width: 1920, height: 1080 } : { width: 1280, height: 1000 };
    const page = await openPage(browser, `${baseUrl()}/dashboard${query}`, { viewport, context: { javaScriptEnabled: false } });
    const view = await page.evaluate(dashboardView);
    const map = await page.evaluate(() => {
      const img = document.getElementById('dash-preview');
      if (!img) return null;
      const box = img.getBoundingClientRect();
      return { complete: img.complete, width: img.naturalWidth, height: img.naturalHeight, shown: [box.width, box.height], src: img.getAttribute('src') };
    });
    const noscript = await page.evaluate(() => document.querySelector('noscript p')?.textContent ?? null);
    screenshots.push(await screenshot(page, `dashboard-nojs-${i}`));
    assertClean(page);
    views.push({ query, view, map, noscript });
    await page.context().close();
  }
  return { views, screenshots };
});
