// The distcheck browser app: one plain script (no modules, no build step, no network beyond the page's own
// server), used by `distcheck serve` (pages fetched from the JSON API) and by the static pages of
// `distcheck html` (the trace is inlined in the page). Diagrams are drawn by mermaid, loaded before this file.
/* global mermaid */
(function () {
  'use strict';

  const app = document.getElementById('app');
  const dataElement = document.getElementById('distcheck-data');
  const STATIC = dataElement ? JSON.parse(dataElement.textContent) : null;

  // ------------------------------------------------------------------------------------------- helpers

  /** h('div', { class: 'x', onclick: f }, 'text', child) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    return put(el, ...children);
  }

  /** Appends children, flattening arrays and skipping null, undefined and false (DOM append would print them). */
  function put(el, ...children) {
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const paramsText = (params) =>
    Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'no parameters';

  async function api(path, init) {
    const response = await fetch(path, init);
    let body;
    try {
      body = await response.json();
    } catch {
      body = { error: `HTTP ${response.status}` };
    }
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function errorBox(message) {
    return h('div', { class: 'error', role: 'alert' }, message);
  }

  function clear(el) {
    while (el.firstChild) el.firstChild.remove();
  }

  // ------------------------------------------------------------------------------------------- diagrams

  let mermaidReady = false;
  let diagramCount = 0;

  /**
   * Renders a sequence diagram into `container`; returns, per step number (as printed in the diagram, 1-based),
   * the SVG elements drawn for it: the label and line of an arrow, or the box and text of a note.
   */
  async function renderDiagram(container, text) {
    const steps = new Map();
    if (!window.mermaid) {
      put(container, h('pre', { class: 'mermaid-source' }, text));
      return steps;
    }
    if (!mermaidReady) {
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
      mermaidReady = true;
    }
    try {
      const { svg } = await mermaid.render(`dc-diagram-${++diagramCount}`, text);
      container.innerHTML = svg;
    } catch (e) {
      put(container, errorBox(`the diagram could not be drawn: ${e.message || e}`), h('pre', { class: 'mermaid-source' }, text));
      return steps;
    }
    const add = (n, el) => {
      if (!steps.has(n)) steps.set(n, []);
      steps.get(n).push(el);
      el.setAttribute('data-step', String(n));
    };
    const stepOf = (el) => /^(\d+)\.(?:\s|$)/.exec((el && el.textContent ? el.textContent : '').trim());
    for (const t of container.querySelectorAll('text.messageText')) {
      const m = stepOf(t);
      if (!m) continue;
      add(Number(m[1]), t);
      const line = t.nextElementSibling;
      if (line && /messageLine/.test(line.getAttribute('class') || '')) add(Number(m[1]), line);
    }
    for (const rect of container.querySelectorAll('rect.note')) {
      const group = rect.parentElement;
      const m = stepOf(group.querySelector('text.noteText'));
      if (!m) continue;
      add(Number(m[1]), rect);
      group.querySelectorAll('text.noteText').forEach((t) => add(Number(m[1]), t));
    }
    return steps;
  }

  function highlightDiagram(container, steps, number) {
    container.querySelectorAll('.dc-current').forEach((el) => el.classList.remove('dc-current'));
    const current = steps.get(number) || [];
    current.forEach((el) => el.classList.add('dc-current'));
    if (current[0] && container.scrollHeight > container.clientHeight) {
      const box = current[0].getBoundingClientRect();
      const frame = container.getBoundingClientRect();
      if (box.top < frame.top || box.bottom > frame.bottom) container.scrollTop += box.top - frame.top - frame.height / 3;
    }
  }

  // ------------------------------------------------------------------------------------------- state tables

  /** The fields of a state; the ones in `changes` marked, with their old value, and removed ones listed too. */
  function stateTable(fields, changes) {
    const changed = new Map(changes.map((c) => [c.field, c]));
    const rows = fields.map(([name, value]) => {
      const c = changed.get(name);
      return h(
        'tr',
        { class: c ? 'changed' : '', 'data-field': name },
        h('th', {}, name),
        h(
          'td',
          {},
          c ? [h('span', { class: 'old' }, c.from === undefined ? '∅' : c.from), ' → ', h('span', { class: 'new' }, value)] : value,
        ),
      );
    });
    for (const c of changes)
      if (c.to === undefined)
        rows.push(
          h(
            'tr',
            { class: 'changed removed', 'data-field': c.field },
            h('th', {}, c.field),
            h('td', {}, h('span', { class: 'old' }, c.from), ' → ∅'),
          ),
        );
    return h('table', { class: 'fields' }, h('tbody', {}, rows));
  }

  function changeSummary(changes, first) {
    if (first) return h('p', { class: 'changed-list muted' }, 'initial state: every field is shown');
    if (changes.length === 0) return h('p', { class: 'changed-list muted' }, 'no field changed');
    return h(
      'p',
      { class: 'changed-list' },
      'changed: ',
      changes.map((c, i) => [i ? ', ' : '', h('code', {}, c.field)]),
    );
  }

  // ------------------------------------------------------------------------------------------- trace view

  /**
   * A counterexample (or witness) step by step. `options`: step (0-based), onStep(step) to keep the URL in step,
   * exploreHref(step) for a link into manual exploration (serve only), back: { href, label }.
   */
  function traceViewer(view, options) {
    const n = view.steps.length;
    let step = Math.min(Math.max(0, options.step || 0), n - 1);
    const loop = view.loopStart;
    const root = h('div', { class: 'trace' });
    const stepItems = view.steps.map((s, i) =>
      h(
        'li',
        {
          class: loop !== undefined && i >= loop ? 'in-loop' : '',
          'data-step': i + 1,
          onclick: () => go(i),
        },
        h('span', { class: 'num' }, `${i + 1}.`),
        ' ',
        s.action === null ? h('em', {}, 'initial state') : h('code', {}, s.action),
        loop === i ? h('span', { class: 'badge loop' }, 'cycle starts') : null,
      ),
    );
    const ending =
      loop !== undefined
        ? h('li', { class: 'ending in-loop' }, `↻ then back to step ${loop + 1}, forever (a fair cycle)`)
        : view.stutter
          ? h('li', { class: 'ending' }, '… and stays here forever: no fair action is enabled')
          : null;
    const position = h('span', { class: 'position', 'aria-live': 'polite' });
    const prev = h('button', { type: 'button', id: 'prev', onclick: () => go(step - 1), title: 'previous step (←)' }, '← previous');
    const next = h('button', { type: 'button', id: 'next', onclick: () => go(step + 1), title: 'next step (→)' }, 'next →');
    const explore = options.exploreHref ? h('a', { class: 'explore-link', href: '#' }, 'explore from this state') : null;
    const statePanel = h('section', { class: 'state panel' });
    const diagram = h('div', { class: 'diagram' });
    let diagramSteps = new Map();

    put(
      root,
      options.back ? h('p', { class: 'back' }, h('a', { href: options.back.href }, `← ${options.back.label}`)) : null,
      h('h1', {}, view.title),
      h(
        'p',
        { class: 'property' },
        h('strong', {}, `${view.kind} ${view.property}`),
        view.propertyDescription ? `: ${view.propertyDescription}` : '',
      ),
      h('p', { class: `replay ${view.replay.reproduced ? 'ok' : 'bad'}` }, view.replay.message),
      h('div', { class: 'controls' }, prev, position, next, h('span', { class: 'hint muted' }, 'keys ← →'), explore),
      h(
        'div',
        { class: 'trace-grid' },
        h(
          'div',
          { class: 'trace-left' },
          h('section', { class: 'panel steps-panel' }, h('h2', {}, 'Steps'), h('ol', { class: 'steps' }, stepItems, ending)),
          statePanel,
        ),
        h('section', { class: 'panel diagram-panel' }, h('h2', {}, 'Sequence diagram'), diagram),
      ),
    );

    function show() {
      const s = view.steps[step];
      position.textContent = `step ${step + 1} of ${n}`;
      prev.disabled = step === 0;
      next.disabled = step === n - 1;
      stepItems.forEach((li, i) => li.classList.toggle('current', i === step));
      clear(statePanel);
      const last = step === n - 1;
      put(
        statePanel,
        h('h2', {}, `Step ${step + 1}: `, s.action === null ? 'initial state' : h('code', {}, s.action)),
        changeSummary(s.changes, step === 0),
        stateTable(s.fields, s.changes),
        last && view.outcome === 'violation'
          ? h(
              'p',
              { class: 'verdict bad' },
              loop !== undefined
                ? `This state is the state of step ${loop + 1}: the cycle from there repeats forever, and ${view.property} never holds on it.`
                : view.stutter
                  ? `No fair action is enabled here, so the run can stay here forever without ${view.property}.`
                  : view.kind === 'deadlock'
                    ? 'No action is enabled here: a deadlock.'
                    : `${view.property} is violated here.`,
            )
          : null,
        last && view.outcome === 'witness' ? h('p', { class: 'verdict ok' }, `${view.property} is reached here.`) : null,
      );
      if (explore) explore.setAttribute('href', options.exploreHref(step));
      highlightDiagram(diagram, diagramSteps, step + 1);
      if (options.onStep) options.onStep(step);
    }

    function go(i) {
      if (i < 0 || i >= n || i === step) return;
      step = i;
      show();
    }

    const onKey = (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement && document.activeElement.tagName))
        return;
      if (e.key === 'ArrowRight') go(step + 1);
      else if (e.key === 'ArrowLeft') go(step - 1);
      else if (e.key === 'Home') go(0);
      else if (e.key === 'End') go(n - 1);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    root.dispose = () => document.removeEventListener('keydown', onKey);

    show();
    renderDiagram(diagram, view.mermaid).then((steps) => {
      diagramSteps = steps;
      highlightDiagram(diagram, diagramSteps, step + 1);
      root.setAttribute('data-diagram', 'ready');
    });
    return root;
  }

  // ------------------------------------------------------------------------------------------- static pages

  if (STATIC) {
    if (STATIC.page === 'trace') {
      const fromHash = Number((/step=(\d+)/.exec(location.hash) || [])[1] || 1) - 1;
      put(
        app,
        traceViewer(STATIC.view, {
          step: fromHash,
          back: { href: STATIC.index, label: 'all counterexamples' },
          onStep: (i) => history.replaceState(null, '', `#step=${i + 1}`),
        }),
      );
    }
    return;
  }

  // ------------------------------------------------------------------------------------------- server pages

  let disposeCurrent = () => {};

  function navigate(href) {
    history.pushState(null, '', href);
    route();
  }

  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', route);

  function scopeQuery(model, variant, params) {
    const q = new URLSearchParams({ model, variant });
    for (const [k, v] of Object.entries(params)) q.set(`p.${k}`, String(v));
    return q;
  }

  function exploreHref(model, variant, params, init, choices) {
    const q = scopeQuery(model, variant, params);
    q.set('init', String(init));
    q.set('path', choices.join('.'));
    return `/explore?${q}`;
  }

  async function startJob(body, status) {
    try {
      const job = await api('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      navigate(`/job/${job.id}`);
    } catch (e) {
      clear(status);
      put(status, errorBox(e.message));
    }
  }

  function header() {
    return h('header', { class: 'top' }, h('a', { href: '/', class: 'brand' }, 'distcheck'), h('span', { class: 'muted' }, ' explorer'));
  }

  async function homePage(root) {
    const [models, jobs] = await Promise.all([api('/api/models'), api('/api/jobs')]);
    const status = h('div', { class: 'status' });
    const filter = h('input', { type: 'search', placeholder: 'filter models', class: 'filter', 'aria-label': 'filter models' });
    const sections = models.map((m) => modelSection(m, status));
    filter.addEventListener('input', () => {
      const text = filter.value.trim().toLowerCase();
      sections.forEach((s, i) => {
        s.hidden = text !== '' && !`${models[i].id} ${models[i].title}`.toLowerCase().includes(text);
      });
    });
    put(
      root,
      h('h1', {}, 'Models'),
      h(
        'p',
        { class: 'muted' },
        'Run a configuration to see its counterexamples step by step, or explore a scope by hand from its initial state.',
      ),
      status,
      jobs.length
        ? h(
            'section',
            { class: 'panel recent' },
            h('h2', {}, 'Recent checks'),
            h(
              'ul',
              {},
              jobs.slice(0, 5).map((j) => h('li', {}, h('a', { href: `/job/${j.id}` }, `#${j.id} ${j.label}`), ` — ${j.status}`)),
            ),
          )
        : null,
      filter,
      h(
        'nav',
        { class: 'toc' },
        models.map((m) => h('a', { href: `#model-${m.id}`, onclick: jump(m.id) }, m.id)),
      ),
      sections,
    );
  }

  const jump = (id) => (e) => {
    e.preventDefault();
    document.getElementById(`model-${id}`).scrollIntoView();
  };

  function modelSection(m, status) {
    const rows = m.configurations.map((c) =>
      h(
        'tr',
        { 'data-config': c.name },
        h('td', {}, h('code', {}, c.name)),
        h('td', {}, c.variant),
        h('td', {}, paramsText(c.params)),
        h('td', {}, c.strategy === 'bfs' ? 'breadth-first' : 'random walks'),
        h('td', {}, c.expect),
        h(
          'td',
          { class: 'actions' },
          h('button', { type: 'button', class: 'run', onclick: () => startJob({ model: m.id, config: c.name }, status) }, 'run'),
          ' ',
          h('a', { class: 'button', href: exploreHref(m.id, c.variant, c.params, 0, []) }, 'explore'),
        ),
      ),
    );
    return h(
      'section',
      { class: 'panel model', id: `model-${m.id}`, 'data-model': m.id },
      h('h2', {}, m.title, ' ', h('code', {}, m.id)),
      h('p', { class: 'muted' }, m.source),
      h('details', {}, h('summary', {}, 'scope and variants'), h('p', {}, m.scope), variantList(m)),
      h(
        'table',
        { class: 'configs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['configuration', 'variant', 'parameters', 'strategy', 'expected', ''].map((t) => h('th', {}, t)),
          ),
        ),
        h('tbody', {}, rows),
      ),
      customForm(m, status),
    );
  }

  function variantList(m) {
    return h(
      'ul',
      {},
      m.variants.map((v) => h('li', {}, h('code', {}, v.name), v.breaks ? ` (breaks ${v.breaks})` : '', `: ${v.description}`)),
    );
  }

  /** Any variant at any parameters: run it or explore it. */
  function customForm(m, status) {
    const variant = h(
      'select',
      { 'aria-label': 'variant' },
      m.variants.map((v) => h('option', { value: v.name }, v.name)),
    );
    const inputs = m.params.map((p) => {
      const input = h('input', { name: p.name, value: String(p.default), size: 6, title: p.description, 'aria-label': p.name });
      return { name: p.name, input, label: h('label', { title: p.description }, `${p.name} `, input) };
    });
    const values = () => Object.fromEntries(inputs.map((i) => [i.name, i.input.value.trim()]));
    const explore = async () => {
      const href = exploreHref(m.id, variant.value, values(), 0, []);
      try {
        await api(`/api/state?${href.split('?')[1]}`);
        navigate(href);
      } catch (e) {
        clear(status);
        put(status, errorBox(e.message));
        status.scrollIntoView();
      }
    };
    return h(
      'details',
      { class: 'custom' },
      h('summary', {}, 'another variant or other parameters'),
      h(
        'div',
        { class: 'form' },
        h('label', {}, 'variant ', variant),
        inputs.map((i) => i.label),
        h('button', { type: 'button', onclick: () => startJob({ model: m.id, variant: variant.value, params: values() }, status) }, 'run'),
        h('button', { type: 'button', onclick: explore }, 'explore'),
      ),
    );
  }

  async function jobPage(root, id) {
    const body = h('div', { class: 'job' });
    put(root, h('p', { class: 'back' }, h('a', { href: '/' }, '← models')), body);
    let stopped = false;
    root.dispose = () => (stopped = true);
    const show = (job) => {
      clear(body);
      put(body, jobView(job));
      return job.status === 'running';
    };
    if (!show(await api(`/api/jobs/${id}`))) return;
    (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 300));
        if (stopped) return;
        let job;
        try {
          job = await api(`/api/jobs/${id}`);
        } catch (e) {
          if (!stopped) put(body, errorBox(`lost the server: ${e.message}`));
          return;
        }
        if (stopped || !show(job)) return;
      }
    })();
  }

  function jobView(job) {
    const out = [h('h1', {}, `Check #${job.id}: ${job.label}`)];
    if (job.status === 'running') {
      const p = job.progress;
      out.push(
        h(
          'div',
          { class: 'progress', 'data-status': 'running' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          p
            ? `exploring: ${fmt(p.distinct)} distinct states, ${fmt(p.generated)} generated, ${fmt(p.generated / Math.max(p.seconds, 0.001))} states/s, queue ${fmt(p.queue)}, depth ${p.depth}`
            : 'running…',
          ` (${job.seconds.toFixed(1)} s)`,
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              await api(`/api/jobs/${job.id}`, { method: 'DELETE' });
            },
          },
          'cancel',
        ),
      );
      return out;
    }
    if (job.status === 'cancelled')
      return out.concat(h('p', { class: 'verdict', 'data-status': 'cancelled' }, `cancelled after ${job.seconds.toFixed(1)} s`));
    if (job.status === 'failed') return out.concat(errorBox(job.error));
    const r = job.result;
    out.push(
      h(
        'p',
        { class: `verdict ${r.asExpected ? 'ok' : 'bad'}`, 'data-status': 'done' },
        r.asExpected ? '✓ as expected: ' : r.result === 'limit' ? '… inconclusive: ' : '✗ unexpected: ',
        r.verdict,
      ),
      h(
        'p',
        {},
        `${fmt(r.distinctStates)} distinct states, ${fmt(r.statesGenerated)} generated, depth ${r.depth} (${r.strategy === 'bfs' ? 'breadth-first' : 'random walks'}), ${job.seconds.toFixed(1)} s`,
      ),
      r.limit ? h('p', { class: 'bad' }, `limit reached: ${r.limit} (figures are partial)`) : null,
      h('h2', {}, 'Counterexamples'),
      r.violations.length ? traceLinks(r.violations, 'violations') : h('p', { class: 'muted' }, 'none'),
      r.witnesses.length ? [h('h2', {}, 'Witnesses (sometimes)'), traceLinks(r.witnesses, 'witnesses')] : null,
      r.unreached.length ? h('p', { class: 'bad' }, `never reached: ${r.unreached.join(', ')}`) : null,
      r.neverFired.length ? h('p', { class: 'muted' }, `actions that never fired: ${r.neverFired.join(', ')}`) : null,
      h('p', {}, h('a', { href: `/explore?${r.exploreQuery}` }, 'explore this scope by hand')),
    );
    return out;
  }

  function traceLinks(links, cls) {
    return h(
      'ul',
      { class: `trace-links ${cls}` },
      links.map((l) =>
        h(
          'li',
          {},
          h('a', { href: `/trace?${l.query}` }, `${l.kind} ${l.property}`),
          ` — ${l.steps} step${l.steps === 1 ? '' : 's'}${l.lasso ? ', a lasso' : ''}${l.stuck ? ', stuck' : ''}`,
        ),
      ),
    );
  }

  async function tracePage(root) {
    const q = new URLSearchParams(location.search);
    const step = Math.max(1, Number(q.get('step') || 1)) - 1;
    q.delete('step');
    const view = await api(`/api/trace?${q}`);
    const viewer = traceViewer(view, {
      step,
      back: { href: '/', label: 'models' },
      onStep: (i) => {
        const u = new URLSearchParams(location.search);
        u.set('step', String(i + 1));
        history.replaceState(null, '', `/trace?${u}`);
      },
      exploreHref: (i) =>
        exploreHref(
          view.model,
          view.variant,
          view.params,
          view.init,
          view.steps.slice(1, i + 1).map((s) => s.choice),
        ),
    });
    put(root, viewer);
    root.dispose = viewer.dispose;
  }

  function propertyStatus(p) {
    const yes = (b) => (b ? 'yes' : 'no');
    switch (p.kind) {
      case 'always':
        return p.holds ? ['holds', 'ok'] : ['VIOLATED', 'bad'];
      case 'sometimes':
        return p.holds ? ['reached here', 'ok'] : ['not here', 'muted'];
      case 'step':
        return p.holds === null ? ['no step yet', 'muted'] : p.holds ? ['last step ok', 'ok'] : ['last step VIOLATES it', 'bad'];
      case 'eventually':
        return p.holds ? ['holds here', 'ok'] : ['not yet', 'muted'];
      case 'leadsTo':
        return [`premise ${yes(p.premise)}, goal ${yes(p.holds)}`, p.holds ? 'ok' : 'muted'];
      default:
        return [String(p.holds), ''];
    }
  }

  async function explorePage(root) {
    const q = new URLSearchParams(location.search);
    const v = await api(`/api/state?${q}`);
    const here = (choices, init = v.init) => exploreHref(v.model, v.variant, v.params, init, choices);
    const back = v.choices.length ? here(v.choices.slice(0, -1)) : null;
    const diagram = h('div', { class: 'diagram' });
    const actions = v.actions.map((a, i) =>
      h(
        'li',
        {},
        h(
          'a',
          {
            class: 'button action',
            href: here([...v.choices, a.index]),
            'data-choice': a.index,
            title: i < 9 ? `key ${i + 1}` : undefined,
          },
          a.label,
        ),
        i < 9 ? h('span', { class: 'muted key' }, ` ${i + 1}`) : null,
        a.fair ? null : h('span', { class: 'badge' }, 'unfair'),
        a.stutter ? h('span', { class: 'badge' }, 'no change') : null,
      ),
    );
    const trail = v.trail.map((label, i) =>
      h(
        'li',
        { class: i === v.trail.length - 1 ? 'current' : '' },
        h(
          'a',
          { href: here(v.choices.slice(0, i)) },
          h('span', { class: 'num' }, `${i + 1}.`),
          ' ',
          label === null ? h('em', {}, 'initial state') : h('code', {}, label),
        ),
      ),
    );
    const share = h('input', {
      class: 'share',
      readonly: true,
      value: location.href,
      'aria-label': 'link to this state',
      onfocus: (e) => e.target.select(),
    });
    put(
      root,
      h('p', { class: 'back' }, h('a', { href: '/' }, '← models')),
      h('h1', {}, `Explore ${v.model}`, h('span', { class: 'muted' }, ` [${v.variant}; ${paramsText(v.params)}]`)),
      h('p', { class: 'muted' }, v.title),
      v.initCount > 1
        ? h(
            'p',
            {},
            'initial state: ',
            Array.from({ length: v.initCount }, (_, i) =>
              i === v.init ? h('strong', {}, ` ${i + 1} `) : h('a', { href: here([], i) }, ` ${i + 1} `),
            ),
            ` of ${v.initCount}`,
          )
        : null,
      h(
        'div',
        { class: 'controls' },
        back
          ? h('a', { class: 'button', id: 'back', href: back, title: 'back one step (Backspace or ←)' }, '← back')
          : h('button', { type: 'button', disabled: true }, '← back'),
        h('span', { class: 'position' }, `state after ${v.choices.length} step${v.choices.length === 1 ? '' : 's'}`),
        h('label', { class: 'share-label' }, 'link to this state ', share),
      ),
      h(
        'div',
        { class: 'explore-grid' },
        h('section', { class: 'panel steps-panel' }, h('h2', {}, 'Path'), h('ol', { class: 'steps' }, trail)),
        h(
          'section',
          { class: 'panel state' },
          h('h2', {}, 'State'),
          changeSummary(v.changes, v.choices.length === 0),
          stateTable(v.fields, v.changes),
        ),
        h(
          'section',
          { class: 'panel' },
          h('h2', {}, `Enabled actions (${v.actions.length})`),
          v.end
            ? h(
                'p',
                { class: v.end === 'deadlock' ? 'bad' : 'muted' },
                v.end === 'deadlock' ? 'No action is enabled: a deadlock.' : 'No action is enabled: a terminal state.',
              )
            : null,
          h('ol', { class: 'actions' }, actions),
          h('h2', {}, 'Properties here'),
          h(
            'table',
            { class: 'properties' },
            h(
              'tbody',
              {},
              v.properties.map((p) => {
                const [text, cls] = propertyStatus(p);
                return h(
                  'tr',
                  { 'data-property': p.name, class: cls },
                  h('th', { title: p.description }, p.name),
                  h('td', { class: 'muted' }, p.kind),
                  h('td', {}, text),
                );
              }),
            ),
          ),
        ),
      ),
      v.mermaid ? h('section', { class: 'panel diagram-panel' }, h('h2', {}, 'Sequence diagram of the path'), diagram) : null,
    );
    const onKey = (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement && document.activeElement.tagName))
        return;
      const digit = /^[1-9]$/.test(e.key) ? Number(e.key) - 1 : -1;
      if (digit >= 0 && digit < v.actions.length) navigate(here([...v.choices, v.actions[digit].index]));
      else if ((e.key === 'Backspace' || e.key === 'ArrowLeft') && back) navigate(back);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    root.dispose = () => document.removeEventListener('keydown', onKey);
    if (v.mermaid)
      renderDiagram(diagram, v.mermaid).then((steps) => {
        highlightDiagram(diagram, steps, v.choices.length + 1);
        root.setAttribute('data-diagram', 'ready');
      });
  }

  let routes = 0;

  async function route() {
    const current = ++routes;
    app.removeAttribute('data-ready');
    disposeCurrent();
    clear(app);
    const root = h('div', { class: 'page' });
    put(app, header(), root);
    disposeCurrent = () => root.dispose && root.dispose();
    const path = location.pathname;
    const job = /^\/job\/(\d+)$/.exec(path);
    try {
      if (path === '/') await homePage(root);
      else if (job) await jobPage(root, Number(job[1]));
      else if (path === '/trace') await tracePage(root);
      else if (path === '/explore') await explorePage(root);
      else put(root, errorBox(`no such page: ${path}`));
    } catch (e) {
      put(
        root,
        errorBox(e.message || String(e)),
        root.querySelector('.back') ? null : h('p', { class: 'back' }, h('a', { href: '/' }, '← models')),
      );
    }
    if (current === routes) app.setAttribute('data-ready', path);
  }

  route();
})();
