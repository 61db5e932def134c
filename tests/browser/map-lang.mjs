// The map in English: /?lang=en, located at LON, LAT; the nearest stations and the grid in English
// words; the first station's panel; then the language switch back to Chinese. Env: BASE_URL, LON, LAT.

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const [lon, lat] = [Number(env('LON')), Number(env('LAT'))];
  const page = await openPage(browser, `${base}/?lang=en&lon=${lon}&lat=${lat}`, { viewport: { width: 1280, height: 900 } });
  await waitReady(page);
  await page.locator(`#here[data-state="ready"][data-lon="${lon.toFixed(6)}"]`).waitFor();
  const nearest = await page.$$eval('[data-nearest] [data-station-id]', (lis) => lis.map((li) => li.dataset.stationId));
  const here = await page.locator('#here').innerText();
  await page.locator('[data-nearest] [data-station-id] button.link').first().click();
  await page.locator('#station[data-state="ready"]').waitFor();
  await page.waitForTimeout(800);
  const station = await page.locator('#station').innerText();
  const stationId = await page.locator('#station').getAttribute('data-station-id');
  const lang = await page.evaluate(() => document.documentElement.lang);
  const shot = await screenshot(page, 'map-en');
  assertClean(page);

  // The switch in the header reloads the page in Chinese, and the choice sticks.
  await Promise.all([page.waitForURL((u) => u.searchParams.get('lang') === 'zh-CN'), page.locator('.map-head a.lang').click()]);
  await waitReady(page);
  const switched = await page.evaluate(() => document.documentElement.lang);
  const switchedText = await page.locator('#panel').innerText();
  const switchedHint = await page.locator('#hint').innerText();
  assertClean(page);
  return {
    lang, nearest, here, station, station_id: stationId, switched, switched_text: switchedText, switched_hint: switchedHint,
    screenshot: shot, requests: record(page).requests,
  };
});
