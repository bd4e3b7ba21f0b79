// Commissions (docs/finance-rules.md §4): target entries from won deals' attribution rows and from fixed
// fees, with tiers, bands, caps, schedules and hold periods.

import type { AttributionTable } from './attribution.ts';
import { permuteArray, Int32Column } from './columns.ts';
import { moneyText, roundDiv } from './money.ts';
import type { DealRec, PartnerRec } from './prepare.ts';
import type { PreparedPlan, PreparedRecipe, PreparedTier, Program } from './program.ts';
import { DAY_MS, monthLabel, type MonthIndex, type TimeZone } from './time.ts';

/**
 * Fixed-fee entry keys are `fee:{partnerId}:{period}` (docs/finance-rules.md §4): a key never starts with a
 * character a spreadsheet reads as a formula. Keys posted before were `-:{partnerId}:{period}`.
 */
export const FIXED_FEE_PREFIX = 'fee';

/** A commission entry as result.json shows it (docs/finance-rules.md §9). */
export interface CommissionOut {
  key: string;
  dealId: string | null;
  partnerId: string;
  recipe: string;
  plan: string;
  period: string;
  basis: string | null;
  rateBps: number | null;
  tier: string | null;
  amount: string;
  payableOn: string;
  status: 'payable' | 'held';
}

/** One target entry with the engine's own values (docs/finance-rules.md §4), for the ledger. */
export interface CommissionEntry {
  key: string;
  /** The deal, for deal entries; null for fixed fees. */
  deal: DealRec | null;
  partner: number;
  recipe: string;
  plan: PreparedPlan;
  month: MonthIndex;
  /** The attributed amount the commission is based on (deal entries). */
  basis: bigint | null;
  rateBps: number | null;
  tier: string | null;
  amount: bigint;
  payableOn: string;
  payable: boolean;
  /** The row's whole commission (after the cap), before the schedule split. */
  commission: bigint;
  /** 1-based instalment of the schedule (fixed fees: months since onboarding + 1). */
  instalment: number;
  /** Won deals the partner sourced in the 365 days before the close (tiered plans). */
  wonDealsForTier: number | null;
}

/**
 * The target entries in key order, stored as columns (a million-deal program has millions of
 * entries). `entry(i)` gives entry i with the engine's values, `outAt(i)` as result.json shows it.
 */
export class CommissionTable {
  private readonly partners: readonly PartnerRec[];
  private readonly amountText: (v: bigint) => string;
  private readonly basisText: (v: bigint) => string;
  private readonly deals: (DealRec | null)[] = [];
  private readonly partnerCol = new Int32Column();
  private readonly recipes: string[] = [];
  private readonly plans: PreparedPlan[] = [];
  private readonly months = new Int32Column();
  private readonly bases: (bigint | null)[] = [];
  private readonly rates = new Int32Column(); // −1: no rate
  private readonly tiers: (string | null)[] = [];
  private readonly amounts: bigint[] = [];
  private readonly payableOns: string[] = [];
  private readonly payables: boolean[] = [];
  private readonly commissions: bigint[] = [];
  private readonly instalments = new Int32Column();
  private readonly tierCounts = new Int32Column(); // −1: no tier count

  constructor(partners: readonly PartnerRec[], exponent: number) {
    this.partners = partners;
    this.amountText = moneyText(exponent);
    this.basisText = moneyText(exponent);
  }

  get length(): number {
    return this.amounts.length;
  }

  push(e: Omit<CommissionEntry, 'key'>): void {
    this.deals.push(e.deal);
    this.partnerCol.push(e.partner);
    this.recipes.push(e.recipe);
    this.plans.push(e.plan);
    this.months.push(e.month);
    this.bases.push(e.basis);
    this.rates.push(e.rateBps ?? -1);
    this.tiers.push(e.tier);
    this.amounts.push(e.amount);
    this.payableOns.push(e.payableOn);
    this.payables.push(e.payable);
    this.commissions.push(e.commission);
    this.instalments.push(e.instalment);
    this.tierCounts.push(e.wonDealsForTier ?? -1);
  }

  deal(i: number): DealRec | null {
    return this.deals[i] ?? null;
  }

  partner(i: number): number {
    return this.partnerCol.get(i);
  }

  month(i: number): MonthIndex {
    return this.months.get(i);
  }

  amount(i: number): bigint {
    return this.amounts[i] ?? 0n;
  }

  plan(i: number): PreparedPlan {
    return this.plans[i] as PreparedPlan;
  }

  payable(i: number): boolean {
    return this.payables[i] ?? false;
  }

  key(i: number): string {
    // join builds one flat string (a template literal would keep a rope of its parts)
    return [
      this.deals[i]?.id ?? FIXED_FEE_PREFIX,
      this.partners[this.partnerCol.get(i)]?.id ?? '',
      monthLabel(this.months.get(i)),
    ].join(':');
  }

