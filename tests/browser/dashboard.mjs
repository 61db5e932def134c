// The leaders' dashboard as a leader uses it: open it, read the totals, the town ranking and what
// the map drew; click a hexagon on the map and read its panel; change the controls (metric, hexagon
// size, time window), press the update button and read the new view. Env: BASE_URL, and FROM, TO
// for the window. Prints {first, click: {h3, count}, second, screenshot, requests}, where each view
// is {state: body's data-*, search, ranking: [{code, name, cells}], totals: {field: {value, text}}};
// the Rust test compares them with /api/v1/heatmap and /api/v1/stats.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

/** What the page shows: numbers as `{value: data-value or null, text}`. */
function view() {
  const cell = (n) => ({ value: n.dataset.value ?? null, text: n.textContent.trim() });
  return {
    state: { ...document.body.dataset },
    search: location.search,
    ranking: [...document.querySelectorAll('#town-ranking tbody tr[data-code]')].map((tr) => ({
      code: tr.dataset.code,
      name: tr.querySelector('.name').textContent.trim(),
      cells: Object.fromEntries([...tr.querySelectorAll('td[data-field]')].map((td) => [td.dataset.field, cell(td)])),
    })),
    totals: Object.fromEntries(
      [...document.querySelectorAll('#totals-list dd[data-field]')].map((dd) => [dd.dataset.field, cell(dd)]),
    ),
  };
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
      return { h3, count: Number(count) };
    }
  }
  throw new Error('no click on the map opened a hexagon panel');
}

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/dashboard`, { viewport: { width: 1400, height: 1000 } });
  await waitReady(page);
  const first = await page.evaluate(view);

  const click = await clickAHexagon(page);
  const shot = await screenshot(page, 'dashboard');

  // The controls: opinion counts, coarser hexagons, a time window; then the update button.
  await page.locator('#metric').selectOption('count');
  await page.locator('#res').selectOption('7');
  await page.locator('#from').fill(env('FROM'));
  await page.locator('#to').fill(env('TO'));
  await page.locator('#apply').click();
  await waitReady(page);
  const second = await page.evaluate(view);

  assertClean(page);
  return { first, click, second, screenshot: shot, requests: record(page).requests };
});
