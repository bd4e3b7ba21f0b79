// The commission ledger (docs/finance-rules.md §5): the engine's target entries against what is
// posted, one new append-only entry per key whose difference is not zero. Pure planning here; src/sync/run-sync.ts
// posts the plan in one transaction under the account lock, so a crash before the commit posts
// nothing and a crash after it leaves differences of zero: nothing is posted twice or lost.

import { makeAlert, type Alert } from '../domain/alerts.ts';
import { explainEntry } from '../domain/commissions.ts';
import { currencyExponent } from '../domain/currency.ts';
import type { EngineDetails } from '../domain/engine.ts';
import { formatMinor } from '../domain/money.ts';
import type { Program } from '../domain/program.ts';
import { DAY_MS, monthLabel, parseMonthLabel, type TimeZone } from '../domain/time.ts';
import { balancesByCurrentKey, isManualKey } from './keys.ts';
import type { KeyBalance, LedgerInputs, LedgerKind, NewLedgerEntry, PeriodClose, TargetEntry } from './types.ts';

export type { TargetEntry } from './types.ts';

/** docs/finance-rules.md §4 payableAt: max(closedAt + holdDays, month start); fixed fees max(month start, onboardedAt) + holdDays. */
function payableAtOf(details: EngineDetails, i: number): number {
  const e = details.entries.entry(i);
  const start = details.tz.monthStart(e.month);
  if (e.deal !== null) return Math.max(e.deal.closed + e.plan.holdDays * DAY_MS, start);
  const onboarded = details.partners[e.partner]?.onboarded ?? start;
  return Math.max(start, onboarded) + e.plan.holdDays * DAY_MS;
}

export function targetEntries(program: Program, details: EngineDetails): Map<string, TargetEntry> {
  const out = new Map<string, TargetEntry>();
  const money = (v: bigint): string => formatMinor(v, program.exponent);
  for (let i = 0; i < details.entries.length; i++) {
    const e = details.entries.entry(i);
    const x = explainEntry(e);
    const deal = e.deal;
    const partner = details.partners[e.partner];
    out.set(e.key, {
      key: e.key,
      period: monthLabel(e.month),
      partnerId: partner?.id ?? '',
      partnerName: partner?.name ?? '',
      dealId: deal?.id ?? null,
      dealName: deal?.name ?? null,
      amount: e.amount,
      payableAt: payableAtOf(details, i),
      payableOn: e.payableOn,
      inputs: {
        recipe: e.recipe,
        plan: e.plan.id,
        planType: e.plan.type,
        basis: e.basis === null ? null : money(e.basis),
        rateBps: e.rateBps,
        tier: e.tier,
        wonDealsForTier: e.wonDealsForTier,
        dealAmount: deal === null ? null : formatMinor(deal.minor, currencyExponent(deal.currency)),
        dealCurrency: deal?.currency ?? null,
        exchangeRate: x.exchangeRate,
        baseAmount: deal === null ? null : money(deal.amount),
        attributionModel: program.model,
        role: x.role,
        commission: money(e.commission),
        instalment: e.instalment,
        instalments: x.instalments,
        capped: x.capped,
        target: money(e.amount),
        dealClosedAt: deal === null ? null : deal.closed,
        clawbackDays: e.plan.clawbackDays,
      },
    });
  }
  return out;
}

/** The month closing closed through (closing a month closes every earlier one), or null. */
export function closedThrough(closes: readonly PeriodClose[]): string | null {
  let last: string | null = null;
  for (const c of closes) if (last === null || c.period > last) last = c.period;
  return last;
}

export function nextMonth(label: string): string {
  const idx = parseMonthLabel(label);
  if (idx === null) throw new Error(`not a month: ${label}`);
  return monthLabel(idx + 1);
}

/** The close that froze a month (the first close at or after it), or null while it is open. */
export function closeOf(closes: readonly PeriodClose[], period: string): PeriodClose | null {
  let best: PeriodClose | null = null;
  for (const c of closes) if (c.period >= period && (best === null || c.closedAt < best.closedAt)) best = c;
  return best;
}

/** The period a difference for `original` is booked in: itself, or the oldest open month. */
export function postingPeriod(original: string, through: string | null): string {
  return through !== null && original <= through ? nextMonth(through) : original;
}

