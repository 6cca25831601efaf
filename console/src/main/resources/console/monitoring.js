'use strict';
// The monitoring page: /api/monitoring drawn with uPlot (bundled in the console's jar), refreshed every 5 s.
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const STATE_COLORS = { promoted: '#1b9e4b', rejected: '#888', 'rolled back': '#d62728', shadow: '#9467bd', candidate: '#1f77b4' };
const charts = {};
let versions = [];

function width(container) { return Math.max(360, container.clientWidth - 24); }

// Series that have their own x values become one table: the union of the times, null where a series has no point.
function align(series) {
  const xs = Array.from(new Set(series.flatMap(s => s.points.map(p => p.t)))).sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = series.map(s => {
    const col = new Array(xs.length).fill(null);
    for (const p of s.points) col[index.get(p.t)] = s.value(p);
    return col;
  });
  return [xs, ...cols];
}

// One uPlot per container, recreated when its series change, else given new data.
function draw(id, container, opts, data) {
  const key = JSON.stringify(opts.series.map(s => s.label));
  const c = charts[id];
  if (c && c.key === key && c.plot.root.isConnected) {
    c.plot.setData(data);
    return c.plot;
  }
  if (c) c.plot.destroy();
  const plot = new uPlot(Object.assign({ width: width(container), height: 260 }, opts), data, container);
  charts[id] = { key, plot };
  return plot;
}

// Vertical lines at the times versions changed state (drawn on the accuracy chart).
function versionMarks(u) {
  const ctx = u.ctx;
  ctx.save();
  for (const v of versions) {
    if (!['promoted', 'rejected', 'rolled back'].includes(v.state) || !v.at) continue;
    const x = u.valToPos(v.at / 1000, 'x', true);
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.strokeStyle = STATE_COLORS[v.state];
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillStyle = STATE_COLORS[v.state];
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    ctx.fillText('v' + v.version + ' ' + v.state, x + 4, u.bbox.top + 12 * devicePixelRatio);
  }
  ctx.restore();
}

function rates(r) {
  $('bucket').textContent = (r.bucketMs / 1000) + ' s';
  const data = [r.t, r.predictionsPerS, r.explanationsPerS, r.p50Ms, r.p99Ms];
  draw('rates', $('chart-rates'), {
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] }, ms: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] } },
    axes: [{}, { label: 'per second' }, { scale: 'ms', side: 1, label: 'latency ms', grid: { show: false } }],
    series: [{}, { label: 'predictions/s', stroke: COLORS[0], width: 2 }, { label: 'explanations/s', stroke: COLORS[2], width: 2 },
      { label: 'p50 ms', stroke: COLORS[4], scale: 'ms', width: 1.5 }, { label: 'p99 ms', stroke: COLORS[1], scale: 'ms', width: 1.5, dash: [4, 3] }],
  }, data);
}

// A statistic's chart: per version its value (or p-value) and threshold; alarmed windows marked.
function statisticChart(id, container, byVersion, accuracy) {
  const names = Object.keys(byVersion).sort();
  const usesP = !accuracy && names.some(v => byVersion[v].some(p => p.pValue !== undefined && p.pValue !== null));
  const series = [];
  const opts = [{}];
  names.forEach((v, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = byVersion[v];
    series.push({ points: pts, value: p => usesP ? Math.max(p.pValue, 1e-12) : p.value });
    opts.push({ label: v + (usesP ? ' p-value' : ''), stroke: color, width: 2,
      points: { show: true, size: 6, fill: color } });
    series.push({ points: pts, value: p => p.threshold });
    opts.push({ label: v + (usesP ? ' α' : ' threshold'), stroke: color, width: 1, dash: [6, 4], points: { show: false } });
    series.push({ points: pts.filter(p => p.drifted), value: p => usesP ? Math.max(p.pValue, 1e-12) : p.value });
    opts.push({ label: v + ' alarm', stroke: 'transparent', points: { show: true, size: 11, fill: '#d62728', stroke: '#d62728' } });
  });
  const data = align(series);
  const y = usesP ? { distr: 3, log: 10 } : accuracy ? { range: [0, 1] } : {};
  return draw(id, container, {
    scales: { x: { time: true }, y },
    axes: [{}, { label: usesP ? 'p-value' : accuracy ? 'accuracy' : 'value' }],
    series: opts,
    hooks: accuracy ? { draw: [versionMarks] } : {},
  }, data);
}

