// From the map to an opinion and back: click a point on the map, follow "submit an opinion here",
// fill the form, get the tracking code, then track it from the map's panel. Env: BASE_URL, TITLE
// (the opinion's title, to find it again). Prints {clicked: {lon, lat}, form: {lon, lat}, code,
// tracked: {status, text}}; the Rust test checks it against the API.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const title = env('TITLE');
  const page = await openPage(browser, `${base}/`, { viewport: { width: 1280, height: 900 } });
  await waitReady(page);

  // A click in the middle of the map asks for that point.
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.5);
  await page.locator('#here[data-state="ready"]').waitFor();
  const clicked = await page.evaluate(() => ({ lon: document.getElementById('here').dataset.lon, lat: document.getElementById('here').dataset.lat }));

  await Promise.all([page.waitForURL((u) => u.pathname === '/submit'), page.locator('#here-actions a').click()]);
  const form = page.locator('#submit-form');
  const prefilled = { lon: await form.locator('input[name=lon]').inputValue(), lat: await form.locator('input[name=lat]').inputValue() };
  await form.locator('select[name=category]').selectOption('roads');
  await form.locator('input[name=title]').fill(title);
  await form.locator('textarea[name=text]').fill('路口的红绿灯坏了三天，早晚高峰很危险。');
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/track/')), form.locator('button[type=submit]').click()]);
  const code = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  assert.match(code, /^\d{4}-\d{4}-\d{4}-\d{4}$/, `a tracking code in the address: ${page.url()}`);
  assertClean(page);

  // Back on the map: track it by code.
  const map = await openPage(browser, `${base}/`, { viewport: { width: 1280, height: 900 } });
  await waitReady(map);
  await map.locator('#track summary').click();
  await map.locator('#track-code').fill(code);
  await map.locator('#track-code').press('Enter');
  await map.locator(`#track-result[data-state="ready"][data-code="${code}"]`).waitFor();
  const tracked = await map.evaluate(() => {
    const out = document.getElementById('track-result');
    return {
      status: out.querySelector('[data-field="status"]').dataset.value,
      text: out.textContent.replace(/\s+/g, ' ').trim(),
      link: out.querySelector('a').getAttribute('href'),
    };
  });
  // A code that does not exist reads as an error, not as a blank.
  await map.locator('#track-code').fill('0000-0000-0000-0000');
  await map.locator('#track-code').press('Enter');
  await map.locator('#track-result[data-state="error"]').waitFor();
  const unknown = await map.locator('#track-result').textContent();
  const shot = await screenshot(map, 'map-track');
  assertClean(map, { expected: ['/api/v1/issues/0000000000000000'] });
  return { clicked, form: prefilled, code, tracked, unknown, screenshot: shot, requests: [...record(page).requests, ...record(map).requests] };
});
