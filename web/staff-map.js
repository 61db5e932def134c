// Staff on the map (/staff/map): the opinions of one's stations or grid areas as points on the
// district's map (coloured by status, ringed when overdue) and as a list, filtered by status,
// category, station and overdue; a click opens the opinion with its details, the moves the
// login may make now (the API's `next`) as a form, and the audit trail. Fed by the staff API with
// the login's session: GET /api/v1/staff/issues, GET /api/v1/staff/issues/{id}, POST
// /api/v1/staff/issues/{id}/transitions (JSON, with the version read).
//
// Plain modern JS, no build step, on the district's style and helpers of web/mapkit.js. Nothing is
// loaded from beyond this server. Positions are WGS84 lon/lat throughout.
//
// Hooks: <body data-state="ready"> once the district and the opinions are drawn ("error" when they
// cannot be); #issues[data-count] > li[data-issue-id][data-status] newest first, the map's
// #map[data-issues]; #issue gets data-state="ready", data-issue-id, data-status and data-version
// when an opinion's panel is filled, and #transition-form[data-state] "done" or "error" after a move.

'use strict';

(() => {
  const { $, config, EMPTY, tr, has, el, fill, setStatus, errorText, getJSON, formatTime, remember } = mapkit;
  const body = document.body;
  const colour = Object.fromEntries(config.statuses.map((s) => [s.code, s.colour]));
  const statusColour = ['match', ['get', 'status'], ...config.statuses.flatMap((s) => [s.code, s.colour]), '#7b8794'];

  // ---- the filters, in the form and in the URL -----------------------------------------------

  const form = $('filters');

  /** The URL's filters onto the form (the form's defaults stand where the URL says nothing). */
  function readUrl() {
    const asked = new URL(location.href).searchParams;
    if (asked.has('status')) {
      const wanted = new Set(asked.get('status').split(',').filter(Boolean));
      for (const box of form.querySelectorAll('input[name=status]')) box.checked = wanted.has(box.value);
    }
    for (const name of ['category', 'station']) {
      const select = form.elements[name];
      if (select && asked.has(name)) select.value = asked.get(name);
    }
    form.elements.overdue.checked = asked.get('overdue') === 'true';
    return asked.get('issue');
  }

  /** The form's filters as the inbox's query, and into the URL. */
  function filters() {
    const statuses = [...form.querySelectorAll('input[name=status]:checked')].map((b) => b.value);
    const f = {
      status: statuses.join(','),
      category: form.elements.category.value || null,
      station: form.elements.station?.value || null,
      overdue: form.elements.overdue.checked ? 'true' : null,
    };
    remember(f);
    const q = new URLSearchParams({ limit: String(config.limit) });
    for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
    return q;
  }

  const askedIssue = readUrl();
  const early = { ...mapkit.askDistrict(), issues: getJSON(`/api/v1/staff/issues?${filters()}`) };
  early.issues.catch(() => {});

  async function main() {
    // ---- the map -------------------------------------------------------------------------------

    // The district's answers are usually in before MapLibre has run: the map starts with them.
    const [district, failed] = await mapkit.settle(mapkit.districtData(early));
    const map = mapkit.createMap(mapkit.style({
      district,
      sources: { issues: { type: 'geojson', data: EMPTY } },
      above: [
        { id: 'issues-overdue', type: 'circle', source: 'issues', filter: ['get', 'overdue'],
          paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 9, 'circle-stroke-color': '#c0392b', 'circle-stroke-width': 2.5 } },
        { id: 'issues', type: 'circle', source: 'issues',
          paint: {
            'circle-color': statusColour,
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 4, 15, 7],
            'circle-stroke-color': '#fff',
            'circle-stroke-width': 1.5,
          } },
        { id: 'issues-picked', type: 'circle', source: 'issues', filter: ['==', ['get', 'id'], -1],
          paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 13, 'circle-stroke-color': '#243b53', 'circle-stroke-width': 3 } },
      ],
    }));
    // The opinions are what this map is for; the stations stay as small grey context.
    map.once('load', () => {
      map.setPaintProperty('stations', 'circle-radius', ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 5]);
      map.setPaintProperty('stations', 'circle-opacity', 0.55);
    });

    // ---- the list ------------------------------------------------------------------------------

    /** The opinions listed now, by id. */
    let shown = new Map();
    let listRequest = null;

    const statusTag = (status) =>
      el('span', { class: 'tag status', style: `border-color:${colour[status]};color:${colour[status]}` }, tr(`status-${status}`));

    function renderList(inbox) {
      shown = new Map(inbox.issues.map((i) => [i.id, i]));
      const list = $('issues');
      list.dataset.count = String(inbox.count);
      fill(list, inbox.issues.map((i) =>
        el('li', { 'data-issue-id': String(i.id), 'data-status': i.status, 'data-overdue': i.overdue ? 'true' : null },
          el('button', { type: 'button', class: 'result', onclick: () => openIssue(i.id, { fly: true }) },
            el('span', { class: 'dot', style: `background:${colour[i.status]}` }),
            el('strong', {}, `#${i.id} `), i.title),
          el('div', { class: 'muted' }, statusTag(i.status), ' ', tr(`category-${i.category}`), ' · ', formatTime(i.created_at),
            i.due ? [' · ', el('span', { class: i.overdue ? 'overdue' : '' }, tr(i.overdue ? 'js-staff-overdue' : 'js-staff-due', { date: i.due }))] : null),
        )));
      $('count').textContent = inbox.count >= config.limit
        ? tr('js-staff-count-capped', { n: inbox.count })
        : tr('js-staff-count', { n: inbox.count });
      if (!inbox.count) list.append(el('li', { class: 'muted' }, tr('js-staff-none')));
      map.getSource('issues').setData({
        type: 'FeatureCollection',
        features: inbox.issues.map((i) => ({
          type: 'Feature',
          properties: { id: i.id, status: i.status, overdue: i.overdue },
          geometry: { type: 'Point', coordinates: [i.lon, i.lat] },
        })),
      });
      $('map').dataset.issues = String(inbox.count);
      markPicked();
    }

    async function loadList(answer) {
      listRequest?.abort();
      const ctl = new AbortController();
      listRequest = ctl;
      $('issues').dataset.state = 'loading';
      try {
        renderList(await (answer ?? getJSON(`/api/v1/staff/issues?${filters()}`, ctl.signal)));
        $('issues').dataset.state = 'ready';
      } catch (e) {
        if (e.name === 'AbortError') return;
        $('issues').dataset.state = 'error';
        setStatus(tr('js-staff-load-failed', { error: errorText(e) }), true);
        throw e;
      }
    }

    // ---- one opinion ---------------------------------------------------------------------------

    let picked = null;
    let issueRequest = null;

    function markPicked() {
      map.setFilter('issues-picked', ['==', ['get', 'id'], picked ?? -1]);
      for (const li of $('issues').children) li.classList.toggle('picked', li.dataset.issueId === String(picked));
    }

    async function openIssue(id, { fly = false } = {}) {
      issueRequest?.abort();
      const ctl = new AbortController();
      issueRequest = ctl;
      const panel = $('issue');
      panel.hidden = false;
      panel.dataset.state = 'loading';
      panel.dataset.issueId = String(id);
      try {
        const o = await getJSON(`/api/v1/staff/issues/${encodeURIComponent(id)}`, ctl.signal);
        renderIssue(o);
        picked = o.id;
        markPicked();
        remember({ issue: String(o.id) });
        if (fly) map.flyTo({ center: o.location.coordinates, zoom: Math.max(map.getZoom(), 14), duration: 700 });
        panel.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        if (e.name === 'AbortError') return;
        panel.dataset.state = 'error';
        fill(panel, el('p', { class: 'error' }, tr('js-staff-open-failed', { error: errorText(e) })));
      }
    }

    function closeIssue() {
      issueRequest?.abort();
      $('issue').hidden = true;
      picked = null;
      markPicked();
      remember({ issue: null });
    }

    const fact = (label, value) => (value ? [el('dt', {}, tr(label)), el('dd', {}, value)] : []);

    /** The label of `code` under `prefix` if the catalogue has one, else `code` as it is. */
    const labelOr = (prefix, code) => (has(`${prefix}-${code}`) ? tr(`${prefix}-${code}`) : code);

    /** An audit line's note in the page's language: the domain records codes and a few fixed
     *  forms (the channel of a submission, `DEPARTMENT · due DATE`, a reply's route, `N stars
     *  COMMENT`); anything else is shown as typed. The same reading as the no-JS page's. */
    function auditNote({ event, note }) {
      if (event === 'submit') return labelOr('channel', note);
      if (event === 'reply') return labelOr('reply-route', note);
      let m;
      if (event === 'assign' && (m = note.match(/^(.*) · due (\S+)$/))) return `${m[1]} · ${tr('js-staff-due', { date: m[2] })}`;
      if (event === 'rate' && (m = note.match(/^(\d+) stars(.*)$/))) return `${tr('js-staff-stars', { n: m[1] })}${m[2]}`;
      return note;
    }

    function renderIssue(o) {
      const panel = $('issue');
      const r = o.routing;
      const contact = o.contact
        ? [o.contact.name ?? (o.anonymous ? tr('js-staff-anonymous') : '—'), o.contact.phone ? [' · ', el('a', { href: `tel:${o.contact.phone}` }, o.contact.phone)] : '']
        : null;
      fill(panel,
        el('button', { type: 'button', class: 'close', 'aria-label': tr('js-map-close'), onclick: closeIssue }, '×'),
        el('h2', {}, `#${o.id} ${o.title}`),
        el('p', {}, statusTag(o.status), ' ', el('span', { class: 'tag' }, tr(`category-${o.category}`)),
          el('span', { class: 'muted' }, ` ${tr('js-staff-version', { n: o.version })}`)),
        el('p', { class: 'text' }, o.text),
        el('dl', { class: 'facts' },
          fact('js-staff-submitted', formatTime(o.created_at)),
          fact('issue-station', r.station?.name),
          fact('js-staff-grid', r.grid?.name),
          fact('js-staff-members', r.members.map((m) => m.name).join('、')),
          fact('issue-contact', contact),
          fact('issue-department', o.department),
          fact('issue-due', o.due),
          fact('issue-reply', o.reply && [o.reply_route ? el('span', { class: 'tag' }, tr(`reply-route-${o.reply_route}`)) : '', ' ', o.reply]),
          fact('js-staff-rating', o.rating && tr('js-staff-stars', { n: o.rating })),
        ),
        el('h3', {}, tr('issue-move')),
        moveForm(o),
        el('h3', {}, tr('issue-history')),
        el('ol', { class: 'history', id: 'audit' }, o.history.map((s) =>
          el('li', { 'data-event': s.event, 'data-to': s.to },
            `${formatTime(s.at)} `, el('strong', {}, tr(`event-${s.event}`)), ` → ${tr(`status-${s.to}`)}`,
            s.actor ? el('span', { class: 'muted' }, ` · ${labelOr('actor', s.actor)}`) : '',
            s.note ? el('div', { class: 'muted' }, auditNote(s)) : ''))),
      );
      Object.assign(panel.dataset, { state: 'ready', issueId: String(o.id), status: o.status, version: String(o.version) });
    }

    /** The form of the moves the login may make now: the fields each target needs appear with it. */
    function moveForm(o) {
      const next = o.next ?? [];
      if (!next.length) return el('p', { class: 'muted', id: 'no-next' }, tr('issue-no-next'));
      const field = (name, labelId, input) => el('label', { 'data-for': name }, tr(labelId), input);
      // The standard time limit from today (Asia/Shanghai), as a first due date.
      const due = new Date(Date.now() + (8 + config.due_days * 24) * 3600e3).toISOString().slice(0, 10);
      const f = el('form', { id: 'transition-form', novalidate: true },
        field('to', 'issue-next', el('select', { name: 'to' }, next.map((s) => el('option', { value: s }, tr(`status-${s}`))))),
        field('department', 'issue-department', el('input', { type: 'text', name: 'department', maxlength: 100, value: o.department ?? '' })),
        field('due', 'issue-due', el('input', { type: 'date', name: 'due', value: o.due ?? due })),
        field('reply_route', 'issue-reply-route', el('select', { name: 'reply_route' },
          config.reply_routes.map((r) => el('option', { value: r }, tr(`reply-route-${r}`))))),
        field('reply', 'issue-reply', el('textarea', { name: 'reply', maxlength: 5000, rows: 3 })),
        field('note', 'issue-note', el('input', { type: 'text', name: 'note', maxlength: 2000 })),
        el('p', { class: 'error', role: 'alert', hidden: true }),
        el('button', { type: 'submit' }, tr('issue-apply')),
      );
      const NEEDS = { assigned: ['department', 'due'], replied: ['reply_route', 'reply'], closed: ['note'], rejected: ['note'] };
      const showFields = () => {
        const needs = NEEDS[f.elements.to.value] ?? [];
        for (const label of f.querySelectorAll('label[data-for]')) {
          if (label.dataset.for !== 'to') label.hidden = !needs.includes(label.dataset.for);
        }
      };
      f.elements.to.addEventListener('change', showFields);
      showFields();
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        move(o, f);
      });
      return f;
    }

    async function move(o, f) {
      const to = f.elements.to.value;
      const value = (name) => f.elements[name].value.trim();
      const request = { to, version: o.version, note: value('note') };
      if (to === 'assigned') Object.assign(request, { department: value('department'), due: value('due') || null });
      if (to === 'replied') Object.assign(request, { reply_route: value('reply_route'), reply: value('reply') });
      const alert = f.querySelector('p.error');
      f.dataset.state = 'sending';
      f.querySelector('button[type=submit]').disabled = true;
      try {
        const moved = await getJSON(`/api/v1/staff/issues/${o.id}/transitions`, undefined, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(request),
        });
        renderIssue(moved);
        $('transition-form')?.setAttribute('data-state', 'done');
        setStatus(tr('js-staff-moved', { id: moved.id, status: tr(`status-${moved.status}`) }));
        await loadList();
      } catch (e) {
        f.dataset.state = 'error';
        f.querySelector('button[type=submit]').disabled = false;
        alert.hidden = false;
        alert.textContent = errorText(e);
        alert.dataset.code = e.answer?.error?.code ?? '';
        // Someone else moved it first: show what it is now, keeping the message.
        if (e.answer?.error?.code === 'version_conflict') {
          const message = alert.textContent;
          await openIssue(o.id);
          const again = $('transition-form')?.querySelector('p.error') ?? null;
          if (again) Object.assign(again, { hidden: false, textContent: message });
          $('transition-form')?.setAttribute('data-state', 'error');
        }
      }
    }

    // ---- wiring --------------------------------------------------------------------------------

    map.on('click', (e) => {
      const hit = map.queryRenderedFeatures(e.point, { layers: ['issues'] })[0];
      if (hit) openIssue(hit.properties.id);
    });
    map.on('mouseenter', 'issues', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'issues', () => { map.getCanvas().style.cursor = ''; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      loadList().catch(() => {});
    });
    form.addEventListener('change', () => loadList().catch(() => {}));

    (async () => {
      try {
        setStatus(tr('js-map-loading'));
        if (failed) throw failed;
        await mapkit.loaded(map);
        await loadList(early.issues);
        await mapkit.idle(map);
        setStatus('');
        body.dataset.state = 'ready';
        performance.mark('map-ready');
        if (askedIssue) openIssue(askedIssue, { fly: true });
      } catch (e) {
        body.dataset.state = 'error';
        setStatus(tr('js-map-load-failed', { error: errorText(e) }), true);
      }
    })();
  }

  document.addEventListener('DOMContentLoaded', main, { once: true });
})();
