// The reception rota page: a staff member logs in, opens /staff/rota from the inbox, reads the
// first session's suggestion (its boxes come ticked), unticks them by keyboard, ticks the members
// of CHOOSE by clicking, saves, sees the session accepted, and opens the printed notice, which
// now names them. Env: BASE_URL, USERNAME, PASSWORD, CHOOSE (member ids, comma-separated).
// Prints what the pages showed; the Rust test checks it against the API.

import { assertClean, baseUrl, env, openPage, record, run, screenshot } from './lib.mjs';

const sessionState = (page) =>
  page.evaluate(() => {
    const s = document.getElementById('session-0');
    return {
      start: s.dataset.start,
      accepted: s.dataset.accepted === 'true',
      acceptedMembers: s.querySelector('p.accepted')?.dataset.members?.split(',') ?? [],
      suggested: [...s.querySelectorAll('ol.suggested > li')].map((li) => li.dataset.memberId),
      reasons: [...s.querySelectorAll('ol.suggested ul.reasons li')].map((li) => li.textContent.trim()),
      checked: [...s.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.name.slice(2)),
      boxes: [...s.querySelectorAll('input[type=checkbox]')].map((b) => b.name.slice(2)),
    };
  });

await run(async (browser) => {
  const base = baseUrl();
  const choose = env('CHOOSE').split(',');
  const page = await openPage(browser, `${base}/login`, { viewport: { width: 1280, height: 1000 } });
  await page.locator('#login-form input[name=username]').fill(env('USERNAME'));
  await page.locator('#login-form input[name=password]').fill(env('PASSWORD'));
  await Promise.all([page.waitForURL((u) => u.pathname === '/staff'), page.locator('#login-form button[type=submit]').click()]);
  await Promise.all([page.waitForURL((u) => u.pathname === '/staff/rota'), page.locator('#rota-view').click()]);

  const title = await page.locator('#rota-title').textContent();
  const trends = await page.evaluate(() => [...document.querySelectorAll('#trends li')].map((li) => li.dataset.category));
  const before = await sessionState(page);
  const first = await screenshot(page, 'rota');

  // Untick the suggestion with the keyboard: focus each ticked box and press Space.
  for (const id of before.checked) {
    const box = page.locator(`#session-0 input[name="m.${id}"]`);
    await box.focus();
    await page.keyboard.press('Space');
  }
  const cleared = await sessionState(page);
  // Tick the chosen members with the mouse, then save.
  for (const id of choose) await page.locator(`#session-0 input[name="m.${id}"]`).click();
  const ticked = await sessionState(page);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/staff/rota' && u.hash === '#session-0'),
    page.locator('#session-0 button[value=save]').click(),
  ]);
  const after = await sessionState(page);
  await page.locator('#session-0').scrollIntoViewIfNeeded();
  const saved = await screenshot(page, 'rota-accepted');
  assertClean(page);

  // The printed notice of that session names the chosen members.
  const notice = await openPage(browser, `${base}/s/${encodeURIComponent(env('STATION'))}/notice?start=${encodeURIComponent(after.start)}`, { viewport: { width: 900, height: 1200 } });
  const onDuty = await notice.evaluate(() => [...document.querySelectorAll('#on-duty li')].map((li) => li.dataset.memberId));
  const noticeShot = await screenshot(notice, 'rota-notice');
  assertClean(notice);
  return {
    title,
    trends,
    before,
    cleared: cleared.checked,
    ticked: ticked.checked,
    after,
    onDuty,
    requests: record(page).requests,
    screenshot: first,
    screenshots: [saved, noticeShot],
  };
});
