'use strict';
// The prediction page: /api/predictions/<id> drawn large, with what each number means.
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const imageId = decodeURIComponent(location.pathname.substring('/prediction/'.length));

const METHODS = {
  'gradcam': 'Grad-CAM: the layer\'s feature maps weighted by the mean gradient of the class score; where the layer saw evidence for the class.',
  'gradcam++': 'Grad-CAM++: like Grad-CAM with higher-order weights, better when the class appears several times.',
  'layercam': 'LayerCAM: gradients weight each position separately; finer maps at earlier layers.',
  'xgradcam': 'XGrad-CAM: Grad-CAM with weights normalised by the activations.',
  'hirescam': 'HiResCAM: gradient times activation per position, summed over channels; faithful to the layer.',
  'scorecam': 'Score-CAM: each feature map used as a mask; weighted by how much it alone raises the class probability.',
  'eigencam': 'Eigen-CAM: the first principal component of the layer\'s activations (class-independent).',
  'cam': 'CAM: class activation map from the classifier weights after global average pooling.',
  'guided-gradcam': 'Guided Grad-CAM: guided backpropagation (fine pixel detail) multiplied by the Grad-CAM map (where).',
  'guided': 'Guided backpropagation: the input gradient with only positive signals passed back through ReLUs; edges and textures the class uses.',
  'deconvnet': 'Deconvnet: the input gradient passed back through ReLUs by the sign of the gradient only.',
  'saliency': 'Saliency: the absolute gradient of the class score with respect to each input pixel.',
  'gradxinput': 'Gradient × input: first-order contribution of each pixel.',
  'smoothgrad': 'SmoothGrad: saliency averaged over noisy copies of the input; less speckle.',
  'integrated-gradients': 'Integrated gradients: gradients integrated from a black image to the input; attributions sum to the score difference.',
  'occlusion': 'Occlusion: how much the class probability falls when each patch is covered.',
  'featuremaps': 'Feature maps: the layer\'s activations on this input, one tile per channel (64 at most), each scaled to its own range; bright = strong response.',
  'filters': 'Filters: the first convolution\'s weights, with their responses to this input.',
  'activation-max': 'Activation maximisation: inputs synthesised to excite single filters.'
};
const HEATMAPS = new Set(['gradcam', 'gradcam++', 'layercam', 'xgradcam', 'hirescam', 'scorecam', 'eigencam', 'cam',
  'guided-gradcam', 'guided', 'deconvnet', 'saliency', 'gradxinput', 'smoothgrad', 'integrated-gradients', 'occlusion']);
const SCORES = [
  ['deletionAuc', 'deletion AUC', 'lower is better: the class probability falls fast when the pixels the map ranks highest are set to zero first (in the model\'s input space)'],
  ['insertionAuc', 'insertion AUC', 'higher is better: the probability rises fast when those pixels are put back first onto a zero input'],
  ['averageDrop', 'average drop', 'lower is better: the share of the probability lost when the input is multiplied by the map (only the highlighted region kept)'],
  ['averageIncrease', 'increase in confidence', 'higher is better: 1 when the input multiplied by the map scores higher than the input itself, else 0'],
];
let data = null;

function className(i) { return (data.classes && data.classes[String(i)]) || String(i); }

