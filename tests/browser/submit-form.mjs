// A station's QR-code link (/s/{id}) opens the opinion form prefilled with the station and its
// position; with PHOTO (a file's path) set, the citizen types an opinion, attaches the photo and
// submits. Env: BASE_URL, STATION, PHOTO (optional). Prints {station, fields: {name: value},
// categories: [code], screenshot, tracked (the page reached after submitting, with PHOTO)}; the
// Rust test compares it with the catalog and the store.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/s/${encodeURIComponent(env('STATION'))}`, {
    viewport: { width: 1280, height: 1400 },
  });
  const form = page.locator('#submit-form');
  assert.equal(await form.count(), 1, 'the page holds the submit form');
  const shown = await page.evaluate(() => {
    const form = document.getElementById('submit-form');
    return {
      station: document.getElementById('station')?.textContent.replace(/\s+/g, ' ').trim() ?? null,
      fields: Object.fromEntries(
        [...form.elements].filter((e) => e.name && e.type !== 'checkbox').map((e) => [e.name, e.value]),
      ),
      categories: [...form.querySelectorAll('select[name=category] option')].map((o) => o.value),
    };
  });
  const shot = await screenshot(page, 'submit-form');
  let tracked = null;
  if (process.env.PHOTO) {
    await page.locator('input[name=title]').fill('路灯不亮');
    await page.locator('textarea[name=text]').fill('小区门口的路灯坏了一周，晚上很黑。');
    await page.locator('input[name=photo]').setInputFiles(process.env.PHOTO);
    await Promise.all([
      page.waitForURL((u) => u.pathname.startsWith('/track/')),
      page.locator('#submit-form button[type=submit]').click(),
    ]);
    tracked = new URL(page.url()).pathname;
  }
  assertClean(page);
  return { ...shown, screenshot: shot, tracked, requests: record(page).requests };
});
