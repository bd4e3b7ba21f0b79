// The engine's one entry point: program + snapshot + asOf (+ period) → the result.json
// structure of docs/finance-rules.md §9, plus the working details sync mode needs (ledger inputs,
// write-back values). Pure and deterministic.

import { computeAlerts, type Alert } from './alerts.ts';
import { AttributionTable, attribute, orderedTouches, type AttributionOut } from './attribution.ts';
import {
  computeCommissions,
  largestBandFee,
  rowCommissionCeiling,
  SourcedWins,
  type CommissionOut,
  type CommissionTable,
} from './commissions.ts';
import { computeFit, computeHealth, earnedTier, type FitResult, type HealthResult } from './health.ts';
import {
  accumulate,
  accumulateMonths,
  partnerKpis,
  periodFromMonths,
  programKpis,
  recipeKpis,
  windowOf,
  type MonthlyAccs,
  type PartnerAcc,
  type PartnerKpis,
  type ProgramAcc,
  type ProgramKpis,
  type RecipeKpis,
  type Window,
} from './kpis.ts';
import { prepareSnapshot, refTime, type DealRec, type PartnerRec } from './prepare.ts';
import type { Program } from './program.ts';
import type { Rejection, Snapshot } from './snapshot.ts';
import { formatInstant, monthPeriod, previousPeriod, TimeZone, type MonthIndex, type Period } from './time.ts';

export interface ComputeOptions {
  /** The instant to compute as of (ms since the epoch). */
  asOf: number;
  /** KPI window; default: the month of asOf in the program time zone. */
  period?: Period | undefined;
  /**
   * Sync mode (docs/finance-rules.md §10.2): a won deal on which some partner's commission could
   * exceed this many minor units (LEDGER_COMMISSION_LIMIT) is rejected COMMISSION_TOO_LARGE and
   * counts nowhere. `compute` sets none: it has no ledger.
   */
  commissionLimit?: bigint | undefined;
}

export type { AttributionOut } from './attribution.ts';
export type { CommissionOut } from './commissions.ts';

export interface PartnerOut {
  id: string;
  kpis: PartnerKpis;
  health: { score: number | null; band: HealthResult['band']; components: HealthResult['components'] };
  tier: string | null;
  fit: FitResult | null;
}

export interface ComputeResult {
  asOf: string;
  currency: string;
  period: { label: string; start: string; end: string };
  rejected: Rejection[];
  attribution: AttributionOut[];
  commissions: CommissionOut[];
  partners: PartnerOut[];
  recipes: { id: string; kpis: RecipeKpis }[];
  program: ProgramKpis;
  alerts: Alert[];
}

/** What sync mode needs beyond result.json: inputs of every entry and per-record figures. */
export interface EngineDetails {
  tz: TimeZone;
  partners: PartnerRec[];
  deals: DealRec[];
  rows: AttributionTable;
  entries: CommissionTable;
  accs: PartnerAcc[];
  health: HealthResult[];
  tiers: (string | null)[];
  fits: (FitResult | null)[];
  /** The partners credited with a touch of deal i beyond its rows (KPIs of another period reuse it). */
  touchPartnersOf: (i: number) => readonly number[];
}

