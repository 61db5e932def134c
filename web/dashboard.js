// The leaders' dashboard (/dashboard): KPI cards for the district and a chosen town or station, a
// 3D map (MapLibre GL) of H3 hexagons or of town / grid choropleths, rankings of towns, stations and
// members, and ECharts charts of the monthly trend, the categories and reply times; fed by
// /api/v1/stats, /api/v1/heatmap, /api/v1/areas/stats and /api/v1/areas. ?wall=1 is the wall
// screen (大屏): the same page, dark and full screen.
//
// Plain modern JS, no build step. Nothing is loaded from beyond this server: the map style is
// inline, with a background and the town boundaries only (no tiles, glyphs or sprites), and town
// names are HTML markers rather than a symbol layer.
//
// Drilling down: the town (and station) filter goes on every request, except where a list would
// then show one row: the town ranking, the town choropleth and the reply times per town always show
// every town (the chosen one picked out), and the station ranking ignores the station filter. So a
// list is filtered by the levels above its own, never by its own.
//
// When a view is drawn (numbers, charts, and the map idle), <body> says so for people and tests
// alike: data-state="ready", data-layer, data-features (features drawn) and data-hexagons (on the
// hexagon layer); a moment later data-features-visible (distinct features on screen) and
// data-painted (share of the map's pixels in a data colour). Each chart holds data-labels and
// data-values (JSON) of what it draws. The first ready view sets the Performance API mark
// `dashboard-ready` and data-first-render-ms.

'use strict';

