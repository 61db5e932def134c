// The planner's page (/plan): who the stations reach within a radius — a slider redraws each
// station's reach, the coverage overall and by town, and the cells of demand no station reaches —
// where new sites would reach the most (MCLP, LSCP, p-median; each site with the demand it adds, in
// building order), and saved scenarios side by side, both drawn on the map. Fed by the planning API
// with the login's session: POST /api/v1/planning/coverage, POST /api/v1/planning/sites,
// /api/v1/planning/scenarios and /api/v1/planning/compare.
//
// Plain modern JS, no build step, on the district's style and helpers of web/mapkit.js. Nothing is
// loaded from beyond this server. Positions are WGS84 lon/lat; radii WGS84 metres (the reach circles
// are drawn on a sphere of the mean Earth radius, within 0.5 % of the geodesic radius the API uses).
//
// Hooks: <body data-state="ready"> once the district and the first coverage are drawn ("error"
// when they cannot be). #coverage[data-state][data-radius][data-demand] with every number as
// [data-field][data-value] and #town-rows tr[data-code][data-coverage]; #map[data-uncovered] counts
// the uncovered cells drawn. #plan-result[data-state][data-run] (counts proposals) with
// ol[data-sites] > li[data-site-id] in building order; #scenario-rows tr[data-name]; #comparison[data-state] with [data-field] numbers.

'use strict';