function drift(stats) {
  const box = $('drift');
  const names = Object.keys(stats).filter(s => s !== 'accuracy').sort();
  $('drift-empty').classList.toggle('hidden', names.length > 0);
  for (const s of names) {
    let c = document.getElementById('drift-' + s);
    if (!c) {
      const wrap = el('div', 'chart-box');
      wrap.appendChild(el('h4', '', s));
      c = el('div', 'chart');
      c.id = 'drift-' + s;
      wrap.appendChild(c);
      box.appendChild(wrap);
    }
    statisticChart('drift-' + s, c, stats[s], false);
  }
}

function time(ms) { return ms ? new Date(ms).toLocaleTimeString() : ''; }

function fmt(x) { return x === undefined || x === null ? '' : Number(x).toFixed(3); }

function timeline(list) {
  const body = $('versions').querySelector('tbody');
  body.textContent = '';
  for (const v of list.slice().reverse()) {
    const tr = el('tr');
    tr.appendChild(el('td', '', time(v.at)));
    tr.appendChild(el('td', '', v.model));
    tr.appendChild(el('td', '', 'v' + v.version));
    const st = el('td');
    const badge = el('span', 'badge', v.state);
    badge.style.background = STATE_COLORS[v.state] || '#555';
    st.appendChild(badge);
    tr.appendChild(st);
    tr.appendChild(el('td', '', v.parent ? 'v' + v.parent : ''));
    tr.appendChild(el('td', 'num', v.holdout !== undefined ? fmt(v.parentHoldout) + ' → ' + fmt(v.holdout) : ''));
    tr.appendChild(el('td', 'num', v.holdoutExamples !== undefined ? String(v.holdoutExamples) : ''));
    tr.appendChild(el('td', 'wrap', v.reason || ''));
    body.appendChild(tr);
  }
  if (list.length === 0) {
    const tr = el('tr');
    const td = el('td', 'hint', 'no model announcements yet (the training service announces versions)');
    td.colSpan = 8;
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function hbars(box, counts) {
  box.textContent = '';
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(e => e[1]));
  for (const [name, n] of entries) {
    const row = el('div', 'hbar');
    row.appendChild(el('span', 'hbar-name', name));
    const bar = el('span', 'bar');
    const fill = el('span');
    fill.style.width = (100 * n / max).toFixed(1) + '%';
    bar.appendChild(fill);
    row.appendChild(bar);
    row.appendChild(el('span', 'num', String(n)));
    box.appendChild(row);
  }
  if (entries.length === 0) box.appendChild(el('p', 'hint', 'none'));
}

function deadLetters(d) {
  hbars($('dead-reasons'), d.byReason);
  hbars($('dead-stages'), d.byStage);
  const body = $('dead-latest').querySelector('tbody');
  body.textContent = '';
  for (const l of d.latest.slice(0, 10)) {
    const tr = el('tr');
    tr.appendChild(el('td', '', time(l.at)));
    tr.appendChild(el('td', '', l.stage));
    tr.appendChild(el('td', '', l.reason));
    tr.appendChild(el('td', '', l.imageId));
    tr.appendChild(el('td', 'wrap', l.detail));
    tr.appendChild(el('td', '', l.source));
    body.appendChild(tr);
  }
}

async function refresh() {
  const r = await fetch('/api/monitoring');
  const d = await r.json();
  if (!r.ok) { $('status').textContent = d.error || ('HTTP ' + r.status); return; }
  versions = d.versions;
  rates(d.rates);
  const acc = d.statistics.accuracy || {};
  $('accuracy-empty').classList.toggle('hidden', Object.keys(acc).length > 0);
  statisticChart('accuracy', $('chart-accuracy'), acc, true);
  drift(d.statistics);
  timeline(d.versions);
  deadLetters(d.deadLetters);
  $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.body.dataset.loaded = 'true';
}

refresh().catch(e => { $('status').textContent = 'error: ' + e.message; });
setInterval(() => refresh().catch(e => { $('status').textContent = 'error: ' + e.message; }), 5000);
