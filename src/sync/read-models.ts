// The read side of the read models (issue 21): the dashboard and the /v1 reads show the figures
// of the last run that completed its steps, as of that run's asOf, from the rows the run wrote
// (read-model-build.ts, run-sync.ts). A period the run did not store, or a program config other
// than the run's, is computed once in the engine worker and kept in a small cache keyed by the
// run; before any run, a read computes as of now in the worker, as before.

import { monthPeriod, TimeZone, type Period } from '../domain/time.ts';
import type { ReadModelPartnerPageQuery, ReadModelPartnerQuery } from '../store/store.ts';
import { computePeriodModelOffLoop } from './engine-pool.ts';
import {
  flagWindow,
  programFingerprint,
  type PartnerReadRow,
  type PeriodAggregate,
  type PeriodModel,
} from './read-model-build.ts';
import type { StoreDeps } from './deps.ts';

export type { PartnerReadRow, PeriodAggregate } from './read-model-build.ts';

/** The run the figures are of. */
export interface ReadBasis {
  account: string;
  /** The run whose read models are read; null before any run wrote them. */
  runId: string | null;
  /** The instant the figures are as of: the run's asOf (now, before any run). */
  asOf: number;
  /** Whether the stored rows can be used (written with the program config in use now). */
  stored: boolean;
}

export async function readBasis(
  deps: Pick<StoreDeps, 'store' | 'clock' | 'config'>,
  account: string,
): Promise<ReadBasis> {
  const head = await deps.store.readModelHead(account);
  if (head === null) return { account, runId: null, asOf: Math.floor(deps.clock.now() / 1000) * 1000, stored: false };
  return {
    account,
    runId: head.runId,
    asOf: head.asOf,
    stored: head.fingerprint === programFingerprint(deps.config.program),
  };
}

/** The month of the basis' asOf and the period shown by default (the last complete month, issue 17). */
export function defaultPeriod(deps: Pick<StoreDeps, 'config'>, basis: ReadBasis): Period {
  return monthPeriod(new TimeZone(deps.config.program.timezone).monthOf(basis.asOf) - 1);
}

/** One period's figures: the aggregate, and the partner rows read on demand. */
export interface PeriodView {
  basis: ReadBasis;
  aggregate: PeriodAggregate;
  /** Partner rows in id order, filtered and paged (in the store when stored). */
  partners(query?: ReadModelPartnerQuery): Promise<PartnerReadRow[]>;
  partner(id: string): Promise<PartnerReadRow | null>;
  /**
   * One page of the dashboard's partner list, sorted, filtered and counted in the store
   * (issue 21); absent when the period is computed in memory (the caller sorts those rows).
   */
  page?: (query: ReadModelPartnerPageQuery) => Promise<{ rows: PartnerReadRow[]; matching: number; tiers: string[] }>;
}

// ---- computed periods: once per run, period and config, in the worker ------------------------

const MAX_COMPUTED = 6;
const computed = new Map<string, Promise<PeriodModel>>();

/** Forgets computed periods (tests). */
export function clearComputedPeriods(): void {
  computed.clear();
}

function computedModel(
  deps: Pick<StoreDeps, 'store' | 'config'>,
  basis: ReadBasis,
  period: Period,
): Promise<PeriodModel> {
  const program = deps.config.program;
  // before any run the figures are as of now: the key has the instant, so nothing stale is kept
  const key = [basis.account, basis.runId ?? `now:${basis.asOf}`, period.label, programFingerprint(program)].join('|');
  const hit = computed.get(key);
  if (hit !== undefined) {
    computed.delete(key); // most recently used last
    computed.set(key, hit);
    return hit;
  }
  const pending = deps.store
    .loadCache(basis.account)
    .then((cache) => computePeriodModelOffLoop(program, cache, { asOf: basis.asOf, period }));
  computed.set(key, pending);
  pending.catch(() => computed.delete(key)); // a failure is not kept: the next request tries again
  while (computed.size > MAX_COMPUTED) {
    const oldest = computed.keys().next().value;
    if (oldest === undefined) break;
    computed.delete(oldest);
  }
  return pending;
}

