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

  /** A copy, endpoints in name order (reports and tests compare it). */
  snapshot(): CallStats {
    const byEndpoint: CallStats['byEndpoint'] = {};
    for (const endpoint of Object.keys(this.#stats.byEndpoint).sort()) {
      byEndpoint[endpoint] = structuredClone(this.#stats.byEndpoint[endpoint] ?? { count: 0, statuses: {} });
    }
    return { total: this.#stats.total, rateLimited: this.#stats.rateLimited, byEndpoint };
  }

  reset(): void {
    this.#stats = { total: 0, rateLimited: 0, byEndpoint: {} };
  }
}

/** Requests by kind: reads (GET, searches, batch reads, token calls) and writes (everything else). */
export function splitReadsWrites(stats: CallStats): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const [endpoint, entry] of Object.entries(stats.byEndpoint)) {
    if (isRead(endpoint)) reads += entry.count;
    else writes += entry.count;
  }
  return { reads, writes };
}

function isRead(endpoint: string): boolean {
  return (
    endpoint.startsWith('GET ') ||
    /\/(search|batch\/read)$/.test(endpoint) ||
    /\/(oauth\/v1|oauth2)\/token$/.test(endpoint)
  );
}
