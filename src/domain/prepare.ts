// Turns a snapshot into the engine's working records: partners by index, accepted deals with
// their base amount A(d), sourcing partner S(d), registration and touches, and the rejected
// deals with their reasons (docs/finance-rules.md §2 and 3).

import { currencyExponent } from './currency.ts';
import { DECIMAL, parseDecimalToMinor, pow10, roundDiv, type Rational } from './money.ts';
import type { PreparedRecipe, Program } from './program.ts';
import {
  REGISTRATION_STATUSES,
  STAGES,
  type RegistrationStatus,
  type Rejection,
  type RejectionReason,
  type Snapshot,
  type SnapshotDeal,
  type SnapshotRegistration,
  type Stage,
} from './snapshot.ts';
import type { TimeZone } from './time.ts';

export interface PartnerRec {
  idx: number;
  id: string;
  name: string;
  /** The partner's own recipe when the config defines it. */
  recipe: PreparedRecipe | null;
  tier: string | null;
  onboarded: number | null;
  ended: number | null;
  ratings: Readonly<Record<string, unknown>>;
  fit: Readonly<Record<string, unknown>>;
}

export interface RegRec {
  partner: number;
  status: RegistrationStatus;
  submitted: number | null;
  expires: number | null;
}

export interface TouchRec {
  partner: number;
  at: number;
}

export interface DealRec {
  id: string;
  name: string;
  stage: Stage;
  currency: string;
  /** The deal's amount in its own minor units. */
  minor: bigint;
  /** A(d): base-currency minor units. */
  amount: bigint;
  /** Exchange rate applied (decimal text; "1" for the base currency). */
  rateText: string;
  created: number;
  /** closedAt for won and lost deals; NaN for open ones (T(d) is then asOf: see `refTime`). */
  closed: number;
  customerId: string | null;
  /** deal.recipe when the config defines it. */
  recipe: PreparedRecipe | null;
  /** S(d) as a partner index, or -1. */
  source: number;
  /** Registration naming a known partner and not submitted after asOf. */
  reg: RegRec | null;
  /** Touches of known partners at or before asOf (all of them: activity counts even after close). */
  touches: TouchRec[];
  /** Partner ids the deal names that are not partners (dropped; one UNKNOWN_PARTNER alert). */
  unknownPartners: string[];
}

/** T(d), the deal's reference instant: closedAt when won or lost, asOf when open. */
export function refTime(deal: DealRec, asOf: number): number {
  return deal.stage === 'open' ? asOf : deal.closed;
}

export interface Prepared {
  partners: PartnerRec[];
  partnerIndex: ReadonlyMap<string, number>;
  deals: DealRec[];
  rejected: Rejection[];
  /** Problems that did not reject a deal (partner fields that could not be read). */
  warnings: string[];
}

// Shared empty lists: most deals have none, and a million empty arrays cost real memory.
const NO_IDS: string[] = [];
const NO_TOUCHES: TouchRec[] = [];
/** Stands for a missing partner id in UNKNOWN_PARTNER messages. */
export const NO_PARTNER_ID = '(no partner id)';
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const objectOrEmpty = (v: unknown): Readonly<Record<string, unknown>> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function preparePartners(
  program: Program,
  tz: TimeZone,
  snapshot: Snapshot,
  warnings: string[],
): { partners: PartnerRec[]; index: Map<string, number> } {
  const partners: PartnerRec[] = [];
  const index = new Map<string, number>();
  snapshot.partners.forEach((p, i) => {
    const id = str((p as { id?: unknown }).id);
    if (id === null) {
      warnings.push(`partners[${i}]: no id; partner skipped`);
      return;
    }
    if (index.has(id)) {
      warnings.push(`partners[${i}]: duplicate partner id ${id}; the first one is used`);
      return;
    }
    const time = (field: 'onboardedAt' | 'endedAt'): number | null => {
      const raw = p[field];
      if (raw === undefined || raw === null || raw === '') return null;
      const at = typeof raw === 'string' ? tz.parse(raw) : null;
      if (at === null)
        warnings.push(`partner ${id}: ${field} ${JSON.stringify(raw)} is not an ISO-8601 timestamp; treated as empty`);
      return at;
    };
    const recipeId = str(p.recipe);
    const rec: PartnerRec = {
      idx: partners.length,
      id,
      name: str(p.name) ?? id,
      recipe: recipeId === null ? null : (program.recipes.get(recipeId) ?? null),
      tier: str(p.tier),
      onboarded: time('onboardedAt'),
      ended: time('endedAt'),
      ratings: objectOrEmpty(p.ratings),
      fit: objectOrEmpty(p.fit),
    };
    index.set(id, rec.idx);
    partners.push(rec);
  });
  return { partners, index };
}

