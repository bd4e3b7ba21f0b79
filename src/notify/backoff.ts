// When a failed delivery is tried again: exponential backoff from 30 seconds, doubling up to an
// hour between attempts, until `retryHours` (default 24) after the notification was queued; then
// it is given up as failed. No jitter: each row has its own schedule already (queued at different
// times), and a fixed schedule is what the README documents.

export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_GAP_MS = 60 * 60_000;

/** The gap after the n-th failed attempt (n ≥ 1). */
export function retryGap(failedAttempts: number): number {
  const n = Math.max(1, failedAttempts);
  return Math.min(MAX_RETRY_GAP_MS, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 20));
}

/** The next attempt after a failure, or null when the retry window is over. */
export function nextAttempt(o: {
  failedAttempts: number;
  createdAt: number;
  now: number;
  retryHours: number;
}): number | null {
  const deadline = o.createdAt + o.retryHours * 3_600_000;
  const next = o.now + retryGap(o.failedAttempts);
  return next > deadline ? null : next;
}

/** The whole schedule for a delivery that always fails (offsets from its creation): for the README and tests. */
export function retrySchedule(retryHours: number): number[] {
  const out: number[] = [0];
  let at = 0;
  for (let n = 1; ; n++) {
    const next = nextAttempt({ failedAttempts: n, createdAt: 0, now: at, retryHours });
    if (next === null) return out;
    out.push(next);
    at = next;
  }
}
