// The leaders' dashboard as a leader uses it: open it, read the KPI cards, the ranking, the charts
// and what the map drew; click a hexagon and read its panel; change the controls (metric, hexagon
// size, time window) and press the update button; drill down by clicking the town TOWN in the
// ranking; switch the ranking to stations and the map to the town choropleth; fetch the ranking's
// CSV link. Then the wall screen (?wall=1) at 1920×1080 and the page on a 375 px phone.
// Env: BASE_URL, FROM and TO for the window, TOWN (an area code).
//
// Prints {first, click: {h3, count}, second, drilled, stations, towns, csv, wall, phone,
// screenshots, requests}, where each view is {state: body's data-*, search, ranking: {by, rows:
// [{code, name, cells}]}, totals and scope: {field: {value, text}}, scopeName, charts: {id: {labels,
// values}}, links: {id: href}}; the Rust test (tests/api/dashboard.rs) compares them with the API.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, dashboardView as view, env, openPage, record, run, screenshot, waitReady as pageReady } from './lib.mjs';

/** Waits for the view to be ready and for the page's note of what reached the screen (data-painted). */
async function waitReady(page) {
  await pageReady(page);
  await page.waitForFunction(() => document.body.dataset.painted !== undefined);
}

/** Clicks the map, from its centre outwards, until a click opens a hexagon's panel. */
async function clickAHexagon(page) {
  const box = await page.locator('#map').boundingBox();
  assert.ok(box && box.width > 100 && box.height > 100, `the map has a size: ${JSON.stringify(box)}`);
  const panel = page.locator('#cell-panel');
  for (let step = 0; step < 40; step += 1) {
    // A spiral through the middle half of the map.
    const turn = step * 2.4;
    const r = (step / 40) * 0.25;
    await page.mouse.click(box.x + box.width * (0.5 + r * Math.cos(turn)), box.y + box.height * (0.5 + r * Math.sin(turn)));
    const opened = await panel.waitFor({ state: 'visible', timeout: 400 }).then(() => true, () => false);
    if (opened) {
      const h3 = await panel.getAttribute('data-h3');
      const count = await panel.locator('dd[data-field=count]').getAttribute('data-value');
      assert.ok(h3, 'the panel names its hexagon');
      assert.ok(count !== null, `the panel of ${h3} holds its count`);
      // The map draws from the compact heatmap; the panel then fetches the cell's every number.
      const rate = await panel
        .locator('dd[data-field=resolution_rate]')
        .getAttribute('data-value', { timeout: 5000 })
        .catch(() => null);
      return { h3, count: Number(count), resolution_rate: rate === null ? null : Number(rate) };
    }
  }
  throw new Error('no click on the map opened a hexagon panel');
}

/** Lets ECharts and MapLibre finish drawing before a screenshot (animations are off: reduced motion). */
const settle = (page) => page.waitForTimeout(300);

await run(async (browser) => {
  const base = baseUrl();
  const town = env('TOWN');
  const context = { reducedMotion: 'reduce' };
  const requests = [];
  const screenshots = {};

  // ---- the desk view, 1280 wide ----
  const page = await openPage(browser, `${base}/dashboard`, { viewport: { width: 1280, height: 1000 }, context });
  await waitReady(page);
  const first = await page.evaluate(view);

  const click = await clickAHexagon(page);
  await settle(page);
  screenshots.desk = await screenshot(page, 'dashboard');

  // The controls: opinion counts, coarser hexagons, a time window; then the update button.
  await page.locator('#metric').selectOption('count');
  await page.locator('#res').selectOption('7');
  await page.locator('#from').fill(env('FROM'));
  await page.locator('#to').fill(env('TO'));
  await page.locator('#apply').click();
  await waitReady(page);
  const second = await page.evaluate(view);

  // Drill down: a click on the town's row in the ranking.
  await page.locator(`#ranking-table tbody tr[data-code="${town}"]`).click();
  await waitReady(page);
  const drilled = await page.evaluate(view);
  await settle(page);
  screenshots.drilled = await screenshot(page, 'dashboard-town');

  // The ranking of the town's stations, then the map as a choropleth of towns.
  await page.locator('input[name=ranking][value=station]').check();
  await waitReady(page);
  const stations = await page.evaluate(view);
  const csv = await page.evaluate(async () => {
    const href = document.getElementById('ranking-csv').href;
    const res = await fetch(href);
    return { href, type: res.headers.get('content-type'), text: await res.text() };
  });
  await page.locator('#layer').selectOption('town');
  await waitReady(page);
  const towns = await page.evaluate(view);
  await settle(page);
  screenshots.choropleth = await screenshot(page, 'dashboard-choropleth');
  assertClean(page);
  requests.push(...record(page).requests);

  // ---- the wall screen, 1920×1080 ----
  const wallPage = await openPage(browser, `${base}/dashboard?wall=1`, { viewport: { width: 1920, height: 1080 }, context });
  await waitReady(wallPage);
  const wall = await wallPage.evaluate(view);
  wall.fits = await wallPage.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1);
  await settle(wallPage);
  screenshots.wall = await screenshot(wallPage, 'dashboard-wall');
  assertClean(wallPage);
  requests.push(...record(wallPage).requests);

  // ---- a phone, 375 wide ----
  const phonePage = await openPage(browser, `${base}/dashboard`, { viewport: { width: 375, height: 812 }, context });
  await waitReady(phonePage);
  const phone = await phonePage.evaluate(view);
  await settle(phonePage);
  screenshots.phone = await screenshot(phonePage, 'dashboard-phone');
  await phonePage.screenshot({ path: screenshots.phone.path.replace(/\.png$/, '-full.png'), fullPage: true });
  assertClean(phonePage);
  requests.push(...record(phonePage).requests);

  return { first, click, second, drilled, stations, towns, csv, wall, phone, screenshot: screenshots.desk, screenshots, requests };
});
