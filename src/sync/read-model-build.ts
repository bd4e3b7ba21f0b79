// Read models (issue 21): what the dashboard and the /v1 reads show of one engine run, per
// period, so a read never runs the engine. Built by the sync run from its own computation
// (run-sync.ts) and, for a period the run did not store, by the engine worker (engine-pool.ts).
// Pure: no store, no clock.

import { createHash } from 'node:crypto';
import {
  monthlyAccs,
  periodAccsFromMonths,
  periodKpis,
  type EngineDetails,
  type EngineOutput,
  type PartnerOut,
  type PeriodAccs,
  type PeriodKpis,
} from '../domain/engine.ts';
import type { HealthComponent, Program } from '../domain/program.ts';
import {
  dealRecipe,
  partnerCost,
  windowMonth,
  windowOf,
  winRate365,
  type PartnerAcc,
  type ProgramKpis,
  type RecipeKpis,
  type Window,
} from '../domain/kpis.ts';
import { formatMinor, ratioToNumber } from '../domain/money.ts';
import type { PartnerRec } from '../domain/prepare.ts';
import type { ReadModelDealInput, ReadModelFigures, ReadModelPeriodInput } from '../store/store.ts';

import { monthLabel, monthPeriod, previousPeriod, type Period } from '../domain/time.ts';

/** One partner's figures for a period: the engine's PartnerOut plus what the dashboard rows show. */
export interface PartnerReadRow {
  id: string;
  name: string;
  /** The partner's recipe id and name, null without one. */
  recipe: string | null;
  recipeName: string | null;
  /** The tier granted in the CRM. */
  grantedTier: string | null;
  /** Rank of the earned tier in its plan (0 = first), for sorting. */
  tierRank: number | null;
  /** Partner-attributed revenue closed in the 365 days before asOf. */
  attributed365: string;
  /** The 365-day conversion sample (docs/finance-rules.md §7), 4 dp; null below the minimum sample. */
  winRate365: number | null;
  out: PartnerOut;
  /** The health breakdown; weights as decimals (2 dp), as the partner page shows them. */
  health: {
    score: number | null;
    band: PartnerOut['health']['band'];
    components: PartnerOut['health']['components'];
    weights: Record<HealthComponent, number>;
  };
}

/** A period's aggregate figures. */
export interface PeriodAggregate {
  currency: string;
  period: { label: string; start: string; end: string };
  recipes: { id: string; kpis: RecipeKpis }[];
  program: ProgramKpis;
  /** Recipes with an open RECIPE_UNUSED alert of the run (docs/finance-rules.md §8). */
  unusedRecipes: string[];
  /** Partners in the computation. */
  partners: number;
}

export interface PeriodModel {
  aggregate: PeriodAggregate;
  partners: PartnerReadRow[];
}

/** Months of history the dashboard charts show (src/http/ui/history.ts). */
export const HISTORY_MONTHS = 12;
/** Months over which recipe flags (negative ROI) are judged: the last complete ones (issue 17). */
export const FLAG_WINDOW_MONTHS = 3;

/** The recipe-flag window before the month `current`: the last three complete months. */
export function flagWindow(current: number): { from: string; to: string; period: Period } {
  const last = current - 1;
  const first = last - FLAG_WINDOW_MONTHS + 1;
  const from = monthLabel(first);
  const to = monthLabel(last);
  return {
    from,
    to,
    period: { label: `${from}..${to}`, kind: 'quarter', firstMonth: first, months: FLAG_WINDOW_MONTHS },
  };
}

/**
 * The periods a run stores: every month from 12 before the month of asOf to that month (the
 * default period — the last complete month — and the current one, each with its 12-month
 * chart history), plus the recipe-flag window.
 */
export function storedPeriods(currentMonth: number): Period[] {
  const months: Period[] = [];
  for (let m = Math.max(0, currentMonth - HISTORY_MONTHS); m <= currentMonth; m++) months.push(monthPeriod(m));
  return [...months, flagWindow(currentMonth).period];
}

const fingerprints = new WeakMap<Program, string>();

/** Fingerprint of the program config: a read model computed with another config is not used. */
export function programFingerprint(program: Program): string {
  let f = fingerprints.get(program);
  if (f === undefined) {
    f = createHash('sha256').update(JSON.stringify(program.config), 'utf8').digest('hex');
    fingerprints.set(program, f);
  }
  return f;
}

export const hashOf = (body: unknown): string =>
  createHash('sha256').update(JSON.stringify(body), 'utf8').digest('base64url');

