'use strict';
// The model page: inspect table from /api/model; images load (or report why not) by themselves.
const $ = (id) => document.getElementById(id);

function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text;
  tr.appendChild(td);
}

async function init() {
  const r = await fetch('/api/model');
  const data = await r.json();
  if (!r.ok) { $('status').textContent = data.error || ('HTTP ' + r.status); return; }
  $('summary').textContent = 'input ' + data.input + ' ' + JSON.stringify(data.inputShape) + ' · '
    + Number(data.totalParameters).toLocaleString() + ' parameters · ' + Number(data.totalMacs).toLocaleString() + ' MACs';
  const body = $('layers').querySelector('tbody');
  for (const l of data.layers) {
    const tr = document.createElement('tr');
    cell(tr, l.name || l.output || '');
    cell(tr, l.op || '');
    cell(tr, JSON.stringify(l.outputShape || l.shape || ''));
    cell(tr, l.parameters !== undefined ? Number(l.parameters).toLocaleString() : '');
    cell(tr, l.macs !== undefined ? Number(l.macs).toLocaleString() : '');
    const rf = l.receptiveField || {};
    cell(tr, rf.size !== undefined ? rf.size : '');
    cell(tr, rf.jump !== undefined ? rf.jump : '');
    cell(tr, rf.start !== undefined ? rf.start : '');
    body.appendChild(tr);
  }
}

for (const [img, note] of [['filters', 'filters-note'], ['actmax', 'actmax-note'], ['architecture', null]]) {
  $(img).addEventListener('error', async () => {
    if (!note) return;
    try { const r = await fetch($(img).src); const d = await r.json(); $(note).textContent = d.error; } catch (e) { $(note).textContent = 'unavailable'; }
  });
}
init().catch(e => { $('status').textContent = 'error: ' + e.message; });
