// The API's docs UI (/api/docs/, Swagger UI served from the binary) draws its operations under the
// server's Content-Security-Policy: a violation is a console error, so the scenario fails on one.
// Env: BASE_URL. Prints {operations, get} (how many operations, and GET ones, it drew).

import assert from 'node:assert/strict';

import { assertClean, baseUrl, openPage, record, run, screenshot } from './lib.mjs';

await run(async (browser) => {
  const page = await openPage(browser, `${baseUrl()}/api/docs/`, { viewport: { width: 1280, height: 1400 } });
  await page.locator('.opblock-get').first().waitFor();
  const drawn = await page.evaluate(() => ({
    operations: document.querySelectorAll('.opblock').length,
    get: document.querySelectorAll('.opblock-get').length,
  }));
  assert.ok(drawn.get > 0, 'Swagger UI drew GET operations');
  const shot = await screenshot(page, 'api-docs');
  assertClean(page);
  return { ...drawn, screenshot: shot, requests: record(page).requests };
});
