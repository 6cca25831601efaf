'use strict';
// The gallery: initial cards from /api/cards, then live updates by server-sent events on /api/events.
const MAX_CARDS = 200;
const LOW = 0.6;
const SHOWN = ['gradcam', 'guided-gradcam', 'featuremaps'];
const cards = new Map();
let meta = { classes: {}, versions: [], methods: [], tokenRequired: false, onDemand: false };

const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

function className(i) { return meta.classes[String(i)] || String(i); }

// Cards are re-rendered as events stream in, so messages go to the card's current element, not a captured one.
function say(imageId, which, cls, text) {
  const card = document.querySelector('article[data-image-id="' + CSS.escape(imageId) + '"]');
  const m = card && card.querySelector('.' + which);
  if (m) { m.className = which + ' ' + cls; m.textContent = text; }
}

function figure(src, caption, cls, alt) {
  const f = el('figure');
  if (src) {
    const img = el('img', cls);
    img.dataset.src = src;
    img.src = src;
    img.alt = alt;
    img.loading = 'eager';
    img.addEventListener('click', () => { $('lightbox-img').src = src; $('lightbox').classList.remove('hidden'); });
    f.appendChild(img);
  } else {
    f.appendChild(el('div', 'pending', '…'));
  }
  f.appendChild(el('figcaption', '', caption));
  return f;
}

function render(card) {
  const a = el('article', 'card');
  a.dataset.imageId = card.imageId;
  a.dataset.version = card.version || '';
  a.dataset.top1 = card.top1;
  a.dataset.confidence = card.confidence;
  if (card.misclassified) a.classList.add('misclassified');

  const h = el('h3');
  const link = el('a', 'prediction-link', card.imageId);
  link.href = '/prediction/' + encodeURIComponent(card.imageId);
  link.title = 'open the prediction page';
  h.appendChild(link);
  h.appendChild(el('span', 'meta', (card.model || '') + ' v' + (card.version || '?')));
  a.appendChild(h);

  const figs = el('div', 'figs');
  figs.appendChild(figure(card.image, 'input', 'thumb', 'input image'));
  // A method's column shows once it has an artifact, or as "…" while the server lists it as pending for this card
  // (the worker produced it for this model and is working on this card); otherwise it is not shown at all.
  for (const m of SHOWN) {
    const art = card.artifacts[m];
    if (!art && !(card.pending || []).includes(m)) continue;
    figs.appendChild(figure(art ? art.image : null, m, m === 'featuremaps' ? 'maps artifact' : 'heatmap artifact', m));
  }
  for (const m of Object.keys(card.artifacts)) {
    if (!SHOWN.includes(m)) figs.appendChild(figure(card.artifacts[m].image, m, 'heatmap artifact extra', m));
  }
  a.appendChild(figs);

  const ul = el('ul', 'topk');
  (card.topK || []).forEach((t, i) => {
    const li = el('li', i === 0 ? 'top' : '');
    li.appendChild(el('span', '', t.name));
    const bar = el('span', 'bar');
    const fill = el('span');
    fill.style.width = (100 * t.p).toFixed(1) + '%';
    bar.appendChild(fill);
    li.appendChild(bar);
    li.appendChild(el('span', '', (100 * t.p).toFixed(1) + '%'));
    ul.appendChild(li);
  });
  a.appendChild(ul);

  const g = card.artifacts.gradcam;
  if (g && g.faithfulness) {
    const f = g.faithfulness;
    let s = 'Grad-CAM deletion AUC ' + f.deletionAuc.toFixed(3) + ' · avg drop ' + (100 * f.averageDrop).toFixed(1) + '%';
    if (f.pointingHit !== undefined) s += ' · pointing ' + (f.pointingHit ? 'hit' : 'miss');
    a.appendChild(el('div', 'faith', s));
  }

  const lab = el('div', 'controls');
  lab.appendChild(el('span', card.label >= 0 ? 'labelled' : '', card.label >= 0 ? 'label: ' + className(card.label) + ' (' + card.labelSource + ')' : 'no label'));
  const sel = el('select', 'label-select');
  sel.setAttribute('aria-label', 'label for ' + card.imageId);
  const n = Math.max(Object.keys(meta.classes).length, ...(card.topK || []).map(t => t.index + 1));
  for (let i = 0; i < n; i++) {
    const o = el('option', '', className(i));
    o.value = String(i);
    if (i === card.top1) o.selected = true;
    sel.appendChild(o);
  }
  lab.appendChild(sel);
  const lb = el('button', 'label-button', 'Label');
  const msg = el('span', 'label-msg msg');
  lb.addEventListener('click', async () => {
    const chosen = Number(sel.value);
    say(card.imageId, 'label-msg', 'msg', 'sending…');
    try {
      await glimpseAuth.post('/api/labels', { imageId: card.imageId, label: chosen });
      say(card.imageId, 'label-msg', 'msg', 'labelled ' + className(chosen));
    } catch (e) { say(card.imageId, 'label-msg', 'err', e.message); }
  });
  lab.appendChild(lb);
  lab.appendChild(msg);
  a.appendChild(lab);

  if (meta.onDemand) {
    const ex = el('div', 'controls');
    ex.appendChild(el('span', '', 'explain with'));
    const ms = el('select', 'method-select');
    for (const m of meta.methods) {
      const o = el('option', '', m);
      o.value = m;
      ms.appendChild(o);
    }
    ex.appendChild(ms);
    const eb = el('button', 'explain-button', 'Explain');
    const em = el('span', 'explain-msg msg');
    eb.addEventListener('click', async () => {
      say(card.imageId, 'explain-msg', 'msg', 'explaining ' + ms.value + '…');
      try {
        await glimpseAuth.post('/api/explain', { imageId: card.imageId, methods: [ms.value] });
        say(card.imageId, 'explain-msg', 'msg', 'done');
      } catch (e) { say(card.imageId, 'explain-msg', 'err', e.message); }
    });
    ex.appendChild(eb);
    ex.appendChild(em);
    a.appendChild(ex);
  }
  return a;
}

