// Landscape search box: the page at / and the search form on every concept page.
// Quick keyword results QUICK_MS after each keystroke; the full search in the chosen mode only
// after a PAUSE_MS pause (or on Enter), because its semantic leg costs an embedding per request
// and must not run per keystroke. The load script replays this same protocol: keep them in step.
const QUICK_MS = 80, PAUSE_MS = 400;
const QUICK_K = 8, FULL_K = 10;

(() => {
  'use strict';
  const $ = (s) => document.getElementById(s);
  const input = $('q');
  if (!input) return;
  const form = input.form, list = $('results-list'), panel = $('results-panel'),
    answerEl = $('answer'), summary = $('summary'), statusEl = $('status'),
    kindSel = $('kind'), underSel = $('under'), intro = $('intro');
  const overlay = document.body.classList.contains('page-concept');

  let defaultMode = 'hybrid';
  const titles = new Map(); // id → title, learnt from /concepts and from every response
  let gen = 0;              // bumped whenever q or a filter changes: older responses are stale
  const inflight = new Set();
  let quickT = 0, fullT = 0;
  let quick = null;         // the last quick request: {key, data, final}
  let shown = null;         // what is rendered: {key, full, n}
  let active = -1;
  let committed = here();   // the URL of the committed history entry

  // ---- helpers -----------------------------------------------------------------------------
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
  // The server puts its search key (public, revocable) in the page when one is configured.
  const keyMeta = document.querySelector('meta[name="landscape-search-key"]');
  const H = keyMeta ? { Accept: 'application/json', Authorization: 'Bearer ' + keyMeta.content } : { Accept: 'application/json' };
  const encId = (id) => String(id).split('/').map(encodeURIComponent).join('/');
  const cHref = (id, anchor) => '/c/' + encId(id) + (anchor ? '#' + anchor : '');
  // The corpus's heading slug (GitHub's), for citations that name a section but not its anchor.
  const slug = (t) => String(t || '').trim().toLowerCase().replace(/ /g, '-').replace(/[^\p{L}\p{N}_-]/gu, '');
  const pretty = (id) => { const s = String(id).split('/').pop().replace(/[-_]+/g, ' '); return s.charAt(0).toUpperCase() + s.slice(1); };
  const titleOf = (id) => titles.get(id) || pretty(id);
  const plural = (n) => (n ? n + (n === 1 ? ' result' : ' results') : 'No results');
  function here() { return location.pathname + location.search + location.hash; }

  function state() {
    return {
      q: input.value,
      mode: (form.elements.mode && form.elements.mode.value) || defaultMode,
      kind: kindSel ? kindSel.value : '',
      under: underSel ? underSel.value : '',
    };
  }
  const keyOf = (s) => [s.q.trim(), s.kind, s.under].join('\u0001');

  function urlFor(s) {
    const p = new URLSearchParams();
    if (s.q.trim()) p.set('q', s.q);
    if (s.mode !== defaultMode) p.set('mode', s.mode);
    if (s.kind) p.set('kind', s.kind);
    if (s.under) p.set('under', s.under);
    const qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '') + (overlay ? location.hash : '');
  }
  function apiUrl(s, mode, k) {
    const p = new URLSearchParams({ q: s.q, k: String(k), mode });
    if (s.kind) p.set('kind', s.kind);
    if (s.under) p.set('under', s.under);
    return '/search?' + p;
  }

  function learn(data) {
    const add = (c) => { if (c && c.id && c.title && !titles.has(c.id)) titles.set(c.id, c.title); };
    for (const r of data.results || []) {
      add(r);
      (r.breadcrumbs || []).forEach(add);
      (r.related || []).forEach(add);
    }
    const a = data.answer;
    if (a) {
      (a.concepts || []).forEach(add);
      (a.ancestries || []).forEach((chain) => chain.forEach(add));
      (a.path || []).forEach((st) => { add(st.from); add(st.to); });
    }
  }

  // ---- requests ----------------------------------------------------------------------------
  async function request(s, mode, k, full) {
    const g = gen, ctrl = new AbortController();
    inflight.add(ctrl);
    let data = null, err = null;
    try {
      const res = await fetch(apiUrl(s, mode, k), { signal: ctrl.signal, headers: H });
      data = await res.json().catch(() => null);
      if (!res.ok || !data) err = (data && data.error && data.error.message) || 'Search failed (HTTP ' + res.status + ').';
    } catch (e) {
      if (e.name === 'AbortError') return null;
      err = 'Search is unavailable. Check your connection and try again.';
    } finally {
      inflight.delete(ctrl);
    }
    if (g !== gen) return null;                // q or a filter changed since: stale
    if (!full && shown && shown.full) return null; // never let quick results replace full ones
    if (err) { showError(err); return null; }
    learn(data);
    return data;
  }

  function abortAll() { for (const c of inflight) c.abort(); inflight.clear(); }

  async function runQuick() {
    const s = state();
    if (!s.q.trim()) return;
    const mine = (quick = { key: keyOf(s), data: null, final: false });
    const data = await request(s, 'keyword', QUICK_K, false);
    if (!data) return;
    mine.data = data;
    render(data, s, false);
    if (mine.final) finish(s, data);
  }

  async function runFull() {
    clearTimeout(quickT); clearTimeout(fullT);
    const s = state();
    if (!s.q.trim()) return clear();
    const key = keyOf(s);
    if (shown && shown.full && shown.key === key + s.mode) return finish(s, null);
    // Keyword mode: the quick request already asked exactly this; reuse it.
    if (s.mode === 'keyword' && quick && quick.key === key) {
      if (quick.data) return finish(s, quick.data);
      quick.final = true;
      return;
    }
    const data = await request(s, s.mode, FULL_K, true);
    if (!data) return;
    render(data, s, true);
    finish(s, data);
  }

  // A search is complete: announce it and commit the URL to history.
  function finish(s, data) {
    if (data) announce(plural((data.results || []).length));
    const url = urlFor(s);
    if (url !== committed) {
      if (here() !== committed) history.replaceState(null, '', committed);
      history.pushState(null, '', url);
      committed = url;
    }
  }

  function changed(typing) {
    gen++;
    abortAll();
    clearTimeout(quickT); clearTimeout(fullT);
    quick = null;
    shown = shown && { ...shown, full: false, key: '' };
    const s = state();
    if (intro) intro.hidden = !!s.q.trim();
    if (!s.q.trim()) { clear(); history.replaceState(null, '', urlFor(s)); return; }
    if (typing) {
      quickT = setTimeout(() => { history.replaceState(null, '', urlFor(state())); runQuick(); }, QUICK_MS);
      fullT = setTimeout(runFull, PAUSE_MS);
    } else {
      runFull();
    }
  }

  // ---- rendering ---------------------------------------------------------------------------
  function crumbsHtml(items, cls) {
    if (!items.length) return '';
    return '<ol class="' + cls + '">' + items.map((c) =>
      '<li><a href="' + esc(cHref(c.id)) + '">' + esc(c.title || titleOf(c.id)) + '</a></li>').join('') + '</ol>';
  }

  function resultHtml(r, i) {
    const base = r.url ? String(r.url).split('#')[0] : null;
    const main = r.url || cHref(r.id, r.anchor);
    const secHref = (a) => (base !== null ? base + (a ? '#' + a : '') : cHref(r.id, a));
    const crumbs = Array.isArray(r.breadcrumbs) && r.breadcrumbs.length
      ? r.breadcrumbs : (r.ancestry || []).map((id) => ({ id, title: titleOf(id) }));
    let secs = Array.isArray(r.sections) ? r.sections : [];
    if (secs.length && (secs[0].passage_html === r.passage_html || (secs[0].anchor === r.anchor && !r.passage_html))) secs = secs.slice(1);
    let h = '<li class="result" role="option" id="opt-' + i + '" aria-selected="false" data-href="' + esc(main) + '">' +
      '<div class="result-head"><a class="result-link" href="' + esc(main) + '">' + esc(r.title || r.id) + '</a>' +
      (r.kind === 'comparison' ? '<span class="tag">Comparison</span>' : '') + '</div>' +
      crumbsHtml(crumbs, 'path-line');
    if (r.passage_html) h += '<p class="passage">' + r.passage_html + '</p>';
    if (secs.length) {
      h += '<ul class="subs">' + secs.map((sec) =>
        '<li><a class="sub-link" href="' + esc(secHref(sec.anchor)) + '">§ ' + esc(sec.name || 'Section') + '</a>' +
        (sec.passage_html ? '<p class="sub-passage">' + sec.passage_html + '</p>' : '') + '</li>').join('') + '</ul>';
    }
    const rel = Array.isArray(r.related) ? r.related.slice(0, 8) : [];
    if (rel.length) {
      h += '<ul class="chips" aria-label="Related">' + rel.map((x) =>
        '<li><a class="chip" href="' + esc(cHref(x.id)) + '"><span class="chip-rel">' +
        esc(String(x.relation || 'related').replace(/-/g, ' ')) + ':</span> ' + esc(x.title || titleOf(x.id)) + '</a></li>').join('') + '</ul>';
    }
    return h + '</li>';
  }

  const VERDICTS = {
    yes: ['Yes', '<path d="M3.5 8.5l3 3 6-7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>'],
    no: ['No', '<path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>'],
    not_stated: ['Not stated', '<path d="M4 8h8" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>'],
    unknown: ['Unknown', '<path d="M6 6a2 2 0 1 1 3 1.7c-.7.4-1 .8-1 1.6M8 12v.01" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>'],
  };
  const KINDS = { 'is-a': 'Kind of', 'part-of': 'Part of', uses: 'Uses', comparison: 'Comparison', definition: 'Definition', 'built-on': 'Built on' };

  function node(c) { return '<a class="node" href="' + esc(cHref(c.id)) + '">' + esc(c.title || titleOf(c.id)) + '</a>'; }

  function citeHtml(c) {
    if (!c) return '';
    const where = esc(c.title || titleOf(c.page)) + (c.section ? ' — ' + esc(c.section) : '');
    return '<li><figure class="cite"><blockquote>' + (c.passage_html || esc(c.passage)) + '</blockquote>' +
      '<figcaption><a href="' + esc(cHref(c.page, slug(c.section))) + '">' + where + '</a></figcaption></figure></li>';
  }

  function answerHtml(a) {
    let h = '<div class="answer-head">';
    const v = a.verdict && (VERDICTS[a.verdict] || [String(a.verdict).replace(/_/g, ' '), '']);
    if (v) {
      h += '<span class="verdict" data-verdict="' + esc(a.verdict) + '"><svg aria-hidden="true" width="16" height="16" viewBox="0 0 16 16">' + v[1] + '</svg>' + esc(v[0]) + '</span>';
    }
    h += '<span class="answer-kind">' + esc(KINDS[a.kind] || String(a.kind || 'Answer').replace(/-/g, ' ')) + '</span></div>';
    let cites = Array.isArray(a.citations) ? a.citations.slice(0, 3) : [];
    if (a.evidence) cites.unshift(a.evidence);
    if (a.text) h += '<p class="answer-text">' + esc(a.text) + '</p>';
    // A definition or comparison whose text is the cited passage: name its source, don't repeat it.
    const same = cites.find((c) => c && c.passage && c.passage.trim() === String(a.text || '').trim());
    if (same) {
      cites = cites.filter((c) => c !== same);
      h += '<p class="source">From <a href="' + esc(cHref(same.page, slug(same.section))) + '">' + esc(same.title || titleOf(same.page)) + (same.section ? ' — ' + esc(same.section) : '') + '</a></p>';
    }
    const path = Array.isArray(a.path) ? a.path : [];
    if (path.length) {
      h += '<ol class="chain" aria-label="Path">';
      path.forEach((st, i) => {
        if (i === 0) h += '<li>' + node(st.from) + '</li>';
        h += '<li class="rel">' + esc(st.relation) + '</li><li>' + node(st.to) + '</li>';
      });
      h += '</ol>';
    }
    const anc = Array.isArray(a.ancestries) ? a.ancestries.filter((c) => c && c.length) : [];
    if (anc.length && !path.length) {
      h += '<div class="ancestries"><p>' + (anc.length > 1 ? 'Where they sit' : 'Where it sits') + '</p>' +
        anc.map((chain) => crumbsHtml(chain, 'path-line')).join('') + '</div>';
    }
    if (a.page) {
      const t = titleOf(a.page);
      h += '<a class="more" href="' + esc(cHref(a.page)) + '">Read ' + esc(t) + ' →</a>';
    }
    if (cites.length) h += '<ul class="cites" aria-label="Sources">' + cites.map(citeHtml).join('') + '</ul>';
    return h;
  }

  function render(data, s, full) {
    const results = Array.isArray(data.results) ? data.results : [];
    shown = { key: keyOf(s) + (full ? s.mode : ''), full, n: results.length };
    summary.classList.remove('error');
    const a = data.answer;
    if (a && typeof a === 'object') {
      answerEl.innerHTML = answerHtml(a);
      answerEl.hidden = false;
    } else {
      answerEl.hidden = true;
      answerEl.textContent = '';
    }
    list.innerHTML = results.map(resultHtml).join('');
    setActive(-1);
    if (results.length) {
      const mode = full ? data.mode || s.mode : 'keyword';
      summary.textContent = plural(results.length) + ' · ' + mode + (full ? '' : ', refining…') +
        (typeof data.took_ms === 'number' ? ' · ' + (data.took_ms < 1 ? '<1' : Math.round(data.took_ms)) + ' ms' : '');
    } else {
      summary.textContent = 'No results for “' + s.q.trim() + '”.' + (s.kind || s.under ? ' Try removing a filter.' : ' Try other words or another mode.');
    }
    open(true);
  }

  function showError(msg) {
    list.textContent = '';
    answerEl.hidden = true;
    setActive(-1);
    summary.textContent = msg;
    summary.classList.add('error');
    shown = null;
    open(true);
    announce(msg);
  }

  function clear() {
    list.textContent = '';
    answerEl.hidden = true;
    answerEl.textContent = '';
    summary.textContent = '';
    shown = null;
    open(false);
    statusEl.textContent = '';
  }

  function announce(msg) {
    // The same words twice in a row are not read again unless the text changes.
    statusEl.textContent = statusEl.textContent === msg ? msg + '\u00a0' : msg;
  }

  // ---- the combobox ------------------------------------------------------------------------
  const isOpen = () => !panel.hidden;
  function open(on) {
    panel.hidden = !on;
    input.setAttribute('aria-expanded', String(on && list.children.length > 0));
    if (!on) setActive(-1);
  }

  function setActive(i) {
    const opts = list.children;
    if (active >= 0 && opts[active]) {
      opts[active].classList.remove('active');
      opts[active].setAttribute('aria-selected', 'false');
    }
    active = i >= 0 && i < opts.length ? i : -1;
    if (active < 0) { input.removeAttribute('aria-activedescendant'); return; }
    const el = opts[active];
    el.classList.add('active');
    el.setAttribute('aria-selected', 'true');
    input.setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }

  function closeList() {
    open(false);
    input.focus();
  }

  input.addEventListener('input', () => changed(true));

  input.addEventListener('keydown', (e) => {
    if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    const n = list.children.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!n) return;
        e.preventDefault();
        if (!isOpen()) open(true);
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActive(active < 0 ? (d > 0 ? 0 : n - 1) : (active + d + n) % n);
        break;
      }
      case 'Enter':
        e.preventDefault();
        if (isOpen() && active >= 0) {
          location.href = list.children[active].dataset.href;
        } else {
          open(!!shown);
          runFull();
        }
        break;
      case 'Escape':
        e.preventDefault(); // also keeps type=search from clearing the value on the first Escape
        if (isOpen()) closeList();
        else if (input.value) { input.value = ''; changed(false); }
        break;
      case 'Home': case 'End':
        if (active >= 0) setActive(-1); // the keys move the caret again
        break;
    }
  });

  form.addEventListener('submit', (e) => { e.preventDefault(); runFull(); });
  form.addEventListener('change', (e) => {
    if (e.target === input) return;
    changed(false);
    if (!input.value.trim()) history.replaceState(null, '', urlFor(state()));
  });

  const reopen = () => { if (!isOpen() && shown && input.value.trim()) open(true); };
  input.addEventListener('focus', reopen);
  input.addEventListener('click', reopen);

  // A click on an option's empty space follows its main link.
  list.addEventListener('click', (e) => {
    const li = e.target.closest('.result');
    if (!li || e.target.closest('a') || String(getSelection())) return;
    location.href = li.dataset.href;
  });

  if (overlay) {
    document.addEventListener('pointerdown', (e) => {
      if (isOpen() && !panel.contains(e.target) && !form.contains(e.target)) open(false);
    });
  }

  const TEXT = /^(text|search|email|url|tel|password|number|date|datetime-local|month|time|week)$/;
  const typing = (el) => el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || (el.tagName === 'INPUT' && TEXT.test(el.type)));
  document.addEventListener('keydown', (e) => {
    const k = e.key && e.key.toLowerCase();
    if ((k === 'k' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) ||
        (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(document.activeElement))) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });

  // ---- URL state ---------------------------------------------------------------------------
  function fromUrl() {
    const p = new URLSearchParams(location.search);
    input.value = p.get('q') || '';
    const mode = p.get('mode') || defaultMode;
    const radio = [...form.querySelectorAll('input[name=mode]')].find((r) => r.value === mode && !r.disabled);
    if (radio) radio.checked = true;
    else { const d = form.querySelector('input[name=mode][value="' + defaultMode + '"]'); if (d) d.checked = true; }
    if (kindSel) kindSel.value = ['concept', 'comparison'].includes(p.get('kind')) ? p.get('kind') : '';
    if (underSel) {
      const u = p.get('under') || '';
      if (u && ![...underSel.options].some((o) => o.value === u)) underSel.add(new Option(titleOf(u), u));
      if (u) underSel.closest('label').hidden = false;
      underSel.value = u;
    }
    committed = here();
    changed(false);
  }
  window.addEventListener('popstate', fromUrl);

  // ---- start -------------------------------------------------------------------------------
  function loadConcepts() {
    if (!underSel) return;
    fetch('/concepts', { headers: H })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((all) => {
        // No list (an older server): hide the filter unless a URL set it.
        if (!Array.isArray(all)) { underSel.closest('label').hidden = !underSel.value; return; }
        const cur = underSel.value;
        const frag = document.createDocumentFragment();
        frag.append(new Option('Anywhere', ''));
        for (const c of all) {
          if (!c || !c.id) continue;
          if (c.title) titles.set(c.id, c.title);
          if (!c.kind || c.kind === 'concept') frag.append(new Option(c.title || c.id, c.id));
        }
        underSel.textContent = '';
        underSel.append(frag);
        if (cur && ![...underSel.options].some((o) => o.value === cur)) underSel.add(new Option(titleOf(cur), cur));
        underSel.value = cur;
      });
  }

  async function health() {
    try {
      const ctrl = new AbortController();
      const t = setTimeout(() => ctrl.abort(), 2000);
      const h = await fetch('/healthz', { signal: ctrl.signal }).then((r) => r.json());
      clearTimeout(t);
      if (h && h.semantic === false) {
        defaultMode = 'keyword';
        for (const m of ['hybrid', 'semantic']) {
          const r = form.querySelector('input[name=mode][value=' + m + ']');
          if (r) { r.disabled = true; r.checked = false; r.closest('label').hidden = true; }
        }
        const k = form.querySelector('input[name=mode][value=keyword]');
        if (k) k.checked = true;
      }
      const info = $('index-info');
      if (info && h && h.pages) info.textContent = h.pages + ' pages indexed' + (h.semantic === false ? ' · keyword search' : ' · hybrid search');
    } catch (e) { /* the search itself will report a server that is down */ }
  }

  loadConcepts();
  // A visitor may type before /healthz answers; the address must not wipe what they typed.
  health().then(() => { if (!input.value || new URLSearchParams(location.search).get('q')) fromUrl(); else changed(true); });
})();