(() => {
  const { $, config, EMPTY, tr, has, el, fill, setStatus, errorText, getJSON, remember } = mapkit;
  const body = document.body;
  const number = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(config.lang, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const distance = (m) => mapkit.formatDistance(m);
  const townName = (code) => config.towns.find((t) => t.code === code)?.name ?? tr('js-plan-outside');
  const COLOURS = { reach: '#2b8a9e', chosen: '#7c3aed', a: '#7c3aed', b: '#0f766e', both: '#243b53' };
  const EARTH_RADIUS_M = 6371008.8;

  // ---- the controls, in the form and in the URL ------------------------------------------------

  const asked = new URL(location.href).searchParams;
  const radius = $('radius');
  if (asked.has('radius')) radius.value = asked.get('radius');
  $('radius-value').textContent = radius.value;
  if (['population', 'opinions'].includes(asked.get('demand'))) $('demand').value = asked.get('demand');
  if (['mclp', 'lscp', 'pmedian'].includes(asked.get('model'))) $('model').value = asked.get('model');
  if (asked.has('p')) $('p').value = asked.get('p');
  showModelFields();

  const coverageBody = () => ({ radius_m: Number(radius.value), demand: $('demand').value, cells_res: 8 });
  const early = { ...mapkit.askDistrict(), coverage: askCoverage() };
  early.coverage.catch(() => {});

  function askCoverage(signal) {
    return getJSON('/api/v1/planning/coverage', signal, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(coverageBody()),
    });
  }

  function showModelFields() {
    const model = $('model').value;
    for (const row of document.querySelectorAll('#sites-form [data-for]')) {
      const on = row.dataset.for.split(' ').includes(model);
      row.hidden = !on;
      for (const input of row.querySelectorAll('input')) input.disabled = !on;
    }
  }

  /** A circle of `radiusM` metres around `[lon, lat]` as a GeoJSON polygon ring (48 vertices). */
  function circle([lon, lat], radiusM) {
    const rad = Math.PI / 180;
    const d = radiusM / EARTH_RADIUS_M;
    const [phi, lambda] = [lat * rad, lon * rad];
    const ring = [];
    for (let i = 0; i <= 48; i += 1) {
      const theta = (2 * Math.PI * i) / 48;
      const phi2 = Math.asin(Math.sin(phi) * Math.cos(d) + Math.cos(phi) * Math.sin(d) * Math.cos(theta));
      const lambda2 = lambda + Math.atan2(Math.sin(theta) * Math.sin(d) * Math.cos(phi), Math.cos(d) - Math.sin(phi) * Math.sin(phi2));
      ring.push([lambda2 / rad, phi2 / rad]);
    }
    return { type: 'Polygon', coordinates: [ring] };
  }

  const weightText = (w, demand) => tr(`js-plan-weight-${demand}`, { n: number.format(w) });

  /** `<dl>` rows of [label, shown text, data-field, exact value]. */
  const facts = (rows) => rows.flatMap(([label, text, field, value]) =>
    [el('dt', {}, label), el('dd', { 'data-field': field, 'data-value': String(value) }, text)]);

  async function main() {
    const [district, failed] = await mapkit.settle(mapkit.districtData(early));
    const stations = district?.stations.features ?? [];
    const map = mapkit.createMap(mapkit.style({
      district,
      sources: {
        reach: { type: 'geojson', data: EMPTY },
        uncovered: { type: 'geojson', data: EMPTY },
        chosen: { type: 'geojson', data: EMPTY },
        chosenReach: { type: 'geojson', data: EMPTY },
      },
      below: [
        { id: 'reach', type: 'fill', source: 'reach', paint: { 'fill-color': COLOURS.reach, 'fill-opacity': 0.12, 'fill-antialias': false } },
        { id: 'uncovered', type: 'fill', source: 'uncovered',
          paint: { 'fill-color': ['interpolate', ['linear'], ['get', 'share'], 0, '#fde68a', 1, '#b91c1c'], 'fill-opacity': 0.75 } },
        { id: 'uncovered-3d', type: 'fill-extrusion', source: 'uncovered', layout: { visibility: 'none' },
          paint: {
            'fill-extrusion-color': ['interpolate', ['linear'], ['get', 'share'], 0, '#fde68a', 1, '#b91c1c'],
            'fill-extrusion-height': ['*', ['get', 'share'], 3000],
            'fill-extrusion-opacity': 0.85,
          } },
        { id: 'chosen-reach', type: 'fill', source: 'chosenReach',
          paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.18, 'fill-antialias': false } },
      ],
      above: [
        { id: 'chosen', type: 'circle', source: 'chosen',
          paint: { 'circle-color': ['get', 'colour'], 'circle-radius': 8, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
        { id: 'chosen-labels', type: 'symbol', source: 'chosen',
          layout: { 'text-field': ['get', 'label'], 'text-font': mapkit.FONT, 'text-size': 13, 'text-allow-overlap': true,
            'text-offset': [0, 0.9], 'text-anchor': 'top' },
          paint: { 'text-color': ['get', 'colour'], 'text-halo-color': '#fff', 'text-halo-width': 2 } },
      ],
    }));
    // Stations stay as they are drawn everywhere; their reach is what this page adds.

    // ---- coverage -----------------------------------------------------------------------------

    let coverageRequest = null;

    function drawReach(radiusM) {
      map.getSource('reach').setData({
        type: 'FeatureCollection',
        features: stations.map((f) => ({ type: 'Feature', properties: {}, geometry: circle(f.geometry.coordinates, radiusM) })),
      });
    }

    function renderCoverage(answer, demand) {
      const section = $('coverage');
      const d = answer.distance;
      fill($('coverage-numbers'), facts([
        [tr('js-plan-coverage'), percent.format(answer.coverage), 'coverage', answer.coverage],
        [tr('js-plan-covered'), weightText(answer.covered_weight, demand), 'covered_weight', answer.covered_weight],
        [tr('js-plan-total'), weightText(answer.total_weight, demand), 'total_weight', answer.total_weight],
        [tr('js-plan-stations'), number.format(answer.stations), 'stations', answer.stations],
        ...(d ? [
          [tr('js-plan-mean'), distance(d.mean_m), 'mean_m', d.mean_m],
          [tr('js-plan-p90'), distance(d.p90_m), 'p90_m', d.p90_m],
          [tr('js-plan-max'), distance(d.max_m), 'max_m', d.max_m],
        ] : []),
        [tr('js-plan-uncovered-cells'), number.format(answer.uncovered.length), 'uncovered_cells', answer.uncovered.length],
      ]));
      const towns = [...answer.by_town].sort((a, b) => a.coverage - b.coverage);
      fill($('town-rows'), towns.map((t) => el('tr', { 'data-code': t.code ?? '', 'data-coverage': String(t.coverage) },
        el('td', {}, t.name ?? tr('js-plan-outside')),
        el('td', { class: 'num' }, number.format(t.total_weight)),
        el('td', { class: 'num' }, el('span', { class: 'bar', style: `--share:${(t.coverage * 100).toFixed(1)}%` }), percent.format(t.coverage)))));
      const heaviest = answer.uncovered.reduce((m, c) => Math.max(m, c.weight), 0) || 1;
      const cells = answer.uncovered_cells.features.map((f) => ({ ...f, properties: { ...f.properties, share: f.properties.weight / heaviest } }));
      map.getSource('uncovered').setData({ type: 'FeatureCollection', features: cells });
      $('map').dataset.uncovered = String(cells.length);
      section.dataset.radius = String(answer.radius_m);
      section.dataset.demand = demand;
      section.dataset.state = 'ready';
    }

    /** Asks for the coverage at the slider's radius (the previous question, if any, is dropped). */
    async function updateCoverage(first = null) {
      coverageRequest?.abort();
      const request = new AbortController();
      coverageRequest = request;
      const demand = $('demand').value;
      const radiusM = Number(radius.value);
      $('coverage').dataset.state = 'loading';
      remember({ radius: String(radiusM), demand });
      drawReach(radiusM);
      try {
        const answer = await (first ?? askCoverage(request.signal));
        if (request.signal.aborted) return;
        renderCoverage(answer, demand);
        setStatus('');
      } catch (e) {
        if (e.name === 'AbortError') return;
        $('coverage').dataset.state = 'error';
        setStatus(errorText(e), true);
        if (first) throw e;
      }
    }

    // ---- siting ---------------------------------------------------------------------------------

    let lastPlan = null;


    /** The sites of one or two plans on the map: `[{ sites, colour, prefix }]`. */
    function drawSites(plans) {
      // A site both plans build is one dot with both labels (A1·B1), in neither plan's colour.
      const byId = new Map();
      plans.forEach((p) => p.sites.forEach((c, i) => {
        const label = `${p.prefix}${i + 1}`;
        const seen = byId.get(c.id);
        if (seen) Object.assign(seen.properties, { colour: COLOURS.both, label: `${seen.properties.label}·${label}` });
        else byId.set(c.id, { type: 'Feature', properties: { colour: p.colour, label, id: c.id }, geometry: { type: 'Point', coordinates: [c.lon, c.lat] } });
      }));
      const points = [...byId.values()];
      const reach = plans.flatMap((p) => p.sites.map((c) => ({
        type: 'Feature', properties: { colour: p.colour }, geometry: circle([c.lon, c.lat], p.radius_m),
      })));
      map.getSource('chosen').setData({ type: 'FeatureCollection', features: points });
      map.getSource('chosenReach').setData({ type: 'FeatureCollection', features: reach });
      const all = plans.flatMap((p) => p.sites);
      if (all.length) {
        const lons = all.map((c) => c.lon);
        const lats = all.map((c) => c.lat);
        map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 80, maxZoom: 13, duration: 0 });
      }
    }

    function sitesBody() {
      const model = $('model').value;
      const body = {
        model,
        radius_m: Number(radius.value),
        demand: $('demand').value,
        candidates: { h3_res: Number($('candidates').value) },
        existing: 'stations',
      };
      if (model === 'lscp') body.target_coverage = Number($('target').value) / 100;
      else body.p = Number($('p').value);
      return body;
    }

    function planSummary(plan, demand) {
      const before = plan.existing_covered_weight / plan.total_weight;
      const lines = [
        el('p', { class: 'summary' }, tr('js-plan-result', {
          n: plan.chosen.length,
          before: percent.format(before),
          after: percent.format(plan.coverage),
          added: weightText(plan.covered_weight - plan.existing_covered_weight, demand),
        })),
      ];
      if (plan.model === 'pmedian') {
        lines.push(el('p', {}, tr('js-plan-mean-after', { d: distance(plan.objective / plan.total_weight) })));
      }
      lines.push(el('p', { class: 'muted' },
        plan.gap <= 1e-9 ? tr('js-plan-optimal') : tr('js-plan-gap', { gap: percent.format(plan.gap) }),
        ' · ', tr('js-plan-seconds', { s: plan.seconds.toFixed(2) })));
      return lines;
    }

    function siteList(plan, demand, colour) {
      return el('ol', { class: 'sites', 'data-sites': '' }, plan.chosen.map((c, i) => el('li', { 'data-site-id': c.id, 'data-added': String(c.added_weight) },
        el('button', { type: 'button', class: 'link', onclick: () => map.flyTo({ center: [c.lon, c.lat], zoom: 14 }) },
          el('span', { class: 'dot', style: `background:${colour}` }, String(i + 1)), c.town ? townName(c.town) : tr('js-plan-outside')),
        el('span', { class: 'muted id' }, c.id),
        el('span', { class: 'added' }, plan.model === 'pmedian' && c.saved_weighted_m != null
          ? tr('js-plan-saves', { km: number.format(c.saved_weighted_m / 1000) })
          : tr('js-plan-adds', { w: weightText(c.added_weight, demand) })))));
    }

    async function runPlan() {
      const out = $('plan-result');
      const request = sitesBody();
      out.dataset.state = 'loading';
      out.dataset.run = String(Number(out.dataset.run ?? 0) + 1);
      fill(out, el('p', { class: 'muted' }, tr('js-plan-computing')));
      $('plan-button').disabled = true;
      remember({ model: request.model, p: request.p ?? null });
      try {
        const plan = await getJSON('/api/v1/planning/sites', undefined, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request),
        });
        lastPlan = { plan, request };
        fill(out, planSummary(plan, request.demand), siteList(plan, request.demand, COLOURS.chosen));
        drawSites([{ sites: plan.chosen, colour: COLOURS.chosen, prefix: '', radius_m: request.radius_m }]);
        $('save-button').disabled = false;
        out.dataset.state = 'ready';
      } catch (e) {
        out.dataset.state = 'error';
        fill(out, el('p', { class: 'error', 'data-code': e.answer?.error?.code ?? '' }, errorText(e)));
      } finally {
        $('plan-button').disabled = false;
      }
    }

    // ---- scenarios ------------------------------------------------------------------------------

    function renderScenarios(list) {
      const rows = $('scenario-rows');
      fill(rows, list.map((s, i) => {
        const name = encodeURIComponent(s.name);
        return el('tr', { 'data-name': s.name },
          el('td', {}, el('input', { type: 'radio', name: 'a', value: s.name, 'aria-label': `A: ${s.name}`, checked: i === 1 })),
          el('td', {}, el('input', { type: 'radio', name: 'b', value: s.name, 'aria-label': `B: ${s.name}`, checked: i === 0 })),
          el('td', {}, el('strong', {}, s.name),
            el('div', { class: 'muted' }, `${tr(`js-plan-model-${s.model}`)} · ${distance(s.radius_m)} · ${s.created_by}`),
            el('div', { class: 'muted' },
              el('a', { href: `/api/v1/planning/scenarios/${name}?format=geojson`, download: `${s.name}.geojson` }, 'GeoJSON'), ' · ',
              el('a', { href: `/api/v1/planning/scenarios/${name}?format=csv`, download: `${s.name}.csv` }, 'CSV'), ' · ',
              el('button', { type: 'button', class: 'link', 'aria-label': tr('js-plan-delete-named', { name: s.name }), onclick: () => removeScenario(s.name) },
                tr('js-plan-delete')))),
          el('td', { class: 'num' }, number.format(s.sites)),
          el('td', { class: 'num' }, percent.format(s.coverage)));
      }));
      if (!list.length) rows.append(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, tr('js-plan-none-saved'))));
      $('compare-button').disabled = list.length < 2;
    }

    async function reloadScenarios() {
      renderScenarios(await getJSON('/api/v1/planning/scenarios'));
    }

    async function saveScenario() {
      const name = $('scenario-name').value.trim();
      if (!lastPlan || !name) return;
      $('save-button').disabled = true;
      try {
        await getJSON('/api/v1/planning/scenarios', undefined, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, plan: lastPlan.request }),
        });
        $('scenario-name').value = '';
        await reloadScenarios();
        setStatus(tr('js-plan-saved', { name }));
      } catch (e) {
        setStatus(errorText(e), true);
      } finally {
        $('save-button').disabled = false;
      }
    }

    async function removeScenario(name) {
      if (!confirm(tr('js-plan-delete-confirm', { name }))) return;
      try {
        const res = await fetch(`/api/v1/planning/scenarios/${encodeURIComponent(name)}`, { method: 'DELETE' });
        if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { answer: await res.json().catch(() => null) });
        await reloadScenarios();
      } catch (e) {
        setStatus(errorText(e), true);
      }
    }

    function comparison(c) {
      const cols = [['a', c.a, c.sites_a], ['b', c.b, c.sites_b]];
      const row = (label, field, value, text) => el('tr', {}, el('th', {}, label),
        ...cols.map(([k, s]) => el('td', { class: 'num', 'data-field': `${k}-${field}`, 'data-value': String(value(s)) }, text(s))));
      const gains = c.towns.filter((t) => t.gain_a > 0 || t.gain_b > 0);
      const most = Math.max(c.sites_a.length, c.sites_b.length);
      return [
        el('div', { class: 'scroll' }, el('table', { class: 'compare' },
          el('thead', {}, el('tr', {}, el('th', {}), ...cols.map(([k, s]) => el('th', { style: `color:${COLOURS[k]}` }, `${k.toUpperCase()} · ${s.name}`)))),
          el('tbody', {},
            row(tr('js-plan-row-model'), 'model', (s) => s.model, (s) => tr(`js-plan-model-${s.model}`)),
            row(tr('js-plan-row-radius'), 'radius', (s) => s.radius_m, (s) => distance(s.radius_m)),
            row(tr('js-plan-row-sites'), 'sites', (s) => s.sites, (s) => number.format(s.sites)),
            row(tr('js-plan-row-before'), 'before', (s) => s.existing_covered_weight / s.total_weight, (s) => percent.format(s.existing_covered_weight / s.total_weight)),
            row(tr('js-plan-row-after'), 'coverage', (s) => s.coverage, (s) => percent.format(s.coverage)),
            row(tr('js-plan-row-added'), 'added', (s) => s.covered_weight - s.existing_covered_weight, (s) => number.format(s.covered_weight - s.existing_covered_weight)),
            ...Array.from({ length: most }, (_, i) => el('tr', {}, el('th', {}, tr('js-plan-site', { n: i + 1 })),
              ...cols.map(([k, , sites]) => el('td', { class: 'num', 'data-field': `${k}-site-${i + 1}`, 'data-value': sites[i] ? String(sites[i].added_weight) : '' },
                sites[i] ? `+${number.format(sites[i].added_weight)}` : '—'))))),
        )),
        c.same_demand ? null : el('p', { class: 'notice' }, tr('js-plan-different-demand')),
        el('h3', {}, tr('js-plan-towns-gain')),
        gains.length
          ? el('table', { class: 'compare towns-gain' },
            el('thead', {}, el('tr', {}, el('th', {}, tr('js-plan-col-town')), el('th', { class: 'num' }, 'A'), el('th', { class: 'num' }, 'B'))),
            el('tbody', {}, gains.map((t) => el('tr', { 'data-code': t.code ?? '', 'data-gain-a': String(t.gain_a), 'data-gain-b': String(t.gain_b) },
              el('td', {}, t.name ?? tr('js-plan-outside')),
              el('td', { class: 'num' }, `+${number.format(t.gain_a)}`),
              el('td', { class: 'num' }, `+${number.format(t.gain_b)}`)))))
          : el('p', { class: 'muted' }, tr('js-plan-no-gain')),
      ];
    }

    async function compare() {
      const form = $('compare-form');
      const [a, b] = [form.elements.a?.value, form.elements.b?.value];
      const out = $('comparison');
      if (!a || !b) {
        fill(out, el('p', { class: 'muted' }, tr('js-plan-pick-two')));
        return;
      }
      out.dataset.state = 'loading';
      try {
        const c = await getJSON(`/api/v1/planning/compare?${new URLSearchParams({ a, b })}`);
        fill(out, comparison(c));
        drawSites([
          { sites: c.sites_a, colour: COLOURS.a, prefix: 'A', radius_m: c.a.radius_m },
          { sites: c.sites_b, colour: COLOURS.b, prefix: 'B', radius_m: c.b.radius_m },
        ]);
        out.dataset.state = 'ready';
      } catch (e) {
        out.dataset.state = 'error';
        fill(out, el('p', { class: 'error' }, errorText(e)));
      }
    }

    // ---- 3D ---------------------------------------------------------------------------------------

    function setTilt(on) {
      $('tilt').setAttribute('aria-pressed', String(on));
      map.setLayoutProperty('uncovered-3d', 'visibility', on ? 'visible' : 'none');
      map.setLayoutProperty('uncovered', 'visibility', on ? 'none' : 'visible');
      map.easeTo({ pitch: on ? 55 : 0, bearing: on ? -20 : 0, duration: 800 });
    }

    // ---- wiring -----------------------------------------------------------------------------------

    let sliding = null;
    radius.addEventListener('input', () => {
      $('radius-value').textContent = radius.value;
      clearTimeout(sliding);
      sliding = setTimeout(() => updateCoverage(), 120);
    });
    $('demand').addEventListener('change', () => updateCoverage());
    $('coverage-form').addEventListener('submit', (e) => { e.preventDefault(); updateCoverage(); });
    $('model').addEventListener('change', showModelFields);
    $('sites-form').addEventListener('submit', (e) => { e.preventDefault(); runPlan(); });
    $('save-form').addEventListener('submit', (e) => { e.preventDefault(); saveScenario(); });
    $('compare-form').addEventListener('submit', (e) => { e.preventDefault(); compare(); });
    $('tilt').addEventListener('click', () => setTilt($('tilt').getAttribute('aria-pressed') !== 'true'));
    renderScenarios(config.scenarios);

    (async () => {
      try {
        setStatus(tr('js-map-loading'));
        if (failed) throw failed;
        await mapkit.loaded(map);
        await updateCoverage(early.coverage);
        await mapkit.idle(map);
        setStatus('');
        body.dataset.state = 'ready';
      } catch (e) {
        body.dataset.state = 'error';
        setStatus(tr('js-map-load-failed', { error: has(`error-${e.answer?.error?.code}`) ? errorText(e) : e.message }), true);
      }
    })();
  }

  document.addEventListener('DOMContentLoaded', main, { once: true });
})();
