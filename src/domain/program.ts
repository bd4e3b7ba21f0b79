// The program config (docs/finance-rules.md §1.1) as the engine receives it: validated, defaults applied,
// money still as decimal strings. `prepareProgram` turns it into lookup structures once.

import { parseDecimalToMinor, parseRational, type Rational } from './money.ts';
import { currencyExponent } from './currency.ts';

export const ATTRIBUTION_MODELS = [
  'sourced',
  'first_touch',
  'last_touch',
  'linear',
  'position_based',
  'time_decay',
] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export const HEALTH_COMPONENTS = ['revenue', 'activity', 'conversion', 'pipeline', 'relationship'] as const;
export type HealthComponent = (typeof HEALTH_COMPONENTS)[number];
export type HealthWeights = { [K in HealthComponent]?: number | undefined };

export const ARCHETYPES = [
  'referral',
  'reseller',
  'co_marketing',
  'technology_integration',
  'co_selling',
  'strategic_alliance',
  'other',
] as const;
export type Archetype = (typeof ARCHETYPES)[number];

export const RECIPE_STATUSES = ['active', 'retired', 'anti'] as const;
export type RecipeStatus = (typeof RECIPE_STATUSES)[number];

export interface DatedRateConfig {
  from: string; // YYYY-MM-DD, local midnight in the program time zone
  rate: string;
}

export interface TierConfig {
  name: string;
  minWonDeals: number;
  rateBps: number;
}

export interface BandConfig {
  minAmount: string;
  fee: string;
}

export interface PercentPlanConfig {
  type: 'percent';
  rateBps?: number | undefined;
  tiers?: TierConfig[] | undefined;
  schedule: 'upfront' | 'monthly';
  months?: number | undefined;
  holdDays: number;
  clawbackDays: number;
  capPerDeal?: string | undefined;
}

export interface FlatPlanConfig {
  type: 'flat';
  bands: BandConfig[];
  holdDays: number;
  clawbackDays: number;
  capPerDeal?: string | undefined;
}

export interface FixedFeePlanConfig {
  type: 'fixed_fee';
  monthlyFee: string;
  holdDays: number;
}

export type PlanConfig = PercentPlanConfig | FlatPlanConfig | FixedFeePlanConfig;

export interface RecipeConfig {
  name: string;
  archetype: Archetype;
  status: RecipeStatus;
  plan?: string | undefined;
  monthlyCost: string;
  targets?: { quarterlyRevenue?: string | undefined } | undefined;
  benchmarks?: { winRate?: number | undefined } | undefined;
  healthWeights?: HealthWeights | undefined;
  whenToUse?: string | undefined;
  whenNotToUse?: string | undefined;
}

export interface AlertThresholds {
  inactiveDays: number;
  notActivatedDays: number;
  registrationPendingDays: number;
  registrationExpiringDays: number;
  recipeUnusedDays: number;
  lowWinRateFactor: number;
  minClosedForWinRate: number;
}

export interface ProgramConfig {
  currency: string;
  timezone: string;
  grossMarginBps: number;
  exchangeRates: Record<string, string | DatedRateConfig[]>;
  attribution: { model: AttributionModel; halfLifeDays: number };
  health: { weights: HealthWeights; bands: { healthy: number; watch: number } };
  alerts: AlertThresholds;
  fit: { criteria: Record<string, number>; bands: { pursue: number; consider: number } };
  plans: Record<string, PlanConfig>;
  recipes: Record<string, RecipeConfig>;
}

export const DEFAULT_HEALTH_WEIGHTS: Readonly<Record<HealthComponent, number>> = {
  revenue: 30,
  activity: 25,
  conversion: 20,
  pipeline: 15,
  relationship: 10,
};
export const DEFAULT_FIT_CRITERIA: Readonly<Record<string, number>> = {
  strategic: 3,
  value: 3,
  reach: 2,
  operations: 2,
  readiness: 1,
};
export const DEFAULT_ALERTS: Readonly<AlertThresholds> = {
  inactiveDays: 90,
  notActivatedDays: 90,
  registrationPendingDays: 3,
  registrationExpiringDays: 7,
  recipeUnusedDays: 180,
  lowWinRateFactor: 0.5,
  minClosedForWinRate: 5,
};

// ---- prepared form -------------------------------------------------------------------------

export interface DatedRate {
  from: string | null; // local date; null for an undated rate
  rate: Rational;
  text: string;
}

export interface PreparedTier {
  name: string;
  minWonDeals: number;
  rateBps: number;
}
export interface PreparedBand {
  minAmount: bigint;
  fee: bigint;
}

export type PreparedPlan =
  | {
      id: string;
      type: 'percent';
      rateBps: number | null;
      tiers: PreparedTier[] | null;
      months: number;
      holdDays: number;
      clawbackDays: number;
      cap: bigint | null;
    }
  | {
      id: string;
      type: 'flat';
      bands: PreparedBand[];
      months: 1;
      holdDays: number;
      clawbackDays: number;
      cap: bigint | null;
    }
  | { id: string; type: 'fixed_fee'; monthlyFee: bigint; holdDays: number; clawbackDays: number };

