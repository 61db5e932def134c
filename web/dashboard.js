// The leaders' dashboard (/dashboard): a 3D map of H3 hexagons (MapLibre GL) beside the district's
// totals and a ranking of towns, fed by /api/v1/heatmap, /api/v1/stats and /api/v1/areas.
//
// Plain modern JS, no build step. Nothing is loaded from beyond this server: the map style is
// inline, with a background and the town boundaries only (no tiles, glyphs or sprites), and town
// names are HTML markers rather than a symbol layer.
//
// When a view is drawn, <body> says so for people and tests alike: data-state="ready",
// data-hexagons (features drawn), data-hexagons-visible (distinct hexagons on screen) and
// data-painted (share of the map's pixels in a hexagon colour).

'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body;

  const GREY = '#b8bec6';
  /** Colour ramps by which end of a number is good: low → high values. */
  const RAMPS = {
    high: ['#d73027', '#fee08b', '#1a9850'],
    low: ['#1a9850', '#fee08b', '#d73027'],
    none: ['#fff1a8', '#f08a24', '#8e1b16'],
  };
  /** The tallest hexagon's height in metres, by H3 resolution (smaller cells, lower towers). */
  const TALLEST_M = { 7: 5000, 8: 3600, 9: 2400 };
  const EMPTY = { type: 'FeatureCollection', features: [] };

  // ---- numbers as people read them --------------------------------------------------------

  const known = (v) => typeof v === 'number' && Number.isFinite(v);
  const FORMATS = {
    rate: (v) => `${(v * 100).toFixed(1)}%`,
    hours: (v) => v.toFixed(1),
    count: (v) => String(Math.round(v)),
    rating: (v) => v.toFixed(2),
  };
  const show = (v, kind) => (known(v) ? FORMATS[kind](v) : '—');

  /** The numbers of a stats row or a hexagon, in the order the panels list them. */
  const FIELDS = [
    ['count', '意见数', 'count'],
    ['open', '在办', 'count'],
    ['overdue', '逾期', 'count'],
    ['resolution_rate', '办结率', 'rate'],
    ['satisfaction_rate', '满意率', 'rate'],
    ['reply_rate', '答复率', 'rate'],
    ['mean_rating', '平均评分', 'rating'],
    ['reply_hours_median', '答复时长（中位，小时）', 'hours'],
    ['reply_hours_p90', '答复时长（P90，小时）', 'hours'],
    ['concentration', '意见集中率', 'rate'],
  ];
  /** The ranking's numeric columns, as the page's table header lists them. */
  const RANKING_FIELDS = ['count', 'resolution_rate', 'satisfaction_rate', 'reply_rate', 'reply_hours_median', 'concentration'];
  const KIND_OF = Object.fromEntries(FIELDS.map(([f, , k]) => [f, k]));

  const categoryLabel = (code) => {
    const opt = [...$('category').options].find((o) => o.value === code);
    return opt ? opt.textContent : code;
  };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  /** A <dd> with the number shown and its exact value kept in data-value. */
  function numberCell(tag, field, value, kind) {
    return el(tag, { 'data-field': field, 'data-value': known(value) ? String(value) : null }, show(value, kind));
  }

  function setStatus(text, isError = false) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', isError);
  }

  // ---- what the controls ask for ---------------------------------------------------------

  function chosen() {
    const opt = $('metric').selectedOptions[0];
    return {
      metric: opt.value,
      label: opt.textContent,
      field: opt.dataset.field,
      kind: opt.dataset.kind,
      better: opt.dataset.better,
      res: $('res').value,
      category: $('category').value,
      from: $('from').value,
      to: $('to').value,
    };
  }

  /** The filter every request shares: time window and category. */
  function filterQuery(c) {
    const q = new URLSearchParams();
    if (c.from) q.set('from', c.from);
    if (c.to) q.set('to', c.to);
    if (c.category) q.set('category', c.category);
    return q;
  }

  async function getJSON(url, signal) {
    const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    const answer = await res.json().catch(() => null);
    if (!res.ok) {
      throw new Error(answer?.error?.message ?? `${url}: HTTP ${res.status}`);
    }
    return answer;
  }

  // ---- the numbers beside the map ----------------------------------------------------------

  function renderTotals(row) {
    const list = $('totals-list');
    list.replaceChildren();
    for (const [field, label, kind] of FIELDS) {
      list.append(el('dt', {}, label), numberCell('dd', field, row?.[field] ?? null, kind));
    }
    const top = row?.top_category;
    list.append(el('dt', {}, '最多类别'), el('dd', { 'data-field': 'top_category' }, top ? categoryLabel(top) : '—'));
  }

  /** Rows ordered best first by the chosen metric (for `none`: largest first); unknowns last. */
  function ranked(rows, c) {
    const sign = c.better === 'low' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = a[c.field];
      const y = b[c.field];
      if (known(x) !== known(y)) return known(x) ? -1 : 1;
      if (known(x) && x !== y) return sign * (x - y);
      return b.count - a.count || String(a.name ?? a.group).localeCompare(String(b.name ?? b.group), 'zh-CN');
    });
  }

  function renderRanking(rows, c) {
    const table = $('town-ranking');
    for (const th of table.tHead.querySelectorAll('th[data-field]')) {
      const sorted = th.dataset.field === c.field;
      th.classList.toggle('sorted', sorted);
      if (sorted) th.setAttribute('aria-sort', c.better === 'low' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const tbody = table.tBodies[0];
    tbody.replaceChildren(
      ...ranked(rows, c).map((row, i) => {
        const cells = RANKING_FIELDS.map((f) => {
          const td = numberCell('td', f, row[f], KIND_OF[f]);
          if (f === c.field) td.classList.add('sorted');
          return td;
        });
        const tr = el('tr', { 'data-code': row.group }, el('td', {}, String(i + 1)), el('td', { class: 'name' }, row.name ?? row.group), ...cells);
        tr.addEventListener('click', () => pickTown(row.group));
        return tr;
      }),
    );
    if (rows.length === 0) {
      tbody.append(el('tr', {}, el('td', { colspan: '8', class: 'muted' }, '此时段没有意见。No opinions in this period.')));
    }
  }

  // ---- the map ----------------------------------------------------------------------------

  const mapEl = $('map');
  const bounds = (mapEl.dataset.bounds ?? '').split(',').map(Number);
  const district = bounds.length === 4 && bounds.every(Number.isFinite) ? [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] : null;

  /** The map, or null where WebGL is missing: the numbers beside it work regardless. */
  let map = null;
  try {
    map = new maplibregl.Map({
      container: mapEl,
      style: {
        version: 8,
        sources: {
          towns: { type: 'geojson', data: EMPTY },
          hexagons: { type: 'geojson', data: EMPTY },
        },
        light: { anchor: 'viewport', color: '#ffffff', intensity: 0.3, position: [1.2, 200, 35] },
        layers: [
          { id: 'background', type: 'background', paint: { 'background-color': '#e9edf1' } },
          { id: 'towns-fill', type: 'fill', source: 'towns', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.8 } },
          { id: 'towns-line', type: 'line', source: 'towns', paint: { 'line-color': '#7b8794', 'line-width': 1.2 } },
          {
            id: 'towns-picked',
            type: 'line',
            source: 'towns',
            filter: ['==', ['get', 'code'], ''],
            paint: { 'line-color': '#c0392b', 'line-width': 3 },
          },
          {
            id: 'hexagons',
            type: 'fill-extrusion',
            source: 'hexagons',
            paint: { 'fill-extrusion-color': GREY, 'fill-extrusion-height': 0, 'fill-extrusion-opacity': 0.88 },
          },
        ],
      },
      ...(district ? { bounds: district, fitBoundsOptions: { padding: 24 } } : { center: [121.55, 29.87], zoom: 10 }),
      pitch: 50,
      bearing: -12,
      maxPitch: 70,
      attributionControl: { compact: true },
    });
    map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-left');
  } catch (e) {
    map = null;
    body.dataset.map = 'unavailable';
    setStatus(`地图无法显示（需要 WebGL）The map needs WebGL: ${e.message}`, true);
  }
  const mapLoaded = map ? new Promise((resolve) => map.once('load', resolve)) : Promise.resolve();

  /** Bounds of each town by code, from its boundary, to zoom to a picked town. */
  const townBounds = new Map();
  /** The latest heatmap's properties by H3 index, for the click panel. */
  let cells = new Map();

  async function loadTowns() {
    if (!map) return;
    const towns = await getJSON('/api/v1/areas?level=town');
    await mapLoaded;
    map.getSource('towns').setData(towns);
    for (const f of towns.features) {
      const b = new maplibregl.LngLatBounds();
      const polygons = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates];
      for (const ring of polygons.map((p) => p[0])) for (const xy of ring) b.extend(xy);
      townBounds.set(f.properties.code, b);
    }
    for (const li of $('town-labels').children) {
      const lon = Number(li.dataset.lon);
      const lat = Number(li.dataset.lat);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
      const label = el('div', { class: 'town-label' }, li.textContent);
      new maplibregl.Marker({ element: label, anchor: 'center' }).setLngLat([lon, lat]).addTo(map);
    }
  }

  function pickTown(code) {
    for (const tr of $('town-ranking').tBodies[0].rows) tr.classList.toggle('picked', tr.dataset.code === code);
    if (!map) return;
    map.setFilter('towns-picked', ['==', ['get', 'code'], code]);
    const b = townBounds.get(code);
    if (b) map.fitBounds(b, { padding: 60, pitch: 50, duration: 800 });
  }

  /** The colour domain: the 5th to 95th percentile of the known values, so outliers do not wash the ramp out. */
  function domain(values, kind) {
    const v = values.filter(known).sort((a, b) => a - b);
    if (v.length === 0) return null;
    const at = (p) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
    let [lo, hi] = [at(0.05), at(0.95)];
    if (hi - lo < 1e-9) {
      const pad = kind === 'rate' ? 0.01 : 1;
      [lo, hi] = [lo - pad, hi + pad];
    }
    return [lo, hi];
  }

  function renderLegend(c, range, hexagons) {
    const legend = $('legend');
    const ramp = RAMPS[c.better] ?? RAMPS.none;
    const fmt = (v) => (c.kind === 'hours' ? `${show(v, 'hours')} 小时` : show(v, c.kind));
    legend.replaceChildren(
      el('strong', {}, c.label),
      el('div', { class: 'ramp', style: `background:linear-gradient(to right,${ramp.join(',')})` }),
      el('div', { class: 'ends' }, el('span', {}, range ? fmt(range[0]) : '—'), el('span', {}, range ? fmt(range[1]) : '—')),
      el('div', { class: 'none' }, '不足 5 条意见或无数据 Too few to rate'),
      el('div', { class: 'muted' }, `高度 = 意见数 Height = opinions · ${hexagons} 个六边形`),
    );
  }

  /** Share of the canvas' pixels in a hexagon colour, read right after a frame is drawn. */
  function paintedShare() {
    return new Promise((resolve) => {
      map.once('render', () => {
        const canvas = map.getCanvas();
        // The map's own context: asking for its kind again returns it.
        const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
        if (!gl) return resolve(0);
        const { drawingBufferWidth: w, drawingBufferHeight: h } = gl;
        const px = new Uint8Array(w * h * 4);
        gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
        let coloured = 0;
        let seen = 0;
        for (let i = 0; i < px.length; i += 4 * 7) {
          seen += 1;
          // Background, towns and lines are greys; hexagon colours are saturated.
          if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 48) coloured += 1;
        }
        resolve(seen ? coloured / seen : 0);
      });
      map.triggerRepaint();
    });
  }

  async function drawHexagons(fc, c, signal) {
    await mapLoaded;
    if (signal.aborted) return;
    cells = new Map(fc.features.map((f) => [f.properties.h3, f.properties]));
    const range = domain(fc.features.map((f) => f.properties.value), c.kind);
    const ramp = RAMPS[c.better] ?? RAMPS.none;
    const colour = range
      ? ['interpolate', ['linear'], ['get', 'value'], range[0], ramp[0], (range[0] + range[1]) / 2, ramp[1], range[1], ramp[2]]
      : GREY;
    const tallest = Math.max(1, ...fc.features.map((f) => f.properties.count));
    map.setPaintProperty('hexagons', 'fill-extrusion-color', ['case', ['==', ['get', 'value'], null], GREY, colour]);
    map.setPaintProperty('hexagons', 'fill-extrusion-height', ['*', ['get', 'count'], (TALLEST_M[c.res] ?? 3600) / tallest]);
    await map.getSource('hexagons').setData(fc, true);
    await new Promise((resolve) => {
      map.once('idle', resolve);
      map.triggerRepaint();
    });
    if (signal.aborted) return;
    renderLegend(c, range, fc.features.length);
    const visible = new Set(map.queryRenderedFeatures({ layers: ['hexagons'] }).map((f) => f.properties.h3));
    body.dataset.painted = (await paintedShare()).toFixed(3);
    body.dataset.hexagonsVisible = String(visible.size);
    body.dataset.hexagons = String(fc.features.length);
  }

  function showCell(h3) {
    const p = cells.get(h3);
    const panel = $('cell-panel');
    if (!p) {
      panel.hidden = true;
      return;
    }
    const close = el('button', { type: 'button', class: 'close', 'aria-label': '关闭 Close' }, '×');
    close.addEventListener('click', () => {
      panel.hidden = true;
    });
    const list = el('dl');
    const rated = 'resolution_rate' in p;
    for (const [field, label, kind] of FIELDS) {
      if (field in p) list.append(el('dt', {}, label), numberCell('dd', field, p[field], kind));
    }
    if (p.top_category) list.append(el('dt', {}, '最多类别'), el('dd', {}, categoryLabel(p.top_category)));
    panel.replaceChildren(
      close,
      el('h3', {}, `六边形 Hexagon ${h3}`),
      list,
      rated ? '' : el('p', { class: 'muted' }, '意见少于 5 条，不计比率。Fewer than 5 opinions: no rates.'),
    );
    panel.dataset.h3 = h3;
    panel.hidden = false;
  }

  if (map) {
    map.on('error', (e) => console.error('map:', e.error?.message ?? e));
    map.on('click', 'hexagons', (e) => showCell(e.features[0]?.properties?.h3));
    map.on('mouseenter', 'hexagons', () => {
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', 'hexagons', () => {
      map.getCanvas().style.cursor = '';
    });
  }

  // ---- one view: fetch everything the controls ask for and draw it ------------------------

  let inFlight = null;

  async function refresh() {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const { signal } = controller;
    const c = chosen();
    const q = filterQuery(c);
    const page = new URLSearchParams({ metric: c.metric, res: c.res, ...Object.fromEntries(q) });
    history.replaceState(null, '', `?${page}`);
    $('ranking-csv').href = `/api/v1/stats?group_by=town&format=csv&${q}`;
    body.dataset.state = 'loading';
    delete body.dataset.hexagons;
    setStatus('加载中… Loading');
    $('cell-panel').hidden = true;
    const heat = new URLSearchParams({ res: c.res, metric: c.metric, ...Object.fromEntries(q) });
    try {
      const [totals, towns, hexagons] = await Promise.all([
        getJSON(`/api/v1/stats?${q}`, signal).then((a) => (renderTotals(a.rows[0]), a)),
        getJSON(`/api/v1/stats?group_by=town&${q}`, signal).then((a) => (renderRanking(a.rows, c), a)),
        getJSON(`/api/v1/heatmap?${heat}`, signal),
      ]);
      if (map) await drawHexagons(hexagons, c, signal);
      if (signal.aborted) return;
      const opinions = totals.rows[0]?.count ?? 0;
      setStatus(`${opinions} 条意见 · ${towns.rows.length} 个街道（镇）· ${hexagons.features.length} 个六边形`);
      body.dataset.state = 'ready';
    } catch (e) {
      if (e.name === 'AbortError' || signal.aborted) return;
      setStatus(e.message, true);
      body.dataset.state = 'error';
    }
  }

  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    refresh();
  });
  $('controls').addEventListener('change', () => refresh());

  loadTowns().catch((e) => setStatus(`街道边界加载失败 Town boundaries: ${e.message}`, true));
  refresh();
})();
