// The station list (/list, the map's fallback without JavaScript) as a citizen uses it: type a position into the nearest-station form, click its
// button, and read the answer (the nearest stations, the grid area and its members). Env: BASE_URL,
// LON, LAT, CRS. Prints {url, lon, lat, crs, nearest: [row text], grid: {heading, members: [text]},
// screenshot}; the Rust test compares it with the catalog.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const [lon, lat, crs] = [env('LON'), env('LAT'), env('CRS')];
  const page = await openPage(browser, `${base}/list`, { viewport: { width: 1280, height: 1400 } });

  const form = page.locator('#nearest-form');
  await form.locator('input[name=lon]').fill(lon);
  await form.locator('input[name=lat]').fill(lat);
  await form.locator('select[name=crs]').selectOption(crs);
  await Promise.all([page.waitForURL((u) => u.searchParams.has('lon')), form.locator('button[type=submit]').click()]);
  await page.waitForLoadState('load');

  const asked = new URL(page.url()).searchParams;
  assert.equal(asked.get('lon'), lon, 'the form sends the longitude typed');
  assert.equal(asked.get('lat'), lat, 'the form sends the latitude typed');
  assert.equal(asked.get('crs'), crs, 'the form sends the CRS chosen');
  await page.locator('#nearest').waitFor();

  const shown = await page.evaluate(() => {
    const grid = document.getElementById('my-grid');
    const text = (n) => n.textContent.replace(/\s+/g, ' ').trim();
    return {
      nearest: [...document.querySelectorAll('#nearest tbody tr')].map(text),
      grid: grid && { heading: text(grid.querySelector('h2')), members: [...grid.querySelectorAll('li')].map(text) },
    };
  });
  const kept = {
    lon: await form.locator('input[name=lon]').inputValue(),
    lat: await form.locator('input[name=lat]').inputValue(),
    crs: await form.locator('select[name=crs]').inputValue(),
  };
  const shot = await screenshot(page, 'home-nearest');
  assertClean(page);
  return { url: page.url(), ...kept, ...shown, screenshot: shot, requests: record(page).requests };
});
