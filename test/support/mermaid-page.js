// Runs inside the headless page, after mermaid.min.js: renders Mermaid texts one by one and reports what a
// reader would see. Plain browser JavaScript, loaded with addScriptTag, so no bundler rewrites it.
/* global document, getComputedStyle, mermaid */

const colorOf = (el, attr) => getComputedStyle(el).getPropertyValue(attr) || el.getAttribute(attr) || '';

/** Renders each text with one theme; returns per text an error, or its size and, for charts, its colours. */
globalThis.renderMermaidTexts = async (texts, theme) => {
  mermaid.initialize({ startOnLoad: false, theme, securityLevel: 'strict' });
  const stage = document.getElementById('stage');
  const out = [];
  for (let i = 0; i < texts.length; i++) {
    try {
      await mermaid.parse(texts[i]);
      const { svg } = await mermaid.render(`d${i}`, texts[i]);
      stage.innerHTML = svg;
      const el = stage.querySelector('svg');
      const box = (el.getAttribute('viewBox') ?? '0 0 0 0').split(/\s+/).map(Number);
      const series = [
        ...[...el.querySelectorAll('g[class^="line-plot"] path')].map((p) => colorOf(p, 'stroke')),
        ...[...el.querySelectorAll('g[class^="bar-plot"] rect')].map((r) => colorOf(r, 'fill')),
      ];
      const bg = el.querySelector('rect.background');
      out.push({
        width: box[2],
        height: box[3],
        kind: el.getAttribute('aria-roledescription') ?? '',
        ...(bg ? { background: colorOf(bg, 'fill') } : {}),
        series: [...new Set(series)],
        legend: [...el.querySelectorAll('g.legend text')].map((t) => t.textContent ?? ''),
      });
    } catch (e) {
      out.push({ error: String(e?.message ?? e), width: 0, height: 0, kind: '', series: [], legend: [] });
    } finally {
      stage.innerHTML = '';
      // A failed render can leave its scratch element behind; remove it so the next text starts clean.
      document.getElementById(`dd${i}`)?.remove();
    }
  }
  return out;
};

/** Renders one text at its natural size on a white background, ready for a screenshot of #stage. */
globalThis.showMermaidText = async (text) => {
  mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
  const { svg } = await mermaid.render('shot', text);
  const stage = document.getElementById('stage');
  stage.style.cssText = 'display:inline-block;background:#fff;padding:8px';
  stage.innerHTML = svg;
  const el = stage.querySelector('svg');
  el.style.maxWidth = 'none';
  el.setAttribute('width', el.getAttribute('viewBox').split(/\s+/)[2]);
};

globalThis.clearMermaidStage = () => {
  const stage = document.getElementById('stage');
  stage.innerHTML = '';
  stage.style.cssText = '';
};
