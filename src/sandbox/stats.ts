// Request statistics for `GET /__sandbox/stats`: totals, rate-limited answers, injected faults and
// per-route status counts, keyed by the personality's templated route keys.

export interface RouteStats {
  count: number;
  statuses: Record<string, number>;
}

export interface SandboxStats {
  total: number;
  /** Answers refused by a rate or daily limit, and injected 429s. */
  rateLimited: number;
  /** Injected faults by kind ("429", "500", "timeout", "slow"). */
  faults: Record<string, number>;
  byRoute: Record<string, RouteStats>;
}

export class StatsRecorder {
  #stats: SandboxStats = StatsRecorder.empty();

  static empty(): SandboxStats {
    return { total: 0, rateLimited: 0, faults: {}, byRoute: {} };
  }

  /** One finished request; `status` is the HTTP status, or "timeout"/"aborted" when none was sent. */
  record(routeKey: string, status: number | string): void {
    this.#stats.total += 1;
    const route = (this.#stats.byRoute[routeKey] ??= { count: 0, statuses: {} });
    route.count += 1;
    const key = String(status);
    route.statuses[key] = (route.statuses[key] ?? 0) + 1;
  }

  rateLimited(): void {
    this.#stats.rateLimited += 1;
  }

  fault(kind: string): void {
    this.#stats.faults[kind] = (this.#stats.faults[kind] ?? 0) + 1;
  }

  snapshot(): SandboxStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = StatsRecorder.empty();
  }
}
