// Monthly KPI history for the trend charts: each month exactly what GET /v1/kpis?period=YYYY-MM
// answers. Read from the last run's read models when it stored every month shown (issue 21: the
// run stores the 12 months before its own and that one); otherwise 12 engine runs over the cached
// snapshot, one per month, in the engine worker. Those are cached per sync run
// (the latest run's id, status and end) and per hour, since between syncs only the passing of
// time can change them (at the edges: a deal whose close date was still in the future). A
// handful of entries are kept; concurrent requests share one computation.

import { computeKpisOffLoop } from '../../sync/engine-pool.ts';
import type { PartnerKpis, ProgramKpis } from '../../domain/kpis.ts';
import { monthLabel, monthPeriod, type MonthIndex } from '../../domain/time.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { Store } from '../../store/store.ts';
import type { StoreDeps } from '../../sync/deps.ts';
import { storedMonths, type ReadBasis } from '../../sync/read-models.ts';

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

/** The months of the chart ending with `lastMonth`. */
const chartMonths = (lastMonth: MonthIndex): MonthIndex[] => {
  const out: MonthIndex[] = [];
  // months start at year 0000 (docs/finance-rules.md's dates): a period early in year 0000 has a shorter history
  for (let m = Math.max(0, lastMonth - HISTORY_MONTHS + 1); m <= lastMonth; m++) out.push(m);
  return out;
};

const monthOf = (k: PartnerKpis): PartnerMonth => ({
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

/**
 * The history from the last run's read models, or null when the run did not store every month
 * (a period far from the run's month, another program config, no run yet). The partner map holds
 * only `partnerId` (the partner page), or nobody (the program page).
 */
export async function storedHistory(
  deps: Pick<StoreDeps, 'store' | 'clock' | 'config'>,
  basis: ReadBasis,
  lastMonth: MonthIndex,
  partnerId?: string,
): Promise<KpiHistory | null> {
  const labels = chartMonths(lastMonth).map(monthLabel);
  const stored = await storedMonths(deps, basis, labels, partnerId);
  if (stored === null) return null;
  const months = labels.map((label): MonthKpis => {
    const agg = stored.aggregates.get(label);
    if (agg === undefined) throw new Error(`read model: month ${label} missing`);
    const row = stored.partner.get(label);
    return {
      label,
      program: agg.program,
      partners: new Map(row === undefined ? [] : [[row.id, monthOf(row.out.kpis)]]),
    };
  });
  return { asOf: new Date(basis.asOf).toISOString(), months };
}
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
    for (const m of chartMonths(o.lastMonth)) {
      const result = await computeKpisOffLoop(o.config.program, cache, { asOf: o.asOf, period: monthPeriod(m) });
      this.computations++;
      const partners = new Map<string, PartnerMonth>();
      for (const p of result.partners) partners.set(p.id, monthOf(p.kpis));
      months.push({ label: monthLabel(m), program: result.program, partners });
      // let other requests run between the engine runs of a large program
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { asOf: new Date(o.asOf).toISOString(), months };
  }
}