export interface PreparedRecipe {
  id: string;
  config: RecipeConfig;
  status: RecipeStatus;
  plan: PreparedPlan | null;
  monthlyCost: bigint;
  quarterlyRevenue: bigint | null;
  benchmarkWinRate: Rational | null;
  healthWeights: Record<HealthComponent, Rational>;
}

export interface Program {
  config: ProgramConfig;
  currency: string;
  exponent: number;
  timezone: string;
  grossMarginBps: number;
  rates: ReadonlyMap<string, readonly DatedRate[]>; // sorted by from; base currency absent
  model: AttributionModel;
  halfLifeDays: number;
  healthWeights: Record<HealthComponent, Rational>;
  healthBands: { healthy: number; watch: number };
  alerts: AlertThresholds;
  lowWinRateFactor: Rational;
  fitCriteria: readonly (readonly [string, Rational])[];
  fitBands: { pursue: Rational; consider: Rational };
  plans: ReadonlyMap<string, PreparedPlan>;
  recipes: ReadonlyMap<string, PreparedRecipe>;
}

function toMinor(text: string, exponent: number): bigint {
  const value = parseDecimalToMinor(text, exponent);
  if (value === null) throw new Error(`not a decimal: ${text}`);
  return value;
}

function weightsOf(weights: HealthWeights): Record<HealthComponent, Rational> {
  const out = {} as Record<HealthComponent, Rational>;
  for (const c of HEALTH_COMPONENTS) out[c] = parseRational(String(weights[c] ?? 0));
  return out;
}

function preparePlan(id: string, plan: PlanConfig, exponent: number): PreparedPlan {
  switch (plan.type) {
    case 'percent':
      return {
        id,
        type: 'percent',
        rateBps: plan.rateBps ?? null,
        tiers: plan.tiers && plan.tiers.length > 0 ? plan.tiers.map((t) => ({ ...t })) : null,
        months: plan.schedule === 'monthly' ? (plan.months ?? 1) : 1,
        holdDays: plan.holdDays,
        clawbackDays: plan.clawbackDays,
        cap: plan.capPerDeal === undefined ? null : toMinor(plan.capPerDeal, exponent),
      };
    case 'flat':
      return {
        id,
        type: 'flat',
        bands: plan.bands.map((b) => ({ minAmount: toMinor(b.minAmount, exponent), fee: toMinor(b.fee, exponent) })),
        months: 1,
        holdDays: plan.holdDays,
        clawbackDays: plan.clawbackDays,
        cap: plan.capPerDeal === undefined ? null : toMinor(plan.capPerDeal, exponent),
      };
    case 'fixed_fee':
      return {
        id,
        type: 'fixed_fee',
        monthlyFee: toMinor(plan.monthlyFee, exponent),
        holdDays: plan.holdDays,
        clawbackDays: 0,
      };
  }
}

/** Builds the engine's lookup structures from a validated program config. */
export function prepareProgram(config: ProgramConfig): Program {
  const exponent = currencyExponent(config.currency);
  const rates = new Map<string, DatedRate[]>();
  for (const [cur, spec] of Object.entries(config.exchangeRates)) {
    if (cur === config.currency) continue;
    const list: DatedRate[] =
      typeof spec === 'string'
        ? [{ from: null, rate: parseRational(spec), text: spec }]
        : [...spec]
            .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))
            .map((r) => ({ from: r.from, rate: parseRational(r.rate), text: r.rate }));
    rates.set(cur, list);
  }
  const plans = new Map<string, PreparedPlan>();
  for (const [id, plan] of Object.entries(config.plans)) plans.set(id, preparePlan(id, plan, exponent));
  const programWeights = weightsOf(config.health.weights);
  const recipes = new Map<string, PreparedRecipe>();
  for (const [id, r] of Object.entries(config.recipes)) {
    const target = r.targets?.quarterlyRevenue;
    const bench = r.benchmarks?.winRate;
    recipes.set(id, {
      id,
      config: r,
      status: r.status,
      plan: r.plan === undefined ? null : (plans.get(r.plan) ?? null),
      monthlyCost: toMinor(r.monthlyCost, exponent),
      quarterlyRevenue: target === undefined ? null : toMinor(target, exponent),
      benchmarkWinRate: bench === undefined ? null : parseRational(String(bench)),
      healthWeights: r.healthWeights ? weightsOf(r.healthWeights) : programWeights,
    });
  }
  return {
    config,
    currency: config.currency,
    exponent,
    timezone: config.timezone,
    grossMarginBps: config.grossMarginBps,
    rates,
    model: config.attribution.model,
    halfLifeDays: config.attribution.halfLifeDays,
    healthWeights: programWeights,
    healthBands: config.health.bands,
    alerts: config.alerts,
    lowWinRateFactor: parseRational(String(config.alerts.lowWinRateFactor)),
    fitCriteria: Object.entries(config.fit.criteria).map(([k, w]) => [k, parseRational(String(w))] as const),
    fitBands: {
      pursue: parseRational(String(config.fit.bands.pursue)),
      consider: parseRational(String(config.fit.bands.consider)),
    },
    plans,
    recipes,
  };
}
