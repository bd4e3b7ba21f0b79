// zod schema of the `program:` section (docs/finance-rules.md §1.1). Strict: unknown keys are errors.
// The parsed output is exactly the domain's ProgramConfig with every default applied.

import { z } from 'zod';
import {
  ARCHETYPES,
  ATTRIBUTION_MODELS,
  DEFAULT_ALERTS,
  DEFAULT_FIT_CRITERIA,
  DEFAULT_HEALTH_WEIGHTS,
  HEALTH_COMPONENTS,
  RECIPE_STATUSES,
  type ProgramConfig,
} from '../domain/program.ts';
import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { DECIMAL, cmp, formatMinor, parseDecimalToMinor, parseRational } from '../domain/money.ts';
import { CURRENCY_CODE, currencyExponent } from '../domain/currency.ts';
import { isValidTimeZone } from '../domain/time.ts';

/** Money and rates: a quoted decimal; a plain YAML number is accepted when it is exactly representable. */
function decimalText(what: string, example: string) {
  return z
    .union([z.string(), z.number()], { error: `must be a decimal ${what} such as "${example}"` })
    .transform((v, ctx) => {
      const text = typeof v === 'number' ? numberText(v) : v.trim();
      if (text === null || !DECIMAL.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a plain decimal ${what} such as "${example}" (digits, optional fraction; no exponent, separators or currency sign)`,
        });
        return z.NEVER;
      }
      return text;
    });
}

function numberText(v: number): string | null {
  if (!Number.isFinite(v)) return null;
  const text = String(v);
  // more than 15 significant digits may already have been rounded by the YAML parser
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  return /e/i.test(text) || digits.length > 15 ? null : text;
}

const money = (example = '300') =>
  decimalText('amount', example).refine((t) => !t.startsWith('-') || /^-0+(\.0+)?$/.test(t), {
    message: 'must not be negative',
  });

const positiveDecimal = (what: string, example: string) =>
  decimalText(what, example).refine((t) => !t.startsWith('-') && /[1-9]/.test(t), {
    message: `must be greater than 0 (e.g. "${example}")`,
  });

const bps = z
  .number({ error: 'must be a whole number of basis points (0–10000; 1000 = 10%)' })
  .int({ error: 'must be a whole number of basis points (0–10000; 1000 = 10%)' })
  .min(0, { error: 'must not be negative' })
  .max(10000, { error: 'must not be above 10000 bps (100%)' });

const wholeDays = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int({ error: `must be a whole number of ${what}` })
    .min(0, { error: 'must not be negative' });

const weight = z.number({ error: 'must be a number ≥ 0' }).min(0, { error: 'must not be negative' });

const localDate = z
  .string({ error: 'must be a date written YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' })
  .refine(
    (s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    },
    { error: 'is not a real calendar date' },
  );

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const idKey = (what: string) =>
  z
    .string()
    .regex(ID, { error: `${what} ids may use letters, digits, "_", "-" and "." and start with a letter or digit` });

const tierSchema = z.strictObject({
  name: z
    .string({ error: 'is required: the tier name shown to reps, e.g. Certified' })
    .trim()
    .min(1, { error: 'must not be empty' }),
  minWonDeals: z
    .number({ error: 'must be a whole number of won deals' })
    .int({ error: 'must be a whole number of won deals' })
    .min(0, { error: 'must not be negative' }),
  rateBps: bps,
});

const bandSchema = z.strictObject({ minAmount: money('10000'), fee: money('250') });

const holdDays = wholeDays('days').default(0);
const clawbackDays = wholeDays('days').default(90);

const percentPlan = z
  .strictObject({
    type: z.literal('percent'),
    rateBps: bps.optional(),
    tiers: z.array(tierSchema).min(1, { error: 'must list at least one tier, or remove the key' }).optional(),
    schedule: z.enum(['upfront', 'monthly'], { error: 'must be upfront or monthly' }).default('upfront'),
    months: z
      .number({ error: 'must be a whole number of months ≥ 1' })
      .int({ error: 'must be a whole number of months ≥ 1' })
      .min(1, { error: 'must be at least 1' })
      .max(120, { error: 'must be at most 120' })
      .optional(),
    holdDays,
    clawbackDays,
    capPerDeal: money('5000').optional(),
  })
  .superRefine((plan, ctx) => {
    if (plan.rateBps === undefined && plan.tiers === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rateBps'],
        message: 'a percent plan needs rateBps or tiers (e.g. rateBps: 1000 for 10%)',
      });
    }
    if (plan.schedule === 'monthly' && plan.months === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['months'],
        message: 'is required with schedule: monthly (e.g. months: 12)',
      });
    }
    if (plan.schedule !== 'monthly' && plan.months !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['months'],
        message: 'is only used with schedule: monthly; remove it or set schedule: monthly',
      });
    }
    if (plan.tiers) checkTiers(plan.tiers, ctx);
  });

function checkTiers(tiers: readonly z.infer<typeof tierSchema>[], ctx: z.core.$RefinementCtx): void {
  const first = tiers[0];
  if (first && first.minWonDeals !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['tiers', 0, 'minWonDeals'],
      message: `the first tier must start at 0 won deals (got ${first.minWonDeals})`,
    });
  }
  const names = new Set<string>();
  tiers.forEach((tier, i) => {
    const prev = tiers[i - 1];
    if (prev && tier.minWonDeals < prev.minWonDeals) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', i, 'minWonDeals'],
        message: `must not be lower than the previous tier (${prev.minWonDeals}); order tiers by minWonDeals ascending`,
      });
    }
    if (names.has(tier.name))
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', i, 'name'],
        message: `duplicate tier name "${tier.name}"; tier names must be unique`,
      });
    names.add(tier.name);
  });
}

const flatPlan = z
  .strictObject({
    type: z.literal('flat'),
    bands: z
      .array(bandSchema, { error: 'is required for a flat plan: a list of { minAmount, fee }' })
      .min(1, { error: 'must list at least one band' }),
    holdDays,
    clawbackDays,
    capPerDeal: money('5000').optional(),
  })
  .superRefine((plan, ctx) => {
    plan.bands.forEach((band, i) => {
      const prev = plan.bands[i - 1];
      if (prev && cmp(parseRational(band.minAmount), parseRational(prev.minAmount)) < 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['bands', i, 'minAmount'],
          message: `must not be lower than the previous band ("${prev.minAmount}"); order bands by minAmount ascending`,
        });
      }
    });
  });

const fixedFeePlan = z.strictObject({
  type: z.literal('fixed_fee'),
  monthlyFee: money('500'),
  holdDays,
});

const planSchema = z.discriminatedUnion('type', [percentPlan, flatPlan, fixedFeePlan], {
  error: () => 'must be one of: percent, flat, fixed_fee',
});

const healthWeights = z.strictObject(
  Object.fromEntries(HEALTH_COMPONENTS.map((c) => [c, weight.optional()])) as Record<
    (typeof HEALTH_COMPONENTS)[number],
    z.ZodOptional<typeof weight>
  >,
);

const recipeSchema = z.strictObject({
  name: z.string().optional(),
  archetype: z.enum(ARCHETYPES, { error: `must be one of: ${ARCHETYPES.join(', ')}` }).default('other'),
  status: z.enum(RECIPE_STATUSES, { error: `must be one of: ${RECIPE_STATUSES.join(', ')}` }).default('active'),
  plan: z.string().optional(),
  monthlyCost: money('300').default('0'),
  targets: z.strictObject({ quarterlyRevenue: positiveDecimal('amount', '50000').optional() }).optional(),
  benchmarks: z
    .strictObject({
      winRate: z
        .number({ error: 'must be a win rate between 0 and 1, e.g. 0.25' })
        .gt(0, { error: 'must be above 0 (e.g. 0.25)' })
        .max(1, { error: 'must not be above 1' })
        .optional(),
    })
    .optional(),
  healthWeights: healthWeights.optional(),
  whenToUse: z.string().optional(),
  whenNotToUse: z.string().optional(),
});

// docs/finance-rules.md only forbids negative amounts; a zero rate converts such deals to 0
const rate = money('1.08');
const rateList = z
  .array(z.strictObject({ from: localDate, rate }))
  .min(1, { error: 'must list at least one { from, rate }' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      if (seen.has(r.from))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'from'],
          message: `duplicate date ${r.from}; each dated rate needs its own from date`,
        });
      seen.add(r.from);
    });
  });

const bandsPair = <A extends string, B extends string>(hi: A, lo: B, hiDefault: number, loDefault: number) =>
  z
    .strictObject({
      [hi]: weight.default(hiDefault),
      [lo]: weight.default(loDefault),
    } as Record<A | B, z.ZodDefault<typeof weight>>)
    .superRefine((b, ctx) => {
      const h = (b as Record<string, number>)[hi] ?? hiDefault;
      const l = (b as Record<string, number>)[lo] ?? loDefault;
      if (l > h) ctx.addIssue({ code: 'custom', path: [lo], message: `must not be above ${hi} (${h})` });
    });

export const programSchema = z.strictObject({
  currency: z
    .string({ error: 'is required: the ISO 4217 base currency, e.g. USD' })
    .regex(CURRENCY_CODE, { error: 'must be an ISO 4217 code in capitals, e.g. USD' }),
  timezone: z
    .string()
    .refine(isValidTimeZone, { error: 'must be an IANA time zone such as America/New_York or UTC' })
    .default('UTC'),
  grossMarginBps: bps.default(10000),
  exchangeRates: z
    .record(
      z.string().regex(CURRENCY_CODE, { error: 'currency codes are ISO 4217 in capitals, e.g. EUR' }),
      z.union([rate, rateList], { error: 'must be a rate such as "1.08" or a list of { from: YYYY-MM-DD, rate }' }),
    )
    .default({}),
  attribution: z
    .strictObject({
      model: z
        .enum(ATTRIBUTION_MODELS, { error: `must be one of: ${ATTRIBUTION_MODELS.join(', ')}` })
        .default('sourced'),
      halfLifeDays: z
        .number({ error: 'must be a number of days above 0' })
        .gt(0, { error: 'must be above 0' })
        .default(7),
    })
    .default({ model: 'sourced', halfLifeDays: 7 }),
  health: z
    .strictObject({
      weights: healthWeights.default({ ...DEFAULT_HEALTH_WEIGHTS }),
      bands: bandsPair('healthy', 'watch', 80, 60).default({ healthy: 80, watch: 60 }),
    })
    .default({ weights: { ...DEFAULT_HEALTH_WEIGHTS }, bands: { healthy: 80, watch: 60 } }),
  alerts: z
    .strictObject({
      inactiveDays: weight.default(DEFAULT_ALERTS.inactiveDays),
      notActivatedDays: weight.default(DEFAULT_ALERTS.notActivatedDays),
      registrationPendingDays: weight.default(DEFAULT_ALERTS.registrationPendingDays),
      registrationExpiringDays: weight.default(DEFAULT_ALERTS.registrationExpiringDays),
      recipeUnusedDays: weight.default(DEFAULT_ALERTS.recipeUnusedDays),
      lowWinRateFactor: weight.default(DEFAULT_ALERTS.lowWinRateFactor),
      minClosedForWinRate: wholeDays('deals').default(DEFAULT_ALERTS.minClosedForWinRate),
    })
    .default({ ...DEFAULT_ALERTS }),
  fit: z
    .strictObject({
      criteria: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_]*$/, {
            error: 'criterion names use lower-case letters, digits and "_" (they become CRM field names)',
          }),
          weight,
        )
        .default({ ...DEFAULT_FIT_CRITERIA }),
      bands: bandsPair('pursue', 'consider', 50, 35).default({ pursue: 50, consider: 35 }),
    })
    .default({ criteria: { ...DEFAULT_FIT_CRITERIA }, bands: { pursue: 50, consider: 35 } }),
  plans: z.record(idKey('plan'), planSchema).default({}),
  recipes: z.record(idKey('recipe'), recipeSchema).default({}),
});

/**
 * Checks that reach across sections (recipe → plan, base currency in exchangeRates). They run
 * on the raw input as well, so they are reported even when other keys fail to parse.
 */
export function crossReferenceIssues(raw: unknown): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const program = asRecord(raw);
  if (!program) return issues;
  const plans = asRecord(program['plans']) ?? {};
  const planIds = Object.keys(plans);
  for (const [id, recipe] of Object.entries(asRecord(program['recipes']) ?? {})) {
    const plan = asRecord(recipe)?.['plan'];
    // own keys only: `toString` is not a plan because every object inherits one
    if (typeof plan === 'string' && !Object.hasOwn(plans, plan)) {
      issues.push({
        path: ['recipes', id, 'plan'],
        message: `unknown plan "${plan}"; define it under program.plans${planIds.length ? ` or use one of: ${planIds.join(', ')}` : ''}`,
      });
    }
  }
  const currency = program['currency'];
  // a monthly fee is one ledger entry a month: it must fit one (docs/finance-rules.md §10.2)
  if (typeof currency === 'string' && CURRENCY_CODE.test(currency))
    for (const [id, plan] of Object.entries(plans)) {
      const fee = asRecord(plan)?.['monthlyFee'];
      const minor =
        typeof fee === 'string' && DECIMAL.test(fee) ? parseDecimalToMinor(fee, currencyExponent(currency)) : null;
      if (minor !== null && minor > LEDGER_COMMISSION_LIMIT)
        issues.push({
          path: ['plans', id, 'monthlyFee'],
          message: `must be at most ${formatMinor(LEDGER_COMMISSION_LIMIT, currencyExponent(currency))} (the most one ledger entry holds); check the amount`,
        });
    }
  if (typeof currency === 'string' && Object.hasOwn(asRecord(program['exchangeRates']) ?? {}, currency)) {
    issues.push({
      path: ['exchangeRates', currency],
      message: `the base currency ${currency} always has rate 1; remove this entry`,
    });
  }
  return issues;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Parses and normalises a program section; recipe names default to their ids. */
export function normaliseProgram(parsed: z.output<typeof programSchema>): ProgramConfig {
  const recipes: ProgramConfig['recipes'] = {};
  for (const [id, r] of Object.entries(parsed.recipes)) recipes[id] = { ...r, name: r.name ?? id };
  return { ...parsed, recipes };
}
