// A station's QR-code link (/s/{id}) opens the opinion form prefilled with the station and its
// position. Env: BASE_URL, STATION. Prints {station, fields: {name: value}, categories: [code],
// screenshot}; the Rust test compares it with the catalog.

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
  assertClean(page);
  return { ...shown, screenshot: shot, requests: record(page).requests };
});