function probabilities() {
  const body = $('probabilities').querySelector('tbody');
  body.textContent = '';
  for (const t of data.topK || []) {
    const tr = el('tr', t.index === data.top1 ? 'top' : '');
    tr.appendChild(el('td', '', String(t.index)));
    tr.appendChild(el('td', '', t.name));
    tr.appendChild(el('td', 'num', (100 * t.p).toFixed(2) + ' %'));
    const td = el('td', 'bar-cell');
    const bar = el('span', 'bar');
    const fill = el('span');
    fill.style.width = (100 * t.p).toFixed(1) + '%';
    bar.appendChild(fill);
    td.appendChild(bar);
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function labelControl() {
  $('label-now').textContent = data.label >= 0 ? 'label: ' + className(data.label) + ' (' + data.labelSource + ')' : 'no label yet';
  $('label-now').className = data.label >= 0 ? 'labelled' : '';
  const sel = $('label-select');
  const cur = sel.value;
  sel.textContent = '';
  const n = Math.max(Object.keys(data.classes || {}).length, ...(data.topK || []).map(t => t.index + 1));
  for (let i = 0; i < n; i++) {
    const o = el('option', '', i + ' ' + className(i));
    o.value = String(i);
    sel.appendChild(o);
  }
  sel.value = cur !== '' ? cur : String(data.label >= 0 ? data.label : data.top1);
}

function scores(f) {
  const t = el('table', 'scores');
  for (const [key, name, meaning] of SCORES) {
    if (f[key] === undefined || f[key] === null) continue;
    const tr = el('tr');
    tr.appendChild(el('th', '', name));
    tr.appendChild(el('td', 'num', Number(f[key]).toFixed(3)));
    tr.appendChild(el('td', 'meaning', meaning));
    t.appendChild(tr);
  }
  if (f.pointingHit !== undefined) {
    const tr = el('tr');
    tr.appendChild(el('th', '', 'pointing game'));
    tr.appendChild(el('td', 'num', f.pointingHit ? 'hit' : 'miss'));
    tr.appendChild(el('td', 'meaning', 'hit is good: the map\'s maximum lies on the object (its mask)'));
    t.appendChild(tr);
  }
  return t;
}

function explanation(method, a) {
  const base = a.method || method; // "gradcam@layer" when explained again at another layer
  const s = el('article', 'explanation');
  s.dataset.method = method;
  const h = el('h4', '', method);
  h.appendChild(el('span', 'meta', ' · class ' + className(a.target) + (a.layer ? ' · layer ' + a.layer : '') + ' · ' + a.ms + ' ms · ' + a.reason));
  s.appendChild(h);
  s.appendChild(el('p', 'hint', METHODS[base] || ''));
  const img = el('img', base === 'featuremaps' ? 'artifact-large maps' : 'artifact-large');
  img.src = a.image;
  img.alt = method;
  s.appendChild(img);
  if (HEATMAPS.has(base)) {
    const bar = el('div', 'colorbar-inline');
    const cb = el('img', 'colorbar');
    cb.src = '/api/colormap.png';
    cb.alt = 'colour bar: blue low, red high';
    bar.appendChild(el('span', '', 'low'));
    bar.appendChild(cb);
    bar.appendChild(el('span', '', 'high'));
    s.appendChild(bar);
  }
  if (a.faithfulness) s.appendChild(scores(a.faithfulness));
  const raw = el('p', 'raw');
  if (a.raw) {
    const link = el('a', '', 'raw array (.npy, float32 ' + JSON.stringify(a.shape || []) + ')');
    link.href = a.raw;
    link.download = imageId + '-' + method.replace(/[^A-Za-z0-9_.+-]/g, '_') + '.npy';
    raw.appendChild(link);
  }
  raw.appendChild(document.createTextNode(' · '));
  const png = el('a', '', 'picture (.png)');
  png.href = a.image;
  raw.appendChild(png);
  s.appendChild(raw);
  return s;
}

function explanations() {
  const box = $('explanations');
  box.textContent = '';
  const methods = Object.keys(data.artifacts || {});
  const order = ['gradcam', 'guided-gradcam', 'featuremaps'];
  methods.sort((x, y) => (order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99) || x.localeCompare(y));
  for (const m of methods) box.appendChild(explanation(m, data.artifacts[m]));
  $('no-explanations').classList.toggle('hidden', methods.length > 0);
  $('colorbar-legend').classList.toggle('hidden', !methods.some(m => HEATMAPS.has(data.artifacts[m].method || m)));
}

function controls() {
  const ms = $('method-select');
  if (ms.options.length === 0) {
    for (const m of data.methods || []) {
      const o = el('option', '', m);
      o.value = m;
      ms.appendChild(o);
    }
    ms.value = 'gradcam';
  }
  const ls = $('layer-select');
  if (ls.options.length <= 1) {
    for (const l of data.layers || []) {
      const o = el('option', '', l.name + ' ' + l.shape);
      o.value = l.name;
      ls.appendChild(o);
    }
  }
  $('explain-button').disabled = !data.onDemand;
  ls.disabled = !data.layerOnDemand;
  if (!data.onDemand) $('explain-msg').textContent = 'no explain worker runs with this console';
}

async function load() {
  const r = await fetch('/api/predictions/' + encodeURIComponent(imageId));
  const d = await r.json();
  if (!r.ok) { $('status').textContent = d.error || ('HTTP ' + r.status); $('title').textContent = imageId; return; }
  data = d;
  $('title').textContent = imageId;
  const top = (data.topK || [])[0];
  $('summary').textContent = (data.model || '') + ' v' + (data.version || '?')
    + (top ? ' · predicted ' + top.name + ' (' + (100 * top.p).toFixed(1) + ' %)' : '')
    + (data.predictedAt ? ' · ' + new Date(data.predictedAt).toLocaleString() : '')
    + (data.latencyMs !== undefined ? ' · ingest → prediction ' + data.latencyMs + ' ms' : '')
    + (data.misclassified ? ' · MISCLASSIFIED' : '');
  if ($('input').getAttribute('src') !== data.image) $('input').src = data.image;
  probabilities();
  labelControl();
  explanations();
  controls();
}

async function init() {
  $('token').value = localStorage.getItem('glimpseToken') || '';
  $('token').addEventListener('change', () => glimpseAuth.remember($('token').value.trim()));
  $('input').addEventListener('error', () => { $('input-note').textContent = 'the input is no longer cached by the console'; });
  $('label-button').addEventListener('click', async () => {
    const chosen = Number($('label-select').value);
    $('label-msg').className = 'msg';
    $('label-msg').textContent = 'sending…';
    try {
      await glimpseAuth.post('/api/labels', { imageId, label: chosen });
      $('label-msg').textContent = 'labelled ' + className(chosen);
      await load();
    } catch (e) { $('label-msg').className = 'err'; $('label-msg').textContent = e.message; }
  });
  $('explain-button').addEventListener('click', async () => {
    const body = { imageId, methods: [$('method-select').value] };
    if ($('layer-select').value) body.layer = $('layer-select').value;
    $('explain-msg').className = 'msg';
    $('explain-msg').textContent = 'explaining ' + body.methods[0] + '…';
    try {
      const done = await glimpseAuth.post('/api/explain', body);
      $('explain-msg').textContent = 'done';
      await load();
      const shown = document.querySelectorAll('article.explanation');
      const last = Array.from(shown).reverse().find(n => n.dataset.method.startsWith(done[0].method));
      if (last) last.scrollIntoView();
    } catch (e) { $('explain-msg').className = 'err'; $('explain-msg').textContent = e.message; }
  });
  await load();
  setInterval(() => { if (data && Object.keys(data.artifacts || {}).length === 0) load(); }, 3000);
}

init().catch(e => { $('status').textContent = 'error: ' + e.message; });
