// Every HubSpot request the adapter makes, by endpoint and answer ("200", "429", "timeout",
// "network"), for `callStats()` and the benchmark report. Endpoint keys are templated the way
// HubSpot's docs name them ("POST /crm/v3/objects/deals/search").

import type { CallStats } from '../port.ts';

export class CallStatsRecorder {
  #total = 0;
  #rateLimited = 0;
  #byEndpoint = new Map<string, { count: number; statuses: Map<string, number> }>();

  record(endpoint: string, status: number | 'timeout' | 'network' | 'error'): void {
    this.#total += 1;
    if (status === 429) this.#rateLimited += 1;
    let entry = this.#byEndpoint.get(endpoint);
    if (!entry) {
      entry = { count: 0, statuses: new Map() };
      this.#byEndpoint.set(endpoint, entry);
    }
    entry.count += 1;
    const key = String(status);
    entry.statuses.set(key, (entry.statuses.get(key) ?? 0) + 1);
  }

  snapshot(): CallStats {
    const byEndpoint: CallStats['byEndpoint'] = {};
    for (const [endpoint, entry] of [...this.#byEndpoint].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      byEndpoint[endpoint] = { count: entry.count, statuses: Object.fromEntries(entry.statuses) };
    }
    return { total: this.#total, rateLimited: this.#rateLimited, byEndpoint };
  }
}

/** Requests by method: reads (GET, search and batch reads) and writes (everything else). */
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
  return endpoint.startsWith('GET ') || /\/(search|batch\/read)$/.test(endpoint) || endpoint === 'POST /oauth/v1/token';
}
