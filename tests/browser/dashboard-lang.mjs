// The leaders' dashboard in each of its languages: open it as a Chinese browser does (zh-CN, the
// default), read its words and numbers, then follow its language switch to English and read them
// again. Env: BASE_URL.
//
// Prints {zh, en, screenshot, requests}, where each is {lang, title, search, words, text, totals,
// charts}: words holds the KPI cards' labels {field: text}, the headings {id: text}, the ranking's
// column headings, the charts' series names, axis names and category labels as ECharts holds them,
// the legend, the status line and the reply chart's subtitle; text is the page's visible text
// (document.body.innerText); totals and charts are as in dashboard.mjs. The Rust test
// (tests/api/dashboard.rs) compares them with the catalogues and the API.

import { assertClean, baseUrl, openPage, record, run, screenshot, waitReady as pageReady } from './lib.mjs';

/** Waits for the view to be ready and for the page's note of what reached the screen (data-painted). */
async function waitReady(page) {
  await pageReady(page);
  await page.waitForFunction(() => document.body.dataset.painted !== undefined);
}

/** What the page says, and its numbers as `{value: data-value or null, text}`. */
function view() {
  const text = (n) => n?.textContent.trim() ?? null;
  const cell = (n) => ({ value: n.dataset.value ?? null, text: n.textContent.trim() });
  const chart = (id) => {
    const n = document.getElementById(id);
    const option = echarts.getInstanceByDom(n)?.getOption() ?? {};
    const names = (axes) => (axes ?? []).map((a) => a.name ?? '').filter(Boolean);
    return {
      labels: JSON.parse(n.dataset.labels ?? 'null'),
      values: JSON.parse(n.dataset.values ?? 'null'),
      canvas: [...n.querySelectorAll('canvas')].map((c) => [c.width, c.height]),
      svg: n.querySelectorAll('.ssr-chart').length,
      series: (option.series ?? []).map((s) => s.name),
      axes: [...names(option.xAxis), ...names(option.yAxis)],
      categories: (option.yAxis ?? []).flatMap((a) => (a.type === 'category' ? a.data : [])),
    };
  };
  const charts = Object.fromEntries(['trend-chart', 'category-chart', 'reply-chart'].map((id) => [id, chart(id)]));
  return {
    lang: document.documentElement.lang,
    title: document.title,
    search: location.search,
    words: {
      kpis: Object.fromEntries(
        [...document.querySelectorAll('#totals-list .kpi')].map((k) => [[...k.classList].find((c) => c.startsWith('kpi-')).slice(4), text(k.querySelector('dt'))]),
      ),
      headings: Object.fromEntries(
        ['kpi-district', 'ranking', 'trend', 'categories', 'reply-time'].map((id) => [id, text(document.querySelector(`#${id} h2`))]),
      ),
      columns: [...document.querySelectorAll('#ranking-table th[data-field]')].map(text),
      series: Object.fromEntries(Object.entries(charts).map(([id, c]) => [id, c.series])),
      axes: Object.fromEntries(Object.entries(charts).map(([id, c]) => [id, c.axes])),
      categories: charts['category-chart'].categories,
      legend: text(document.getElementById('legend')),
      status: text(document.getElementById('status')),
      replyTitle: text(document.getElementById('reply-title')),
    },
    text: document.body.innerText,
    totals: Object.fromEntries([...document.querySelectorAll('#totals-list [data-field]')].map((n) => [n.dataset.field, cell(n)])),
    charts,
  };
}

await run(async (browser) => {
  const base = baseUrl();
  const page = await openPage(browser, `${base}/dashboard`, { viewport: { width: 1280, height: 1000 }, context: { reducedMotion: 'reduce' } });
  await waitReady(page);
  const zh = await page.evaluate(view);

  // The switch to English keeps the view and answers in English.
  await Promise.all([page.waitForURL(/lang=en/, { waitUntil: 'commit' }), page.locator('#lang-link').click()]);
  await waitReady(page);
  const en = await page.evaluate(view);
  await page.waitForTimeout(300);
  const shot = await screenshot(page, 'dashboard-en');
  assertClean(page);
  return { zh, en, screenshot: shot, requests: record(page).requests };
});
