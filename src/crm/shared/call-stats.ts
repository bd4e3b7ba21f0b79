// Counts an adapter's HTTP calls for `CrmAdapter.callStats()`: per endpoint (method and path with
// ids templated) and by status, plus how many answers refused the call for a limit. Generic over
// CRMs; each adapter supplies its own path templating.

import type { CallStats } from '../port.ts';

export class CallStatsRecorder {
  #stats: CallStats = { total: 0, rateLimited: 0, byEndpoint: {} };

  /** One HTTP exchange; `status` is the HTTP status, or a word ("network", "timeout") when none came. */
  record(endpoint: string, status: number | string, refusedForLimit = false): void {
    this.#stats.total += 1;
    if (refusedForLimit) this.#stats.rateLimited += 1;
    const entry = (this.#stats.byEndpoint[endpoint] ??= { count: 0, statuses: {} });
    entry.count += 1;
    const key = String(status);
    entry.statuses[key] = (entry.statuses[key] ?? 0) + 1;
  }

  snapshot(): CallStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = { total: 0, rateLimited: 0, byEndpoint: {} };
  }
}
