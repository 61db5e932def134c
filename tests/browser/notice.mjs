// The printed notice of a reception day: open /s/{station}/notice, check the QR code loaded, print
// it to PDF as Chromium does for A4 paper and count the sheets. Env: BASE_URL, STATION. Prints what
// the page showed; the Rust test checks it against the catalog.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { assertClean, baseUrl, env, openPage, record, run, screenshot, SHOTS } from './lib.mjs';

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/s/${encodeURIComponent(env('STATION'))}/notice`, { viewport: { width: 900, height: 1200 } });
  await page.waitForFunction(() => document.getElementById('qr')?.complete);
  const shown = await page.evaluate(() => ({
    title: document.querySelector('h1')?.textContent,
    start: document.getElementById('when')?.dataset.start,
    when: document.getElementById('when')?.textContent,
    members: [...document.querySelectorAll('#on-duty li')].map((li) => li.dataset.memberId),
    qrWidth: document.getElementById('qr').naturalWidth,
  }));
  const shot = await screenshot(page, 'notice');
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  await mkdir(SHOTS, { recursive: true });
  await writeFile(path.join(SHOTS, 'notice.pdf'), pdf);
  // Each page object of the PDF is one `/Type /Page` (the tree's root is `/Type /Pages`).
  const sheets = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
  const mediaBox = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  assertClean(page);
  return { ...shown, sheets, mediaBox: mediaBox ? [Number(mediaBox[1]), Number(mediaBox[2])] : null, requests: record(page).requests, screenshot: shot };
});
