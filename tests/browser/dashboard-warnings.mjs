// The dashboard's early warnings: open /dashboard, read the warnings it lists and the towns its map
// outlines, then click the first warning and read what the controls show. Env: BASE_URL. Prints
// what the page showed; the Rust test checks it against /api/v1/warnings.

import { assertClean, baseUrl, openPage, record, run, screenshot, waitReady } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/dashboard`, { viewport: { width: 1600, height: 1000 } });
  await waitReady(page);
  await page.locator('#warnings[data-state="ready"]').waitFor();
  await page.waitForFunction(() => document.getElementById('map').dataset.warned !== undefined);
  const listed = await page.evaluate(() => [...document.querySelectorAll('#warning-list li[data-area]')].map((li) => ({
    area: li.dataset.area, category: li.dataset.category, week: li.dataset.week, count: Number(li.dataset.count), text: li.textContent,
  })));
  const outlined = await page.evaluate(() => document.getElementById('map').dataset.warned.split(',').filter(Boolean));
  const shot = await screenshot(page, 'dashboard-warnings');
  await page.locator('#warning-list li[data-area] button').first().click();
  await page.waitForFunction(() => new URL(location.href).searchParams.has('town'));
  await waitReady(page);
  const drilled = await page.evaluate(() => ({ town: document.getElementById('town').value, category: document.getElementById('category').value }));
  assertClean(page);
  return { listed, outlined, drilled, requests: record(page).requests, screenshot: shot };
});