/** The period-independent part of each partner's row, by id. */
function partnerExtras(
  program: Program,
  out: EngineOutput,
  names: ReadonlyMap<string, string>,
): Map<string, Omit<PartnerReadRow, 'out'>> {
  const { details } = out;
  const extras = new Map<string, Omit<PartnerReadRow, 'out'>>();
  for (const rec of details.partners) {
    const acc = details.accs[rec.idx];
    const h = details.health[rec.idx];
    const rate = acc === undefined ? null : winRate365(program, acc);
    const tier = details.tiers[rec.idx] ?? null;
    const tiers = rec.recipe?.plan?.type === 'percent' ? rec.recipe.plan.tiers : null;
    const rank = tier === null || tiers === null ? -1 : tiers.findIndex((t) => t.name === tier);
    const weights = Object.fromEntries(
      Object.entries(h?.weights ?? {}).map(([k, v]) => [k, ratioToNumber(v, 2)]),
    ) as Record<HealthComponent, number>;
    extras.set(rec.id, {
      id: rec.id,
      name: names.get(rec.id) ?? rec.id,
      recipe: rec.recipe?.id ?? null,
      recipeName: rec.recipe?.config.name ?? null,
      grantedTier: rec.tier ?? null,
      tierRank: rank < 0 ? null : rank,
      attributed365: formatMinor(acc?.attributed365 ?? 0n, program.exponent),
      winRate365: rate === null ? null : ratioToNumber(rate, 4),
      health: {
        score: h?.score ?? null,
        band: h?.band ?? null,
        components: (h?.components ?? {}) as PartnerReadRow['health']['components'],
        weights,
      },
    });
  }
  return extras;
}

function modelOf(
  kpis: PeriodKpis,
  out: EngineOutput,
  extras: ReadonlyMap<string, Omit<PartnerReadRow, 'out'>>,
): PeriodModel {
  const unusedRecipes = [
    ...new Set(out.result.alerts.flatMap((a) => (a.code === 'RECIPE_UNUSED' && a.recipe !== null ? [a.recipe] : []))),
  ].sort();
  return {
    aggregate: {
      currency: out.result.currency,
      period: kpis.period,
      recipes: kpis.recipes,
      program: kpis.program,
      unusedRecipes,
      partners: kpis.partners.length,
    },
    partners: kpis.partners.map((p) => {
      const e = extras.get(p.id);
      if (e === undefined) throw new Error(`read model: partner ${p.id} has no engine record`);
      return { ...e, out: p };
    }),
  };
}

/** A period's model and each partner's figures (the sums behind the aggregate, migration 015). */
export interface PeriodRows {
  period: Period;
  model: PeriodModel;
  figures: Map<string, ReadModelFigures>;
}

/** A partner's figures for the window: what the period aggregates sum (docs/finance-rules.md §6). */
export function figuresOf(p: PartnerRec, a: PartnerAcc, w: Window): ReadModelFigures {
  return {
    sourced: a.sourcedRevenue,
    attributed: a.attributedRevenue,
    commissions: a.commissions,
    cost: partnerCost(p, a, w),
    won: a.dealsWon,
    lost: a.dealsLost,
    lastActivity: a.lastActivity === -Infinity ? null : a.lastActivity,
    onboarded: p.onboarded,
  };
}

/**
 * The read models of one engine run for these periods, with each partner's figures; `only`
 * keeps the partner rows of these partners (a scoped run: the others' figures in a
 * sub-snapshot are not complete, and its aggregates are not used).
 */
export function readModelRows(
  program: Program,
  out: EngineOutput,
  names: ReadonlyMap<string, string>,
  asOf: number,
  periods: readonly Period[],
  only?: ReadonlySet<string>,
): PeriodRows[] {
  return [...readModelRowsEach(program, out, names, asOf, periods, only)];
}

/**
 * readModelRows a period at a time (issue 21 memory: a full run writes 14 periods of every
 * partner's row; built and written one period after the other, only one is held at a time).
 */
export function* readModelRowsEach(
  program: Program,
  out: EngineOutput,
  names: ReadonlyMap<string, string>,
  asOf: number,
  periods: readonly Period[],
  only?: ReadonlySet<string>,
): Generator<PeriodRows> {
  if (periods.length === 0) return;
  const { details } = out;
  // with `only`, the other partners' rows are neither built nor kept (a scoped run's sub-snapshot
  // names up to every partner of the account through the touches of a large partner's deals);
  // the aggregates of the other periods are then over these partners alone, and not used
  const mine = only === undefined ? details : { ...details, partners: details.partners.filter((p) => only.has(p.id)) };
  const extras = partnerExtras(program, { ...out, details: mine }, names);
  // every period and the one before it, accumulated in one pass over the deals
  const spans = periods.flatMap((p) => [p, previousPeriod(p)]);
  const first = Math.min(...spans.map((p) => p.firstMonth));
  const monthly = monthlyAccs(
    program,
    details,
    asOf,
    first,
    Math.max(...spans.map((p) => p.firstMonth + p.months)) - first,
  );
  for (const period of periods) {
    let kpis: PeriodKpis;
    let sums: Pick<PeriodAccs, 'w' | 'accs'>;
    if (period.label === out.result.period.label) {
      // the run's own period: its result and accumulators
      kpis = {
        period: out.result.period,
        partners: only === undefined ? out.result.partners : out.result.partners.filter((r) => only.has(r.id)),
        recipes: out.result.recipes,
        program: out.result.program,
      };
      sums = { w: windowOf(details.tz, period.firstMonth, period.months), accs: details.accs };
    } else {
      const accs = periodAccsFromMonths(details, monthly, period);
      kpis = periodKpis(program, mine, asOf, period, accs);
      sums = accs;
    }
    const model = modelOf(kpis, out, extras);
    const figures = new Map<string, ReadModelFigures>();
    for (const p of mine.partners) {
      const a = sums.accs[p.idx];
      if (a !== undefined) figures.set(p.id, figuresOf(p, a, sums.w));
    }
    yield { period, model, figures };
  }
}

