// Landscape search widget. Usage on any site:
//   <script src="https://search.example.org/widget.js" data-input="#q" data-k="6" data-mode="hybrid"
//           data-search-key="…"></script>   (data-search-key: only when the server has one; it is public)
// Turns the input into an ARIA 1.2 combobox with a results dropdown. Quick keyword results
// QUICK_MS after a keystroke; the full search (data-mode) after a PAUSE_MS pause or on Enter,
// the same protocol as the search page. Plain GET, no credentials; the one custom header is
// the search key's Authorization, when data-search-key is given.
(() => {
  'use strict';
  const QUICK_MS = 80, PAUSE_MS = 400;
  const me = document.currentScript;
  const warn = (m) => console.warn('[landscape widget] ' + m);
  if (!me || !me.src) return warn('load me with <script src="…/widget.js" data-input="#q">');
  const origin = new URL(me.src, location.href).origin;
  const ds = me.dataset;
  const SEL = ds.input || '#q';
  const K = Math.min(Math.max(parseInt(ds.k, 10) || 6, 1), 100);
  const MODE = ['hybrid', 'keyword', 'semantic'].includes(ds.mode) ? ds.mode : 'hybrid';
  const HEADERS = ds.searchKey ? { Authorization: 'Bearer ' + ds.searchKey } : {};

  const CSS = `
.lsw-pop{--lsw-bg:#fff;--lsw-fg:#1a1f26;--lsw-text:#343b44;--lsw-muted:#56606c;--lsw-line:#dde2e8;--lsw-border:#c3cad3;--lsw-soft:#f5f7fa;--lsw-hover:#f0f3f7;
--lsw-active:#e8f0fd;--lsw-accent:#1d5fd1;--lsw-mark:#fdeb8f;--lsw-mark-fg:inherit;--lsw-shadow:rgba(16,24,40,.18);
position:fixed;z-index:2147483000;display:block;box-sizing:border-box;margin:0;padding:6px;overflow:auto;overscroll-behavior:contain;
background:var(--lsw-bg);color:var(--lsw-fg);border:1px solid var(--lsw-border);border-radius:10px;box-shadow:0 12px 32px var(--lsw-shadow);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;text-align:left;direction:ltr;-webkit-text-size-adjust:100%;text-size-adjust:100%}
@media (prefers-color-scheme:dark){.lsw-pop{--lsw-bg:#161a21;--lsw-fg:#e5e8ec;--lsw-text:#cfd4da;--lsw-muted:#a0a9b5;--lsw-line:#2a3038;--lsw-border:#3b434e;
--lsw-soft:#1d222a;--lsw-hover:#1d222a;--lsw-active:#1c2636;--lsw-accent:#7fb0ff;--lsw-mark:#5c4a00;--lsw-mark-fg:#fff4c2;--lsw-shadow:rgba(0,0,0,.55)}}
.lsw-pop[hidden],.lsw-pop [hidden]{display:none!important}
.lsw-pop *{box-sizing:border-box;margin:0;padding:0;border:0;background:none;color:inherit;font:inherit;line-height:inherit;text-decoration:none;text-transform:none;
letter-spacing:normal;list-style:none;float:none;width:auto;height:auto;min-height:0;max-width:none;box-shadow:none;text-shadow:none;text-align:inherit;vertical-align:baseline}
.lsw-pop .lsw-list{display:block}
.lsw-pop .lsw-option{display:block;padding:8px 10px;border-radius:7px;cursor:pointer;border-left:3px solid transparent}
.lsw-pop .lsw-option:hover{background:var(--lsw-hover)}
.lsw-pop .lsw-option.lsw-active{background:var(--lsw-active);border-left-color:var(--lsw-accent)}
.lsw-pop a{color:var(--lsw-accent)}
.lsw-pop a:hover{text-decoration:underline}
.lsw-pop a:focus-visible{outline:2px solid var(--lsw-accent);outline-offset:1px;border-radius:3px}
.lsw-pop .lsw-link{font-weight:600;font-size:15px}
.lsw-pop .lsw-crumbs{display:block;margin-top:1px;font-size:12px;color:var(--lsw-muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.lsw-pop .lsw-passage{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden;margin-top:3px;font-size:13px;color:var(--lsw-text)}
.lsw-pop mark{background:var(--lsw-mark);color:var(--lsw-mark-fg);border-radius:2px;padding:0 1px}
.lsw-pop .lsw-answer{display:block;margin:2px 2px 6px;padding:10px 12px;border-radius:8px;background:var(--lsw-soft);border:1px solid var(--lsw-line)}
.lsw-pop .lsw-verdict{display:inline-block;margin-right:6px;padding:1px 9px;border-radius:999px;font-weight:700;font-size:12px;border:1px solid currentColor;color:var(--lsw-muted)}
.lsw-pop .lsw-verdict[data-verdict=yes]{color:#13803a}
.lsw-pop .lsw-verdict[data-verdict=no]{color:#c0262c}
.lsw-pop .lsw-verdict[data-verdict=not_stated]{color:#9a5800}
@media (prefers-color-scheme:dark){.lsw-pop .lsw-verdict[data-verdict=yes]{color:#7ee2a0}.lsw-pop .lsw-verdict[data-verdict=no]{color:#ffa3a3}.lsw-pop .lsw-verdict[data-verdict=not_stated]{color:#ffcc80}}
.lsw-pop .lsw-text{display:inline}
.lsw-pop .lsw-chain{display:block;margin-top:6px;font-size:13px;color:var(--lsw-muted)}
.lsw-pop .lsw-chain a{font-weight:600}
.lsw-pop .lsw-msg{display:block;padding:10px;color:var(--lsw-muted)}
.lsw-pop .lsw-all{display:block;margin-top:4px;padding:8px 10px;border-top:1px solid var(--lsw-line);font-size:13px}
.lsw-sr{position:absolute!important;width:1px!important;height:1px!important;margin:-1px!important;padding:0!important;border:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;white-space:nowrap!important}
@media (forced-colors:active){.lsw-pop .lsw-option.lsw-active{outline:2px solid Highlight}}`;

  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
  const encId = (id) => String(id).split('/').map(encodeURIComponent).join('/');
  const cHref = (id, a) => origin + '/c/' + encId(id) + (a ? '#' + a : '');
  const pretty = (id) => { const s = String(id).split('/').pop().replace(/[-_]+/g, ' '); return s.charAt(0).toUpperCase() + s.slice(1); };
  const VERDICT = { yes: 'Yes', no: 'No', unknown: 'Unknown', not_stated: 'Not stated' };

  function setup(input) {
    if (input.dataset.lswReady) return;
    input.dataset.lswReady = '1';
    if (!document.getElementById('lsw-style')) {
      const st = document.createElement('style');
      st.id = 'lsw-style';
      st.textContent = CSS;
      document.head.appendChild(st);
    }
    const n = document.querySelectorAll('.lsw-list').length + 1;
    const pop = document.createElement('div');
    pop.className = 'lsw-pop';
    pop.id = 'lsw-pop-' + n;
    pop.hidden = true;
    pop.innerHTML = '<div class="lsw-answer" role="region" aria-label="Answer" hidden></div>' +
      '<ul class="lsw-list" role="listbox" id="lsw-list-' + n + '" aria-label="Search results"></ul>' +
      '<p class="lsw-msg" hidden></p><a class="lsw-all" hidden></a>';
    const live = document.createElement('div');
    live.className = 'lsw-sr';
    live.id = 'lsw-status-' + n;
    live.setAttribute('role', 'status');
    live.setAttribute('aria-live', 'polite');
    document.body.append(pop, live);
    const [ansEl, list, msg, all] = pop.children;

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('autocomplete', 'off');
    input.removeAttribute('aria-activedescendant');

    const titles = new Map();
    let gen = 0, quickT = 0, fullT = 0, active = -1, quick = null, shown = null, warned = false;
    const inflight = new Set();

    const isOpen = () => !pop.hidden;
    function open(on) {
      pop.hidden = !on;
      input.setAttribute('aria-expanded', String(on && list.children.length > 0));
      if (!on) setActive(-1);
      else place();
    }
    function place() {
      const r = input.getBoundingClientRect();
      const vw = document.documentElement.clientWidth || innerWidth;
      const w = Math.max(r.width, Math.min(380, vw - 16));
      const left = Math.max(8, Math.min(r.left, vw - w - 8));
      pop.style.left = left + 'px';
      pop.style.top = r.bottom + 4 + 'px';
      pop.style.width = w + 'px';
      pop.style.maxHeight = Math.max(160, Math.min(560, innerHeight - r.bottom - 12)) + 'px';
    }
    let raf = 0;
    const replace = () => { if (isOpen() && !raf) raf = requestAnimationFrame(() => { raf = 0; place(); }); };
    addEventListener('resize', replace, { passive: true });
    addEventListener('scroll', replace, { passive: true, capture: true });

    function setActive(i) {
      const opts = list.children;
      if (opts[active]) { opts[active].classList.remove('lsw-active'); opts[active].setAttribute('aria-selected', 'false'); }
      active = i >= 0 && i < opts.length ? i : -1;
      if (active < 0) return input.removeAttribute('aria-activedescendant');
      const el = opts[active];
      el.classList.add('lsw-active');
      el.setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    }
    const announce = (t) => { live.textContent = live.textContent === t ? t + '\u00a0' : t; };
    const plural = (k) => (k ? k + (k === 1 ? ' result' : ' results') : 'No results');

    function learn(d) {
      const add = (c) => { if (c && c.id && c.title) titles.set(c.id, c.title); };
      (d.results || []).forEach((r) => { add(r); (r.breadcrumbs || []).forEach(add); });
      const a = d.answer;
      if (a) { (a.concepts || []).forEach(add); (a.ancestries || []).forEach((c) => c.forEach(add)); (a.path || []).forEach((p) => { add(p.from); add(p.to); }); }
    }
    const link = (c) => '<a href="' + esc(cHref(c.id)) + '">' + esc(c.title || titles.get(c.id) || pretty(c.id)) + '</a>';

    function render(d, q, full) {
      const res = Array.isArray(d.results) ? d.results : [];
      shown = { full, q };
      const a = d.answer;
      if (a && typeof a === 'object') {
        let h = '';
        if (a.verdict) h += '<span class="lsw-verdict" data-verdict="' + esc(a.verdict) + '">' + esc(VERDICT[a.verdict] || a.verdict) + '</span>';
        h += '<p class="lsw-text">' + esc(a.verdict ? String(a.text || '').replace(/^(yes|no|not stated|unknown)[.:]\s*/i, '') : a.text) + '</p>';
        const path = Array.isArray(a.path) ? a.path : [];
        const cs = path.length ? [path[0].from, ...path.map((p) => p.to)] : (a.concepts || []);
        if (cs.length) h += '<span class="lsw-chain">' + cs.map(link).join(path.length ? ' → ' : ' · ') + '</span>';
        ansEl.innerHTML = h;
        ansEl.hidden = false;
      } else {
        ansEl.hidden = true;
        ansEl.textContent = '';
      }
      list.innerHTML = res.map((r, i) => {
        const href = r.url || cHref(r.id, r.anchor);
        const crumbs = Array.isArray(r.breadcrumbs) && r.breadcrumbs.length ? r.breadcrumbs.map((c) => c.title || pretty(c.id))
          : (r.ancestry || []).map((id) => titles.get(id) || pretty(id));
        return '<li class="lsw-option" role="option" id="lsw-' + n + '-opt-' + i + '" aria-selected="false" data-href="' + esc(href) + '">' +
          '<a class="lsw-link" href="' + esc(href) + '">' + esc(r.title || r.id) + '</a>' +
          (crumbs.length ? '<span class="lsw-crumbs">' + crumbs.map(esc).join(' › ') + '</span>' : '') +
          (r.passage_html ? '<span class="lsw-passage">' + r.passage_html + '</span>' : '') + '</li>';
      }).join('');
      active = -1;
      input.removeAttribute('aria-activedescendant');
      msg.hidden = res.length > 0;
      msg.textContent = res.length ? '' : 'No results for “' + q.trim() + '”';
      all.hidden = !res.length;
      all.href = origin + '/?q=' + encodeURIComponent(q.trim()) + (MODE !== 'hybrid' ? '&mode=' + MODE : '');
      all.textContent = 'All results for “' + q.trim() + '” →';
      open(document.activeElement === input);
    }

    function fail(text) {
      list.textContent = '';
      ansEl.hidden = true;
      all.hidden = true;
      msg.hidden = false;
      msg.textContent = text;
      shown = null;
      open(document.activeElement === input);
      announce(text);
    }

    async function request(q, mode, full) {
      const g = gen, ctrl = new AbortController();
      inflight.add(ctrl);
      const p = new URLSearchParams({ q, k: String(K), mode });
      try {
        const res = await fetch(origin + '/search?' + p, { signal: ctrl.signal, credentials: 'omit', mode: 'cors', headers: HEADERS });
        const d = await res.json().catch(() => null);
        if (g !== gen) return null;
        if (!res.ok || !d) {
          fail((d && d.error && d.error.message) || 'Search is unavailable');
          return null;
        }
        if (!full && shown && shown.full) return null;
        learn(d);
        return d;
      } catch (e) {
        if (e.name === 'AbortError' || g !== gen) return null;
        if (!warned) { warned = true; warn('cannot reach ' + origin + ' (' + e.message + '); is this origin allowed by --cors-origin?'); }
        fail('Search is unavailable');
        return null;
      } finally {
        inflight.delete(ctrl);
      }
    }

    async function runQuick() {
      const q = input.value;
      if (!q.trim()) return;
      const mine = (quick = { q: q.trim(), d: null, final: false });
      const d = await request(q, 'keyword', false);
      if (!d) return;
      mine.d = d;
      render(d, q, false);
      if (mine.final) announce(plural((d.results || []).length));
    }

    async function runFull() {
      clearTimeout(quickT); clearTimeout(fullT);
      const q = input.value;
      if (!q.trim()) return;
      if (shown && shown.full && shown.q.trim() === q.trim()) return;
      if (MODE === 'keyword' && quick && quick.q === q.trim()) {
        if (quick.d) announce(plural((quick.d.results || []).length));
        else quick.final = true;
        return;
      }
      const d = await request(q, MODE, true);
      if (!d) return;
      render(d, q, true);
      announce(plural((d.results || []).length));
    }

    function changed() {
      gen++;
      for (const c of inflight) c.abort();
      inflight.clear();
      clearTimeout(quickT); clearTimeout(fullT);
      quick = null;
      shown = shown && { ...shown, full: false };
      if (!input.value.trim()) {
        list.textContent = '';
        shown = null;
        open(false);
        live.textContent = '';
        return;
      }
      quickT = setTimeout(runQuick, QUICK_MS);
      fullT = setTimeout(runFull, PAUSE_MS);
    }

    input.addEventListener('input', changed);
    input.addEventListener('keydown', (e) => {
      if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
      const k = list.children.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (!k) return;
        e.preventDefault();
        if (!isOpen()) open(true);
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActive(active < 0 ? (d > 0 ? 0 : k - 1) : (active + d + k) % k);
      } else if (e.key === 'Enter') {
        if (isOpen() && active >= 0) {
          e.preventDefault();
          location.href = list.children[active].dataset.href;
        } else if (input.value.trim()) {
          e.preventDefault();
          if (shown) open(true);
          runFull();
        }
      } else if (e.key === 'Escape') {
        if (isOpen()) { e.preventDefault(); open(false); input.focus(); }
        else if (input.value) { e.preventDefault(); input.value = ''; changed(); }
      }
    });
    input.addEventListener('focus', () => { if (shown && input.value.trim()) open(true); });
    input.addEventListener('blur', () => open(false));
    // Keep the focus in the input while the pointer works in the dropdown.
    pop.addEventListener('mousedown', (e) => e.preventDefault());
    list.addEventListener('click', (e) => {
      const li = e.target.closest('.lsw-option');
      if (li && !e.target.closest('a')) location.href = li.dataset.href;
    });
  }

  function find() {
    try { return document.querySelector(SEL); } catch (e) { return null; }
  }
  function init() {
    const el = find();
    if (!el || el.tagName !== 'INPUT') return warn('no <input> matches data-input `' + SEL + '`');
    setup(el);
  }
  if (document.readyState === 'loading' && !find()) document.addEventListener('DOMContentLoaded', init, { once: true });
  else init();
})();
