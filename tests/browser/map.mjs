// The map at / as a citizen uses it: the district drawn, "locate me" at a position, the nearest
// stations and the grid's members listed, a search by pinyin initials opening a station's panel,
// and the same page on a phone. Env: BASE_URL, LON, LAT (WGS84, where the browser says it is),
// SEARCH (a query), PICK (the station id the search should offer). Prints what the page showed;
// the Rust test compares it with the API.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const [lon, lat, query, pick] = [Number(env('LON')), Number(env('LAT')), env('SEARCH'), env('PICK')];
  const page = await openPage(browser, `${base}/`, {
    viewport: { width: 1366, height: 900 },
    context: { geolocation: { longitude: lon, latitude: lat, accuracy: 10 }, permissions: ['geolocation'] },
  });
  await waitReady(page);
  const drawn = await page.evaluate(() => ({
    ready_ms: performance.getEntriesByName('map-ready')[0]?.startTime ?? null,
    stations: Number(document.getElementById('map').dataset.stations),
    grids: Number(document.getElementById('map').dataset.grids),
    lang: document.documentElement.lang,
    // The server's drawing of the district was the first paint and is gone once the map is drawn.
    preview_left: document.getElementById('map-preview') !== null,
  }));
  drawn.preview_ms = await page.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list) => resolve(list.getEntries().find((e) => e.identifier === 'map-preview')?.renderTime ?? null))
      .observe({ type: 'element', buffered: true });
    setTimeout(() => resolve(null), 3000);
  }));
  const overview = await screenshot(page, 'map-overview');

  // Locate me: MapLibre's GeolocateControl asks the browser, which answers LON, LAT.
  await page.locator('.maplibregl-ctrl-geolocate').click();
  await page.locator(`#here[data-state="ready"][data-lon="${lon.toFixed(6)}"]`).waitFor();
  await page.waitForTimeout(900); // the map's fly to the answer, for the screenshot
  const located = await page.evaluate(() => {
    const grid = document.getElementById('my-grid');
    const boundary = document.getElementById('near-boundary');
    return {
      nearest: [...document.querySelectorAll('[data-nearest] [data-station-id]')].map((li) => ({
        id: li.dataset.stationId,
        distance_m: Number(li.dataset.distanceM),
        text: li.textContent.replace(/\s+/g, ' ').trim(),
      })),
      grid: grid.hidden ? null : {
        id: grid.dataset.gridId ?? null,
        name: grid.querySelector('.grid-name')?.textContent ?? null,
        members: [...grid.querySelectorAll('[data-member-id]')].map((li) => ({
          id: li.dataset.memberId,
          text: li.textContent.replace(/\s+/g, ' ').trim(),
        })),
      },
      near_boundary: boundary.hidden ? null : boundary.textContent,
      submit_here: document.querySelector('#here-actions a')?.getAttribute('href') ?? null,
      url: location.href,
    };
  });
  const locatedShot = await screenshot(page, 'map-located');

  // Search by pinyin initials, then open the station it finds.
  await page.locator('#search').fill(query);
  await page.locator('#search').press('Enter');
  await page.locator(`#search-results[data-state="ready"][data-query="${query}"]`).waitFor();
  const results = await page.$$eval('#search-results [data-result-id]', (lis) =>
    lis.map((li) => ({ type: li.dataset.resultType, id: li.dataset.resultId })));
  const offered = page.locator(`#search-results [data-result-type="station"][data-result-id="${pick}"] button`);
  assert.ok(await offered.count(), `the search for ${query} does not offer station ${pick}: ${JSON.stringify(results)}`);
  await offered.click();
  await page.locator(`#station[data-state="ready"][data-station-id="${pick}"]`).waitFor();
  await page.waitForFunction(() => document.querySelector('#station figure.qr img')?.complete);
  await page.waitForTimeout(900);
  const station = await page.evaluate(() => {
    const panel = document.getElementById('station');
    const img = panel.querySelector('figure.qr img');
    return {
      id: panel.dataset.stationId,
      name: panel.querySelector('h2').textContent,
      members: [...panel.querySelectorAll('[data-member-id]')].map((li) => li.dataset.memberId),
      amap: panel.querySelector('a[data-app="amap"]').href,
      baidu: panel.querySelector('a[data-app="baidu"]').href,
      submit: panel.querySelector('.actions a.button').getAttribute('href'),
      qr_width: img.naturalWidth,
      text: panel.textContent.replace(/\s+/g, ' ').trim(),
      url: location.href,
    };
  });
  const stationShot = await screenshot(page, 'map-station');
  assertClean(page);

  // A phone: the page fits 375 px without sideways scrolling, and the map still draws.
  const phone = await openPage(browser, `${base}/?station=${encodeURIComponent(pick)}`, { viewport: { width: 375, height: 812 } });
  await waitReady(phone);
  await phone.locator(`#station[data-state="ready"][data-station-id="${pick}"]`).waitFor();
  const fits = await phone.evaluate(() => ({
    scroll_width: document.documentElement.scrollWidth,
    map_height: document.getElementById('map').getBoundingClientRect().height,
  }));
  const phoneShot = await screenshot(phone, 'map-phone-station');
  await phone.evaluate(() => window.scrollTo(0, 0));
  const phoneTop = await screenshot(phone, 'map-phone');
  assertClean(phone);

  return {
    ...drawn,
    located,
    results,
    station,
    phone: fits,
    screenshots: [overview, locatedShot, stationShot, phoneShot, phoneTop],
    screenshot: overview,
    requests: [...record(page).requests, ...record(phone).requests],
  };
});
