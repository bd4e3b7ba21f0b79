// Our own client-side limiter (docs/crm-notes.md: the SDK's is process-wide and ignores DAILY). A
// sliding-window log, as HubSpot counts: at most `max` requests started in any `windowMs`.
// Callers queue in order; a 429 answer can `pause` everyone for a while.

export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: Timer = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms);
    }),
};

export class SlidingWindowLimiter {
  readonly max: number;
  /** The share of `max` we take now: lower while other clients use part of the same budget. */
  #limit: number;
  readonly windowMs: number;
  /** Extra wait past the window edge: the server counts arrivals, we count departures. */
  readonly marginMs: number;
  readonly #timer: Timer;
  readonly #starts: number[] = [];
  #head = 0;
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(max: number, windowMs: number, timer: Timer, marginMs = 50) {
    this.max = max;
    this.#limit = max;
    this.windowMs = windowMs;
    this.marginMs = marginMs;
    this.#timer = timer;
  }

  /** Waits for a free slot (in call order) and takes it. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    // The queue continues whatever happens to one caller.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Nobody starts a request before `ms` from now (after a 429, or when HubSpot says 0 remain). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#timer.now() + ms);
  }

  /** Requests started in the last window. */
  inWindow(): number {
    const now = this.#timer.now();
    let n = 0;
    for (let i = this.#head; i < this.#starts.length; i++) if ((this.#starts[i] ?? 0) > now - this.windowMs) n += 1;
    return n;
  }

  /** How many requests we may start per window from now on (1 to `max`). */
  setLimit(limit: number): void {
    this.#limit = Math.max(1, Math.min(this.max, Math.floor(limit)));
  }

  get limit(): number {
    return this.#limit;
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.#timer.now();
      if (now < this.#pausedUntil) {
        await this.#timer.sleep(this.#pausedUntil - now);
        continue;
      }
      while (this.#head < this.#starts.length && (this.#starts[this.#head] ?? 0) <= now - this.windowMs - this.marginMs)
        this.#head += 1;
      if (this.#head > 512) {
        this.#starts.splice(0, this.#head);
        this.#head = 0;
      }
      const inUse = this.#starts.length - this.#head;
      if (inUse < this.#limit) {
        this.#starts.push(now);
        return;
      }
      // Wait for the request that frees a slot under the current limit to leave the window.
      const oldest = this.#starts[this.#head + (inUse - this.#limit)] ?? now;
      await this.#timer.sleep(Math.max(1, oldest + this.windowMs + this.marginMs - now + 1));
    }
  }
}