/** The exchange rate effective at T (docs/finance-rules.md §2, base amount). */
export function rateAt(
  program: Program,
  tz: TimeZone,
  currency: string,
  T: number,
): { rate: Rational; text: string } | null {
  const list = program.rates.get(currency);
  if (!list || list.length === 0) return null;
  const first = list[0];
  if (list.length === 1 || first === undefined || first.from === null) return first ?? null;
  const day = tz.localDate(T);
  let chosen = first;
  for (const r of list) {
    if (r.from !== null && r.from <= day) chosen = r;
    else break;
  }
  return chosen;
}

/** A(d) = round(minor × rate × 10^(expBase − expDeal)). */
export function toBase(minor: bigint, rate: Rational, expDeal: number, expBase: number): bigint {
  const shift = expBase - expDeal;
  const num = minor * rate.num * (shift > 0 ? pow10(shift) : 1n);
  const den = rate.den * (shift < 0 ? pow10(-shift) : 1n);
  return roundDiv(num, den);
}

const isNegativeDecimal = (text: string): boolean => text.startsWith('-') && /[1-9]/.test(text);

type TimeResult = number | null | 'invalid';

function readTime(tz: TimeZone, raw: unknown): TimeResult {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') return 'invalid';
  return tz.parse(raw) ?? 'invalid';
}

interface DealContext {
  program: Program;
  tz: TimeZone;
  asOf: number;
  index: ReadonlyMap<string, number>;
  /** Parts of deals that could not be read and were left out (reported, never silent). */
  warnings: string[];
}

function readRegistration(
  ctx: DealContext,
  dealId: string,
  raw: SnapshotRegistration | null | undefined,
  flag: { unknown: string[] },
): RegRec | null {
  if (raw === undefined || raw === null) return null;
  const ignore = (why: string): null => {
    ctx.warnings.push(`deal ${dealId}: registration ignored: ${why}`);
    return null;
  };
  if (typeof raw !== 'object') return ignore('it is not an object');
  const partnerId = str(raw.partnerId);
  const status = raw.status;
  if (typeof status !== 'string' || !(REGISTRATION_STATUSES as readonly string[]).includes(status)) {
    if (partnerId === null && (status === null || status === undefined)) return null; // an empty registration
    return ignore(`status ${JSON.stringify(status)} is not ${REGISTRATION_STATUSES.join(', ')}`);
  }
  const submitted = readTime(ctx.tz, raw.submittedAt);
  const expires = readTime(ctx.tz, raw.expiresAt);
  const unreadable = (field: 'submittedAt' | 'expiresAt' | 'decidedAt'): null =>
    ignore(`${field} ${JSON.stringify(raw[field])} is not an ISO-8601 timestamp`);
  if (submitted === 'invalid') return unreadable('submittedAt');
  if (expires === 'invalid') return unreadable('expiresAt');
  if (readTime(ctx.tz, raw.decidedAt) === 'invalid') return unreadable('decidedAt');
  const partner = partnerId === null ? undefined : ctx.index.get(partnerId);
  if (partner === undefined) {
    // a registration naming no partner, or one that is not a partner: dropped, whatever its timestamp
    flag.unknown.push(partnerId ?? NO_PARTNER_ID);
    return null;
  }
  if (submitted !== null && submitted > ctx.asOf) return null; // ignored as a whole
  return { partner, status: status as RegistrationStatus, submitted, expires };
}

function readTouches(
  ctx: DealContext,
  dealId: string,
  raw: SnapshotDeal['touches'],
  flag: { unknown: string[] },
): TouchRec[] {
  if (raw === undefined || raw === null) return NO_TOUCHES;
  if (!Array.isArray(raw)) {
    ctx.warnings.push(`deal ${dealId}: touches ignored: not a list`);
    return NO_TOUCHES;
  }
  if (raw.length === 0) return NO_TOUCHES;
  const out: TouchRec[] = [];
  (raw as readonly unknown[]).forEach((t, i) => {
    if (t === null || typeof t !== 'object') {
      ctx.warnings.push(`deal ${dealId}: touches[${i}] ignored: not an object`);
      return;
    }
    const { partnerId, at: atRaw } = t as { partnerId?: unknown; at?: unknown };
    const id = str(partnerId);
    const partner = id === null ? undefined : ctx.index.get(id);
    if (partner === undefined) {
      // a touch naming no partner, or one that is not a partner: dropped (docs/finance-rules.md §2)
      flag.unknown.push(id ?? NO_PARTNER_ID);
      return;
    }
    const at = readTime(ctx.tz, atRaw);
    if (at === null || at === 'invalid') {
      ctx.warnings.push(
        `deal ${dealId}: touches[${i}] of partner ${id ?? ''} ignored: at ${JSON.stringify(atRaw ?? null)} is not an ISO-8601 timestamp`,
      );
      return;
    }
    if (at <= ctx.asOf) out.push({ partner, at });
  });
  return out.length === 0 ? NO_TOUCHES : out;
}

