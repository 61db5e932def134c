// Staff on the map: log in, open /staff/map, read the list of one's opinions, open one from the
// list, move it on through the form (register, a refused assignment without a department, assign),
// lose a race to another change (the form then shows the opinion as it is now), reply, filter by
// status, open an opinion by its link, and look at it on a phone. Env: BASE_URL, USERNAME,
// PASSWORD, ISSUE (a submitted opinion of the login's station). Prints what the page showed; the
// Rust test checks it against the API.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

/** The opinion panel's state once it shows `id` (and `status`, if given). */
async function panel(page, id, status) {
  const sel = `#issue[data-state="ready"][data-issue-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;
  await page.locator(sel).waitFor();
  return page.evaluate(() => {
    const p = document.getElementById('issue');
    return {
      status: p.dataset.status,
      version: Number(p.dataset.version),
      next: [...p.querySelectorAll('#transition-form select[name=to] option')].map((o) => o.value),
      audit: [...p.querySelectorAll('#audit li')].map((li) => li.dataset.event),
      text: p.textContent.replace(/\s+/g, ' ').trim(),
    };
  });
}

/** Chooses `to` in the transition form, fills `fields` (name → value) and submits. */
async function move(page, to, fields = {}) {
  const form = page.locator('#transition-form');
  await form.locator('select[name=to]').selectOption(to);
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name=${name}]`);
    if ((await input.evaluate((n) => n.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  await form.locator('button[type=submit]').click();
}

const listed = (page) =>
  page.evaluate(() => [...document.querySelectorAll('#issues li[data-issue-id]')].map((li) => ({ id: Number(li.dataset.issueId), status: li.dataset.status })));

await run(async (browser) => {
  const base = baseUrl();
  const id = Number(env('ISSUE'));
  const page = await openPage(browser, `${base}/login`, { viewport: { width: 1280, height: 900 } });
  await page.locator('#login-form input[name=username]').fill(env('USERNAME'));
  await page.locator('#login-form input[name=password]').fill(env('PASSWORD'));
  await Promise.all([page.waitForURL((u) => u.pathname === '/staff'), page.locator('#login-form button[type=submit]').click()]);
  await Promise.all([page.waitForURL((u) => u.pathname === '/staff/map'), page.locator('#map-view').click()]);
  await waitReady(page);

  const first = {
    issues: await listed(page),
    count: Number(await page.locator('#issues').getAttribute('data-count')),
    onMap: Number(await page.locator('#map').getAttribute('data-issues')),
    checked: await page.evaluate(() => [...document.querySelectorAll('#filters input[name=status]:checked')].map((b) => b.value)),
  };
  const overview = await screenshot(page, 'staff-map');

  // Open the opinion from the list, register it.
  await page.locator(`#issues li[data-issue-id="${id}"] button`).click();
  const opened = await panel(page, id, 'submitted');
  await move(page, 'registered');
  const registered = await panel(page, id, 'registered');
  await page.locator('#transition-form').waitFor();

  // An assignment without a department is refused, with the reason in the form.
  await move(page, 'assigned', { department: '' });
  await page.locator('#transition-form[data-state="error"] p.error:not([hidden])').waitFor();
  const refused = await page.evaluate(() => {
    const alert = document.querySelector('#transition-form p.error');
    return { code: alert.dataset.code, text: alert.textContent };
  });
  await move(page, 'assigned', { department: '区住建局' });
  const assigned = await panel(page, id, 'assigned');

  // Someone else starts the work first; this form still holds the version it read.
  const raced = await page.evaluate(async ({ id, version }) => {
    const res = await fetch(`/api/v1/staff/issues/${id}/transitions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ to: 'in_progress', version }),
    });
    return res.status;
  }, { id, version: assigned.version });
  await move(page, 'replied', { reply_route: 'direct_answer', reply: '已安排维修，本周内完成。' });
  await page.locator(`#issue[data-status="in_progress"] #transition-form[data-state="error"] p.error:not([hidden])`).waitFor();
  const conflict = {
    raced,
    ...(await panel(page, id, 'in_progress')),
    message: await page.locator('#transition-form p.error').textContent(),
  };
  await move(page, 'replied', { reply_route: 'direct_answer', reply: '已安排维修，本周内完成。' });
  const replied = {
    ...(await panel(page, id, 'replied')),
    notes: await page.locator('#audit li > div').allTextContents(),
    actors: await page.locator('#audit li > span.muted').allTextContents(),
    contact: await page.locator('#issue dd a[href^="tel:"]').count(),
  };
  const movedShot = await screenshot(page, 'staff-map-issue');

  // Only replied opinions: the list and the address follow the filter.
  for (const box of await page.locator('#filters input[name=status]').all()) {
    await box.setChecked((await box.getAttribute('value')) === 'replied');
  }
  await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'replied'
    && document.getElementById('issues').dataset.state === 'ready');
  await page.waitForFunction(() => [...document.querySelectorAll('#issues li[data-issue-id]')].every((li) => li.dataset.status === 'replied'));
  const filtered = { issues: await listed(page), url: page.url() };
  assert.ok(filtered.issues.some((i) => i.id === id), `the replied opinion is listed: ${JSON.stringify(filtered)}`);

  // A link to one opinion opens it, on a phone.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/staff/map?issue=${id}`);
  await waitReady(page);
  const linked = await panel(page, id, 'replied');
  const phone = await screenshot(page, 'staff-map-phone');
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

  assertClean(page, { expected: ['/transitions'] });
  return {
    first, opened, registered, refused, assigned, conflict, replied, filtered, linked, fits,
    screenshot: phone, screenshots: [overview, movedShot, phone], requests: record(page).requests,
  };
});
