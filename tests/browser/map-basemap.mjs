// The map over an operator's PMTiles basemap: the page reads /basemap.pmtiles by HTTP range
// requests and draws its tiles under the district. Prints {basemap: [{range, status}], blue: share
// of sampled map pixels in the basemap's blue, screenshot}.

import { assertClean, baseUrl, decodePng, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/`, { viewport: { width: 1280, height: 900 } });
  const basemap = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/basemap.pmtiles') {
      basemap.push({ range: res.request().headers().range ?? null, status: res.status() });
    }
  });
  await waitReady(page);
  await page.waitForTimeout(500);
  const shot = await screenshot(page, 'map-basemap');
  // The share of the map's pixels in the basemap's blue (30, 144, 255), from the screenshot.
  const box = await page.locator('#map').boundingBox();
  const png = decodePng(await page.screenshot({ clip: box }));
  let hits = 0;
  let seen = 0;
  for (let i = 0; i < png.data.length; i += png.channels * 13) {
    seen += 1;
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (Math.abs(r - 30) < 14 && Math.abs(g - 144) < 14 && Math.abs(b - 255) < 14) hits += 1;
  }
  const blue = hits / seen;
  assertClean(page);
  return { basemap, blue, screenshot: shot, requests: record(page).requests };
});