type DealResult = { deal: DealRec } | { reason: RejectionReason };

function prepareDeal(ctx: DealContext, d: SnapshotDeal): DealResult {
  const { program, tz, asOf } = ctx;
  // AMOUNT_INVALID
  const amountText = d.amount;
  if (typeof amountText !== 'string' || !DECIMAL.test(amountText) || isNegativeDecimal(amountText))
    return { reason: 'AMOUNT_INVALID' };
  // CURRENCY_UNKNOWN
  const currency = str(d.currency);
  if (currency === null || (currency !== program.currency && !program.rates.has(currency)))
    return { reason: 'CURRENCY_UNKNOWN' };
  const stage = d.stage as Stage;
  if (!STAGES.includes(stage)) return { reason: 'STAGE_INVALID' };
  // CLOSE_DATE_MISSING
  const isClosed = stage !== 'open';
  const closedRaw = isClosed ? readTime(tz, d.closedAt) : null;
  if (isClosed && closedRaw === null) return { reason: 'CLOSE_DATE_MISSING' };
  if (closedRaw === 'invalid') return { reason: 'TIMESTAMP_INVALID' };
  // FUTURE_TIMESTAMP
  const created = readTime(tz, d.createdAt);
  if (created === null || created === 'invalid') return { reason: 'TIMESTAMP_INVALID' };
  if (created > asOf || (closedRaw !== null && closedRaw > asOf)) return { reason: 'FUTURE_TIMESTAMP' };

  const flag = { unknown: [] as string[] };
  const reg = readRegistration(ctx, d.id, d.registration, flag);
  const touches = readTouches(ctx, d.id, d.touches, flag);

  const T = closedRaw ?? asOf;
  const expDeal = currencyExponent(currency);
  const minor = parseDecimalToMinor(amountText, expDeal) ?? 0n;
  let amount = minor;
  let rateText = '1';
  if (currency !== program.currency) {
    const rate = rateAt(program, tz, currency, T);
    if (rate === null) return { reason: 'CURRENCY_UNKNOWN' };
    amount = toBase(minor, rate.rate, expDeal, program.exponent);
    rateText = rate.text;
  }

  // S(d): a known sourcePartnerId, else the partner of an approved, unexpired registration
  let source = -1;
  const sourceId = str(d.sourcePartnerId);
  if (sourceId !== null) {
    const p = ctx.index.get(sourceId);
    if (p === undefined) flag.unknown.push(sourceId);
    else source = p;
  }
  if (source < 0 && reg !== null && reg.status === 'approved' && (reg.expires === null || reg.expires >= T))
    source = reg.partner;

  const recipeId = str(d.recipe);
  return {
    deal: {
      id: d.id,
      name: str(d.name) ?? d.id,
      stage,
      currency,
      minor,
      amount,
      rateText,
      created,
      closed: closedRaw ?? Number.NaN,
      customerId: str(d.customerId),
      recipe: recipeId === null ? null : (program.recipes.get(recipeId) ?? null),
      source,
      reg,
      touches,
      unknownPartners: flag.unknown.length === 0 ? NO_IDS : [...new Set(flag.unknown)].sort(),
    },
  };
}

export function prepareSnapshot(program: Program, tz: TimeZone, snapshot: Snapshot, asOf: number): Prepared {
  const warnings: string[] = [];
  const { partners, index } = preparePartners(program, tz, snapshot, warnings);
  const ctx: DealContext = { program, tz, asOf, index, warnings };
  const deals: DealRec[] = [];
  const rejected: Rejection[] = [];
  // Visit deals in id order (ordinal; the first of equal ids wins), so `deals` comes out sorted
  // and duplicates sit next to each other.
  const ids: (string | null)[] = snapshot.deals.map((d) => str((d as { id?: unknown } | null)?.id));
  const order = ids
    .map((_, i) => i)
    .sort((a, b) => {
      const x = ids[a] ?? '';
      const y = ids[b] ?? '';
      return x < y ? -1 : x > y ? 1 : a - b;
    });
  let previous: string | null = null;
  for (const i of order) {
    const id = ids[i] ?? null;
    const d = snapshot.deals[i];
    if (id === null || d === undefined) {
      rejected.push({ dealId: `#${i}`, reason: 'ID_INVALID' });
      continue;
    }
    if (id === previous) {
      rejected.push({ dealId: id, reason: 'DUPLICATE_DEAL' });
      continue;
    }
    previous = id;
    const result = prepareDeal(ctx, d);
    if ('reason' in result) rejected.push({ dealId: id, reason: result.reason });
    else deals.push(result.deal);
  }
  rejected.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
  return { partners, partnerIndex: index, deals, rejected, warnings };
}