/**
 * The read models of one engine run for these periods. The run's own period is taken from its
 * result; the others redo only the KPI accumulation, every one in one pass over the deals
 * (monthlyAccs), so the figures equal a computation with that period and the same asOf.
 */
export function buildReadModels(
  program: Program,
  out: EngineOutput,
  names: ReadonlyMap<string, string>,
  asOf: number,
  periods: readonly Period[],
): Map<string, PeriodModel> {
  return new Map(readModelRows(program, out, names, asOf, periods).map((r) => [r.period.label, r.model]));
}

const figureText = (f: ReadModelFigures | undefined): unknown =>
  f === undefined
    ? null
    : [f.sourced, f.attributed, f.commissions, f.cost, f.won, f.lost, f.lastActivity, f.onboarded].map(String);

/**
 * A partner row's hash, over everything in it: the part that is the same in every period of one
 * build (the row without its KPIs: the partner's extras, health, tier and fit, all from the
 * engine's period-independent details; hashed once per partner in `constant`), the period's
 * KPIs and the figures. Any change in the row changes the hash, so the store rewrites it.
 */
function rowHash(r: PartnerReadRow, f: ReadModelFigures | undefined, constant: Map<string, string>): string {
  let c = constant.get(r.id);
  if (c === undefined) {
    const { out, ...rest } = r;
    c = hashOf([rest, { ...out, kpis: null }]);
    constant.set(r.id, c);
  }
  return hashOf([c, r.out.kpis, figureText(f)]);
}

/**
 * Periods' rows of one build as the store writes them: hashes over the bodies (partner rows:
 * and their figures).
 */
/** The range of the store's 64-bit integer columns (read_model_partners figures, read_model_deals). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const fitsInt64 = (n: bigint | null): boolean => n === null || (n >= INT64_MIN && n <= INT64_MAX);

/**
 * Whether every partner figure and deal amount fits the store's 64-bit integer columns. Amounts
 * themselves are unbounded (a deal of 30 digits is valid input, docs/finance-rules.md §2); when
 * one does not fit, the run stores its read models without figures and deal rows (bodies are
 * decimal strings and keep every digit), and scoped runs rebuild them whole for that account.
 */
export function figuresFit(rows: readonly PeriodRows[], deals: readonly ReadModelDealInput[]): boolean {
  for (const d of deals) if (!fitsInt64(d.amount)) return false;
  for (const r of rows)
    for (const f of r.figures.values())
      if (![f.sourced, f.attributed, f.commissions, f.cost].every(fitsInt64)) return false;
  return true;
}

/** The rows without their figures (hashed without them, so a later run with figures rewrites them). */
export const withoutFigures = (rows: readonly PeriodRows[]): PeriodRows[] =>
  rows.map((r) => ({ ...r, figures: new Map<string, ReadModelFigures>() }));

export function periodInputs(all: readonly PeriodRows[]): ReadModelPeriodInput[] {
  const constant = new Map<string, string>();
  return all.map((r) => periodInput(r, constant));
}

/** One period's rows as the store writes them; `constant` is shared by the periods of one build (rowHash). */
export function periodInput(
  { period, model, figures }: PeriodRows,
  constant: Map<string, string>,
): ReadModelPeriodInput {
  return {
    period: period.label,
    hash: hashOf(model.aggregate),
    body: model.aggregate,
    partners: model.partners.map((r) => {
      const f = figures.get(r.id);
      return {
        id: r.id,
        name: r.name,
        recipe: r.recipe,
        band: r.out.health.band,
        tier: r.out.tier,
        hash: rowHash(r, f, constant),
        body: r,
        figures: f,
      };
    }),
  };
}

/**
 * The deal rows of the read models (migration 015): every computed deal that is won (its month
 * and A(d), for totalWonRevenue) or classified under a recipe (its creation, for lastDealAt);
 * `only` keeps these deals.
 */
export function readModelDealRows(details: EngineDetails, only?: ReadonlySet<string>): ReadModelDealInput[] {
  const out: ReadModelDealInput[] = [];
  for (const d of details.deals) {
    if (only !== undefined && !only.has(d.id)) continue;
    const won = d.stage === 'won';
    const recipe = dealRecipe(d, details.partners)?.id ?? null;
    if (!won && recipe === null) continue;
    out.push({
      id: d.id,
      wonMonth: won ? windowMonth(details.tz, d.closed) : null,
      amount: won ? d.amount : null,
      recipe,
      created: d.created,
    });
  }
  return out;
}