function matches(r: PartnerReadRow, q: ReadModelPartnerQuery): boolean {
  if (q.ids !== undefined && !q.ids.includes(r.id)) return false;
  if (q.after !== undefined && !(r.id > q.after)) return false;
  if (q.recipe !== undefined && r.recipe !== q.recipe) return false;
  if (q.band !== undefined && r.out.health.band !== q.band) return false;
  if (q.tier !== undefined && r.out.tier !== q.tier) return false;
  if (q.q !== undefined && !`${r.id} ${r.name}`.toLowerCase().includes(q.q.toLowerCase())) return false;
  return true;
}

function memoryView(basis: ReadBasis, model: PeriodModel): PeriodView {
  const sorted = [...model.partners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    basis,
    aggregate: model.aggregate,
    partners: (q = {}) => {
      const rows = sorted.filter((r) => matches(r, q));
      return Promise.resolve(q.limit === undefined ? rows : rows.slice(0, q.limit));
    },
    partner: (id) => Promise.resolve(sorted.find((r) => r.id === id) ?? null),
  };
}

/**
 * The figures of a period (default: the last complete month before the run's asOf) as of the
 * last run: the stored read model when the run wrote one for it, else computed once off the
 * event loop and cached.
 */
export async function periodView(
  deps: Pick<StoreDeps, 'store' | 'clock' | 'config'>,
  account: string,
  period?: Period,
  basis?: ReadBasis,
): Promise<PeriodView> {
  const b = basis ?? (await readBasis(deps, account));
  const p = period ?? defaultPeriod(deps, b);
  if (b.stored) {
    const aggregate = (await deps.store.readModelPeriod(account, p.label)) as PeriodAggregate | null;
    if (aggregate !== null)
      return {
        basis: b,
        aggregate,
        partners: async (q = {}) => (await deps.store.readModelPartners(account, p.label, q)) as PartnerReadRow[],
        partner: async (id) =>
          ((await deps.store.readModelPartner(account, [p.label], id)).get(p.label) ?? null) as PartnerReadRow | null,
        page: async (q) => {
          const r = await deps.store.readModelPartnerPage(account, p.label, q);
          return { ...r, rows: r.rows as PartnerReadRow[] };
        },
      };
  }
  return memoryView(b, await computedModel(deps, b, p));
}

/** Recipe flags' window and ROI per recipe, over the three complete months before the run's asOf. */
export async function flagWindowView(
  deps: Pick<StoreDeps, 'store' | 'clock' | 'config'>,
  account: string,
  basis?: ReadBasis,
): Promise<{ window: { from: string; to: string }; aggregate: PeriodAggregate }> {
  const b = basis ?? (await readBasis(deps, account));
  const w = flagWindow(new TimeZone(deps.config.program.timezone).monthOf(b.asOf));
  const view = await periodView(deps, account, w.period, b);
  return { window: { from: w.from, to: w.to }, aggregate: view.aggregate };
}

/**
 * Program KPIs of these months and one partner's rows for them, when the last run stored every
 * one of them; null otherwise (the caller computes).
 */
export async function storedMonths(
  deps: Pick<StoreDeps, 'store' | 'clock' | 'config'>,
  basis: ReadBasis,
  labels: readonly string[],
  partnerId?: string,
): Promise<{ aggregates: Map<string, PeriodAggregate>; partner: Map<string, PartnerReadRow> } | null> {
  if (!basis.stored) return null;
  const aggregates = (await deps.store.readModelPeriods(basis.account, labels)) as Map<string, PeriodAggregate>;
  if (labels.some((l) => !aggregates.has(l))) return null;
  const partner =
    partnerId === undefined
      ? new Map<string, PartnerReadRow>()
      : ((await deps.store.readModelPartner(basis.account, labels, partnerId)) as Map<string, PartnerReadRow>);
  return { aggregates, partner };
}
