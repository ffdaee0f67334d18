// `distcheck linearizable --html FILE`: a self-contained page (inline CSS and script, no network) with a
// timeline per key, in the manner of Porcupine's visualization: one lane per client, each operation a bar
// from its invoke to its completion (the x axis is the position of events in the file), the linearization
// order as numbers on the bars. For a key that is not linearizable the timeline covers the history up to the
// event that breaks it, numbers the longest partial linearization the search reached, and marks the operation
// it could not place next and the operations concurrent with it. Clicking a bar shows the operation, its
// lines and the state after it.
import type { Operation, ProcessId } from '../check/history';
import type { AnySpec, Explanation } from '../check/linearizability';

export interface TimelineSection {
  readonly key?: string | number;
  /** The operations to draw (for a failing key, those of its shortest failing prefix). */
  readonly operations: readonly Operation[];
  /** The linearization (or, when failing, the partial one), in order, with the state after each. */
  readonly linearized: readonly { readonly op: Operation; readonly state: string }[];
  readonly initialState: string;
  readonly verdict: 'linearizable' | 'not linearizable';
  readonly explanation?: Explanation;
}

export interface TimelinePage {
  readonly file: string;
  readonly model: string;
  readonly headline: string;
  readonly sections: readonly TimelineSection[];
  /** Said under the headline: keys not drawn, limits. */
  readonly notes: readonly string[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const processName = (p: ProcessId): string => (typeof p === 'number' ? `p${p}` : p);

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin: 1.5em 0 .4em; }
.bad { color: #b00020; } .good { color: #1b5e20; }
.legend span { display: inline-block; margin-right: 1.2em; }
.swatch { display: inline-block; width: 1.4em; height: .9em; vertical-align: middle; margin-right: .3em; border-radius: 3px; }
.timeline { position: relative; border-top: 1px solid #ddd; margin-top: .4em; }
.lane { position: relative; height: 28px; border-bottom: 1px solid #eee; }
.lane-name { position: absolute; left: 0; width: 70px; top: 5px; font-family: monospace; color: #555; }
.track { position: absolute; left: 80px; right: 10px; top: 3px; bottom: 3px; }
.op { position: absolute; top: 0; bottom: 0; min-width: 4px; box-sizing: border-box; border-radius: 3px; background: #90caf9;
      border: 1px solid #42a5f5; font: 11px/20px monospace; white-space: nowrap; overflow: hidden; padding: 0 3px; cursor: pointer; }
.op.linearized { background: #a5d6a7; border-color: #43a047; }
.op.info { background: repeating-linear-gradient(45deg, #e0e0e0, #e0e0e0 4px, #f5f5f5 4px, #f5f5f5 8px); border-style: dashed; border-color: #999; }
.op.fail { background: #eeeeee; border-color: #bbb; color: #999; }
.op.concurrent { background: #ffe0b2; border: 2px solid #fb8c00; }
.op.stuck { background: #ef9a9a; border: 2px solid #b00020; font-weight: bold; }
.op.selected { outline: 3px solid #222; }
.order { font-weight: bold; margin-right: .3em; }
#details { position: sticky; bottom: 0; background: #fafafa; border: 1px solid #ccc; padding: .5em .8em; margin-top: 1em; min-height: 2.8em; font-family: monospace; white-space: pre-wrap; }
ol.lin { font-family: monospace; columns: 2; }
`;

const SCRIPT = `
document.addEventListener('click', function (e) {
  var op = e.target.closest ? e.target.closest('.op') : null;
  if (!op) return;
  document.querySelectorAll('.op.selected').forEach(function (o) { o.classList.remove('selected'); });
  op.classList.add('selected');
  document.getElementById('details').textContent = op.getAttribute('data-details');
});
`;

function lines(op: Operation): string {
  if (op.retLine === undefined) return `line ${op.callLine}, still pending`;
  return `lines ${op.callLine}–${op.retLine}${op.outcome === 'info' ? ', info: outcome unknown' : op.outcome === 'fail' ? ', failed' : ''}`;
}

function section(spec: AnySpec, s: TimelineSection): string {
  const ops = s.operations;
  const x = s.explanation;
  const order = new Map(s.linearized.map((l, i) => [l.op.index, { n: i + 1, state: l.state }]));
  const concurrent = new Set(x?.concurrent.map((o) => o.index) ?? []);
  const start = Math.min(...ops.map((o) => o.call));
  const finite = ops.flatMap((o) => (Number.isFinite(o.ret) ? [o.ret] : [o.call]));
  const end = Math.max(...finite) + 1;
  const span = Math.max(1, end - start);
  const pct = (t: number): string => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const lanes = [...new Set(ops.map((o) => o.process))].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
  const bar = (o: Operation): string => {
    const classes = ['op'];
    const lin = order.get(o.index);
    if (o.outcome === 'info') classes.push('info');
    if (o.outcome === 'fail') classes.push('fail');
    if (lin) classes.push('linearized');
    if (concurrent.has(o.index)) classes.push('concurrent');
    if (x && o.index === x.stuck.index) classes.push('stuck');
    const to = Number.isFinite(o.ret) ? o.ret : end;
    const details = [
      `${processName(o.process)} ${spec.describeOperation(o)}${s.key !== undefined ? ` (key ${JSON.stringify(s.key)})` : ''}`,
      lines(o),
      lin
        ? `linearized #${lin.n}; state after it: ${lin.state}`
        : x && o.index === x.stuck.index
          ? `cannot be placed next, in state ${x.stuckState}`
          : 'not in the linearization',
      ...(concurrent.has(o.index) ? ['concurrent with the operation that cannot be placed'] : []),
    ].join('\n');
    const label = `${lin ? `<span class="order">${lin.n}</span>` : x && o.index === x.stuck.index ? '<span class="order">✗</span>' : ''}${esc(spec.describeOperation(o))}`;
    return `<div class="${classes.join(' ')}" style="left:${pct(o.call)};width:calc(${pct(to)} - ${pct(o.call)})" data-index="${o.index}" data-details="${esc(details)}" title="${esc(details)}">${label}</div>`;
  };
  const title = s.key !== undefined ? `key ${esc(JSON.stringify(s.key))}` : 'the history';
  const head = `<h2 class="${s.verdict === 'linearizable' ? 'good' : 'bad'}" data-verdict="${s.verdict}">${title}: ${s.verdict}${x ? `, line ${x.breakingLine} breaks it` : ''}</h2>`;
  const summary = x
    ? `<p>Everything before line ${x.breakingLine} is linearizable. The longest partial linearization the search reached (numbered, ${s.linearized.length} operations) ends in state <code>${esc(x.stuckState)}</code>, where <b>${esc(processName(x.stuck.process))} ${esc(spec.describeOperation(x.stuck))}</b> (${esc(lines(x.stuck))}) cannot be placed; ${x.concurrent.length} operations are concurrent with it.</p>`
    : `<p>${ops.length} operations, linearized in the numbered order from state <code>${esc(s.initialState)}</code>.</p>`;
  const rows = lanes
    .map(
      (p) =>
        `<div class="lane" data-process="${esc(String(p))}"><div class="lane-name">${esc(processName(p))}</div><div class="track">${ops
          .filter((o) => o.process === p)
          .map(bar)
          .join('')}</div></div>`,
    )
    .join('\n');
  const list = s.linearized.length
    ? `<details><summary>linearization order (${s.linearized.length})</summary><ol class="lin">${s.linearized.map((l) => `<li>${esc(processName(l.op.process))} ${esc(spec.describeOperation(l.op))} → ${esc(l.state)}</li>`).join('')}</ol></details>`
    : '';
  return `<section class="key" data-key="${esc(String(s.key ?? ''))}">${head}${summary}<div class="timeline">${rows}</div>${list}</section>`;
}

/** The page, as one string. */
export function renderHistoryHtml(spec: AnySpec, page: TimelinePage): string {
  const legend = [
    ['#a5d6a7', 'linearized (numbered in order)'],
    ['#90caf9', 'not linearized'],
    ['#ef9a9a', 'cannot be placed next'],
    ['#ffe0b2', 'concurrent with it'],
    ['#e0e0e0', 'info: outcome unknown'],
  ]
    .map(([c, t]) => `<span><i class="swatch" style="background:${c}"></i>${t}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(page.file)}: ${esc(page.headline)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>${STYLE}</style></head>
<body>
<h1>${esc(page.file)} <small>(model ${esc(page.model)})</small></h1>
<p id="headline" class="${page.headline.startsWith('not') ? 'bad' : 'good'}">${esc(page.headline)}</p>
${page.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<p class="legend">${legend}</p>
<p>One lane per client; each bar runs from an operation's invoke to its completion (x: position of the event in the file). Click a bar for details.</p>
${page.sections.map((s) => section(spec, s)).join('\n')}
<div id="details">Click an operation.</div>
<script>${SCRIPT}</script>
</body></html>
`;
}
