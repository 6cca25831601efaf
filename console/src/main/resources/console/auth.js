'use strict';
// The console's write calls (labels, explain) carry Authorization: Bearer <token>. The token is asked for once, on
// the first refusal (./glimpse demo prints where it is: <data-dir>/token), and kept in this browser's localStorage.
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
};
