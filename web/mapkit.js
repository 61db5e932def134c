// What the map pages share — the citizen's map (/, web/map.js) and the staff map (/staff/map,
// web/staff-map.js): the page's messages, small DOM and fetch helpers, times and distances in the
// page's language, and one style of the district (the operator's basemap if any, the towns, grid
// areas, stations by kind and their labels) that each page adds its own layers to.
//
// Plain modern JS, no build step, loaded (deferred) before the page's own script and MapLibre GL;
// everything that needs `maplibregl` runs from the page's main(), after DOMContentLoaded. Nothing
// is loaded from beyond this server: the style has no sprite and no glyphs URL, so MapLibre draws
// every label with the browser's own fonts (TinySDF). Positions are WGS84 lon/lat throughout.

'use strict';

window.mapkit = (() => {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($('map-config').textContent);
  const EMPTY = { type: 'FeatureCollection', features: [] };
  const FONT = ['Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'];

  /** The message `id` of the page's language, `{name}`s filled from `vars`. */
  const tr = (id, vars = {}) =>
    Object.entries(vars).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), config.messages[id] ?? `⟦${id}⟧`);

  /** Whether the page's catalogue has the message `id`. */
  const has = (id) => Object.hasOwn(config.messages, id);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  /** Replaces `node`'s children with `children`, leaving out null, undefined and false. */
  function fill(node, ...children) {
    node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  }

  /** The page's status line (#status): a message, or an error. */
  function setStatus(text, isError = false) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', isError);
  }

  /** An API error's message in the page's language (`error-{code}`), else the server's text. */
  function errorText(e) {
    const code = e.answer?.error?.code;
    return code && has(`error-${code}`) ? tr(`error-${code}`, { detail: e.message }) : e.message;
  }

  /** Asks for JSON (GET, or `init`'s method and body); a non-2xx answer throws its
   * `error.message`, keeping status and body. */
  async function getJSON(url, signal, init = {}) {
    const res = await fetch(url, { signal, ...init, headers: { Accept: 'application/json', ...init.headers } });
    const answer = await res.json().catch(() => null);
    if (!res.ok) {
      const e = new Error(answer?.error?.message ?? `${url}: HTTP ${res.status}`);
      e.status = res.status;
      e.answer = answer;
      throw e;
    }
    return answer;
  }

  const formatDistance = (m) =>
    (m < 1000 ? tr('js-map-metres', { n: Math.round(m) }) : tr('js-map-kilometres', { n: (m / 1000).toFixed(2) }));
  const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

  /** `2026-12-10T14:00:00+08:00` as 12月10日（周四）14:00 or Thursday 10 December 14:00, read as
   * written (Asia/Shanghai). */
  function formatTime(rfc3339, withDate = true) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(rfc3339 ?? '');
    if (!m) return rfc3339 ?? '';
    const [, y, mo, d, hh, mm] = m;
    if (!withDate) return `${hh}:${mm}`;
    const weekday = tr(`weekday-short-${WEEKDAYS[new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDay()]}`);
    return `${tr('date-day', { month: +mo, day: +d, weekday, monthname: tr(`month-${+mo}`) })} ${hh}:${mm}`;
  }

  /** Changes the page's URL query (a `null` removes the key) without a new history entry. */
  function remember(change) {
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(change)) {
      if (v === null) url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    history.replaceState(null, '', url);
  }

  /** The district's towns, grid areas and stations, asked for at once: the pages call this while
   * the browser still reads MapLibre. Failures are reported where the answers are awaited. */
  function askDistrict() {
    const asked = {
      areas: getJSON('/api/v1/areas?level=district,town'),
      grids: getJSON('/api/v1/grids'),
      stations: getJSON(`/api/v1/stations?kind=${config.kinds.map((k) => k.code).join(',')}&limit=50000`),
    };
    for (const answer of Object.values(asked)) answer.catch(() => {});
    return asked;
  }

  /** A paint expression: each station's colour by its kind. */
  const kindColour = () => ['match', ['get', 'kind'], ...config.kinds.flatMap((k) => [k.code, k.colour]), '#7b8794'];

  /**
   * The operator's PMTiles basemap (`--basemap`), drawn under the district: raster tiles as they
   * are; vector tiles with a few plain layers for the usual schemas (Protomaps' earth, water,
   * landuse, roads, buildings; OpenMapTiles' water, landuse, transportation, building). Layers a
   * basemap does not have draw nothing.
   */
  function basemapLayers() {
    if (!config.basemap) return [[], {}];
    const protocol = new pmtiles.Protocol();
    maplibregl.addProtocol('pmtiles', protocol.tile);
    const url = `pmtiles://${location.origin}/basemap.pmtiles`;
    if (config.basemap === 'raster') {
      return [[{ id: 'basemap', type: 'raster', source: 'basemap' }], { basemap: { type: 'raster', url, tileSize: 256 } }];
    }
    const area = (id, layer, colour) => ({ id, type: 'fill', source: 'basemap', 'source-layer': layer, paint: { 'fill-color': colour } });
    const line = (id, layer, colour) => ({ id, type: 'line', source: 'basemap', 'source-layer': layer,
      paint: { 'line-color': colour, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.5, 16, 3] } });
    return [[
      area('basemap-earth', 'earth', '#f2efe9'),
      area('basemap-landuse', 'landuse', '#e3eddc'),
      area('basemap-water', 'water', '#b9d3ee'),
      area('basemap-buildings', 'buildings', '#e0dbd3'),
      area('basemap-building', 'building', '#e0dbd3'),
      line('basemap-roads', 'roads', '#ffffff'),
      line('basemap-transportation', 'transportation', '#ffffff'),
    ], { basemap: { type: 'vector', url } }];
  }

  /**
   * The district's style, its sources holding `district` (from [`districtData`]; empty without),
   * with a page's own `sources` and layers: `below` the stations (areas, lines), `above` them (what
   * the page's user picked) — then the labels on top of everything.
   */
  function style({ district = null, sources = {}, below = [], above = [] } = {}) {
    const [underLayers, underSources] = basemapLayers();
    const data = (name) => ({ type: 'geojson', data: district?.[name] ?? EMPTY });
    return {
      version: 8,
      // No paint transitions: what the first frame shows is final, and idle comes sooner.
      transition: { duration: 0, delay: 0 },
      sources: {
        towns: data('towns'),
        townLabels: data('townLabels'),
        grids: data('grids'),
        stations: data('stations'),
        ...underSources,
        ...sources,
      },
      layers: [
        ...underLayers,
        // Over a basemap the towns are a light veil, else the paper the map is drawn on. Each kind
        // of layer costs a shader program, compiled on the CPU under software WebGL (~50–100 ms
        // each): no background layer (#map's CSS background shows through the canvas), and no
        // antialiased fill outline (towns-line draws it).
        { id: 'towns-fill', type: 'fill', source: 'towns', filter: ['==', ['get', 'level'], 'town'],
          paint: { 'fill-color': '#fbfcfd', 'fill-opacity': config.basemap ? 0.15 : 0.9, 'fill-antialias': false } },
        { id: 'grids-line', type: 'line', source: 'grids', minzoom: 11,
          paint: { 'line-color': '#a3adb8', 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.4, 15, 1.2] } },
        { id: 'towns-line', type: 'line', source: 'towns', filter: ['==', ['get', 'level'], 'town'],
          paint: { 'line-color': '#7b8794', 'line-width': 1.2 } },
        { id: 'district-line', type: 'line', source: 'towns', filter: ['==', ['get', 'level'], 'district'],
          paint: { 'line-color': '#c0392b', 'line-width': 2.4 } },
        ...below,
        { id: 'stations', type: 'circle', source: 'stations',
          paint: {
            'circle-color': kindColour(),
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3.5, 14, 7],
            'circle-stroke-color': '#fff',
            'circle-stroke-width': 1.2,
          } },
        ...above,
        { id: 'town-labels', type: 'symbol', source: 'townLabels', maxzoom: 14,
          layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 14 },
          paint: { 'text-color': '#52606d', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
        { id: 'station-labels', type: 'symbol', source: 'stations', minzoom: 13,
          layout: {
            'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12,
            'text-offset': [0, 1.1], 'text-anchor': 'top', 'text-max-width': 9,
          },
          paint: { 'text-color': '#1f2933', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
      ],
    };
  }

  /** The map in #map, fitted to the district's extent (its `data-bounds`), with zoom, pitch and
   * a scale; `options` add to or override MapLibre's. */
  function createMap(mapStyle, options = {}) {
    const bounds = $('map').dataset.bounds?.split(',').map(Number);
    const fitted = bounds?.length === 4;
    const map = new maplibregl.Map({
      container: 'map',
      style: mapStyle,
      bounds: fitted ? [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] : undefined,
      center: fitted ? undefined : [121.55, 29.87],
      zoom: fitted ? undefined : 10,
      fitBoundsOptions: { padding: 20 },
      localIdeographFontFamily: FONT.join(', '),
      attributionControl: false,
      fadeDuration: 0, // labels appear at once: the first render is the finished one
      maxPitch: 70,
      ...options,
    });
    // Stages of the first render, for benchmarks (Performance API): made, style loaded.
    performance.mark('map-made');
    map.once('load', () => performance.mark('map-load'));
    map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.on('pitchend', () => { $('map').dataset.pitch = map.getPitch().toFixed(1); });
    map.on('mouseenter', 'stations', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'stations', () => { map.getCanvas().style.cursor = ''; });
    return map;
  }

  /** The district's answers (from [`askDistrict`]) as the style's data: towns (and the district),
   * the towns' labels, grid areas and stations. Waiting for them before the map is made lets
   * MapLibre tile each source once, at its start, instead of empty sources and then the data. */
  async function districtData(asked) {
    const [areas, grids, stations] = await Promise.all([asked.areas, asked.grids, asked.stations]);
    const labels = areas.features
      .filter((f) => f.properties.level === 'town')
      .map((f) => {
        const t = config.towns.find((x) => x.code === f.properties.code);
        return t && { type: 'Feature', properties: { name: t.name }, geometry: { type: 'Point', coordinates: [t.lon, t.lat] } };
      })
      .filter(Boolean);
    $('map').dataset.stations = String(stations.features.length);
    $('map').dataset.grids = String(grids.features.length);
    return { towns: areas, townLabels: { type: 'FeatureCollection', features: labels }, grids, stations };
  }

  /** `[value, null]` once `promise` resolves, `[null, error]` if it fails. */
  const settle = (promise) => promise.then((v) => [v, null], (e) => [null, e]);

  /** Resolves once the map's style has loaded (when its layers may be changed). */
  const loaded = (map) => (map.loaded() ? Promise.resolve() : new Promise((resolve) => map.once('load', resolve)));

  /** Resolves when the map has drawn everything asked of it. */
  const idle = (map) => new Promise((resolve) => map.once('idle', resolve));

  return {
    $, config, EMPTY, FONT, tr, has, el, fill, setStatus, errorText, getJSON, formatDistance, formatTime, remember,
    askDistrict, districtData, kindColour, style, createMap, settle, loaded, idle,
  };
})();
