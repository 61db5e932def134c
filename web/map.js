// The citizen's map (/): the district, its towns and grid areas and every station by kind
// (MapLibre GL), with a locate-me control, a click or a search that finds the nearest stations and
// one's grid member, a station panel and tracking by code. Fed by the public API only:
// /api/v1/areas, /api/v1/grids, /api/v1/stations, /api/v1/stations/nearest, /api/v1/grids/at,
// /api/v1/stations/{id}, /api/v1/search, /api/v1/issues/{code} and /tiles/issues; a station's panel
// also lists its notices (/api/v1/notices) and projects (/api/v1/projects). The published layers —
// livelihood projects, river patrols (/api/v1/activities?kind=river_patrol) and this week's early
// warnings (/api/v1/warnings) — ask for their data only when first switched on.
//
// Plain modern JS, no build step, on the district's style and helpers of web/mapkit.js. Nothing is
// loaded from beyond this server. Positions are WGS84 lon/lat throughout.
//
// Hooks for people and tests alike: <body data-state="ready"> once the district is drawn
// ("error" when it cannot be); #here gets data-state="ready" with data-lon/data-lat when the
// nearest stations of a point are listed (ol[data-nearest] > li[data-station-id], nearest first);
// #station gets data-state="ready" and data-station-id when a station's panel is filled (its
// notices li[data-notice-id], its projects li[data-project-id]); a published layer's switch
// li[data-published] gets data-state="ready" with data-features (loaded), data-rendered (on screen)
// and data-at ("x,y": a pixel of the canvas on its first feature on screen, when it has one); a
// published feature's popup is .published-popup[data-layer][data-id].

'use strict';