(() => {
  const config = JSON.parse(document.getElementById('dashboard-config').textContent);
  /** The message `id` of the page's language (web/locales/*.ftl, `js-dash-…`), `{name}`s filled from `vars`. */
  const tr = (id, vars = {}) =>
    Object.entries(vars).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), config.messages[id] ?? `⟦${id}⟧`);
  /** How names shorten on a chart's axis: the district's name, the common suffix of stations (data, not words of the page). */
  const SHORTENINGS = [
    [/^海曙区/, ''],
    [/人大代表联络站$/, '联络站'],
  ];

  performance.mark('dashboard-script');
  /** Marks a stage of the first view for the Performance API (benches/dashboard.sh reads them). */
  let firstView = true;
  const stage = (name) => {
    if (firstView) performance.mark(`dashboard-${name}`);
  };

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const wall = body.dataset.wall === '1';
  const animate = !matchMedia('(prefers-reduced-motion: reduce)').matches;

  const GREY = wall ? '#3c4a5c' : '#b8bec6';
  /** Colour ramps by which end of a number is good: low → high values. */
  const RAMPS = {
    high: ['#d73027', '#fee08b', '#1a9850'],
    low: ['#1a9850', '#fee08b', '#d73027'],
    none: ['#fff1a8', '#f08a24', '#8e1b16'],
  };
  /** The tallest column's height in metres: hexagons by H3 resolution, and areas by level. */
  const TALLEST_M = { 7: 5000, 8: 3600, 9: 2400, town: 2000, grid: 900 };
  /** Columns are lower when the map shows one town, which is much smaller than the district. */
  const DRILLED_HEIGHT = 0.35;
  const EMPTY = { type: 'FeatureCollection', features: [] };
  const TOWNS_URL = '/api/v1/areas?level=town';

  // ---- numbers as people read them --------------------------------------------------------

  const known = (v) => typeof v === 'number' && Number.isFinite(v);
  const FORMATS = {
    rate: (v) => `${(v * 100).toFixed(1)}%`,
    hours: (v) => v.toFixed(1),
    count: (v) => String(Math.round(v)),
    rating: (v) => v.toFixed(2),
  };
  const show = (v, kind) => (known(v) ? FORMATS[kind](v) : '—');

  /** The numbers of a stats row or a hexagon, in the order the panels list them, with their kind. */
  const FIELDS = [
    ['count', 'count'],
    ['open', 'count'],
    ['overdue', 'count'],
    ['resolution_rate', 'rate'],
    ['satisfaction_rate', 'rate'],
    ['reply_rate', 'rate'],
    ['mean_rating', 'rating'],
    ['reply_hours_median', 'hours'],
    ['reply_hours_p90', 'hours'],
    ['concentration', 'rate'],
  ];
  const KIND_OF = Object.fromEntries(FIELDS);
  /** The KPI cards, in order. */
  const KPIS = ['resolution_rate', 'reply_rate', 'satisfaction_rate', 'reply_hours_median', 'concentration', 'open', 'overdue', 'count'];
  /** The ranking's numeric columns, as the page's table header lists them. */
  const RANKING_FIELDS = ['count', 'resolution_rate', 'satisfaction_rate', 'reply_rate', 'reply_hours_median', 'concentration'];

  const categoryLabel = (code) => config.messages[`category-${code}`] ?? code;
  const townName = (code) => [...$('town-labels').children].find((li) => li.dataset.code === code)?.textContent ?? code;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  /** An element with the number shown and its exact value kept in data-value. */
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
      layer: $('layer').value,
      ranking: document.querySelector('input[name=ranking]:checked')?.value ?? 'town',
      category: $('category').value,
      from: $('from').value,
      to: $('to').value,
      town: $('town').value,
      station: $('station').value,
    };
  }

  /**
   * The filter of a request: `extra` first (group_by, interval, metric…), then the time window and
   * category, then town and station unless `town` / `station` say false. One order, so that equal
   * questions are equal URLs and are asked once.
   */
  function query(c, extra = {}, { town = true, station = true } = {}) {
    const q = new URLSearchParams(extra);
    if (c.from) q.set('from', c.from);
    if (c.to) q.set('to', c.to);
    if (c.category) q.set('category', c.category);
    if (town && c.town) q.set('town', c.town);
    if (station && c.station) q.set('station', c.station);
    return q;
  }

  /** Which filters a list of `level` keeps: those of the levels above it (see the file's head). */
  const LEVEL_SCOPE = {
    town: { town: false, station: false },
    station: { station: false },
    member: {},
    grid: {},
  };

  /** The requests of one view, by what they feed. */
  function requests(c) {
    const replyBy = c.town ? 'station' : 'town';
    return {
      district: `/api/v1/stats?${query(c, {}, { town: false, station: false })}`,
      scope: c.town || c.station ? `/api/v1/stats?${query(c)}` : null,
      ranking: `/api/v1/stats?${query(c, { group_by: c.ranking }, LEVEL_SCOPE[c.ranking])}`,
      trend: `/api/v1/stats?${query(c, { interval: 'month' })}`,
      categories: `/api/v1/stats?${query(c, { group_by: 'category' })}`,
      reply: `/api/v1/stats?${query(c, { group_by: replyBy }, LEVEL_SCOPE[replyBy])}`,
      map:
        c.layer === 'hex'
          ? `/api/v1/heatmap?${query(c, { res: c.res, metric: c.metric, numbers: 'value' })}`
          : `/api/v1/areas/stats?${query(c, { level: c.layer, metric: c.metric }, LEVEL_SCOPE[c.layer])}`,
    };
  }

  /** The page's own address for a view: every control, so that it can be shared or reloaded. */
  function pageQuery(c) {
    const q = new URLSearchParams({ metric: c.metric, res: c.res, layer: c.layer, ranking: c.ranking });
    for (const k of ['category', 'from', 'to', 'town', 'station']) if (c[k]) q.set(k, c[k]);
    if (wall) q.set('wall', '1');
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

  // ---- KPI cards ------------------------------------------------------------------------

  function renderKpis(list, row) {
    list.replaceChildren(
      ...KPIS.map((field) => {
        const kind = KIND_OF[field];
        const value = numberCell('dd', field, row?.[field] ?? null, kind);
        value.classList.add('value');
        if (kind === 'hours' && known(row?.[field])) value.append(el('small', {}, tr('js-dash-hours-unit')));
        const card = el('div', { class: `kpi kpi-${field}` }, el('dt', {}, tr(`js-dash-field-${field}`)), value);
        if (field === 'concentration') {
          const top = row?.top_category ?? null;
          card.append(el('dd', { class: 'sub', 'data-field': 'top_category', 'data-value': top }, top ? categoryLabel(top) : '—'));
        }
        if (field === 'reply_hours_median') {
          card.append(el('dd', { class: 'sub' }, `${tr('js-dash-p90')} `, numberCell('span', 'reply_hours_p90', row?.reply_hours_p90 ?? null, 'hours')));
        }
        return card;
      }),
    );
  }

  function scopeName(c) {
    const station = $('station');
    const names = [];
    if (c.town) names.push(townName(c.town));
    if (c.station) names.push(station.dataset.name || c.station);
    return names.join(' · ');
  }

  // ---- rankings -------------------------------------------------------------------------

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
    const table = $('ranking-table');
    table.dataset.by = c.ranking;
    for (const th of table.tHead.querySelectorAll('th[data-field]')) {
      const sorted = th.dataset.field === c.field;
      th.classList.toggle('sorted', sorted);
      if (sorted) th.setAttribute('aria-sort', c.better === 'low' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const picked = c.ranking === 'town' ? c.town : c.ranking === 'station' ? c.station : '';
    const tbody = table.tBodies[0];
    tbody.replaceChildren(
      ...ranked(rows, c).map((row, i) => {
        const cells = RANKING_FIELDS.map((f) => {
          const td = numberCell('td', f, row[f], KIND_OF[f]);
          if (f === c.field) td.classList.add('sorted');
          return td;
        });
        const code = row.group ?? '';
        const line = el(
          'tr',
          { 'data-code': code, class: code && code === picked ? 'picked' : null },
          el('td', {}, String(i + 1)),
          el('td', { class: 'name', title: row.name ?? code }, row.group === null ? tr('js-dash-ungrouped') : (row.name ?? code)),
          ...cells,
        );
        if (code && c.ranking === 'town') line.addEventListener('click', () => drill({ town: code, station: '' }));
        if (code && c.ranking === 'station') line.addEventListener('click', () => drill({ station: code, stationName: row.name }));
        if (c.ranking !== 'member' && code) line.classList.add('drill');
        return line;
      }),
    );
    if (rows.length === 0) {
      tbody.append(el('tr', {}, el('td', { colspan: '8', class: 'muted' }, tr('js-dash-no-opinions'))));
    }
    const within = c.ranking === 'town' ? '' : scopeName(c.ranking === 'station' ? { ...c, station: '' } : c);
    $('ranking-note').textContent = within ? tr('js-dash-within', { name: within }) : '';
  }

  // ---- charts (ECharts) -------------------------------------------------------------------

  const charts = new Map();
  /**
   * Resolves once ECharts has run (or failed to load). Its script is preloaded by the page but
   * run only after the map has been made, so that MapLibre's worker and style start first and
   * ECharts' 1 MB does not sit on the first render's critical path (see docs/benchmarks.md).
   */
  let chartsLoaded = null;
  function loadCharts() {
    chartsLoaded ??= new Promise((resolve) => {
      if (typeof echarts !== 'undefined' || !config.echarts) return resolve();
      const script = document.createElement('script');
      script.src = config.echarts;
      script.onload = () => resolve();
      script.onerror = () => {
        console.warn('ECharts did not load; the charts stay empty');
        resolve();
      };
      document.head.append(script);
    });
    return chartsLoaded;
  }
  const resizer = new ResizeObserver((entries) => {
    for (const e of entries) charts.get(e.target.id)?.resize();
  });

  /** The chart in element `id`, made once; null without ECharts. */
  function chartIn(id) {
    if (typeof echarts === 'undefined') return null;
    if (!charts.has(id)) {
      const node = $(id);
      // The server's drawing of the first view's chart gives way to ECharts'.
      for (const drawn of node.querySelectorAll('.ssr-chart')) drawn.remove();
      const chart = echarts.init(node, wall ? 'dark' : null, { renderer: 'canvas', locale: config.lang === 'en' ? 'EN' : 'ZH' });
      charts.set(id, chart);
      resizer.observe(node);
    }
    return charts.get(id);
  }

  /** Draws `option` in chart `id`, notes what it shows, and resolves once its first frame is drawn (not when an animation ends). */
  async function drawChart(id, option, labels, values) {
    const node = $(id);
    node.dataset.labels = JSON.stringify(labels);
    node.dataset.values = JSON.stringify(values);
    await loadCharts();
    const chart = chartIn(id);
    if (!chart) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        chart.off('rendered', done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      chart.on('rendered', done);
      chart.setOption(
        // The first view is drawn at once (an animation would spend the first render's frames on
        // tweens); later views animate unless the reader asked for reduced motion.
        { animation: animate && !firstView, animationDuration: 400, backgroundColor: 'transparent', textStyle: { fontFamily: 'inherit' }, ...option },
        { notMerge: true },
      );
    });
  }

  const percent = (v) => (known(v) ? `${(v * 100).toFixed(1)}%` : '—');
  const hoursText = (v) => (known(v) ? tr('js-dash-hours-value', { hours: v.toFixed(1) }) : '—');
  const metricText = (v, c) => (c.kind === 'hours' ? hoursText(v) : show(v, c.kind));
  /** Names as short as a chart's axis has room for. */
  const shortName = (s) => {
    const t = SHORTENINGS.reduce((name, [long, short]) => name.replace(long, short), String(s ?? ''));
    return t.length > 9 ? `${t.slice(0, 8)}…` : t;
  };

  function drawTrend(rows) {
    const periods = rows.map((r) => String(r.period ?? '').slice(0, 7));
    const rates = ['resolution_rate', 'satisfaction_rate', 'reply_rate'];
    const lowest = Math.min(1, ...rows.flatMap((r) => rates.map((f) => r[f])).filter(known));
    const legendNames = new Map(['count', ...rates].map((f) => [tr(`js-dash-field-${f}`), tr(`js-dash-legend-${f}`)]));
    return drawChart(
      'trend-chart',
      {
        tooltip: { trigger: 'axis' },
        // A plain legend (it wraps rather than pages) with short names, so that it fits one line
        // of a 1280 px desk view in both languages; the tooltip keeps the full names.
        legend: {
          top: 0,
          itemGap: 8,
          itemWidth: 14,
          itemHeight: 9,
          textStyle: { fontSize: 11 },
          formatter: (name) => legendNames.get(name) ?? name,
        },
        grid: { left: 8, right: 8, top: 34, bottom: 4, containLabel: true },
        xAxis: { type: 'category', data: periods },
        yAxis: [
          { type: 'value', minInterval: 1, splitLine: { show: false } },
          { type: 'value', min: Math.max(0, Math.floor(lowest * 10) / 10), max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
        ],
        series: [
          { name: tr('js-dash-field-count'), type: 'bar', data: rows.map((r) => r.count), itemStyle: { color: wall ? '#4a6fa5' : '#9fb3c8' } },
          ...rates.map((f, i) => ({
            name: tr(`js-dash-field-${f}`),
            type: 'line',
            yAxisIndex: 1,
            symbolSize: 5,
            data: rows.map((r) => r[f]),
            tooltip: { valueFormatter: percent },
            color: ['#1a9850', '#f08a24', '#4c78d4'][i],
          })),
        ],
      },
      periods,
      rows.map((r) => r.count),
    );
  }

  function drawCategories(rows, c) {
    // Largest at the top: horizontal bars are drawn from the bottom.
    const sorted = [...rows].filter((r) => r.group !== null).sort((a, b) => a.count - b.count);
    const label = c.metric === 'count' ? (p) => String(p.value) : (p) => `${p.value} · ${metricText(sorted[p.dataIndex][c.field], c)}`;
    return drawChart(
      'category-chart',
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        // Room on the right for the labels at the bars' ends.
        grid: { left: 8, right: c.metric === 'count' ? 40 : 96, top: 8, bottom: 4, containLabel: true },
        xAxis: { type: 'value', minInterval: 1, axisLabel: { show: false }, splitLine: { show: false } },
        yAxis: {
          type: 'category',
          data: sorted.map((r) => categoryLabel(r.group)),
          axisTick: { show: false },
          axisLabel: { interval: 0, fontSize: 11 },
        },
        series: [
          {
            name: tr('js-dash-field-count'),
            type: 'bar',
            data: sorted.map((r) => r.count),
            itemStyle: { color: wall ? '#e0a458' : '#c0392b', borderRadius: [0, 3, 3, 0] },
            label: { show: true, position: 'right', formatter: label, fontSize: 11 },
          },
        ],
        ...(sorted.length ? {} : { title: { text: tr('js-dash-no-data'), left: 'center', top: 'middle', textStyle: { fontSize: 13 } } }),
      },
      sorted.map((r) => r.group),
      sorted.map((r) => r.count),
    );
  }

  async function drawReplyTimes(rows, c) {
    const sorted = rows
      .filter((r) => r.group !== null && known(r.reply_hours_median))
      .sort((a, b) => b.reply_hours_median - a.reply_hours_median);
    await loadCharts();
    const chart = chartIn('reply-chart');
    chart?.off('click');
    chart?.on('click', (p) => {
      const row = sorted[p.dataIndex];
      if (!row) return;
      if (c.town) drill({ station: row.group, stationName: row.name });
      else drill({ town: row.group, station: '' });
    });
    $('reply-title').textContent = c.town ? tr('js-dash-by-station') : tr('js-dash-by-town');
    return drawChart(
      'reply-chart',
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: hoursText },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
        xAxis: { type: 'value', name: tr('js-dash-hours-unit'), nameLocation: 'end', splitLine: { show: !wall } },
        yAxis: {
          type: 'category',
          data: sorted.map((r) => r.name ?? r.group),
          // Every name where there is room for it, else as many as fit.
          axisLabel: { formatter: shortName, fontSize: 11, interval: $('reply-chart').clientHeight / Math.max(1, sorted.length) >= 16 ? 0 : 'auto' },
          axisTick: { show: false },
        },
        series: [
          {
            name: tr('js-dash-median'),
            type: 'bar',
            data: sorted.map((r) => ({ value: r.reply_hours_median, itemStyle: r.group === (c.town ? c.station : c.town) ? { color: '#c0392b' } : undefined })),
            color: wall ? '#5fb3d4' : '#4c78d4',
          },
          { name: tr('js-dash-p90'), type: 'bar', data: sorted.map((r) => r.reply_hours_p90), color: wall ? '#2f5d7c' : '#b3c7ef' },
        ],
        ...(sorted.length ? {} : { title: { text: tr('js-dash-no-data'), left: 'center', top: 'middle', textStyle: { fontSize: 13 } } }),
      },
      sorted.map((r) => r.group),
      sorted.map((r) => r.reply_hours_median),
    );
  }

  // ---- the map ----------------------------------------------------------------------------

  const mapEl = $('map');
  const bounds = (mapEl.dataset.bounds ?? '').split(',').map(Number);
  const district = bounds.length === 4 && bounds.every(Number.isFinite) ? [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] : null;
  const PITCH = wall ? 58 : 50;
  const COLOURS = wall
    ? { background: '#08111f', town: '#112440', line: '#4e6d93', picked: '#ffb74d', warned: '#ff5252' }
    : { background: '#e9edf1', town: '#ffffff', line: '#7b8794', picked: '#c0392b', warned: '#d97706' };

  /** The map, or null where WebGL is missing: the numbers beside it work regardless. */
  let map = null;
  /** Resolves when the map's style has loaded (at once without a map). */
  let mapLoaded = Promise.resolve();
  /** Resolves when the town boundaries are on the map. */
  let townsLoaded = Promise.resolve();

  /** Makes the map, once MapLibre GL (a deferred script after this one) has run. */
  function createMap() {
    mapEl.style.background = COLOURS.background;
    try {
      map = new maplibregl.Map({
        container: mapEl,
        style: {
          version: 8,
          // No paint transitions: a view's first frame is its final one, and idle comes sooner.
          transition: { duration: 0, delay: 0 },
          sources: {
            towns: { type: 'geojson', data: EMPTY },
            hexagons: { type: 'geojson', data: EMPTY },
            areas: { type: 'geojson', data: EMPTY },
          },
          light: { anchor: 'viewport', color: '#ffffff', intensity: 0.3, position: [1.2, 200, 35] },
          layers: [
            // Each kind of layer is a shader program, compiled on the CPU under software WebGL: no
            // background layer (the container's colour shows through the canvas), and no
            // antialiased fill outline (towns-line draws it).
            {
              id: 'towns-fill',
              type: 'fill',
              source: 'towns',
              paint: { 'fill-color': COLOURS.town, 'fill-opacity': 0.8, 'fill-antialias': false },
            },
            { id: 'towns-line', type: 'line', source: 'towns', paint: { 'line-color': COLOURS.line, 'line-width': 1.2 } },
            {
              id: 'areas',
              type: 'fill-extrusion',
              source: 'areas',
              layout: { visibility: 'none' },
              paint: { 'fill-extrusion-color': GREY, 'fill-extrusion-height': 0, 'fill-extrusion-opacity': 0.85 },
            },
            {
              id: 'hexagons',
              type: 'fill-extrusion',
              source: 'hexagons',
              paint: { 'fill-extrusion-color': GREY, 'fill-extrusion-height': 0, 'fill-extrusion-opacity': 0.88 },
            },
            // Towns with an early warning this week or last: outlined, under the pick.
            {
              id: 'towns-warned',
              type: 'line',
              source: 'towns',
              filter: ['in', ['get', 'code'], ['literal', warnedTowns]],
              paint: { 'line-color': COLOURS.warned, 'line-width': 3.5 },
            },
            {
              id: 'towns-picked',
              type: 'line',
              source: 'towns',
              filter: ['==', ['get', 'code'], ''],
              paint: { 'line-color': COLOURS.picked, 'line-width': 3 },
            },
          ],
        },
        ...(district ? { bounds: district, fitBoundsOptions: { padding: 24 } } : { center: [121.55, 29.87], zoom: 10 }),
        pitch: PITCH,
        bearing: wall ? -18 : -12,
        maxPitch: 70,
        attributionControl: { compact: true },
      });
      if (!wall) map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-left');
    } catch (e) {
      map = null;
      body.dataset.map = 'unavailable';
      setStatus(tr('js-dash-no-webgl', { error: e.message }), true);
    }
    mapLoaded = map ? new Promise((resolve) => map.once('load', resolve)) : Promise.resolve();
    if (map) listen(map);
    townsLoaded = loadTowns().catch((e) => setStatus(tr('js-dash-towns-failed', { error: e.message }), true));
  }

  /** Bounds of each town by code, from its boundary, to zoom to a picked town. */
  const townBounds = new Map();
  /** The latest map features' properties by id (H3 index or area id), for the click panel. */
  let cells = new Map();

  async function loadTowns() {
    if (!map) return;
    const towns = await (early.get(TOWNS_URL) ?? getJSON(TOWNS_URL));
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

  /** Outlines the chosen town and shows it, or the whole district. */
  async function frame(c, moved) {
    if (!map) return;
    await townsLoaded;
    map.setFilter('towns-picked', ['==', ['get', 'code'], c.town || '']);
    if (!moved) return;
    const b = c.town ? townBounds.get(c.town) : district;
    const padding = c.town ? { top: 40, right: 40, bottom: 90, left: 40 } : 24;
    if (b) map.fitBounds(b, { padding, pitch: PITCH, bearing: map.getBearing(), duration: animate ? 800 : 0 });
  }

  /** The colour domain: the 5th to 95th percentile of the known values, so outliers do not wash the ramp out. */
  function domain(values, kind) {
    const v = values.filter(known).sort((a, b) => a - b);
    if (v.length === 0) return null;
    const at = (p) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
    let [lo, hi] = [at(0.05), at(0.95)];
    if (hi - lo < 1e-9) {
      // One value: the colour scale is padded around it (so that it takes the ramp's middle
      // colour), and the legend shows that value alone (see renderLegend).
      const pad = kind === 'rate' ? 0.01 : 1;
      return Object.assign([lo - pad, hi + pad], { single: lo });
    }
    return [lo, hi];
  }

  function renderLegend(c, range, features) {
    const legend = $('legend');
    const ramp = RAMPS[c.better] ?? RAMPS.none;
    const fmt = (v) => metricText(v, c);
    const single = range?.single;
    legend.replaceChildren(
      el('strong', {}, c.label),
      single === undefined
        ? el('div', { class: 'ramp', style: `background:linear-gradient(to right,${ramp.join(',')})` })
        : el('div', { class: 'ramp single', style: `background:${ramp[1]}` }),
      single === undefined
        ? el('div', { class: 'ends' }, el('span', {}, range ? fmt(range[0]) : '—'), el('span', {}, range ? fmt(range[1]) : '—'))
        : el('div', { class: 'ends single', 'data-field': 'legend-single', 'data-value': String(single) }, el('span', {}, tr('js-dash-legend-all', { value: fmt(single) }))),
      el('div', { class: 'none' }, tr('js-dash-too-few')),
      el('div', { class: 'muted' }, tr(`js-dash-height-${c.layer}`, { features })),
    );
  }

  /** Share of the canvas' pixels in a data colour, read right after a frame is drawn. */
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
          // Background, towns and lines are greys or dark blues; data colours are saturated and bright.
          const hi = Math.max(px[i], px[i + 1], px[i + 2]);
          if (hi - Math.min(px[i], px[i + 1], px[i + 2]) > 48 && hi > 120) coloured += 1;
        }
        resolve(seen ? coloured / seen : 0);
      });
      map.triggerRepaint();
    });
  }

  /** Draws the heatmap's hexagons or an area choropleth as 3D columns: colour = metric, height = opinions. */
  async function drawMap(fc, c, signal) {
    await mapLoaded;
    if (signal.aborted) return;
    const layer = c.layer === 'hex' ? 'hexagons' : 'areas';
    const other = layer === 'hexagons' ? 'areas' : 'hexagons';
    const key = c.layer === 'hex' ? 'h3' : 'id';
    cells = new Map(fc.features.map((f) => [f.properties[key], f.properties]));
    const range = domain(fc.features.map((f) => f.properties.value), c.kind);
    const ramp = RAMPS[c.better] ?? RAMPS.none;
    const colour = range
      ? ['interpolate', ['linear'], ['get', 'value'], range[0], ramp[0], (range[0] + range[1]) / 2, ramp[1], range[1], ramp[2]]
      : GREY;
    const tallest = Math.max(1, ...fc.features.map((f) => f.properties.count));
    const metres = (TALLEST_M[c.layer === 'hex' ? c.res : c.layer] ?? 3600) * (c.town ? DRILLED_HEIGHT : 1);
    // Columns grow into a new view as the charts do: not on the first one, nor with reduced motion.
    const transition = { duration: animate && !firstView ? 400 : 0, delay: 0 };
    map.setPaintProperty(layer, 'fill-extrusion-color-transition', transition);
    map.setPaintProperty(layer, 'fill-extrusion-height-transition', transition);
    map.setPaintProperty(layer, 'fill-extrusion-color', ['case', ['==', ['get', 'value'], null], GREY, colour]);
    map.setPaintProperty(layer, 'fill-extrusion-height', ['*', ['get', 'count'], metres / tallest]);
    map.setLayoutProperty(layer, 'visibility', 'visible');
    map.setLayoutProperty(other, 'visibility', 'none');
    map.getSource(other).setData(EMPTY);
    await map.getSource(layer === 'hexagons' ? 'hexagons' : 'areas').setData(fc, true);
    stage('map-set');
    await new Promise((resolve) => {
      map.once('idle', resolve);
      map.triggerRepaint();
    });
    if (signal.aborted) return;
    stage('map-idle');
    dropPreview();
    renderLegend(c, range, fc.features.length);
    body.dataset.layer = c.layer;
    body.dataset.features = String(fc.features.length);
    if (c.layer === 'hex') body.dataset.hexagons = String(fc.features.length);
  }

  /**
   * The server's flat drawing of the first view's map (#dash-preview) gives way to the 3D map: it
   * fades once the map has drawn, and goes at once when another view is asked for first. Without
   * WebGL it stays.
   */
  function dropPreview(fade = true) {
    const preview = $('dash-preview');
    if (!preview) return;
    if (!fade || !animate) return preview.remove();
    preview.addEventListener('transitionend', () => preview.remove(), { once: true });
    setTimeout(() => preview.remove(), 1000);
    preview.classList.add('gone');
  }

  /**
   * What reached the screen, for tests: distinct features on screen and the share of painted
   * pixels. Read after the view is ready (it costs a frame and a read-back of the canvas), so
   * data-painted comes a moment after data-state="ready".
   */
  async function noteDrawn(c, signal) {
    const layer = c.layer === 'hex' ? 'hexagons' : 'areas';
    const key = c.layer === 'hex' ? 'h3' : 'id';
    const visible = new Set(map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties[key]));
    const painted = await paintedShare();
    if (signal.aborted) return;
    body.dataset.featuresVisible = String(visible.size);
    if (c.layer === 'hex') body.dataset.hexagonsVisible = String(visible.size);
    body.dataset.painted = painted.toFixed(3);
  }

  function showCell(id, heading) {
    const p = cells.get(id);
    const panel = $('cell-panel');
    if (!p) {
      panel.hidden = true;
      return;
    }
    const close = el('button', { type: 'button', class: 'close', 'aria-label': tr('js-dash-close') }, '×');
    close.addEventListener('click', () => {
      panel.hidden = true;
    });
    const list = el('dl');
    const rated = 'resolution_rate' in p;
    for (const [field, kind] of FIELDS) {
      if (field in p) list.append(el('dt', {}, tr(`js-dash-field-${field}`)), numberCell('dd', field, p[field], kind));
    }
    if (p.top_category) list.append(el('dt', {}, tr('js-dash-field-top_category')), el('dd', {}, categoryLabel(p.top_category)));
    panel.replaceChildren(close, el('h3', {}, heading), list, rated ? '' : el('p', { class: 'muted' }, tr('js-dash-few-rates')));
    panel.dataset.h3 = id;
    panel.hidden = false;
  }

  /**
   * Every number of a clicked hexagon: the map draws from the compact heatmap (h3, value, count),
   * so the panel asks for the one cell whose centre is within ~50 m of the hexagon's middle.
   */
  async function fullNumbers(f) {
    const ring = f.geometry.coordinates[0];
    const n = ring.length - 1;
    const [x, y] = ring.slice(0, n).reduce(([a, b], [p, q]) => [a + p / n, b + q / n], [0, 0]);
    const d = 0.0005;
    const c = chosen();
    const bbox = [x - d, y - d, x + d, y + d].map((v) => v.toFixed(6)).join(',');
    const answer = await getJSON(`/api/v1/heatmap?${query(c, { res: c.res, metric: c.metric, bbox })}`).catch(() => null);
    const full = answer?.features.find((g) => g.properties.h3 === f.properties.h3)?.properties;
    if (full) cells.set(full.h3, full);
  }

  /** The map's clicks and hovers. */
  function listen(map) {
    map.on('error', (e) => console.error('map:', e.error?.message ?? e));
    map.on('click', 'hexagons', (e) => {
      const f = e.features[0];
      const h3 = f?.properties?.h3;
      if (!h3) return;
      showCell(h3, tr('js-dash-hexagon', { h3 }));
      fullNumbers(f).then(() => {
        if ($('cell-panel').dataset.h3 === h3 && !$('cell-panel').hidden) showCell(h3, tr('js-dash-hexagon', { h3 }));
      });
    });
    map.on('click', 'areas', (e) => {
      const p = e.features[0]?.properties;
      if (!p) return;
      // A town drills down; a grid area shows its numbers.
      if (chosen().layer === 'town') drill({ town: p.id, station: '' });
      else showCell(p.id, p.name);
    });
    for (const layer of ['hexagons', 'areas']) {
      map.on('mouseenter', layer, () => {
        map.getCanvas().style.cursor = 'pointer';
      });
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
      });
    }
  }

  // ---- one view: fetch everything the controls ask for and draw it ------------------------

  let inFlight = null;
  let shownTown = null;
  /** The view the server drew (#dash-preview and the charts): the page's first. */
  const previewOf = String(pageQuery(chosen()));

  /** Picks a town and/or station (empty strings clear them) and redraws. */
  function drill({ town, station, stationName }) {
    if (town !== undefined) $('town').value = town;
    if (station !== undefined) {
      $('station').value = station;
      $('station').dataset.name = stationName ?? '';
    }
    refresh();
  }

  /** Draws the view the controls ask for; `answers` holds requests already under way, by URL. */
  async function refresh(answers = null) {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const { signal } = controller;
    const c = chosen();
    const urls = requests(c);
    history.replaceState(null, '', `?${pageQuery(c)}`);
    $('ranking-csv').href = `${urls.ranking}&format=csv`;
    $('trend-csv').href = `${urls.trend}&format=csv`;
    $('category-csv').href = `${urls.categories}&format=csv`;
    $('reply-csv').href = `${urls.reply}&format=csv`;
    $('wall-link').href = wall
      ? `?${[...pageQuery(c)].filter(([k]) => k !== 'wall').map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`
      : `?${pageQuery(c)}&wall=1`;
    const langLink = $('lang-link');
    langLink.href = `?${pageQuery(c)}&lang=${encodeURIComponent(langLink.hreflang)}`;
    $('res').disabled = c.layer !== 'hex';
    body.dataset.state = 'loading';
    for (const k of ['hexagons', 'hexagonsVisible', 'features', 'featuresVisible', 'painted']) delete body.dataset[k];
    setStatus(tr('js-dash-loading'));
    $('cell-panel').hidden = true;
    $('kpi-scope').hidden = !urls.scope;
    $('scope-name').textContent = scopeName(c);
    if (String(pageQuery(c)) !== previewOf) dropPreview(false);
    const moved = shownTown !== c.town;
    shownTown = c.town;

    // One request per distinct URL: the ranking and the reply times often ask the same.
    const asked = new Map(answers ?? []);
    const get = (url) => {
      if (!asked.has(url)) asked.set(url, getJSON(url, signal));
      return asked.get(url);
    };
    try {
      const [totals, scope, , , , , features] = await Promise.all([
        get(urls.district).then((a) => (renderKpis($('totals-list'), a.rows[0]), stage('kpis'), a)),
        urls.scope ? get(urls.scope).then((a) => (renderKpis($('scope-list'), a.rows[0]), a)) : null,
        get(urls.ranking).then((a) => (renderRanking(a.rows, c), stage('ranking'))),
        get(urls.trend).then((a) => drawTrend(a.rows)).then(() => stage('trend')),
        get(urls.categories).then((a) => drawCategories(a.rows, c)).then(() => stage('categories')),
        get(urls.reply).then((a) => drawReplyTimes(a.rows, c)).then(() => stage('reply')),
        get(urls.map).then((a) => (stage('map-data'), a)),
        frame(c, moved),
      ]);
      if (map) await drawMap(features, c, signal);
      if (signal.aborted) return;
      const opinions = (scope ?? totals).rows[0]?.count ?? 0;
      setStatus(tr(`js-dash-status-${c.layer}`, { opinions, features: features.features.length }));
      body.dataset.state = 'ready';
      if (firstView) {
        firstView = false;
        performance.mark('dashboard-ready');
        body.dataset.firstRenderMs = String(Math.round(performance.now()));
      }
      if (map) await noteDrawn(c, signal);
    } catch (e) {
      if (e.name === 'AbortError' || signal.aborted) return;
      setStatus(tr('js-dash-load-failed', { error: e.message }), true);
      body.dataset.state = 'error';
    }
  }

  // ---- early warnings --------------------------------------------------------------------

  /** Towns with a warning this week or last (area codes); the map outlines them. */
  let warnedTowns = [];

  /** A warning's town and category; a click shows them on the whole dashboard. */
  function warningButton(w) {
    const b = el('button', { type: 'button', class: 'link' }, `${w.area_name ?? w.area} · ${tr(`category-${w.category}`)}`);
    b.addEventListener('click', () => {
      $('category').value = w.category;
      drill({ town: w.area, station: '' });
    });
    return b;
  }

  /** Lists the warnings (this week's first); a click shows that town and category. */
  async function showWarnings() {
    const box = $('warnings');
    const list = $('warning-list');
    try {
      // Asked for once the first view's requests are out: the warnings are not on its path.
      const weeks = await Promise.all(
        config.warning_weeks.map((week) => getJSON(`/api/v1/warnings?level=town&week=${week}`)),
      );
      const items = weeks.flatMap((answer, i) => answer.warnings.map((w) => ({ ...w, when: i === 0 ? 'this' : 'last' })));
      list.replaceChildren(
        ...items.map((w) =>
          el(
            'li',
            { 'data-area': w.area, 'data-category': w.category, 'data-week': w.week_start, 'data-count': String(w.count) },
            el('span', { class: `when ${w.when}` }, tr(`js-dash-warning-${w.when}`)),
            ' ',
            warningButton(w),
            ' ',
            el('span', { class: 'muted' }, tr('js-dash-warning-count', { count: w.count, expected: w.expected.toFixed(1) })),
          ),
        ),
      );
      if (!items.length) list.append(el('li', { class: 'muted' }, tr('js-dash-warning-none')));
      warnedTowns = [...new Set(items.map((w) => w.area))];
      box.dataset.count = String(items.length);
      box.dataset.state = 'ready';
      if (map) {
        await mapLoaded;
        map.setFilter('towns-warned', ['in', ['get', 'code'], ['literal', warnedTowns]]);
        mapEl.dataset.warned = warnedTowns.join(',');
      }
    } catch (e) {
      box.dataset.state = 'error';
      list.replaceChildren(el('li', { class: 'error' }, tr('js-dash-warning-failed', { error: e.message })));
    }
  }

  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    refresh();
  });
  $('controls').addEventListener('change', (e) => {
    // Another town: the station chosen in the last one no longer applies.
    if (e.target.id === 'town') drill({ station: '' });
    else refresh();
  });
  for (const radio of document.querySelectorAll('input[name=ranking]')) radio.addEventListener('change', () => refresh());
  $('scope-clear').addEventListener('click', () => drill({ town: '', station: '' }));

  if (wall) {
    const clock = $('clock');
    const tick = () => {
      clock.textContent = new Date().toLocaleString(config.lang, {
        timeZone: 'Asia/Shanghai',
        dateStyle: 'long',
        timeStyle: 'short',
      });
    };
    tick();
    setInterval(tick, 15_000);
  }

  // The first view's numbers are asked for at once, while the map and chart libraries (deferred
  // scripts after this one) load; the map and charts are drawn once they have run.
  const early = new Map();
  for (const url of new Set([...Object.values(requests(chosen())).filter(Boolean), TOWNS_URL])) {
    const answer = getJSON(url);
    // Handled here too, so that a failure before the view reads it is no unhandled rejection.
    answer.catch(() => {});
    early.set(url, answer);
  }
  // Deferred scripts run in order before DOMContentLoaded (readyState is already "interactive"
  // while they run); `load` as well, should this script ever run later than that.
  const librariesLoaded =
    document.readyState === 'complete'
      ? Promise.resolve()
      : new Promise((resolve) => {
          document.addEventListener('DOMContentLoaded', resolve, { once: true });
          window.addEventListener('load', resolve, { once: true });
        });
  // The cards and the ranking need no library: drawn as soon as their answers are in (the view
  // below draws them again, identically, from the same answers).
  {
    const c = chosen();
    const urls = requests(c);
    early.get(urls.district).then((a) => renderKpis($('totals-list'), a.rows[0]), () => {});
    if (urls.scope) early.get(urls.scope).then((a) => renderKpis($('scope-list'), a.rows[0]), () => {});
    early.get(urls.ranking).then((a) => renderRanking(a.rows, c), () => {});
  }
  librariesLoaded.then(() => {
    createMap();
    refresh(early);
    loadCharts();
    showWarnings();
  });
})();
