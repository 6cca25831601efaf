'use strict';
// The model page's filter responses: on a recent input of the stream (GET) or an uploaded image (POST, token).
(function () {
  const $ = (id) => document.getElementById(id);
  const img = $('responses');
  let objectUrl = null;

  function show(blob) {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(blob);
    img.src = objectUrl;
  }

  async function fetchPng(url, init) {
    const t0 = performance.now();
    $('response-msg').textContent = 'computing…';
    $('responses-note').textContent = '';
    const r = await fetch(url, init);
    if (!r.ok) {
      let msg = 'HTTP ' + r.status;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      $('responses-note').textContent = msg;
      $('response-msg').textContent = '';
      return;
    }
    show(await r.blob());
    $('response-msg').textContent = 'computed in ' + Math.round(performance.now() - t0) + ' ms';
  }

  async function recent() {
    const cards = await (await fetch('/api/cards?limit=20')).json();
    const sel = $('response-image');
    for (const c of cards) {
      const o = document.createElement('option');
      o.value = c.imageId;
      o.textContent = c.imageId + (c.topK && c.topK[0] ? ' (' + c.topK[0].name + ')' : '');
      sel.appendChild(o);
    }
    if (cards.length === 0) {
      $('responses-note').textContent = 'no recent input in the console yet: upload an image';
      return;
    }
    await fetchPng('/api/model/filter-responses.png?image=' + encodeURIComponent(sel.value));
  }

  $('response-image').addEventListener('change', () =>
    fetchPng('/api/model/filter-responses.png?image=' + encodeURIComponent($('response-image').value)));
  $('response-upload').addEventListener('change', () => {
    const f = $('response-upload').files[0];
    if (!f) return;
    const headers = glimpseAuth.headers({ 'Content-Type': 'application/octet-stream' });
    fetchPng('/api/model/filter-responses', { method: 'POST', headers, body: f });
  });
  recent().catch(e => { $('responses-note').textContent = 'error: ' + e.message; });
})();