(() => {
  const { $, config, EMPTY, tr, el, fill, setStatus, getJSON, formatDistance, formatTime, remember } = mapkit;
  const body = document.body;
  /** How many nearest stations a point lists. */
  const NEAREST = 5;
  const FONT = mapkit.FONT;

  const formatSession = (s) => `${formatTime(s.start)}–${formatTime(s.end, false)}`;

  /** A member as a line: name, body, level and sector. */
  function memberLine(m) {
    return el(
      'span',
      { class: 'member' },
      el('a', { href: `/members/${encodeURIComponent(m.id)}`, title: tr('js-map-member-card'), 'data-member-card': '' }, el('strong', {}, m.name ?? m.id)),
      ' ',
      el('span', { class: 'tag' }, [m.level && tr(`level-${m.level}`), m.body && tr(`body-${m.body}`)].filter(Boolean).join(' ')),
      m.sector ? el('span', { class: 'muted' }, ` ${m.sector}`) : null,
    );
  }

  // ---- the district's data, asked for at once ----------------------------------------------
  // The scripts are deferred and MapLibre comes last: the answers are on their way while the
  // browser is still reading it, which runs before DOMContentLoaded and so before main().

  const early = { ...mapkit.askDistrict(), layers: getJSON('/api/v1/layers') };
  early.layers.catch(() => {});
  performance.mark('map-asked');

  async function main() {
    // ---- the map -----------------------------------------------------------------------------

    const kinds = config.kinds;
    const kindColour = mapkit.kindColour();

    /** Columns' heights in metres by kind: stations stand above their liaison points. */
    const COLUMN_M = { deputy_liaison_station: 1600, member_workstation: 1300, liaison_point: 700 };

    /** Squares around each station (about 130 m a side), extruded in 3D. */
    function columns(features) {
      const half = 0.0006;
      return {
        type: 'FeatureCollection',
        features: features.map((f) => {
          const [x, y] = f.geometry.coordinates;
          const dx = half / Math.cos((y * Math.PI) / 180);
          return {
            type: 'Feature',
            properties: { id: f.properties.id, kind: f.properties.kind, height: COLUMN_M[f.properties.kind] ?? 200 },
            geometry: { type: 'Polygon', coordinates: [[[x - dx, y - half], [x + dx, y - half], [x + dx, y + half], [x - dx, y + half], [x - dx, y - half]]] },
          };
        }),
      };
    }

    // The district's answers are usually in before MapLibre has run: the map starts with them.
    const [district, failed] = await mapkit.settle(mapkit.districtData(early));
    performance.mark('map-data');

    /** What the layer switcher asks for: layers' visibility, and the stations' kinds as a filter. */
    function layerChoices() {
      const boxes = [...document.querySelectorAll('#layers input[data-layer]')];
      const vis = (name) => (boxes.some((b) => b.dataset.layer === name && b.checked) ? 'visible' : 'none');
      const shown = boxes.filter((b) => b.dataset.layer === 'stations' && b.checked).map((b) => b.dataset.kind);
      const filter = ['in', ['get', 'kind'], ['literal', shown]];
      return {
        visibility: { 'towns-fill': vis('towns'), 'towns-line': vis('towns'), 'town-labels': vis('towns'), 'grids-line': vis('grids'), opinions: vis('opinions') },
        filters: { stations: filter, 'station-labels': filter, columns: filter },
      };
    }

    const mapStyle = mapkit.style({
      district,
      sources: {
        columns: { type: 'geojson', data: district ? columns(district.stations.features) : EMPTY },
        mygrid: { type: 'geojson', data: EMPTY },
        lines: { type: 'geojson', data: EMPTY },
        here: { type: 'geojson', data: EMPTY },
        opinions: {
          type: 'vector',
          tiles: [`${location.origin}/tiles/issues/{z}/{x}/{y}.mvt`],
          minzoom: 12,
          maxzoom: 16,
        },
      },
      below: [
        { id: 'mygrid-fill', type: 'fill', source: 'mygrid', paint: { 'fill-color': '#f6c453', 'fill-opacity': 0.35 } },
        { id: 'mygrid-line', type: 'line', source: 'mygrid', paint: { 'line-color': '#b7791f', 'line-width': 2.5 } },
        { id: 'opinions', type: 'circle', source: 'opinions', 'source-layer': 'issues', layout: { visibility: 'none' },
          paint: {
            'circle-color': ['case', ['>', ['get', 'open'], 0], '#d97706', '#2f855a'],
            'circle-opacity': 0.7,
            'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 3, 20, 10],
          } },
        { id: 'lines', type: 'line', source: 'lines',
          paint: { 'line-color': '#243b53', 'line-width': 1.6, 'line-dasharray': [2, 2] } },
        { id: 'columns', type: 'fill-extrusion', source: 'columns', layout: { visibility: 'none' },
          paint: { 'fill-extrusion-color': kindColour, 'fill-extrusion-height': ['get', 'height'], 'fill-extrusion-opacity': 0.9 } },
      ],
      above: [
        { id: 'stations-picked', type: 'circle', source: 'stations', filter: ['==', ['get', 'id'], ''],
          paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 12, 'circle-stroke-color': '#243b53', 'circle-stroke-width': 3 } },
        { id: 'here', type: 'circle', source: 'here',
          paint: { 'circle-color': '#2563eb', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } },
      ],
    });
    // The style starts as the switcher stands, so that applying it once loaded changes nothing.
    const first = layerChoices();
    for (const layer of mapStyle.layers) {
      if (first.visibility[layer.id]) layer.layout = { ...layer.layout, visibility: first.visibility[layer.id] };
      if (first.filters[layer.id]) layer.filter = first.filters[layer.id];
    }
    const map = mapkit.createMap(mapStyle);
    const geolocate = new maplibregl.GeolocateControl({
      positionOptions: { enableHighAccuracy: true, timeout: 15000 },
      trackUserLocation: false,
      showUserLocation: false,
      fitBoundsOptions: { maxZoom: 15 },
    });
    map.addControl(geolocate, 'top-right');


    // ---- the district's data -----------------------------------------------------------------

    /** Every station of the district (physical ones: online stations have no place on a map). */
    const stations = district?.stations.features ?? [];

    // ---- a point: nearest stations and my grid -----------------------------------------------

    let pointRequest = null;

    function stationButton(id, text) {
      return el('button', { type: 'button', class: 'link', onclick: () => openStation(id, { fly: true }) }, text);
    }

    function renderNearest(features) {
      const list = $('nearest');
      fill(list,
        ...features.map((f) => {
          const p = f.properties;
          const kind = kinds.find((k) => k.code === p.kind);
          return el(
            'li',
            { 'data-station-id': p.id, 'data-distance-m': String(p.distance_m) },
            el('span', { class: 'dot', style: `background:${kind?.colour ?? '#7b8794'}` }),
            stationButton(p.id, p.name),
            el('span', { class: 'distance' }, formatDistance(p.distance_m)),
            el('div', { class: 'muted' }, `${p.kind_label} · ${p.address}`),
            p.reception_text?.length ? el('div', { class: 'reception' }, p.reception_text.join('；')) : null,
          );
        }),
      );
      if (!features.length) list.append(el('li', { class: 'muted' }, tr('js-map-none-near')));
    }

    function renderGrid(answer, error) {
      const box = $('my-grid');
      const notice = $('near-boundary');
      notice.hidden = true;
      box.hidden = false;
      if (error) {
        const near = error.answer?.error?.nearest;
        fill(box,
          el('h3', {}, tr('js-map-my-grid')),
          el('p', { class: 'muted' }, near
            ? tr('js-map-outside-grids', { name: near.name, distance: formatDistance(near.distance_m) })
            : error.message),
        );
        map.getSource('mygrid').setData(EMPTY);
        return;
      }
      const p = answer.properties;
      box.dataset.gridId = p.id;
      const members = p.members.map((m) => {
        const next = m.next_sessions?.[0];
        return el(
          'li',
          { 'data-member-id': m.id },
          memberLine(m),
          el('div', { class: 'next' }, next
            ? [tr('js-map-next-reception'), formatSession(next), ' · ', next.station ? stationButton(next.station.id, next.station.name) : '']
            : el('span', { class: 'muted' }, tr('js-map-no-reception'))),
        );
      });
      fill(box,
        el('h3', {}, tr('js-map-my-grid-named'), el('span', { class: 'grid-name' }, p.name)),
        p.town ? el('p', { class: 'muted' }, p.town.name) : null,
        members.length ? el('ul', { class: 'members' }, members) : el('p', { class: 'muted' }, tr('js-map-grid-no-members')),
        p.station ? el('p', {}, tr('js-map-grid-station'), stationButton(p.station.properties.id, p.station.properties.name)) : null,
      );
      if (p.near_boundary) {
        notice.hidden = false;
        notice.textContent = p.neighbour
          ? tr('js-map-near-boundary', { distance: formatDistance(p.edge_distance_m), name: p.neighbour.name })
          : tr('js-map-near-boundary-alone', { distance: formatDistance(p.edge_distance_m) });
      }
      map.getSource('mygrid').setData(answer);
    }

    /** Finds the nearest stations and the grid of a WGS84 point, draws lines to them and lists them. */
    async function locate(lon, lat, { fit = true } = {}) {
      pointRequest?.abort();
      const ctl = new AbortController();
      pointRequest = ctl;
      const here = $('here');
      here.hidden = false;
      here.dataset.state = 'loading';
      here.dataset.lon = lon.toFixed(6);
      here.dataset.lat = lat.toFixed(6);
      $('hint').hidden = true;
      setStatus(tr('js-map-finding'));
      const q = `lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`;
      try {
        const [nearest, grid] = await Promise.all([
          getJSON(`/api/v1/stations/nearest?${q}&k=${NEAREST}&lang=${config.lang}`, ctl.signal),
          getJSON(`/api/v1/grids/at?${q}&sessions=1&lang=${config.lang}`, ctl.signal).then((g) => [g, null], (e) => {
            if (e.name === 'AbortError' || e.status !== 404) throw e;
            return [null, e];
          }),
        ]);
        map.getSource('here').setData({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } });
        map.getSource('lines').setData({
          type: 'FeatureCollection',
          features: nearest.features.map((f) => ({
            type: 'Feature',
            properties: { id: f.properties.id },
            geometry: { type: 'LineString', coordinates: [[lon, lat], f.geometry.coordinates] },
          })),
        });
        renderNearest(nearest.features);
        renderGrid(...grid);
        fill($('here-actions'),
          el('a', { href: `/submit?${q}`, class: 'button' }, tr('js-map-submit-here')),
        );
        if (fit && nearest.features.length) {
          const b = new maplibregl.LngLatBounds([lon, lat], [lon, lat]);
          for (const f of nearest.features) b.extend(f.geometry.coordinates);
          map.fitBounds(b, { padding: 60, maxZoom: 16, duration: 600 });
        }
        here.dataset.state = 'ready';
        setStatus('');
        remember({ lon: lon.toFixed(6), lat: lat.toFixed(6), station: null });
      } catch (e) {
        if (e.name === 'AbortError') return;
        here.dataset.state = 'error';
        setStatus(tr('js-map-find-failed', { error: e.message }), true);
      }
    }

    // ---- a station's panel ---------------------------------------------------------------------

    let stationRequest = null;

    async function openStation(id, { fly = false } = {}) {
      stationRequest?.abort();
      const ctl = new AbortController();
      stationRequest = ctl;
      const panel = $('station');
      panel.hidden = false;
      panel.dataset.state = 'loading';
      panel.dataset.stationId = id;
      try {
        const q = encodeURIComponent(id);
        // The station's published information is a bonus: the panel opens without it.
        const optional = (answer) => answer.catch((e) => {
          if (e.name === 'AbortError') throw e;
          return null;
        });
        const [f, notices, projects] = await Promise.all([
          getJSON(`/api/v1/stations/${q}?sessions=6&lang=${config.lang}`, ctl.signal),
          optional(getJSON(`/api/v1/notices?station=${q}&active=true&limit=20`, ctl.signal)),
          optional(getJSON(`/api/v1/projects?station=${q}&limit=50`, ctl.signal)),
        ]);
        renderStation(f, notices, projects);
        map.setFilter('stations-picked', ['==', ['get', 'id'], id]);
        if (fly) map.flyTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 15), duration: 700 });
        panel.dataset.state = 'ready';
        remember({ station: id });
        panel.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        if (e.name === 'AbortError') return;
        panel.dataset.state = 'error';
        fill(panel, el('p', { class: 'error' }, tr('js-map-station-failed', { error: e.message })));
      }
    }

    /** A project's progress as a small bar and a percentage. */
    function progressBar(progress) {
      return el('span', { class: 'progress' }, el('span', { class: 'progress-bar', style: `--p:${progress}%` }),
        ` ${tr('js-map-project-progress', { progress })}`);
    }

    /** A project's status as a tag in its colour. */
    function statusTag(status) {
      return el('span', { class: 'tag', style: `border-color:${config.published.statuses[status] ?? '#7b8794'}` }, tr(`project-status-${status}`));
    }

    /** The station's notices in force and its projects (either answer may be missing). */
    function publishedSections(notices, projects) {
      return [
        notices ? [
          el('h3', {}, tr('js-map-station-notices')),
          notices.notices.length
            ? el('ul', { class: 'notices' }, notices.notices.map((n) => el('li', { 'data-notice-id': n.id },
              el('strong', {}, n.title), el('div', { class: 'notice-body' }, n.body),
              n.expires ? el('div', { class: 'muted' }, tr('js-map-notice-until', { date: n.expires })) : null)))
            : el('p', { class: 'muted' }, tr('js-map-station-notices-none')),
        ] : null,
        projects ? [
          el('h3', {}, tr('js-map-station-projects')),
          projects.features.length
            ? el('ul', { class: 'projects' }, projects.features.map((pf) => el('li', { 'data-project-id': pf.properties.id },
              el('button', { type: 'button', class: 'link', onclick: () => showProject(pf) }, pf.properties.title), ' ',
              statusTag(pf.properties.status), el('div', {}, progressBar(pf.properties.progress)))))
            : el('p', { class: 'muted' }, tr('js-map-station-projects-none')),
        ] : null,
      ];
    }

    function renderStation(f, notices = null, projects = null) {
      const p = f.properties;
      const kind = kinds.find((k) => k.code === p.kind);
      const sessions = p.next_sessions.map((s) =>
        el('li', {}, el('strong', {}, formatSession(s)), s.theme ? ` ${s.theme}` : '',
          s.members.length ? el('div', { class: 'muted' }, s.members.map((m) => m.name ?? m.id).join('、')) : null));
      fill($('station'),
        el('button', { type: 'button', class: 'close', 'aria-label': tr('js-map-close'), onclick: closeStation }, '×'),
        el('h2', {}, p.name),
        el('p', {}, el('span', { class: 'tag', style: `border-color:${kind?.colour ?? '#7b8794'}` }, tr(`kind-${p.kind}`)),
          ` ${tr('js-map-level', { level: tr(`level-${p.level}`) })}`, p.town ? ` · ${p.town.name}` : '',
          p.parent_name ? ` · ${tr('js-map-part-of', { name: p.parent_name })}` : ''),
        el('dl', { class: 'facts' },
          el('dt', {}, tr('js-map-address')), el('dd', {}, p.address || '—'),
          el('dt', {}, tr('js-map-phone')), el('dd', {}, p.phone ? el('a', { href: `tel:${p.phone}` }, p.phone) : '—'),
          el('dt', {}, tr('js-map-hours')), el('dd', {}, p.opening_hours || '—'),
          el('dt', {}, tr('js-map-reception-days')), el('dd', {}, p.reception_text.join(tr('js-map-reception-sep'))),
        ),
        el('h3', {}, tr('js-map-upcoming')),
        sessions.length ? el('ul', { class: 'sessions' }, sessions) : el('p', { class: 'muted' }, tr('js-map-no-reception')),
        sessions.length ? el('p', {},
          el('a', { href: `/api/v1/stations/${encodeURIComponent(p.id)}/calendar.ics?lang=${config.lang}`, 'data-calendar': '' }, tr('js-map-calendar')),
          ' · ', el('a', { href: `/s/${encodeURIComponent(p.id)}/notice`, 'data-notice': '' }, tr('js-map-notice')),
          ' · ', el('a', { href: `/s/${encodeURIComponent(p.id)}/duty`, 'data-duty': '' }, tr('js-map-duty'))) : null,
        el('h3', {}, tr('js-map-members', { n: p.members.length })),
        p.members.length
          ? el('ul', { class: 'members' }, p.members.map((m) => el('li', { 'data-member-id': m.id }, memberLine(m))))
          : el('p', { class: 'muted' }, tr('js-map-none')),
        p.points.length ? el('p', { class: 'muted' }, tr('js-map-points', { names: p.points.map((x) => x.name).join(tr('js-map-names-sep')) })) : null,
        publishedSections(notices, projects),
        el('div', { class: 'actions' },
          el('a', { class: 'button', href: `/s/${encodeURIComponent(p.id)}` }, tr('js-map-submit-station')),
          el('a', { href: p.map_links.amap, target: '_blank', rel: 'noopener', 'data-app': 'amap' }, tr('js-map-amap')),
          el('a', { href: p.map_links.baidu, target: '_blank', rel: 'noopener', 'data-app': 'baidu' }, tr('js-map-baidu')),
        ),
        el('figure', { class: 'qr' },
          el('img', { src: `/s/${encodeURIComponent(p.id)}/qr.svg`, alt: tr('js-map-qr-alt', { name: p.name }), width: 120, height: 120, loading: 'lazy' }),
          el('figcaption', { class: 'muted' }, tr('js-map-qr-caption'))),
      );
    }

    function closeStation() {
      stationRequest?.abort();
      $('station').hidden = true;
      map.setFilter('stations-picked', ['==', ['get', 'id'], '']);
      remember({ station: null });
    }

    // ---- search --------------------------------------------------------------------------------

    let searchRequest = null;


    async function search(q) {
      searchRequest?.abort();
      const out = $('search-results');
      if (!q.trim()) {
        out.hidden = true;
        fill(out);
        return;
      }
      const ctl = new AbortController();
      searchRequest = ctl;
      out.dataset.state = 'loading';
      try {
        const answer = await getJSON(`/api/v1/search?q=${encodeURIComponent(q)}&limit=8`, ctl.signal);
        out.hidden = false;
        out.dataset.query = answer.query;
        fill(out,
          ...answer.results.map((r) =>
            el('li', { 'data-result-type': r.type, 'data-result-id': r.id },
              el('button', { type: 'button', class: 'result', onclick: () => pick(r) },
                el('span', { class: 'tag' }, tr(`js-map-result-${r.type}`)), ' ', el('strong', {}, r.name),
                r.detail ? el('span', { class: 'muted' }, ` ${r.detail}`) : ''))),
        );
        if (!answer.results.length) out.append(el('li', { class: 'muted' }, tr('js-map-no-results', { query: q })));
        out.dataset.state = 'ready';
      } catch (e) {
        if (e.name === 'AbortError') return;
        out.hidden = false;
        out.dataset.state = 'error';
        fill(out, el('li', { class: 'error' }, e.message));
      }
    }

    function pick(r) {
      if (r.bbox) map.fitBounds([[r.bbox[0], r.bbox[1]], [r.bbox[2], r.bbox[3]]], { padding: 40, duration: 700 });
      if (r.station && (r.type === 'station' || r.type === 'member')) openStation(r.station, { fly: true });
      else if (!r.bbox) map.flyTo({ center: [r.lon, r.lat], zoom: 15 });
    }

    // ---- tracking ------------------------------------------------------------------------------

    async function track(code) {
      const out = $('track-result');
      out.dataset.state = 'loading';
      const digits = code.replace(/[\s-]/g, '');
      try {
        const o = await getJSON(`/api/v1/issues/${encodeURIComponent(digits)}`);
        fill(out,
          el('p', {}, el('strong', { 'data-field': 'status', 'data-value': o.status }, tr(`status-${o.status}`)), ` · ${tr(`category-${o.category}`)}`),
          el('p', {}, o.title),
          o.reply ? el('blockquote', {}, o.reply) : null,
          el('ol', { class: 'history' }, o.history.map((s) =>
            el('li', {}, `${formatTime(s.at)} ${tr(`status-${s.to}`)}`, s.note ? el('span', { class: 'muted' }, ` ${s.note}`) : ''))),
          el('a', { href: `/track/${encodeURIComponent(o.tracking_code)}` }, o.status === 'replied' ? tr('js-map-track-rate') : tr('js-map-track-details')),
        );
        out.dataset.state = 'ready';
        out.dataset.code = o.tracking_code;
      } catch (e) {
        out.dataset.state = 'error';
        const known = { 404: tr('js-map-track-unknown', { code: code.trim() }), 400: tr('js-map-track-invalid') };
        fill(out, el('p', { class: 'error' }, known[e.status] ?? e.message));
      }
    }

    // ---- layers and 3D -------------------------------------------------------------------------

    /** Colours of imported layers, in the order /api/v1/layers lists them. */
    const PALETTE = ['#0e7490', '#7c3aed', '#15803d', '#b45309', '#be185d', '#1d4ed8'];
    const AREAS = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
    const LINES = ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]];
    const POINTS = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];
    const LABEL = ['coalesce', ['get', 'name'], ['get', '名称'], ['get', 'title'], ''];
    /** Map layer ids of each imported layer drawn so far, by its name. */
    const drawn = new Map();

    /** One switch per imported layer (rivers, public services, …), each with its colour as legend. */
    async function loadImportedLayers() {
      const { layers } = await early.layers;
      layers.forEach((l, i) => {
        const colour = PALETTE[i % PALETTE.length];
        const item = el('li', { 'data-layer-name': l.name, 'data-kind': l.kind });
        const box = el('input', { type: 'checkbox', 'data-imported': l.name, onchange: (e) => showImported(l, colour, e.target.checked, item) });
        item.append(el('label', {}, box, el('span', { class: `swatch ${l.kind}`, style: `--c:${colour}` }), l.title,
          el('span', { class: 'muted' }, `（${l.features}）`)));
        $('layer-list').append(item);
      });
      $('layer-list').dataset.imported = String(layers.length);
    }

    async function showImported(l, colour, on, item) {
      if (!drawn.has(l.name)) {
        if (!on) return;
        item.dataset.state = 'loading';
        try {
          const data = await getJSON(`/api/v1/layers/${encodeURIComponent(l.name)}`);
          const source = `layer:${l.name}`;
          map.addSource(source, { type: 'geojson', data });
          const ids = [`${source}:fill`, `${source}:line`, `${source}:point`, `${source}:label`];
          map.addLayer({ id: ids[0], type: 'fill', source, filter: AREAS, paint: { 'fill-color': colour, 'fill-opacity': 0.22 } }, 'lines');
          map.addLayer({ id: ids[1], type: 'line', source, filter: ['!', POINTS],
            paint: { 'line-color': colour, 'line-width': ['case', LINES, 3.5, 1.5] } }, 'lines');
          map.addLayer({ id: ids[2], type: 'circle', source, filter: POINTS,
            paint: { 'circle-color': colour, 'circle-radius': 5.5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }, 'lines');
          map.addLayer({ id: ids[3], type: 'symbol', source, minzoom: 12,
            layout: { 'text-field': LABEL, 'text-font': FONT, 'text-size': 12, 'symbol-placement': 'point', 'text-offset': [0, 1], 'text-anchor': 'top' },
            paint: { 'text-color': colour, 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
          drawn.set(l.name, ids);
          item.dataset.features = String(data.features.length);
        } catch (e) {
          item.dataset.state = 'error';
          setStatus(tr('js-map-layer-failed', { title: l.title, error: e.message }), true);
          return;
        }
      }
      for (const id of drawn.get(l.name)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
      item.dataset.state = on ? 'ready' : 'hidden';
    }

    /** A popup of an imported feature's properties (as imported, at most twelve). */
    function showFeature(f, at) {
      const name = f.layer.id.split(':')[1];
      const props = Object.entries(f.properties).slice(0, 12);
      const node = el('div', { class: 'layer-popup', 'data-layer-name': name },
        el('dl', {}, props.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))])),
        el('button', { type: 'button', class: 'link', onclick: () => { popup.remove(); locate(at.lng, at.lat); } }, tr('js-map-feature-nearest')));
      popup.setLngLat(at).setDOMContent(node).addTo(map);
    }
    const popup = new maplibregl.Popup({ closeButton: true, maxWidth: '18rem' });

    function applyLayers() {
      const { visibility, filters } = layerChoices();
      for (const [id, v] of Object.entries(visibility)) map.setLayoutProperty(id, 'visibility', v);
      // MapLibre skips an unchanged filter; a changed one makes the stations' tiles laid out again.
      for (const [id, f] of Object.entries(filters)) map.setFilter(id, f);
    }

    function setTilt(on) {
      const b = $('tilt');
      b.setAttribute('aria-pressed', String(on));
      map.setLayoutProperty('columns', 'visibility', on ? 'visible' : 'none');
      // In 3D the columns stand for the stations; the flat dots would float over their feet.
      map.setPaintProperty('stations', 'circle-opacity', on ? 0 : 1);
      map.setPaintProperty('stations', 'circle-stroke-opacity', on ? 0 : 1);
      map.easeTo({ pitch: on ? 55 : 0, bearing: on ? -20 : 0, duration: 800 });
    }

    // ---- published layers: livelihood projects, river patrols, this week's warnings -------------

    const colours = config.published;
    const byStatus = ['match', ['get', 'status'], ...Object.entries(colours.statuses).flat(), '#7b8794'];
    const byWater = ['match', ['get', 'water_class'], ...Object.entries(colours.water_classes).flat(), colours.water_classes.none];
    /** Each published layer once asked for: a promise of its map layer ids, records by feature id
     * and popup. */
    const published = new Map();

    /** MapLibre keeps flat properties only: a feature carries its id and what it is drawn by, and
     * the popups read the whole record. */
    const slim = (features) => ({ type: 'FeatureCollection', features });

    const LOADERS = {
      async projects() {
        const data = await getJSON('/api/v1/projects?limit=1000');
        map.addSource('projects', { type: 'geojson', data: slim(data.features.map((f) =>
          ({ type: 'Feature', properties: { id: f.properties.id, status: f.properties.status }, geometry: f.geometry }))) });
        map.addLayer({ id: 'projects-fill', type: 'fill', source: 'projects', filter: AREAS,
          paint: { 'fill-color': byStatus, 'fill-opacity': 0.16 } }, 'lines');
        map.addLayer({ id: 'projects-line', type: 'line', source: 'projects', filter: AREAS,
          paint: { 'line-color': byStatus, 'line-width': 2.2, 'line-dasharray': [3, 1.5] } }, 'lines');
        // Above the stations: a project's point is what one clicks there.
        map.addLayer({ id: 'projects-point', type: 'circle', source: 'projects', filter: POINTS,
          paint: { 'circle-color': byStatus, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 15, 10],
            'circle-stroke-color': '#1f2933', 'circle-stroke-width': 2 } }, 'stations-picked');
        return { layers: ['projects-fill', 'projects-line', 'projects-point'], records: new Map(data.features.map((f) => [f.properties.id, f])), popup: projectPopup };
      },
      async patrols() {
        const { activities } = await getJSON('/api/v1/activities?kind=river_patrol&limit=1000');
        const patrols = activities.filter((a) => a.patrol?.path);
        map.addSource('patrols', { type: 'geojson', data: slim(patrols.map((a) =>
          ({ type: 'Feature', properties: { id: a.id, water_class: a.patrol.water_class ?? 'none' }, geometry: a.patrol.path }))) });
        map.addLayer({ id: 'patrols-line', type: 'line', source: 'patrols', layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': byWater, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 3, 15, 6] } }, 'lines');
        return { layers: ['patrols-line'], records: new Map(patrols.map((a) => [a.id, a])), popup: patrolPopup };
      },
      async warnings() {
        const [towns, grids] = await Promise.all(['town', 'grid'].map((level) => getJSON(`/api/v1/warnings?level=${level}`)));
        const shapes = {
          town: new Map((district?.towns.features ?? []).filter((f) => f.properties.level === 'town').map((f) => [f.properties.code, f.geometry])),
          grid: new Map((district?.grids.features ?? []).map((f) => [f.properties.id, f.geometry])),
        };
        const warnings = [...towns.warnings, ...grids.warnings];
        map.addSource('warnings', { type: 'geojson', data: slim(warnings
          .map((w, i) => ({ type: 'Feature', properties: { id: i, level: w.level }, geometry: shapes[w.level]?.get(w.area) }))
          .filter((f) => f.geometry)) });
        const grid = ['==', ['get', 'level'], 'grid'];
        map.addLayer({ id: 'warnings-fill', type: 'fill', source: 'warnings',
          paint: { 'fill-color': colours.warning, 'fill-opacity': ['case', grid, 0.35, 0.15] } }, 'lines');
        map.addLayer({ id: 'warnings-line', type: 'line', source: 'warnings',
          paint: { 'line-color': colours.warning, 'line-width': ['case', grid, 1.5, 3] } }, 'lines');
        const note = document.querySelector('[data-warnings-note]');
        if (note) note.textContent = warnings.length ? tr('js-map-warnings-some', { n: warnings.length }) : tr('js-map-warnings-none');
        return { layers: ['warnings-fill', 'warnings-line'], records: new Map(warnings.map((w, i) => [i, w])), popup: warningPopup };
      },
    };

    /** Switches the published layer `name` on or off, asking for its data the first time. */
    async function showPublished(name) {
      const item = document.querySelector(`#layer-list li[data-published="${name}"]`);
      const box = item.querySelector('input');
      if (!published.has(name)) {
        if (!box.checked) return;
        item.dataset.state = 'loading';
        published.set(name, mapkit.loaded(map).then(() => LOADERS[name]()));
      }
      let layer;
      try {
        layer = await published.get(name);
      } catch (e) {
        published.delete(name);
        item.dataset.state = 'error';
        box.checked = false;
        setStatus(tr('js-map-published-failed', { title: item.querySelector('label').textContent.trim(), error: e.message }), true);
        return;
      }
      const on = box.checked;
      for (const id of layer.layers) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
      item.classList.toggle('on', on);
      item.dataset.features = String(layer.records.size);
      if (!on) {
        item.dataset.state = 'hidden';
        return;
      }
      const drawn = mapkit.idle(map);
      map.triggerRepaint();
      await drawn;
      if (!box.checked) return;
      const shown = map.queryRenderedFeatures({ layers: layer.layers });
      item.dataset.rendered = String(new Set(shown.map((f) => f.properties.id)).size);
      // A pixel where a click opens this layer's popup: on a point, or on a line's vertex, that
      // nothing drawn above it takes.
      const candidates = shown.flatMap((f) => (f.geometry.type === 'Point' ? [f.geometry.coordinates]
        : f.geometry.type === 'LineString' ? f.geometry.coordinates : []));
      const at = candidates.map((c) => map.project(c)).find((px) => layerOf(clicked(px)?.layer.id ?? '') === name);
      if (at) item.dataset.at = `${Math.round(at.x)},${Math.round(at.y)}`;
      item.dataset.state = 'ready';
    }

    /** Which published layer a map layer id belongs to. */
    const layerOf = (id) => id.split('-')[0];

    /** Rows of a popup's facts, leaving out empty ones. */
    const facts = (rows) => el('dl', {}, rows.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

    function projectPopup(f) {
      const p = f.properties;
      const latest = p.updates.at(-1);
      const budget = p.budget_yuan === null ? null
        : tr('js-map-project-budget-value', { wan: +(p.budget_yuan / 1e4).toFixed(2), million: +(p.budget_yuan / 1e6).toFixed(2) });
      return [
        el('h3', {}, p.title),
        el('p', {}, statusTag(p.status), ' ', progressBar(p.progress)),
        facts([
          [tr('js-map-project-department'), p.department],
          [tr('js-map-project-year'), String(p.year)],
          [tr('js-map-project-budget'), budget],
          [tr('js-map-project-place'), [p.town?.name, p.grid?.name].filter(Boolean).join(' · ')],
          [tr('js-map-project-supervisors'), p.supervisors.map((m) => m.name ?? m.id).join(tr('js-map-names-sep'))],
        ]),
        p.description ? el('p', {}, p.description) : null,
        latest ? el('p', { class: 'muted' }, `${tr('js-map-project-latest')}: ${latest.date} ${latest.text}`) : null,
      ];
    }

    function patrolPopup(a) {
      const w = a.patrol.water_class;
      return [
        el('h3', {}, tr('js-map-patrol-title', { river: a.patrol.river })),
        facts([
          [tr('js-map-patrol-date'), a.date],
          [tr('js-map-patrol-station'), a.station.name ?? a.station.id],
          [tr('js-map-patrol-members'), a.members.map((m) => m.name ?? m.id).join(tr('js-map-names-sep'))],
          [tr('js-map-patrol-length'), formatDistance(a.patrol.length_m)],
          [tr('js-map-patrol-class'), el('span', { class: 'tag', style: `border-color:${colours.water_classes[w ?? 'none']}` },
            w ? tr('water-class', { class: w }) : tr('water-class-none'))],
          [tr('js-map-patrol-observations'), a.patrol.observations],
        ]),
      ];
    }

    function warningPopup(w) {
      return [
        el('h3', {}, tr('js-map-warning-title', { area: w.area_name ?? w.area, category: tr(`category-${w.category}`) })),
        el('p', {}, el('span', { class: 'tag' }, tr(`js-map-warning-level-${w.level}`)), ' ',
          tr('js-map-warning-count', { count: w.count, expected: w.expected.toFixed(1) })),
      ];
    }

    /** The popup of a published feature that was clicked at `at`. */
    async function showPublishedFeature(f, at) {
      const name = layerOf(f.layer.id);
      const layer = await published.get(name);
      const record = layer.records.get(f.properties.id);
      if (!record) return;
      const node = el('div', { class: 'layer-popup published-popup', 'data-layer': name, 'data-id': String(f.properties.id) },
        layer.popup(record),
        el('button', { type: 'button', class: 'link', onclick: () => { popup.remove(); locate(at.lng, at.lat); } }, tr('js-map-feature-nearest')));
      popup.setLngLat(at).setDOMContent(node).addTo(map);
    }

    /** A project of a station's panel on the map: the layer on, the map at it, its popup open. */
    async function showProject(pf) {
      const box = document.querySelector('#layer-list input[data-published="projects"]');
      if (!box.checked) {
        box.checked = true;
        await showPublished('projects');
      }
      const positions = (c) => (typeof c[0] === 'number' ? [c] : c.flatMap(positions));
      const points = positions(pf.geometry.coordinates);
      const b = new maplibregl.LngLatBounds(points[0], points[0]);
      for (const c of points) b.extend(c);
      map.fitBounds(b, { padding: 60, maxZoom: 15, duration: 600 });
      const center = pf.geometry.type === 'Point' ? { lng: points[0][0], lat: points[0][1] } : b.getCenter();
      showPublishedFeature({ layer: { id: 'projects-point' }, properties: { id: pf.properties.id } }, center);
    }

    /** The published feature under a click, if a published layer is on: `first` layers only
     * (drawn above the stations), or the others. */
    function publishedAt(point, first) {
      const ids = (first ? ['projects-point'] : ['patrols-line', 'projects-fill', 'warnings-fill'])
        .filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
      return ids.length ? map.queryRenderedFeatures(point, { layers: ids })[0] : null;
    }

    // ---- wiring ----------------------------------------------------------------------------------

    /** What a click at `point` opens: a project's point (drawn above the stations), a station, another
     * published feature or an imported one, first found; null for the map itself. */
    function clicked(point) {
      const imported = [...drawn.values()].flat().filter((id) => !id.endsWith(':label') && map.getLayoutProperty(id, 'visibility') !== 'none');
      return publishedAt(point, true)
        ?? map.queryRenderedFeatures(point, { layers: ['stations'] })[0]
        ?? publishedAt(point, false)
        ?? (imported.length ? map.queryRenderedFeatures(point, { layers: imported })[0] : null);
    }

    map.on('click', (e) => {
      const f = clicked(e.point);
      if (!f) return locate(e.lngLat.lng, e.lngLat.lat, { fit: false });
      if (f.layer.id === 'stations') return openStation(f.properties.id);
      if (published.has(layerOf(f.layer.id))) return showPublishedFeature(f, e.lngLat);
      return showFeature(f, e.lngLat);
    });
    geolocate.on('geolocate', (pos) => locate(pos.coords.longitude, pos.coords.latitude));
    geolocate.on('error', (e) => setStatus(tr('js-map-locate-failed', { error: e.message ?? tr('js-map-locate-denied') }), true));

    let typing = null;
    $('search').addEventListener('input', (e) => {
      clearTimeout(typing);
      typing = setTimeout(() => search(e.target.value), 250);
    });
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      clearTimeout(typing);
      search($('search').value);
    });
    $('track-form').addEventListener('submit', (e) => {
      e.preventDefault();
      track($('track-code').value);
    });
    for (const box of document.querySelectorAll('#layers input[data-layer]')) box.addEventListener('change', applyLayers);
    for (const box of document.querySelectorAll('#layers input[data-published]')) {
      box.addEventListener('change', () => showPublished(box.dataset.published));
    }
    $('tilt').addEventListener('click', () => setTilt($('tilt').getAttribute('aria-pressed') !== 'true'));

    (async () => {
      try {
        setStatus(tr('js-map-loading'));
        if (failed) throw failed;
        await Promise.all([mapkit.loaded(map), loadImportedLayers()]);
        applyLayers();
        await mapkit.idle(map);
        setStatus('');
        body.dataset.state = 'ready';
        $('map-preview')?.remove();
        performance.mark('map-ready');
        const asked = new URL(location.href).searchParams;
        const [lon, lat] = [Number(asked.get('lon')), Number(asked.get('lat'))];
        if (asked.has('lon') && Number.isFinite(lon) && Number.isFinite(lat)) locate(lon, lat);
        if (asked.get('station')) openStation(asked.get('station'), { fly: !asked.has('lon') });
      } catch (e) {
        body.dataset.state = 'error';
        setStatus(tr('js-map-load-failed', { error: e.message }), true);
      }
    })();
  }

  document.addEventListener('DOMContentLoaded', main, { once: true });
})();
