// A member's report card and the "on duty today" page as people see them: the card (its QR code
// loaded, printed to A4 PDF), and the on-duty form on a 375 px phone, submitted by keyboard.
// Env: BASE_URL, MEMBER, STATION. Prints what the pages showed; the Rust test checks it.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { assertClean, baseUrl, env, openPage, run, screenshot, SHOTS } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const card = await openPage(browser, `${base}/members/${encodeURIComponent(env('MEMBER'))}?year=2026`, { viewport: { width: 1100, height: 1300 } });
  await card.waitForFunction(() => document.querySelector('.card-head img')?.complete);
  const shown = await card.evaluate(() => ({
    score: Number(document.querySelector('[data-field="score"]')?.dataset.value),
    rank: Number(document.querySelector('[data-field="rank"]')?.dataset.value),
    items: [...document.querySelectorAll('#duty-items tbody tr')].map((tr) => tr.dataset.item),
    activities: document.querySelectorAll('#duty-activities tbody tr').length,
    qrWidth: document.querySelector('.card-head img').naturalWidth,
    lang: document.documentElement.lang,
  }));
  const cardShot = await screenshot(card, 'duty-card');
  await card.emulateMedia({ media: 'print' });
  const pdf = await card.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  await mkdir(SHOTS, { recursive: true });
  await writeFile(path.join(SHOTS, 'duty-card.pdf'), pdf);
  const sheets = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
  assertClean(card);

  const phone = await openPage(browser, `${base}/s/${encodeURIComponent(env('STATION'))}/duty`, { viewport: { width: 375, height: 812 } });
  const duty = await phone.evaluate(() => ({
    state: document.getElementById('on-duty')?.dataset.state,
    offered: [...document.querySelectorAll('#addressee-choice option, #addressee')].map((o) => o.value ?? o.dataset.memberId),
    overflow: document.documentElement.scrollWidth > window.innerWidth,
  }));
  const dutyShot = await screenshot(phone, 'duty-phone');
  // By keyboard: choose the last member on duty, fill the form, submit.
  if (await phone.locator('#addressee-choice').count()) {
    await phone.focus('#addressee-choice');
    await phone.keyboard.press('End');
  }
  await phone.fill('input[name=title]', '楼道灯坏了');
  await phone.fill('textarea[name=text]', '三单元楼道灯坏了两周，晚上上下楼不安全。');
  await phone.focus('button[type=submit]');
  await Promise.all([phone.waitForURL(/\/track\//), phone.keyboard.press('Enter')]);
  const code = await phone.evaluate(() => document.getElementById('code')?.textContent);
  const sent = await phone.evaluate(() => new URL(location.href).pathname);
  assertClean(phone);
  return {
    card: { ...shown, sheets, screenshot: cardShot },
    duty: { ...duty, code, sent, screenshot: dutyShot },
  };
});