export interface EngineOutput {
  result: ComputeResult;
  details: EngineDetails;
  /** Partner fields that could not be read (reported, not fatal). */
  warnings: string[];
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function run(program: Program, snapshot: Snapshot, options: ComputeOptions): EngineOutput {
  const tz = new TimeZone(program.timezone);
  const asOf = options.asOf;
  const asOfMonth = tz.monthOf(asOf);
  const period = options.period ?? monthPeriod(asOfMonth);
  const w = windowOf(tz, period.firstMonth, period.months);
  const prevPeriod = previousPeriod(period);
  const prev = windowOf(tz, prevPeriod.firstMonth, prevPeriod.months);

  const prepared = prepareSnapshot(program, tz, snapshot, asOf);
  const { partners } = prepared;
  let deals = prepared.deals; // already in id order
  let rejected = prepared.rejected;
  if (options.commissionLimit !== undefined) {
    const over = tooLargeForLedger(program, partners, deals, asOf, options.commissionLimit);
    if (over.size > 0) {
      deals = deals.filter((d) => !over.has(d.id));
      rejected = [...rejected, ...[...over].map((dealId) => ({ dealId, reason: 'COMMISSION_TOO_LARGE' as const }))];
      rejected.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
    }
  }

  // attribution
  const rows = new AttributionTable(partners, program.exponent);
  // Touch partners are the row partners, except where the model credits fewer touches than
  // there are (sourced, first/last touch): those deals keep their other touches here.
  const otherTouches = new Map<number, number[]>();
  deals.forEach((d, i) => {
    const T = refTime(d, asOf);
    const touches = orderedTouches(d, partners, T);
    const r = attribute(d, touches, program.model, program.halfLifeDays, T);
    rows.push(d, r);
    if (r.length !== touches.length) {
      const others = touches.filter((t) => t.partner !== d.source).map((t) => t.partner);
      if (others.length > 0) otherTouches.set(i, others);
    }
  });
  rows.seal();
  const touchPartnersOf = (i: number): readonly number[] => otherTouches.get(i) ?? rows.rowsOf(i).map((r) => r.partner);

  // commissions
  const wins = new SourcedWins(partners.length, deals);
  const { entries, issues } = computeCommissions({ program, tz, asOf, asOfMonth, partners, wins }, deals, rows);

  // KPIs, health, tier, fit
  const { accs, program: progAcc } = accumulate({
    program,
    asOf,
    w,
    prev,
    partners,
    deals,
    rows,
    touchPartnersOf,
    entries,
  });
  const health = partners.map((p) => computeHealth(program, p, accs[p.idx] as PartnerAcc, asOf));
  const tiers = partners.map((p) => earnedTier(p, wins, asOf));
  const fits = partners.map((p) => computeFit(program, p));

  const alerts = computeAlerts({
    program,
    tz,
    asOf,
    partners,
    accs,
    health,
    tiers,
    deals,
    recipeIssues: issues,
    lastDealAt: progAcc.lastDealAt,
  });

  const details: EngineDetails = { tz, partners, deals, rows, entries, accs, health, tiers, fits, touchPartnersOf };
  const partnersOut: PartnerOut[] = [...partners].sort(byId).map((p) => {
    const h = health[p.idx] as HealthResult;
    return {
      id: p.id,
      kpis: partnerKpis(program, p, accs[p.idx] as PartnerAcc, w),
      health: { score: h.score, band: h.band, components: h.components },
      tier: tiers[p.idx] ?? null,
      fit: fits[p.idx] ?? null,
    };
  });
  const recipes = [...program.recipes.values()].sort(byId).map((r) => ({
    id: r.id,
    kpis: recipeKpis(program, r, partners, accs, progAcc, w, asOf),
  }));

  const result = {
    asOf: formatInstant(asOf),
    currency: program.currency,
    period: { label: period.label, start: formatInstant(w.start), end: formatInstant(w.end) },
    rejected,
  } as ComputeResult;
  // The two large arrays are built when first read (JSON.stringify and tests read them); a
  // million-deal program written by the streaming writer never builds them.
  lazyArray(result, 'attribution', rows.length, (k) => rows.outAt(k));
  lazyArray(result, 'commissions', entries.length, (i) => entries.outAt(i));
  Object.assign(result, {
    partners: partnersOut,
    recipes,
    program: programKpis(program, partners, accs, progAcc, w, asOf),
    alerts,
  });
  return { result, details, warnings: prepared.warnings };
}

/**
 * The won deals on which some partner's commission could exceed `limit` minor units
 * (rowCommissionCeiling: its plan at the highest rate, after the cap). Only a deal whose A(d)
 * exceeds the limit, or a program with a band fee beyond it, can: a percent commission is at
 * most the attributed amount (rates are at most 100%), a flat one at most its fee.
 */
function tooLargeForLedger(
  program: Program,
  partners: readonly PartnerRec[],
  deals: readonly DealRec[],
  asOf: number,
  limit: bigint,
): Set<string> {
  const over = new Set<string>();
  const bandFee = largestBandFee(program);
  for (const d of deals) {
    if (d.stage !== 'won' || (d.amount <= limit && bandFee <= limit)) continue;
    const T = refTime(d, asOf);
    const rows = attribute(d, orderedTouches(d, partners, T), program.model, program.halfLifeDays, T);
    const too = rows.some((r) => {
      const recipe = d.recipe ?? partners[r.partner]?.recipe ?? null;
      const c = recipe === null ? null : rowCommissionCeiling(d, r.amount, recipe);
      return c !== null && c > limit;
    });
    if (too) over.add(d.id);
  }
  return over;
}

/** The period-dependent part of the result: partner, recipe and program KPIs. */
export type PeriodKpis = Pick<ComputeResult, 'period' | 'partners' | 'recipes' | 'program'>;

/** One period's accumulators over an engine run's details: its window, per-partner and program sums. */
export interface PeriodAccs {
  w: Window;
  accs: PartnerAcc[];
  program: ProgramAcc;
}

/** The accumulation of periodKpis alone (issue 21: the read models keep its sums as figures). */
export function periodAccs(program: Program, details: EngineDetails, asOf: number, period: Period): PeriodAccs {
  const { tz, partners, deals, rows, entries } = details;
  const w = windowOf(tz, period.firstMonth, period.months);
  const prevPeriod = previousPeriod(period);
  const prev = windowOf(tz, prevPeriod.firstMonth, prevPeriod.months);
  const { accs, program: progAcc } = accumulate({
    program,
    asOf,
    w,
    prev,
    partners,
    deals,
    rows,
    touchPartnersOf: details.touchPartnersOf,
    entries,
  });
  return { w, accs, program: progAcc };
}

/**
 * The accumulation over every window of whole months in firstMonth .. firstMonth + months − 1,
 * in one pass over the details (issue 21: a run stores 14 periods); `periodFromMonths` then gives
 * each window's accumulators, equal to periodAccs'.
 */
export function monthlyAccs(
  program: Program,
  details: EngineDetails,
  asOf: number,
  firstMonth: MonthIndex,
  months: number,
): MonthlyAccs {
  const { tz, partners, deals, rows, entries } = details;
  return accumulateMonths({
    program,
    asOf,
    tz,
    firstMonth,
    months,
    partners,
    deals,
    rows,
    touchPartnersOf: details.touchPartnersOf,
    entries,
  });
}

/** A period's accumulators from monthlyAccs (the period and the one before it within its months). */
export function periodAccsFromMonths(details: EngineDetails, monthly: MonthlyAccs, period: Period): PeriodAccs {
  const w = windowOf(details.tz, period.firstMonth, period.months);
  const prevPeriod = previousPeriod(period);
  const prev = windowOf(details.tz, prevPeriod.firstMonth, prevPeriod.months);
  const { accs, program } = periodFromMonths(monthly, w, prev);
  return { w, accs, program };
}

/**
 * The KPIs of another period from one engine run's details (issue 21 read models): attribution,
 * commissions, health, tiers and fits do not depend on the period, so only the accumulation over
 * the period's window is redone. Equal to computeResult with that period and the same asOf.
 */
export function periodKpis(
  program: Program,
  details: EngineDetails,
  asOf: number,
  period: Period,
  sums: PeriodAccs = periodAccs(program, details, asOf, period),
): PeriodKpis {
  const { partners } = details;
  const { w, accs, program: progAcc } = sums;
  return {
    period: { label: period.label, start: formatInstant(w.start), end: formatInstant(w.end) },
    partners: [...partners].sort(byId).map((p) => {
      const h = details.health[p.idx] as HealthResult;
      return {
        id: p.id,
        kpis: partnerKpis(program, p, accs[p.idx] as PartnerAcc, w),
        health: { score: h.score, band: h.band, components: h.components },
        tier: details.tiers[p.idx] ?? null,
        fit: details.fits[p.idx] ?? null,
      };
    }),
    recipes: [...program.recipes.values()].sort(byId).map((r) => ({
      id: r.id,
      kpis: recipeKpis(program, r, partners, accs, progAcc, w, asOf),
    })),
    program: programKpis(program, partners, accs, progAcc, w, asOf),
  };
}

/** Defines `key` as an enumerable property computed on first read and then kept. */
function lazyArray<K extends 'attribution' | 'commissions'>(
  target: ComputeResult,
  key: K,
  length: number,
  at: (i: number) => ComputeResult[K][number],
): void {
  let cache: ComputeResult[K] | null = null;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: () => (cache ??= Array.from({ length }, (_, i) => at(i)) as ComputeResult[K]),
  });
}

/** docs/finance-rules.md §9: the result.json structure, plus the partner fields that could not be read. */
export function computeResult(
  program: Program,
  snapshot: Snapshot,
  options: ComputeOptions,
): { result: ComputeResult; warnings: string[] } {
  const { result, warnings } = run(program, snapshot, options);
  return { result, warnings };
}

/** docs/finance-rules.md §9: the result.json structure. */
export function computeProgram(program: Program, snapshot: Snapshot, options: ComputeOptions): ComputeResult {
  return computeResult(program, snapshot, options).result;
}

/** The result and the engine's working details (sync mode: ledger inputs, write-back values). */
export function computeDetailed(program: Program, snapshot: Snapshot, options: ComputeOptions): EngineOutput {
  return run(program, snapshot, options);
}
