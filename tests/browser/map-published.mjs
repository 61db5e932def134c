// The map's published layers: livelihood projects, river patrols and this week's early warnings
// switched on (each asking for its data then) and drawn, a project's and a patrol's popup opened
// by clicking them, and a station's panel listing its notices and projects, one of which opens on
// the map. Env: BASE_URL, STATION (a station with notices and projects). Prints what the page
// showed; the Rust test compares it with the API.

import { assertClean, baseUrl, env, openPage, record, run, screenshot, waitReady } from './lib.mjs';

const LAYERS = ['projects', 'patrols', 'warnings'];

await run(async (browser) => {
  const base = baseUrl();
  const station = env('STATION');
  const page = await openPage(browser, `${base}/`, { viewport: { width: 1280, height: 900 } });
  await waitReady(page);
  const asked = () => record(page).requests.filter((u) => /\/api\/v1\/(projects|activities|warnings)/.test(u));
  const before = asked();

  const layers = {};
  for (const name of LAYERS) {
    await page.locator(`#layer-list input[data-published="${name}"]`).check();
    await page.locator(`#layer-list li[data-published="${name}"][data-state="ready"]`).waitFor();
    layers[name] = await page.evaluate((n) => {
      const li = document.querySelector(`#layer-list li[data-published="${n}"]`);
      const legend = [...li.querySelectorAll('ul.legend li')].filter((x) => getComputedStyle(x).display !== 'none');
      return { features: Number(li.dataset.features), rendered: Number(li.dataset.rendered), at: li.dataset.at ?? null, legend: legend.map((x) => x.textContent.trim()) };
    }, name);
  }
  await page.waitForTimeout(300);
  const drawn = await screenshot(page, 'map-published');

  /** Clicks the map at a layer's `data-at` pixel and returns the popup that opened, if any. */
  async function popupOf(name) {
    const at = layers[name].at;
    if (!at) return null;
    const [x, y] = at.split(',').map(Number);
    const close = page.locator('.maplibregl-popup-close-button');
    if (await close.count()) await close.click();
    await page.locator('#map canvas').click({ position: { x, y } });
    const popup = page.locator(`.published-popup[data-layer="${name}"]`);
    await popup.waitFor({ timeout: 5000 }).catch(() => {});
    return page.evaluate((n) => {
      const p = document.querySelector(`.published-popup[data-layer="${n}"]`);
      return p ? { id: Number(p.dataset.id), title: p.querySelector('h3')?.textContent ?? '', text: p.textContent.replace(/\s+/g, ' ').trim() } : null;
    }, name);
  }
  const projectPopup = await popupOf('projects');
  const popupShot = await screenshot(page, 'map-published-popup');
  const patrolPopup = await popupOf('patrols');
  assertClean(page);

  // A station's panel lists its notices in force and its projects; a project opens on the map.
  const panelPage = await openPage(browser, `${base}/?station=${encodeURIComponent(station)}`, { viewport: { width: 1280, height: 900 } });
  await waitReady(panelPage);
  await panelPage.locator(`#station[data-state="ready"][data-station-id="${station}"]`).waitFor();
  const panel = await panelPage.evaluate(() => {
    const s = document.getElementById('station');
    return {
      notices: [...s.querySelectorAll('ul.notices [data-notice-id]')].map((li) => ({ id: Number(li.dataset.noticeId), text: li.textContent.replace(/\s+/g, ' ').trim() })),
      projects: [...s.querySelectorAll('ul.projects [data-project-id]')].map((li) => ({ id: Number(li.dataset.projectId), text: li.textContent.replace(/\s+/g, ' ').trim() })),
    };
  });
  await panelPage.locator('#station ul.notices').scrollIntoViewIfNeeded();
  const panelShot = await screenshot(panelPage, 'map-published-station');
  let opened = null;
  if (panel.projects.length) {
    await panelPage.locator(`#station ul.projects [data-project-id="${panel.projects[0].id}"] button`).click();
    await panelPage.locator('.published-popup[data-layer="projects"]').waitFor();
    await panelPage.waitForTimeout(800);
    opened = await panelPage.evaluate(() => Number(document.querySelector('.published-popup[data-layer="projects"]').dataset.id));
  }
  const openedShot = await screenshot(panelPage, 'map-published-project');
  assertClean(panelPage);

  return {
    asked_before: before,
    asked: asked(),
    layers,
    project_popup: projectPopup,
    patrol_popup: patrolPopup,
    panel,
    opened,
    screenshots: [drawn, popupShot, panelShot, openedShot],
    requests: [...record(page).requests, ...record(panelPage).requests],
  };
});
