// The values partnersync writes back onto CRM records (docs/product.md "Written values"), as
// canonical text: decimals for numbers, ISO-8601 for datetimes, option values for enums.

import type { Alert } from './alerts.ts';
import { healthBreakdown } from './alerts.ts';
import type { EngineDetails } from './engine.ts';
import { winRate365 } from './kpis.ts';
import { formatMinor, ratioToNumber } from './money.ts';
import type { DealRec } from './prepare.ts';
import type { Program } from './program.ts';
import { formatInstant } from './time.ts';

export interface PartnerOutcome {
  healthScore: string | null;
  healthBand: string | null;
  healthBreakdown: string | null;
  alerts: string | null;
  alertCount: string;
  tierEarned: string | null;
  attributedRevenue12m: string;
  pipeline: string;
  winRate: string | null;
  lastActivityAt: string | null;
  fitScore: string | null;
  fitBand: string | null;
}

export interface DealOutcome {
  commissionAmount: string | null;
  attributionSummary: string | null;
  /** An approved registration on an open deal whose protection has lapsed: write `expired`. */
  expireRegistration: boolean;
}

/** Text fields are capped: CRMs limit long text (HubSpot 65,536 characters). */
export const MAX_TEXT = 60_000;

function capText(lines: string[]): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = out === '' ? line : `${out}\n${line}`;
    if (next.length > MAX_TEXT) return `${out}\n… and ${lines.length - i} more`;
    out = next;
  }
  return out;
}

/** `[critical] HEALTH_AT_RISK — Health 52 < 60 (…): schedule a check-in` per open alert. */
export function alertLine(a: Alert): string {
  return `[${a.severity}] ${a.code} — ${a.message}`;
}

/** Amount with thousands separators for people: 7,200.00 */
export function displayMoney(minor: bigint, exponent: number): string {
  const text = formatMinor(minor, exponent);
  const [int = '', frac] = text.replace('-', '').split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${text.startsWith('-') ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/**
 * Per-partner written values, in the order of `details.partners`. `alertsByPartner` holds the
 * open alerts of each partner (compute alerts plus sync-only ones).
 */
export function partnerOutcomes(
  program: Program,
  details: EngineDetails,
  alertsByPartner: ReadonlyMap<string, readonly Alert[]>,
): PartnerOutcome[] {
  return details.partners.map((p) => {
    const h = details.health[p.idx];
    const a = details.accs[p.idx];
    const fit = details.fits[p.idx] ?? null;
    const alerts = alertsByPartner.get(p.id) ?? [];
    const rate = a ? winRate365(program, a) : null;
    return {
      healthScore: h?.score == null ? null : String(h.score),
      healthBand: h?.band ?? null,
      healthBreakdown: h && h.score !== null ? healthBreakdown(h) : null,
      alerts: alerts.length === 0 ? null : capText(alerts.map(alertLine)),
      alertCount: String(alerts.length),
      tierEarned: details.tiers[p.idx] ?? null,
      attributedRevenue12m: formatMinor(a?.attributed365 ?? 0n, program.exponent),
      pipeline: formatMinor(a?.pipeline ?? 0n, program.exponent),
      winRate: rate === null ? null : String(ratioToNumber(rate, 4)),
      lastActivityAt: a && a.lastActivity !== -Infinity ? formatInstant(a.lastActivity) : null,
      fitScore: fit === null ? null : String(fit.score),
      fitBand: fit?.band ?? null,
    };
  });
}

/** `Acme 60% 7,200.00 sourced · Globex 40% 4,800.00` */
function attributionSummary(program: Program, details: EngineDetails, deal: DealRec, i: number): string | null {
  const { rows } = details;
  const start = rows.start(i);
  const end = rows.end(i);
  if (start === end) return null;
  const parts: string[] = [];
  for (let k = start; k < end; k++) {
    const partner = rows.partner(k);
    const amount = rows.amount(k);
    const name = details.partners[partner]?.name ?? '?';
    const pct = deal.amount === 0n ? null : ratioToNumber({ num: amount * 100n, den: deal.amount }, 0);
    const role = partner === deal.source ? ' sourced' : '';
    parts.push(`${name}${pct === null ? '' : ` ${pct}%`} ${displayMoney(amount, program.exponent)}${role}`);
  }
  return capText([parts.join(' · ')]);
}

/** Each deal's commission: the sum of its entries (deals with none are absent). */
export function dealCommissions(details: EngineDetails): Map<DealRec, bigint> {
  const commission = new Map<DealRec, bigint>();
  const { entries } = details;
  for (let i = 0; i < entries.length; i++) {
    const deal = entries.deal(i);
    if (deal) commission.set(deal, (commission.get(deal) ?? 0n) + entries.amount(i));
  }
  return commission;
}

/** An approved registration on an open deal whose protection has lapsed by asOf: written `expired`. */
export function registrationLapsed(d: DealRec, asOf: number): boolean {
  const reg = d.reg;
  return d.stage === 'open' && reg !== null && reg.status === 'approved' && reg.expires !== null && reg.expires <= asOf;
}

/**
 * The written values of deal i of `details.deals`; `commission` from dealCommissions (a run plans
 * its write-back a range of deals at a time, src/sync/write-back.ts).
 */
export function dealOutcome(
  program: Program,
  details: EngineDetails,
  asOf: number,
  commission: ReadonlyMap<DealRec, bigint>,
  i: number,
): DealOutcome | undefined {
  const d = details.deals[i];
  if (d === undefined) return undefined;
  const c = commission.get(d);
  return {
    commissionAmount: c === undefined ? null : formatMinor(c, program.exponent),
    attributionSummary: attributionSummary(program, details, d, i),
    expireRegistration: registrationLapsed(d, asOf),
  };
}

/** Per-deal written values, in the order of `details.deals`. */
export function dealOutcomes(program: Program, details: EngineDetails, asOf: number): DealOutcome[] {
  const commission = dealCommissions(details);
  return details.deals.map((_, i) => dealOutcome(program, details, asOf, commission, i) as DealOutcome);
}
