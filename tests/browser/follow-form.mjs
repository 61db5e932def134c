// A citizen who reads the site in English follows their opinion from the submit form: types an
// opinion, leaves an e-mail address in "Tell me how it goes" and submits. Env: BASE_URL, EMAIL.
// Prints {legend, fields: [names of the follow fields], tracked (the page reached), screenshot};
// the Rust test checks the notice that follows.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/submit?lon=121.5435&lat=29.8655&lang=en`, {
    viewport: { width: 1280, height: 1400 },
  });
  const form = page.locator('#submit-form');
  assert.equal(await form.count(), 1, 'the page holds the submit form');
  const shown = await page.evaluate(() => ({
    legend: document.querySelector('#follow legend')?.textContent.trim() ?? null,
    fields: [...document.querySelectorAll('#follow input')].map((e) => e.name),
  }));
  await form.locator('select[name=category]').selectOption('roads');
  await form.locator('input[name=title]').fill('Street lamp out');
  await form.locator('textarea[name=text]').fill('The lamp by gate 3 has been dark for a week.');
  await form.locator('input[name=follow_email]').fill(env('EMAIL'));
  const shot = await screenshot(page, 'follow-form');
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/track/')), form.locator('button[type=submit]').click()]);
  const tracked = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  assertClean(page);
  return { ...shown, tracked, screenshot: shot, requests: record(page).requests };
});
