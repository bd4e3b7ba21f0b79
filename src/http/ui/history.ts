// Monthly KPI history for the trend charts: 12 engine runs over the cached snapshot, one per
// month, each exactly what GET /v1/kpis?period=YYYY-MM answers. They are cached per sync run
// (the latest run's id, status and end) and per hour, since between syncs only the passing of
// time can change them (at the edges: a deal whose close date was still in the future). A
// handful of entries are kept; concurrent requests share one computation.

import { computeKpisOffLoop } from '../../sync/engine-pool.ts';
import type { PartnerKpis, ProgramKpis } from '../../domain/kpis.ts';
import { monthLabel, monthPeriod, type MonthIndex } from '../../domain/time.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { Store } from '../../store/store.ts';

export type PartnerMonth = Pick<
  PartnerKpis,
  | 'attributedRevenue'
  | 'sourcedRevenue'
  | 'influencedRevenue'
  | 'dealsWon'
  | 'dealsLost'
  | 'winRate'
  | 'commissions'
  | 'registrations'
  | 'pipeline'
>;

export interface MonthKpis {
  label: string;
  program: ProgramKpis;
  partners: ReadonlyMap<string, PartnerMonth>;
}

export interface KpiHistory {
  asOf: string;
  months: readonly MonthKpis[];
}

export interface HistoryRequest {
  store: Pick<Store, 'listRuns' | 'loadCache'>;
  config: LoadedConfig;
  account: string;
  lastMonth: MonthIndex;
  asOf: number;
}

const HISTORY_MONTHS = 12;
// each entry holds 12 months of every partner's KPIs: a few are plenty (the current month, a period or two)
const MAX_ENTRIES = 4;
const HOUR_MS = 3_600_000;

export class HistoryCache {
  readonly #entries = new Map<string, Promise<KpiHistory>>();
  /** Engine runs done (for tests and logs: proves the cache is used). */
  computations = 0;

  /** The 12 months ending with `lastMonth`, as of `asOf`. */
  async get(o: HistoryRequest): Promise<KpiHistory> {
    const latest = (await o.store.listRuns(o.account, 1))[0];
    const runKey = latest === undefined ? 'none' : `${latest.id}:${latest.status}:${latest.finishedAt ?? ''}`;
    const key = `${o.account}|${runKey}|${o.lastMonth}|${Math.floor(o.asOf / HOUR_MS)}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // most recently used last, so the oldest entry is the one dropped
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const pending = this.#compute(o);
    this.#entries.set(key, pending);
    // a failed computation is not kept: the next request tries again
    pending.catch(() => this.#entries.delete(key));
    while (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return pending;
  }

  async #compute(o: HistoryRequest): Promise<KpiHistory> {
    const cache = await o.store.loadCache(o.account);
    const months: MonthKpis[] = [];
    // months start at year 0000 (docs/finance-rules.md's dates): a period early in year 0000 has a shorter history
    for (let m = Math.max(0, o.lastMonth - HISTORY_MONTHS + 1); m <= o.lastMonth; m++) {
      const result = await computeKpisOffLoop(o.config.program, cache, { asOf: o.asOf, period: monthPeriod(m) });
      this.computations++;
      const partners = new Map<string, PartnerMonth>();
      for (const p of result.partners) {
        const k = p.kpis;
        partners.set(p.id, {
          attributedRevenue: k.attributedRevenue,
          sourcedRevenue: k.sourcedRevenue,
          influencedRevenue: k.influencedRevenue,
          dealsWon: k.dealsWon,
          dealsLost: k.dealsLost,
          winRate: k.winRate,
          commissions: k.commissions,
          registrations: k.registrations,
          pipeline: k.pipeline,
        });
      }
      months.push({ label: monthLabel(m), program: result.program, partners });
      // let other requests run between the engine runs of a large program
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { asOf: new Date(o.asOf).toISOString(), months };
  }
}
