// CRM records in domain terms (docs/architecture.md "How a sync flows"): what an adapter
// delivers page by page, what the store caches, and the result fields partnersync writes back.
// The CRM port (src/crm/port.ts) re-exports these; the store and the planners import them from
// here, so they depend on no CRM code.

import type { SnapshotDeal, SnapshotPartner } from './snapshot.ts';

/** The five ratings reps give a partner (docs/product.md: `partner_rating_*`), feeding relationship health. */
export const RATING_KEYS = ['communication', 'alignment', 'trust', 'ease', 'potential'] as const;

/** Result fields written onto partner records (docs/product.md "CRM fields"), canonical names. */
export const PARTNER_RESULT_FIELDS = [
  'healthScore',
  'healthBand',
  'healthBreakdown',
  'alerts',
  'alertCount',
  'tierEarned',
  'attributedRevenue12m',
  'pipeline',
  'winRate',
  'lastActivityAt',
  'fitScore',
  'fitBand',
] as const;
export type PartnerResultField = (typeof PARTNER_RESULT_FIELDS)[number];

/** Result fields written onto deals. */
export const DEAL_RESULT_FIELDS = ['commissionAmount', 'attributionSummary'] as const;
export type DealResultField = (typeof DEAL_RESULT_FIELDS)[number];

/**
 * How a written value compares with what the CRM holds (see `sameValue`): CRMs hand numbers
 * back reformatted ("12000" for "12000.00") and datetimes in their own style.
 */
export type ResultFieldKind = 'number' | 'text' | 'datetime' | 'enum';
export const RESULT_FIELD_KINDS: Readonly<Record<PartnerResultField | DealResultField, ResultFieldKind>> = {
  healthScore: 'number',
  healthBand: 'enum',
  healthBreakdown: 'text',
  alerts: 'text',
  alertCount: 'number',
  tierEarned: 'enum',
  attributedRevenue12m: 'number',
  pipeline: 'number',
  winRate: 'number',
  lastActivityAt: 'datetime',
  fitScore: 'number',
  fitBand: 'enum',
  commissionAmount: 'number',
  attributionSummary: 'text',
};

/** Canonical values: decimal text for numbers, ISO-8601 for datetimes, option values for enums. */
export type FieldValues<F extends string> = Partial<Record<F, string | null>>;

/** A partner as pulled: the snapshot partner plus what the CRM holds in our result fields. */
export interface PulledPartner extends SnapshotPartner {
  ownerId: string | null;
  written: FieldValues<PartnerResultField>;
}

/** A deal as pulled: the snapshot deal plus what the CRM holds in our result fields. */
export interface PulledDeal extends SnapshotDeal {
  ownerId: string | null;
  written: FieldValues<DealResultField>;
}

/** A deal's links re-read on their own (links that change without bumping modified dates). */
export interface DealLinks {
  dealId: string;
  customerId: string | null;
}

/** Adapter-defined, JSON-serialisable checkpoint. The sync stores it after every page. */
export type PullCursor = Readonly<Record<string, unknown>>;

export interface PullPage {
  partners: PulledPartner[];
  deals: PulledDeal[];
  /** Partial updates of deals' links (refreshLinks). */
  links: DealLinks[];
  /** Records deleted or archived in the CRM, or companies no longer partners. */
  removedDealIds: string[];
  removedPartnerIds: string[];
  /** Checkpoint after this page. */
  cursor: PullCursor;
}

export interface TaskRequest {
  /** Unique per alert episode; stored with the task so a retry finds it instead of duplicating. */
  marker: string;
  partnerId: string;
  dealId: string | null;
  /** CRM owner of the partner record (the task's owner); null leaves it unassigned. */
  ownerId: string | null;
  subject: string;
  body: string;
  dueAt: number;
  priority: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** Whether a written value equals what the CRM holds, by field kind. */
export function sameValue(kind: ResultFieldKind, a: string | null | undefined, b: string | null | undefined): boolean {
  const x = a === undefined || a === '' ? null : a;
  const y = b === undefined || b === '' ? null : b;
  if (x === null || y === null) return x === y;
  if (kind === 'number') return numericText(x) === numericText(y);
  if (kind === 'datetime') return Date.parse(x) === Date.parse(y) && !Number.isNaN(Date.parse(x));
  return x === y;
}

/** "12000.00" and "12000" and "1.2e4" compare equal: normalise to a plain decimal without trailing zeros. */
function numericText(text: string): string {
  const n = text.trim();
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(n)) return n;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(n);
  if (!m) return n;
  const [, sign = '', int = '', frac = '', exp] = m;
  let digits = (int + frac).replace(/^0+(?=\d)/, '');
  let point = int.replace(/^0+(?=\d)/, '').length + (exp === undefined ? 0 : Number(exp));
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point, '0');
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fraction = digits.slice(point).replace(/0+$/, '');
  const out = fraction ? `${whole}.${fraction}` : whole;
  return out === '0' ? '0' : sign + out;
}

/** Result values to write, by record (only what differs from what the CRM holds). */
export interface WriteBack {
  partners: { id: string; fields: FieldValues<PartnerResultField> }[];
  deals: { id: string; fields: FieldValues<DealResultField>; expireRegistration?: boolean }[];
}
