// Read models (issue 21): what the dashboard and the /v1 reads show of one engine run, per
// period, so a read never runs the engine. Built by the sync run from its own computation
// (run-sync.ts) and, for a period the run did not store, by the engine worker (engine-pool.ts).
// Pure: no store, no clock.

import { createHash } from 'node:crypto';
import { periodKpis, type EngineOutput, type PartnerOut, type PeriodKpis } from '../domain/engine.ts';
import type { HealthComponent, Program } from '../domain/program.ts';
import { winRate365, type ProgramKpis, type RecipeKpis } from '../domain/kpis.ts';
import { formatMinor, ratioToNumber } from '../domain/money.ts';

import { monthLabel, monthPeriod, type Period } from '../domain/time.ts';

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

/**
 * The read models of one engine run for these periods. The run's own period is taken from its
 * result; another period redoes only the KPI accumulation (periodKpis), so the figures equal a
 * computation with that period and the same asOf.
 */
export function buildReadModels(
  program: Program,
  out: EngineOutput,
  names: ReadonlyMap<string, string>,
  asOf: number,
  periods: readonly Period[],
): Map<string, PeriodModel> {
  const extras = partnerExtras(program, out, names);
  const models = new Map<string, PeriodModel>();
  for (const period of periods) {
    const kpis: PeriodKpis =
      period.label === out.result.period.label
        ? {
            period: out.result.period,
            partners: out.result.partners,
            recipes: out.result.recipes,
            program: out.result.program,
          }
        : periodKpis(program, out.details, asOf, period);
    models.set(period.label, modelOf(kpis, out, extras));
  }
  return models;
}