  entry(i: number): CommissionEntry {
    const rate = this.rates.get(i);
    const count = this.tierCounts.get(i);
    return {
      key: this.key(i),
      deal: this.deal(i),
      partner: this.partner(i),
      recipe: this.recipes[i] ?? '',
      plan: this.plans[i] as PreparedPlan,
      month: this.month(i),
      basis: this.bases[i] ?? null,
      rateBps: rate < 0 ? null : rate,
      tier: this.tiers[i] ?? null,
      amount: this.amount(i),
      payableOn: this.payableOns[i] ?? '',
      payable: this.payables[i] ?? false,
      commission: this.commissions[i] ?? 0n,
      instalment: this.instalments.get(i),
      wonDealsForTier: count < 0 ? null : count,
    };
  }

  /** Entry i as result.json shows it. */
  outAt(i: number): CommissionOut {
    const basis = this.bases[i] ?? null;
    const rate = this.rates.get(i);
    return {
      key: this.key(i),
      dealId: this.deals[i]?.id ?? null,
      partnerId: this.partners[this.partnerCol.get(i)]?.id ?? '',
      recipe: this.recipes[i] ?? '',
      plan: this.plans[i]?.id ?? '',
      period: monthLabel(this.months.get(i)),
      basis: basis === null ? null : this.basisText(basis),
      rateBps: rate < 0 ? null : rate,
      tier: this.tiers[i] ?? null,
      amount: this.amountText(this.amounts[i] ?? 0n),
      payableOn: this.payableOns[i] ?? '',
      status: this.payables[i] ? 'payable' : 'held',
    };
  }

  seal(): void {
    for (const c of [this.partnerCol, this.months, this.rates, this.instalments, this.tierCounts]) c.seal();
  }

