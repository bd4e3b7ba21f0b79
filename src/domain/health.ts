// Health, earned tier and fit as of asOf (docs/finance-rules.md §7). Components are exact rationals; the
// score is rounded once; components are rounded to one decimal only for output.

import type { SourcedWins } from './commissions.ts';
import { tierFor } from './commissions.ts';
import { winRate365, type PartnerAcc } from './kpis.ts';
import { add, cmp, div, min, mul, rat, ratioToNumber, roundRational, type Rational } from './money.ts';
import type { PartnerRec } from './prepare.ts';
import { HEALTH_COMPONENTS, type HealthComponent, type Program } from './program.ts';
import { DAY_MS } from './time.ts';

export type HealthBand = 'healthy' | 'watch' | 'at_risk';
export type FitBand = 'pursue' | 'consider' | 'monitor';

export interface HealthResult {
  score: number | null;
  band: HealthBand | null;
  /** Exact component values; null when left out. */
  exact: Record<HealthComponent, Rational | null>;
  components: Record<HealthComponent, number | null>;
  /** The weights used (recipe healthWeights, else program weights). */
  weights: Record<HealthComponent, Rational>;
}

export interface FitResult {
  score: number;
  band: FitBand;
}

const HUNDRED = rat(100);
const isRating = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;

function activityComponent(p: PartnerRec, a: PartnerAcc, asOf: number): Rational {
  if (a.lastActivity === -Infinity) {
    const recent = p.onboarded !== null && p.onboarded >= asOf - 90 * DAY_MS && p.onboarded <= asOf;
    return rat(recent ? 50 : 20);
  }
  const since = asOf - a.lastActivity;
  if (since <= 7 * DAY_MS) return rat(100);
  if (since <= 30 * DAY_MS) return rat(85);
  if (since <= 90 * DAY_MS) return rat(70);
  if (since <= 180 * DAY_MS) return rat(55);
  return rat(40);
}

function relationshipComponent(p: PartnerRec): Rational | null {
  let sum = 0;
  let count = 0;
  for (const v of Object.values(p.ratings)) {
    if (isRating(v)) {
      sum += v;
      count++;
    }
  }
  // ((sum / count) − 1) / 4 × 100 = (sum − count) × 25 / count
  return count === 0 ? null : rat((sum - count) * 25, count);
}

export function computeHealth(program: Program, p: PartnerRec, a: PartnerAcc, asOf: number): HealthResult {
  const recipe = p.recipe;
  const target = recipe?.quarterlyRevenue ?? null;
  const bench = recipe?.benchmarkWinRate ?? null;
  const rate = winRate365(program, a);
  const exact: Record<HealthComponent, Rational | null> = {
    revenue: target === null ? null : min(HUNDRED, rat(a.attributed90 * 100n, target)),
    activity: activityComponent(p, a, asOf),
    conversion: rate === null || bench === null ? null : min(HUNDRED, div(mul(HUNDRED, rate), bench)),
    pipeline: target === null ? null : min(HUNDRED, rat(a.pipeline * 100n, target)),
    relationship: relationshipComponent(p),
  };
  const weights = recipe?.healthWeights ?? program.healthWeights;
  let sumW = rat(0);
  let sumWC = rat(0);
  for (const c of HEALTH_COMPONENTS) {
    const value = exact[c];
    if (value === null) continue;
    sumW = add(sumW, weights[c]);
    sumWC = add(sumWC, mul(weights[c], value));
  }
  const score = sumW.num === 0n ? null : Number(roundRational(div(sumWC, sumW)));
  const band: HealthBand | null =
    score === null
      ? null
      : score >= program.healthBands.healthy
        ? 'healthy'
        : score >= program.healthBands.watch
          ? 'watch'
          : 'at_risk';
  const components = {} as Record<HealthComponent, number | null>;
  for (const c of HEALTH_COMPONENTS) {
    const value = exact[c];
    components[c] = value === null ? null : ratioToNumber(value, 1);
  }
  return { score, band, exact, components, weights };
}

/** The tier earned from won deals sourced in (asOf − 365 days, asOf]; null without tiers. */
export function earnedTier(p: PartnerRec, wins: SourcedWins, asOf: number): string | null {
  const tiers = p.recipe?.plan?.type === 'percent' ? p.recipe.plan.tiers : null;
  if (!tiers) return null;
  return tierFor(tiers, wins.countInYearTo(p.idx, asOf))?.name ?? null;
}

/** Σ weight × rating when every configured criterion is an integer 1–5; else null. */
export function computeFit(program: Program, p: PartnerRec): FitResult | null {
  let score = rat(0);
  for (const [criterion, weight] of program.fitCriteria) {
    // own values only: a criterion named `constructor` is not Object's
    const v = Object.hasOwn(p.fit, criterion) ? p.fit[criterion] : undefined;
    if (!isRating(v)) return null;
    score = add(score, mul(weight, rat(v)));
  }
  const band: FitBand =
    cmp(score, program.fitBands.pursue) >= 0
      ? 'pursue'
      : cmp(score, program.fitBands.consider) >= 0
        ? 'consider'
        : 'monitor';
  return { score: ratioToNumber(score, 4), band };
}
