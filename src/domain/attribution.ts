// Attribution (docs/finance-rules.md §3): the ordered touches of a deal, the model's weights, and the
// largest-remainder split of A(d) so that the parts sum exactly to A(d).

import type { AttributionModel } from './program.ts';
import type { DealRec, PartnerRec, TouchRec } from './prepare.ts';
import { Int32Column } from './columns.ts';
import { moneyText } from './money.ts';
import { DAY_MS } from './time.ts';

export interface AttributionRow {
  partner: number;
  amount: bigint;
}

/**
 * The sourcing touch plus the earliest touch (at ≤ T) of every other known partner, ordered
 * by (at, partnerId). S's touch time is the registration's submittedAt when the deal's
 * registration names S and has one, else createdAt; clamped to T.
 */
export function orderedTouches(deal: DealRec, partners: readonly PartnerRec[], T: number): TouchRec[] {
  const out: TouchRec[] = [];
  const S = deal.source;
  if (S >= 0) {
    const reg = deal.reg;
    const at = reg !== null && reg.partner === S && reg.submitted !== null ? reg.submitted : deal.created;
    out.push({ partner: S, at: Math.min(at, T) });
  }
  if (deal.touches.length > 0) {
    const earliest = new Map<number, number>();
    for (const t of deal.touches) {
      if (t.partner === S || t.at > T) continue;
      const prev = earliest.get(t.partner);
      if (prev === undefined || t.at < prev) earliest.set(t.partner, t.at);
    }
    for (const [partner, at] of earliest) out.push({ partner, at });
  }
  if (out.length > 1) {
    out.sort((a, b) => {
      if (a.at !== b.at) return a.at - b.at;
      const ia = partners[a.partner]?.id ?? '';
      const ib = partners[b.partner]?.id ?? '';
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
  }
  return out;
}

/** Splits `amount` by integer weights over a common denominator: floor, then largest remainders. */
function splitExact(amount: bigint, nums: readonly bigint[], den: bigint): bigint[] {
  const parts: bigint[] = [];
  const rems: bigint[] = [];
  let left = amount;
  for (const n of nums) {
    const product = amount * n;
    const part = product / den; // amount, n ≥ 0: truncation is floor
    parts.push(part);
    rems.push(product - part * den);
    left -= part;
  }
  if (left > 0n) {
    const order = nums
      .map((_, i) => i)
      .sort((a, b) => {
        const ra = rems[a] ?? 0n;
        const rb = rems[b] ?? 0n;
        return ra > rb ? -1 : ra < rb ? 1 : a - b; // ties to the earlier touch
      });
    for (let k = 0; left > 0n; k++, left--) {
      const i = order[k % order.length] ?? 0;
      parts[i] = (parts[i] ?? 0n) + 1n;
    }
  }
  return parts;
}

/** A positive finite double as an exact binary fraction: x = mant × 2^exp. */
function binaryParts(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased === 0) return { mant, exp: -1074 }; // subnormal
  mant |= 1n << 52n;
  return { mant, exp: biased - 1075 };
}

/**
 * Time decay: the weights are binary floating point (as docs/finance-rules.md defines them), but A·w is
 * then taken exactly — each float is an exact binary fraction — so even amounts beyond 2^53
 * minor units split exactly by those weights.
 */
function splitFloat(amount: bigint, weights: readonly number[]): bigint[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const shares = weights.map((w) => (w > 0 ? binaryParts(w / total) : { mant: 0n, exp: 0 }));
  const shift = Math.max(0, ...shares.map((p) => -p.exp));
  const parts: bigint[] = [];
  const rems: bigint[] = [];
  let left = amount;
  for (const p of shares) {
    // A·mant·2^exp over the common denominator 2^shift
    const scaled = (amount * p.mant) << BigInt(p.exp + shift);
    const part = scaled >> BigInt(shift);
    parts.push(part);
    rems.push(scaled - (part << BigInt(shift)));
    left -= part;
  }
  const order = weights
    .map((_, i) => i)
    .sort((i, j) => {
      const a = rems[i] ?? 0n;
      const b = rems[j] ?? 0n;
      return a > b ? -1 : a < b ? 1 : i - j;
    });
  // Normalised float weights may sum to a hair above or below 1: settle exactly here.
  for (let k = 0; left > 0n; k++, left--) {
    const i = order[k % order.length] ?? 0;
    parts[i] = (parts[i] ?? 0n) + 1n;
  }
  for (let k = order.length - 1; left < 0n; k = (k - 1 + order.length) % order.length) {
    const i = order[k] ?? 0;
    if ((parts[i] ?? 0n) > 0n) {
      parts[i] = (parts[i] ?? 0n) - 1n;
      left++;
    }
  }
  return parts;
}

/** Attribution rows for a deal, in touch order; every partner with weight > 0 gets one. */
export function attribute(
  deal: DealRec,
  touches: readonly TouchRec[],
  model: AttributionModel,
  halfLifeDays: number,
  T: number,
): AttributionRow[] {
  const n = touches.length;
  if (n === 0) return [];
  const A = deal.amount;
  const one = (t: TouchRec | undefined): AttributionRow[] => (t ? [{ partner: t.partner, amount: A }] : []);
  switch (model) {
    case 'sourced':
      return deal.source >= 0 ? [{ partner: deal.source, amount: A }] : [];
    case 'first_touch':
      return one(touches[0]);
    case 'last_touch':
      return one(touches[n - 1]);
    case 'linear': {
      const parts = splitExact(
        A,
        touches.map(() => 1n),
        BigInt(n),
      );
      return touches.map((t, i) => ({ partner: t.partner, amount: parts[i] ?? 0n }));
    }
    case 'position_based': {
      if (n === 1) return one(touches[0]);
      // n = 2: ½ each; n ≥ 3: 0.4 / 0.2/(n−2) each / 0.4, over the common denominator 5(n−2)
      const den = n === 2 ? 2n : 5n * BigInt(n - 2);
      const ends = n === 2 ? 1n : 2n * BigInt(n - 2);
      const nums = touches.map((_, i) => (i === 0 || i === n - 1 ? ends : 1n));
      const parts = splitExact(A, nums, den);
      return touches.map((t, i) => ({ partner: t.partner, amount: parts[i] ?? 0n }));
    }
    case 'time_decay': {
      const weights = touches.map((t) => 2 ** (-((T - t.at) / DAY_MS) / halfLifeDays));
      if (weights.some((w) => !(w > 0))) {
        // Underflow for touches decades old: compare to the newest touch instead (same ratios).
        const newest = Math.max(...touches.map((t) => t.at));
        weights.splice(0, n, ...touches.map((t) => 2 ** (-((newest - t.at) / DAY_MS) / halfLifeDays)));
      }
      const parts = splitFloat(A, weights);
      return touches
        .map((t, i) => ({ partner: t.partner, amount: parts[i] ?? 0n }))
        .filter((_, i) => (weights[i] ?? 0) > 0);
    }
  }
}

/** An attribution row as result.json shows it (docs/finance-rules.md §9). */
export interface AttributionOut {
  dealId: string;
  partnerId: string;
  role: 'sourced' | 'influenced';
  amount: string;
}

/**
 * Every deal's attribution rows in (dealId, touch order), stored as columns: row k has a
 * partner index and an exact amount; the rows of deal i are [start(i), end(i)). The JSON form
 * of a row (`outAt`) is built on demand, so a million deals' rows cost a few dozen megabytes.
 */
export class AttributionTable {
  private readonly partners: readonly PartnerRec[];
  private readonly deals: DealRec[] = [];
  private readonly starts = new Int32Column();
  private readonly partnerCol = new Int32Column();
  private readonly amounts: bigint[] = [];
  private readonly amountText: (v: bigint) => string;

  constructor(partners: readonly PartnerRec[], exponent: number) {
    this.partners = partners;
    this.amountText = moneyText(exponent);
    this.starts.push(0);
  }

  get length(): number {
    return this.amounts.length;
  }

  /** Appends the rows of the next deal (deals are appended in id order). */
  push(deal: DealRec, rows: readonly AttributionRow[]): void {
    for (const r of rows) {
      this.partnerCol.push(r.partner);
      this.amounts.push(r.amount);
      this.deals.push(deal);
    }
    this.starts.push(this.amounts.length);
  }

  seal(): void {
    this.starts.seal();
    this.partnerCol.seal();
  }

  start(deal: number): number {
    return this.starts.get(deal);
  }

  end(deal: number): number {
    return deal + 1 < this.starts.length ? this.starts.get(deal + 1) : this.start(deal);
  }

  partner(k: number): number {
    return this.partnerCol.get(k);
  }

  amount(k: number): bigint {
    return this.amounts[k] ?? 0n;
  }

  /** Row k as result.json shows it. */
  outAt(k: number): AttributionOut {
    const deal = this.deals[k];
    const partner = this.partnerCol.get(k);
    return {
      dealId: deal?.id ?? '',
      partnerId: this.partners[partner]?.id ?? '',
      role: partner === deal?.source ? 'sourced' : 'influenced',
      amount: this.amountText(this.amounts[k] ?? 0n),
    };
  }

  /** The rows of one deal as objects. */
  rowsOf(deal: number): AttributionRow[] {
    const out: AttributionRow[] = [];
    for (let k = this.start(deal); k < this.end(deal); k++)
      out.push({ partner: this.partner(k), amount: this.amount(k) });
    return out;
  }
}
