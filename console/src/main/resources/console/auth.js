'use strict';
// The console's write calls (labels, explain, uploads) carry Authorization: Bearer <token>. The token is asked for
// once, on the first refusal (./glimpse demo prints where it is: <data-dir>/token), and kept in this browser's
// localStorage. Every page's JSON POST goes through glimpseAuth.post.
const glimpseAuth = {
  KEY: 'glimpseToken',
  token() {
    const input = document.getElementById('token');
    return ((input && input.value) || localStorage.getItem(this.KEY) || '').trim();
  },
  remember(t) {
    localStorage.setItem(this.KEY, t);
    const input = document.getElementById('token');
    if (input) input.value = t;
  },
  // true when the user gave a token (the caller then retries once)
  ask() {
    const t = window.prompt('This console needs its bearer token for labels and explanations '
        + '(./glimpse demo writes it to <data-dir>/token):');
    if (t && t.trim()) { this.remember(t.trim()); return true; }
    return false;
  },
  // the headers of a write call: the given ones plus the bearer token when there is one
  headers(base) {
    const h = Object.assign({}, base);
    const t = this.token();
    if (t) h['Authorization'] = 'Bearer ' + t;
    return h;
  },
  // POSTs body as JSON; on 401 asks for the token once and retries; resolves to the JSON answer (null when empty),
  // rejects with the server's error message (or the HTTP status)
  async post(url, body, retried) {
    const r = await fetch(url, { method: 'POST', headers: this.headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(body) });
    if (r.status === 401 && !retried && this.ask()) return this.post(url, body, true);
    let data = null;
    try { data = await r.json(); } catch (e) { /* empty body */ }
    if (!r.ok) throw new Error((data && data.error) || ('HTTP ' + r.status));
    return data;
  },
};