  /** Reorders every column by key (only needed when ids contain ":", see computeCommissions). */
  sortByKey(): void {
    const keys = Array.from({ length: this.length }, (_, i) => this.key(i));
    const order = keys
      .map((_, i) => i)
      .sort((a, b) => {
        const x = keys[a] ?? '';
        const y = keys[b] ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
    for (const c of [this.partnerCol, this.months, this.rates, this.instalments, this.tierCounts]) c.permute(order);
    for (const c of [
      this.deals,
      this.recipes,
      this.plans,
      this.bases,
      this.tiers,
      this.amounts,
      this.payableOns,
      this.payables,
      this.commissions,
    ]) {
      permuteArray(c, order);
    }
  }
}

/** The inputs behind an entry, for the ledger and statements (docs/finance-rules.md §5). */
export interface EntryExplanation {
  planType: PreparedPlan['type'];
  dealAmount: bigint | null;
  dealMinor: bigint | null;
  dealCurrency: string | null;
  exchangeRate: string | null;
  commission: bigint;
  instalment: number;
  instalments: number | null;
  capped: boolean;
  wonDealsForTier: number | null;
  role: 'sourced' | 'influenced' | null;
}

export function explainEntry(e: CommissionEntry): EntryExplanation {
  const d = e.deal;
  const plan = e.plan;
  return {
    planType: plan.type,
    dealAmount: d?.amount ?? null,
    dealMinor: d?.minor ?? null,
    dealCurrency: d?.currency ?? null,
    exchangeRate: d?.rateText ?? null,
    commission: e.commission,
    instalment: e.instalment,
    instalments: plan.type === 'fixed_fee' ? null : plan.months,
    capped: plan.type !== 'fixed_fee' && plan.cap !== null && e.commission === plan.cap,
    wonDealsForTier: e.wonDealsForTier,
    role: d === null ? null : d.source === e.partner ? 'sourced' : 'influenced',
  };
}

export interface DealRecipeIssue {
  code: 'DEAL_WITHOUT_RECIPE' | 'ANTI_RECIPE';
  deal: DealRec;
  partner: number;
  recipe: PreparedRecipe | null;
}

/** Sorted close instants of the won deals each partner sourced: the tier counts come from here. */
export class SourcedWins {
  private readonly closes: number[][];

  constructor(partnerCount: number, deals: readonly DealRec[]) {
    this.closes = Array.from({ length: partnerCount }, () => []);
    for (const d of deals) if (d.stage === 'won' && d.source >= 0) this.closes[d.source]?.push(d.closed);
    for (const list of this.closes) list.sort((a, b) => a - b);
  }

  /** Won deals sourced by the partner with closedAt in (at − 365 days, at]. */
  countInYearTo(partner: number, at: number): number {
    const list = this.closes[partner] ?? [];
    return upperBound(list, at) - upperBound(list, at - 365 * DAY_MS);
  }
}

function upperBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function tierFor(tiers: readonly PreparedTier[], wonDeals: number): PreparedTier | null {
  let chosen: PreparedTier | null = null;
  for (const t of tiers) if (t.minWonDeals <= wonDeals) chosen = t;
  return chosen;
}

export interface CommissionContext {
  program: Program;
  tz: TimeZone;
  asOf: number;
  asOfMonth: MonthIndex;
  partners: readonly PartnerRec[];
  wins: SourcedWins;
}

interface Writer {
  table: CommissionTable;
}

interface RowCommission {
  deal: DealRec;
  partner: number;
  recipe: string;
  plan: Extract<PreparedPlan, { type: 'percent' | 'flat' }>;
  basis: bigint;
  rateBps: number | null;
  tier: string | null;
  commission: bigint;
  wonDealsForTier: number | null;
}

/** Splits a row's commission over the plan's months from Month(closedAt) (docs/finance-rules.md §4, schedule). */
function scheduleEntries(ctx: CommissionContext, row: RowCommission, w: Writer): void {
  const { deal, plan, commission: c } = row;
  const months = plan.months;
  const m = BigInt(months);
  const share = c / m; // c ≥ 0, so truncation is floor
  const last = c - (m - 1n) * share;
  const firstMonth = ctx.tz.monthOf(deal.closed);
  const hold = deal.closed + plan.holdDays * DAY_MS;
  for (let k = 0; k < months; k++) {
    const month = firstMonth + k;
    if (month > ctx.asOfMonth) break;
    const amount = k < months - 1 ? share : last;
    if (amount === 0n) continue;
    const payableAt = Math.max(hold, ctx.tz.monthStart(month));
    w.table.push({
      deal,
      partner: row.partner,
      recipe: row.recipe,
      plan,
      month,
      basis: row.basis,
      rateBps: row.rateBps,
      tier: row.tier,
      amount,
      payableOn: ctx.tz.localDate(payableAt),
      payable: payableAt <= ctx.asOf,
      commission: c,
      instalment: k + 1,
      wonDealsForTier: row.wonDealsForTier,
    });
  }
}

/** The commission of one attribution row of a won deal with A(d) > 0, or null when none. */
function rowCommission(
  ctx: CommissionContext,
  deal: DealRec,
  partner: number,
  a: bigint,
  recipe: PreparedRecipe,
): RowCommission | null {
  const plan = recipe.plan;
  if (plan === null || plan.type === 'fixed_fee') return null;
  let c: bigint;
  let rateBps: number | null = null;
  let tier: string | null = null;
  let wonDealsForTier: number | null = null;
  if (plan.type === 'percent') {
    if (plan.tiers) {
      wonDealsForTier = ctx.wins.countInYearTo(partner, deal.closed);
      const t = tierFor(plan.tiers, wonDealsForTier);
      rateBps = t?.rateBps ?? 0;
      tier = t?.name ?? null;
    } else {
      rateBps = plan.rateBps ?? 0;
    }
    c = roundDiv(a * BigInt(rateBps), 10_000n);
  } else {
    let fee: bigint | null = null;
    for (const b of plan.bands) if (b.minAmount <= deal.amount) fee = b.fee;
    if (fee === null) return null;
    c = roundDiv(fee * a, deal.amount);
  }
  if (plan.cap !== null && c > plan.cap) c = plan.cap;
  return { deal, partner, recipe: recipe.id, plan, basis: a, rateBps, tier, commission: c, wonDealsForTier };
}

/**
 * The most one partner's commission on one deal may be in sync mode: 2^53 − 1 minor units
 * (docs/finance-rules.md §10.2). The ledger stores amounts in 64-bit columns and sums them there
 * (key totals, month totals, balances); this leaves room for 1,024 such commissions in one sum.
 */
export const LEDGER_COMMISSION_LIMIT = 2n ** 53n - 1n;

/**
 * The most the plan of `recipe` can pay a partner attributed `a` on won deal `deal`: a percent
 * plan at its highest rate (any tier), a flat plan's band for A(d) shared by `a`, after the cap;
 * null when the row earns nothing per deal. Depends on the deal and its partners only, never on
 * other deals (a tier's count of wins does), so whether a deal stays within
 * LEDGER_COMMISSION_LIMIT is the deal's own fact.
 */
export function rowCommissionCeiling(deal: DealRec, a: bigint, recipe: PreparedRecipe): bigint | null {
  const plan = recipe.plan;
  if (plan === null || plan.type === 'fixed_fee' || deal.amount <= 0n) return null;
  let c: bigint;
  if (plan.type === 'percent') {
    const rates = plan.tiers ? plan.tiers.map((t) => t.rateBps) : [plan.rateBps ?? 0];
    c = roundDiv(a * BigInt(Math.max(0, ...rates)), 10_000n);
  } else {
    let fee: bigint | null = null;
    for (const b of plan.bands) if (b.minAmount <= deal.amount) fee = b.fee;
    if (fee === null) return null;
    c = roundDiv(fee * a, deal.amount);
  }
  return plan.cap !== null && c > plan.cap ? plan.cap : c;
}

/** The largest flat-band fee of the program's plans (0 without flat plans). */
export function largestBandFee(program: Program): bigint {
  let max = 0n;
  for (const plan of program.plans.values())
    if (plan.type === 'flat') for (const b of plan.bands) if (b.fee > max) max = b.fee;
  return max;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Target entries of every won deal and every fixed fee, in key order, plus the recipe issues
 * won deals' rows raise. Entries are written in key order directly: groups by prefix
 * ("{dealId}:" or "fee:"), then by "{partnerId}:", then month — which is the ordinal order of
 * the keys unless an id itself contains ":" (then the table is sorted at the end).
 */
export function computeCommissions(
  ctx: CommissionContext,
  deals: readonly DealRec[],
  rows: AttributionTable,
): { entries: CommissionTable; issues: DealRecipeIssue[] } {
  const w: Writer = { table: new CommissionTable(ctx.partners, ctx.program.exponent) };
  const issues: DealRecipeIssue[] = [];
  const won: number[] = [];
  let colon = ctx.partners.some((p) => p.id.includes(':'));
  deals.forEach((deal, i) => {
    if (deal.stage !== 'won') return;
    won.push(i);
    if (deal.id.includes(':')) colon = true;
  });
  const prefixes = new Map<number, string>(won.map((i) => [i, `${deals[i]?.id ?? ''}:`]));
  won.sort((a, b) => byText(prefixes.get(a) ?? '', prefixes.get(b) ?? ''));
  prefixes.clear();

  let feesWritten = false;
  for (const i of won) {
    const deal = deals[i] as DealRec;
    if (!feesWritten && byText(`${deal.id}:`, `${FIXED_FEE_PREFIX}:`) > 0) {
      fixedFeeEntries(ctx, w);
      feesWritten = true;
    }
    const pending: RowCommission[] = [];
    for (let k = rows.start(i); k < rows.end(i); k++) {
      const partner = rows.partner(k);
      const recipe = deal.recipe ?? ctx.partners[partner]?.recipe ?? null;
      if (recipe === null) {
        issues.push({ code: 'DEAL_WITHOUT_RECIPE', deal, partner, recipe: null });
        continue;
      }
      if (recipe.status === 'anti') issues.push({ code: 'ANTI_RECIPE', deal, partner, recipe });
      if (deal.amount <= 0n) continue;
      const rc = rowCommission(ctx, deal, partner, rows.amount(k), recipe);
      if (rc !== null) pending.push(rc);
    }
    if (pending.length > 1)
      pending.sort((a, b) => byText(`${ctx.partners[a.partner]?.id ?? ''}:`, `${ctx.partners[b.partner]?.id ?? ''}:`));
    for (const rc of pending) scheduleEntries(ctx, rc, w);
  }
  if (!feesWritten) fixedFeeEntries(ctx, w);
  if (colon) w.table.sortByKey();
  w.table.seal();
  return { entries: w.table, issues };
}

/** monthlyFee for every month from Month(onboardedAt) to Month(endedAt) or Month(asOf). */
function fixedFeeEntries(ctx: CommissionContext, w: Writer): void {
  const partners = ctx.partners
    .filter((p) => p.recipe?.plan?.type === 'fixed_fee' && p.onboarded !== null)
    .sort((a, b) => byText(`${a.id}:`, `${b.id}:`));
  for (const p of partners) {
    const recipe = p.recipe;
    const plan = recipe?.plan;
    if (!recipe || plan?.type !== 'fixed_fee' || p.onboarded === null || plan.monthlyFee === 0n) continue;
    const onboarded = p.onboarded;
    const first = ctx.tz.monthOf(onboarded);
    const last = Math.min(p.ended === null ? ctx.asOfMonth : ctx.tz.monthOf(p.ended), ctx.asOfMonth);
    for (let month = first; month <= last; month++) {
      const payableAt = Math.max(ctx.tz.monthStart(month), onboarded) + plan.holdDays * DAY_MS;
      w.table.push({
        deal: null,
        partner: p.idx,
        recipe: recipe.id,
        plan,
        month,
        basis: null,
        rateBps: null,
        tier: null,
        amount: plan.monthlyFee,
        payableOn: ctx.tz.localDate(payableAt),
        payable: payableAt <= ctx.asOf,
        commission: plan.monthlyFee,
        instalment: month - first + 1,
        wonDealsForTier: null,
      });
    }
  }
}
