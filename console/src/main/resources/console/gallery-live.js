'use strict';
// Live updates of the gallery, paced for people: server-sent card events are buffered (the latest state per
// image) and applied every FLUSH_MS, at most MAX_NEW new cards per flush, so that at 200 predictions/s a card
// stays on screen long enough for its images to load. Pause keeps buffering (bounded) without touching the page.
class GalleryLive {
  constructor(apply, onState, flushMs = 700, maxNew = 12, maxBuffered = 2000) {
    this.apply = apply;          // (cards: array, oldest first) => number of cards shown
    this.onState = onState;      // (text) => void
    this.flushMs = flushMs;
    this.maxNew = maxNew;
    this.maxBuffered = maxBuffered;
    this.buffer = new Map();
    this.paused = false;
    this.received = 0;
    this.dropped = 0;
    this.timer = setInterval(() => this.flush(), flushMs);
  }

  push(card) {
    this.received++;
    this.buffer.delete(card.imageId); // re-insert: newest last
    this.buffer.set(card.imageId, card);
    while (this.buffer.size > this.maxBuffered) {
      this.buffer.delete(this.buffer.keys().next().value);
      this.dropped++;
    }
    if (this.paused) this.state();
  }

  pause() { this.paused = true; this.state(); }

  resume() { this.paused = false; this.flush(); }

  toggle() { if (this.paused) this.resume(); else this.pause(); return this.paused; }

  clear() { this.buffer.clear(); }

  flush() {
    if (this.paused || this.buffer.size === 0) { this.state(); return; }
    const all = Array.from(this.buffer.values());
    this.buffer.clear();
    this.apply(all, this.maxNew);
    this.state();
  }

  state() {
    this.onState(this.paused
      ? 'paused · ' + this.buffer.size + ' updates waiting'
      : 'live · ' + this.received + ' updates received');
  }
}
