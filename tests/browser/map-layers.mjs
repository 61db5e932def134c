// The map's layer switcher: an imported layer listed with its colour, switched on and drawn, the
// opinions layer switched on, then the 3D view. Env: BASE_URL, LAYER (an imported layer's name).
// Prints {listed, features, title, pitch, screenshots}.

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const name = env('LAYER');
  const page = await openPage(browser, `${base}/`, { viewport: { width: 1280, height: 900 } });
  await waitReady(page);
  const listed = await page.$$eval('#layer-list [data-layer-name]', (lis) => lis.map((li) => li.dataset.layerName));
  const item = page.locator(`#layer-list [data-layer-name="${name}"]`);
  await item.locator('input').check();
  await page.locator(`#layer-list [data-layer-name="${name}"][data-state="ready"]`).waitFor();
  await page.locator('#layers input[data-layer="opinions"]').check();
  await page.waitForTimeout(800);
  const layers = await screenshot(page, 'map-layers');

  await page.locator('#tilt').click();
  await page.waitForFunction(() => Number(document.getElementById('map').dataset.pitch) > 30);
  await page.waitForTimeout(500);
  const tilted = await screenshot(page, 'map-3d');
  const shown = await page.evaluate((n) => {
    const li = document.querySelector(`#layer-list [data-layer-name="${n}"]`);
    return { features: li.dataset.features, title: li.textContent.trim(), pitch: Number(document.getElementById('map').dataset.pitch) };
  }, name);
  assertClean(page);
  return { listed, ...shown, screenshots: [layers, tilted], requests: record(page).requests };
});