/** A negative difference that was not posted because its clawback window has passed. */
export interface SkippedDifference {
  key: string;
  partnerId: string;
  partnerName: string;
  dealId: string;
  dealName: string | null;
  amount: bigint;
  dealClosedAt: number;
  clawbackDays: number;
  plan: string;
}

export interface PlanInput {
  program: Program;
  tz: TimeZone;
  asOf: number;
  targets: ReadonlyMap<string, TargetEntry>;
  balances: ReadonlyMap<string, KeyBalance>;
  closes: readonly PeriodClose[];
  /** Deals in the snapshot cache by id, with their CRM stage (deleted deals are absent). */
  dealStages: ReadonlyMap<string, string>;
  /** Deals the engine rejected, with the reason. */
  rejected: ReadonlyMap<string, string>;
}

export interface LedgerPlan {
  entries: NewLedgerEntry[];
  skipped: SkippedDifference[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function changeList(program: Program, before: LedgerInputs, after: LedgerInputs): string {
  const parts: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(before.dealAmount, after.dealAmount) || !same(before.dealCurrency, after.dealCurrency)) {
    parts.push(
      `deal amount ${before.dealAmount ?? '-'} ${before.dealCurrency ?? ''} → ${after.dealAmount ?? '-'} ${after.dealCurrency ?? ''}`.replace(
        / +/g,
        ' ',
      ),
    );
  }
  if (!same(before.exchangeRate, after.exchangeRate))
    parts.push(`exchange rate ${before.exchangeRate ?? '-'} → ${after.exchangeRate ?? '-'}`);
  if (!same(before.basis, after.basis)) parts.push(`basis ${before.basis ?? '-'} → ${after.basis ?? '-'}`);
  if (!same(before.rateBps, after.rateBps)) parts.push(`rate ${before.rateBps ?? '-'} → ${after.rateBps ?? '-'} bps`);
  if (!same(before.tier, after.tier)) parts.push(`tier ${before.tier ?? '-'} → ${after.tier ?? '-'}`);
  if (!same(before.plan, after.plan)) parts.push(`plan ${before.plan} → ${after.plan}`);
  if (!same(before.recipe, after.recipe)) parts.push(`recipe ${before.recipe} → ${after.recipe}`);
  if (!same(before.attributionModel, after.attributionModel))
    parts.push(`attribution model ${before.attributionModel} → ${after.attributionModel}`);
  if (!same(before.role, after.role)) parts.push(`role ${before.role ?? '-'} → ${after.role ?? '-'}`);
  if (!same(before.capped, after.capped)) parts.push(after.capped ? 'now capped' : 'no longer capped');
  if (parts.length === 0) parts.push(`commission ${before.commission} → ${after.commission} ${program.currency}`);
  return parts.join('; ');
}

function accrualReason(program: Program, t: TargetEntry): string {
  const i = t.inputs;
  if (i.planType === 'fixed_fee') return `fixed fee of plan ${i.plan} (recipe ${i.recipe}) for ${t.period}`;
  const rate =
    i.rateBps === null
      ? `flat fee of plan ${i.plan}`
      : `${i.rateBps} bps of ${i.basis ?? '-'} ${program.currency}${i.tier === null ? '' : ` (tier ${i.tier})`}`;
  const split = i.instalments !== null && i.instalments > 1 ? `, instalment ${i.instalment} of ${i.instalments}` : '';
  return `deal ${t.dealId ?? '-'} won, ${i.role ?? 'credited'}: ${rate}${i.capped ? ', capped' : ''}${split}`;
}

function negativeReason(
  input: PlanInput,
  dealId: string,
  partnerId: string,
  hasTarget: boolean,
): { kind: LedgerKind; reason: string } {
  const stage = input.dealStages.get(dealId);
  const rejected = input.rejected.get(dealId);
  if (stage === undefined) return { kind: 'clawback', reason: `deal ${dealId} was deleted in the CRM` };
  if (rejected !== undefined)
    return {
      kind: 'adjustment',
      reason: `deal ${dealId} is rejected (${rejected}): fix it in the CRM to restore the commission`,
    };
  if (stage !== 'won') return { kind: 'clawback', reason: `deal ${dealId} is no longer won (stage ${stage})` };
  return hasTarget
    ? { kind: 'adjustment', reason: '' }
    : { kind: 'adjustment', reason: `partner ${partnerId} is no longer credited on won deal ${dealId}` };
}

/** The differences to post (and the ones the clawback window keeps from posting), in key order. */
export function planLedger(input: PlanInput): LedgerPlan {
  const { program, targets } = input;
  // manual entries (`manual:{id}`) have no target: the comparison leaves them alone (§5)
  const balances = balancesByCurrentKey(
    new Map([...input.balances].filter(([, b]) => b.last.kind !== 'manual' && !isManualKey(b.key))),
  );
  const through = closedThrough(input.closes);
  const keys = [...new Set([...targets.keys(), ...balances.keys()])].sort(byText);
  const entries: NewLedgerEntry[] = [];
  const skipped: SkippedDifference[] = [];
  const money = (v: bigint): string => formatMinor(v, program.exponent);
  for (const key of keys) {
    const t = targets.get(key);
    const b = balances.get(key);
    const diff = (t?.amount ?? 0n) - (b?.posted ?? 0n);
    if (diff === 0n) continue;
    const base = t ?? (b as KeyBalance).last;
    const original = t?.period ?? (b as KeyBalance).last.originalPeriod;
    const period = postingPeriod(original, through);
    const inputs: LedgerInputs = t?.inputs ?? { ...(b as KeyBalance).last.inputs, target: money(0n) };
    let kind: LedgerKind;
    let reason: string;
    if (!b) {
      kind = 'accrual';
      reason = accrualReason(program, base);
    } else if (diff > 0n) {
      kind = 'adjustment';
      reason = t ? `increase: ${changeList(program, b.last.inputs, t.inputs)}` : 'increase';
    } else if (base.dealId === null) {
      kind = 'adjustment';
      reason = t
        ? `decrease: ${changeList(program, b.last.inputs, t.inputs)}`
        : `fixed fee for ${original} no longer due (partner ended, recipe or plan changed)`;
    } else {
      const why = negativeReason(input, base.dealId, base.partnerId, t !== undefined);
      kind = why.kind;
      reason = why.reason === '' && t ? `decrease: ${changeList(program, b.last.inputs, t.inputs)}` : why.reason;
      const closedAt = inputs.dealClosedAt;
      const days = program.plans.get(inputs.plan)?.clawbackDays ?? inputs.clawbackDays;
      if (closedAt !== null && input.asOf - closedAt > days * DAY_MS) {
        skipped.push({
          key,
          partnerId: base.partnerId,
          partnerName: base.partnerName,
          dealId: base.dealId,
          dealName: base.dealName,
          amount: diff,
          dealClosedAt: closedAt,
          clawbackDays: days,
          plan: inputs.plan,
        });
        continue;
      }
    }
    if (period !== original) reason += ` (period ${original} is closed: booked in ${period})`;
    entries.push({
      key,
      kind,
      period,
      originalPeriod: original,
      partnerId: base.partnerId,
      partnerName: base.partnerName,
      dealId: base.dealId,
      dealName: base.dealName,
      amount: diff,
      payableAt: base.payableAt,
      payableOn: base.payableOn,
      reason,
      inputs,
    });
  }
  return { entries, skipped };
}

/** One CLAWBACK_WINDOW_PASSED alert per deal and partner (docs/finance-rules.md §5 and 8), for finance. */
export function clawbackAlerts(program: Program, tz: TimeZone, skipped: readonly SkippedDifference[]): Alert[] {
  const groups = new Map<string, SkippedDifference[]>();
  for (const s of skipped) {
    const k = `${s.dealId}\u0000${s.partnerId}`;
    const list = groups.get(k);
    if (list) list.push(s);
    else groups.set(k, [s]);
  }
  const out: Alert[] = [];
  for (const list of groups.values()) {
    const first = list[0] as SkippedDifference;
    const total = list.reduce((sum, s) => sum + s.amount, 0n);
    out.push(
      makeAlert(
        'CLAWBACK_WINDOW_PASSED',
        { dealId: first.dealId, partnerId: first.partnerId },
        `Clawback of ${formatMinor(-total, program.exponent)} ${program.currency} on deal "${first.dealName ?? first.dealId}" for ${first.partnerName} not posted: the deal closed ${tz.localDate(first.dealClosedAt)}, more than ${first.clawbackDays} days ago (plan ${first.plan}): recover it with the partner directly if finance decides to`,
      ),
    );
  }
  return out;
}
