// Backoff for retrying a CRM call: exponential with full jitter, capped, and never shorter than
// what the CRM asked for (Retry-After). Generic over CRMs; the adapters decide what is retryable.

export interface BackoffPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = { maxAttempts: 4, baseMs: 500, maxMs: 15_000 };

/** Delay before attempt `attempt + 1` (attempt counts from 1), in ms. `random` is in [0, 1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs: number | null = null,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  // Full jitter spreads retries of many clients; half the ceiling is kept as a floor so a retry
  // never fires immediately against a server that just failed.
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
