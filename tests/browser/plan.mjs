// The planner's page: log in, open /plan, read the coverage at the first radius, move the radius
// slider by keyboard and read the coverage again, propose sites (MCLP, p = P at resolution-8
// candidates), save that plan, propose a second one and save it, propose with the two other aims
// (LSCP to TARGET %, p-median with p = 2), compare the two saved plans, switch to English, and look
// at the page on a phone. Env: BASE_URL, USERNAME, PASSWORD, RADIUS (the radius the slider should
// reach), P, TARGET. Prints what the page showed; the Rust test checks it against the API.

import assert from 'node:assert/strict';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

/** The coverage section's numbers once it shows `radius` (every [data-field] with its value). */
async function coverage(page, radius) {
  await page.locator(`#coverage[data-state="ready"][data-radius="${radius}"]`).waitFor();
  return page.evaluate(() => ({
    radius: Number(document.getElementById('coverage').dataset.radius),
    demand: document.getElementById('coverage').dataset.demand,
    fields: Object.fromEntries([...document.querySelectorAll('#coverage-numbers [data-field]')].map((d) => [d.dataset.field, Number(d.dataset.value)])),
    towns: [...document.querySelectorAll('#town-rows tr')].map((tr) => ({ code: tr.dataset.code, coverage: Number(tr.dataset.coverage) })),
    cellsOnMap: Number(document.getElementById('map').dataset.uncovered),
    url: location.search,
  }));
}

/** Proposes sites with the model's own field (`p`, or LSCP's target in %) and the rest of the form
 * as it stands; returns the listed sites in order. */
async function propose(page, model, value) {
  await page.locator('#model').selectOption(model);
  await page.locator(model === 'lscp' ? '#target' : '#p').fill(String(value));
  const before = await page.locator('#plan-result').getAttribute('data-run');
  await page.locator('#plan-button').click();
  await page.waitForFunction((b) => {
    const out = document.getElementById('plan-result');
    return out.dataset.state !== 'loading' && out.dataset.run !== b;
  }, before);
  const failed = await page.evaluate(() => document.querySelector('#plan-result[data-state="error"]')?.textContent);
  if (failed) throw new Error(`${model} ${value} was refused: ${failed}`);
  return page.evaluate(() => ({
    sites: [...document.querySelectorAll('#plan-result [data-sites] li')].map((li) => ({ id: li.dataset.siteId, added: Number(li.dataset.added) })),
    summary: document.querySelector('#plan-result .summary')?.textContent,
  }));
}

async function save(page, name) {
  await page.locator('#scenario-name').fill(name);
  await page.locator('#save-button').click();
  await page.locator(`#scenario-rows tr[data-name="${name}"], #status.error`).first().waitFor();
  const refused = await page.evaluate(() => document.querySelector('#status.error')?.textContent);
  if (refused) throw new Error(`saving ${name} was refused: ${refused}`);
}

await run(async (browser) => {
  const base = baseUrl();
  const radius = env('RADIUS');
  const page = await openPage(browser, `${base}/login`, { viewport: { width: 1280, height: 900 } });
  await page.locator('#login-form input[name=username]').fill(env('USERNAME'));
  await page.locator('#login-form input[name=password]').fill(env('PASSWORD'));
  await Promise.all([page.waitForURL((u) => u.pathname === '/staff'), page.locator('#login-form button[type=submit]').click()]);
  await Promise.all([page.waitForURL((u) => u.pathname === '/plan'), page.locator('#plan-view').click()]);
  await waitReady(page);
  const first = await coverage(page, await page.locator('#radius').inputValue());

  // The slider, by keyboard: each arrow is one step; End and Home jump to the ends.
  const slider = page.locator('#radius');
  await slider.focus();
  const [step, now] = [Number(await slider.getAttribute('step')), Number(await slider.inputValue())];
  const steps = Math.round((Number(radius) - now) / step);
  for (let i = 0; i < Math.abs(steps); i += 1) await page.keyboard.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
  const moved = await coverage(page, radius);
  assert.equal(await page.locator('#radius-value').textContent(), radius, 'the slider says its radius');
  const overview = await screenshot(page, 'plan-coverage');

  // Propose sites, save, propose another count, save, compare.
  const planned = await propose(page, 'mclp', Number(env('P')));
  await save(page, 'A plan');
  const second = await propose(page, 'mclp', Number(env('P')) + 2);
  await save(page, 'B plan');
  // The other two aims, shown as the API answers them (not saved).
  const lscp = await propose(page, 'lscp', Number(env('TARGET')));
  const pmedian = await propose(page, 'pmedian', 2);
  const pmedianShot = await screenshot(page, 'plan-pmedian');
  await propose(page, 'mclp', Number(env('P')) + 2);
  const sitesShot = await screenshot(page, 'plan-sites');
  await page.locator('#scenario-rows tr[data-name="A plan"] input[name=a]').check();
  await page.locator('#scenario-rows tr[data-name="B plan"] input[name=b]').check();
  await page.locator('#compare-button').click();
  await page.locator('#comparison[data-state="ready"]').waitFor();
  await page.locator('#comparison').scrollIntoViewIfNeeded();
  const compared = await page.evaluate(() => ({
    fields: Object.fromEntries([...document.querySelectorAll('#comparison [data-field]')].map((d) => [d.dataset.field, d.dataset.value])),
    gains: [...document.querySelectorAll('#comparison tr[data-gain-a]')].map((tr) => ({ code: tr.dataset.code, a: Number(tr.dataset.gainA), b: Number(tr.dataset.gainB) })),
    onMap: document.querySelectorAll('#scenario-rows tr[data-name]').length,
  }));
  const compareShot = await screenshot(page, 'plan-compare');

  // 3D: the uncovered cells stand up.
  await page.locator('#tilt').click();
  await page.waitForFunction(() => Number(document.getElementById('map').dataset.pitch) > 30);
  await screenshot(page, 'plan-3d');
  assertClean(page);

  // English, remembered; the page's words change, the numbers do not.
  await page.goto(`${base}/plan?lang=en&radius=${radius}`);
  await waitReady(page);
  const english = {
    lang: await page.locator('html').getAttribute('lang'),
    title: await page.locator('h1').textContent(),
    coverageLabel: await page.locator('#coverage-numbers dt').first().textContent(),
    radius: (await coverage(page, radius)).radius,
    scenarios: await page.locator('#scenario-rows tr[data-name]').count(),
  };
  assertClean(page);

  // A phone: the panel under the map, nothing wider than the screen.
  const phone = await openPage(browser, `${base}/plan`, {
    viewport: { width: 375, height: 740 },
    context: { storageState: await page.context().storageState() },
  });
  await waitReady(phone);
  const fits = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  const phoneShot = await screenshot(phone, 'plan-phone');
  assertClean(phone);

  return {
    first, moved, planned, second, lscp, pmedian, compared, english, fits,
    requests: [...new Set([...record(page).requests, ...record(phone).requests])],
    screenshot: overview, screenshots: [overview, sitesShot, pmedianShot, compareShot, phoneShot],
  };
});