function visible(card) {
  const c = $('filter-class').value;
  const v = $('filter-version').value;
  if (c !== '' && String(card.top1) !== c) return false;
  if (v !== '' && card.version !== v) return false;
  if ($('filter-low').checked && !(card.confidence < LOW)) return false;
  if ($('filter-mis').checked && !card.misclassified) return false;
  if ($('filter-explained').checked && Object.keys(card.artifacts || {}).length === 0) return false;
  return true;
}

// Images that already loaded move from the card's old element to the new one: re-rendering a card as its
// explanations stream in must not blank (and reload) its thumbnails.
function keepLoadedImages(old, node) {
  const loaded = new Map();
  for (const img of old.querySelectorAll('img')) {
    if (img.complete && img.naturalWidth > 0) loaded.set(img.dataset.src, img);
  }
  for (const img of node.querySelectorAll('img')) {
    const was = loaded.get(img.dataset.src);
    if (was) { img.replaceWith(was); loaded.delete(img.dataset.src); }
  }
}

// Live batches (oldest first): updates of cards on the page are applied; of the new cards that pass the filters
// only the newest maxNew are added (the rest would be replaced before their images load).
function applyLive(batch, maxNew) {
  const g = $('gallery');
  const fresh = [];
  for (const card of batch) {
    if (g.querySelector('article[data-image-id="' + CSS.escape(card.imageId) + '"]')) upsert(card);
    else if (visible(card)) fresh.push(card);
  }
  fresh.slice(-maxNew).forEach(upsert);
}

function upsert(card) {
  cards.set(card.imageId, card);
  const g = $('gallery');
  const node = render(card);
  node.classList.toggle('hidden', !visible(card));
  const old = g.querySelector('article[data-image-id="' + CSS.escape(card.imageId) + '"]');
  if (old) {
    // keep an open label choice and its message while explanations stream in
    const keepSel = old.querySelector('.label-select');
    if (keepSel && document.activeElement === keepSel) return;
    if (keepSel) node.querySelector('.label-select').value = keepSel.value;
    for (const which of ['label-msg', 'explain-msg']) {
      const o = old.querySelector('.' + which);
      const m = node.querySelector('.' + which);
      if (o && m && o.textContent) { m.className = o.className; m.textContent = o.textContent; }
    }
    keepLoadedImages(old, node);
    g.replaceChild(node, old);
  } else {
    g.insertBefore(node, g.firstChild);
    while (g.children.length > MAX_CARDS) {
      const last = g.lastChild;
      cards.delete(last.dataset.imageId);
      g.removeChild(last);
    }
  }
  counts();
}

function counts() {
  const all = $('gallery').children.length;
  const shown = $('gallery').querySelectorAll('article:not(.hidden)').length;
  $('counts').textContent = shown + ' of ' + all + ' cards' + ($('filter-explained').checked ? ' (explained)' : '');
}

function refilter() {
  for (const node of $('gallery').children) {
    const c = cards.get(node.dataset.imageId);
    if (c) node.classList.toggle('hidden', !visible(c));
  }
  counts();
}

function fillSelect(id, entries) {
  const s = $(id);
  const cur = s.value;
  while (s.options.length > 1) s.remove(1);
  for (const [value, text] of entries) {
    const o = el('option', '', text);
    o.value = value;
    s.appendChild(o);
  }
  s.value = cur;
}

async function loadMeta() {
  meta = await (await fetch('/api/meta')).json();
  fillSelect('filter-class', Object.entries(meta.classes).map(([k, v]) => [k, k + ' ' + v]));
  fillSelect('filter-version', meta.versions.map(v => [v, v]));
}

// The server filters too: "explained only" asks for the most recently explained cards, which at 200 predictions/s
// are long gone from the most recent ones.
async function reload() {
  const q = $('filter-explained').checked ? '&explained=true' : '';
  const initial = await (await fetch('/api/cards?limit=' + MAX_CARDS + q)).json();
  const g = $('gallery');
  while (g.firstChild) g.removeChild(g.firstChild);
  cards.clear();
  initial.reverse().forEach(upsert);
  counts();
}

let live = null;

async function init() {
  $('token').value = localStorage.getItem('glimpseToken') || '';
  $('token').addEventListener('change', () => glimpseAuth.remember($('token').value.trim()));
  $('low-threshold').textContent = String(LOW);
  for (const id of ['filter-class', 'filter-version', 'filter-low', 'filter-mis']) $(id).addEventListener('change', refilter);
  $('filter-explained').addEventListener('change', () => { if (live) live.clear(); reload(); });
  $('lightbox').addEventListener('click', () => $('lightbox').classList.add('hidden'));
  await loadMeta();
  await reload();
  live = new GalleryLive(applyLive, (text) => { $('live-state').textContent = text; });
  $('pause').addEventListener('click', () => {
    const paused = live.toggle();
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    $('pause').setAttribute('aria-pressed', String(paused));
  });
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => { $('status').textContent = 'live'; });
  es.addEventListener('error', () => { $('status').textContent = 'reconnecting…'; });
  es.addEventListener('card', (e) => live.push(JSON.parse(e.data)));
  setInterval(loadMeta, 5000);
}

init().catch(e => { $('status').textContent = 'error: ' + e.message; });
