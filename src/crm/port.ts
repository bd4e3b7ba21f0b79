// The CrmAdapter port: everything the sync engine needs from a CRM, in domain terms.
// One implementation per CRM folder (hubspot/, salesforce/) and an in-memory fake for tests.
// Adapters turn every provider failure into a CrmError; they never return "nothing" for an
// error (a swallowed association error is lost partner credit).

import type { SnapshotDeal, SnapshotPartner, SnapshotTouch } from '../domain/snapshot.ts';
import type { ContactFilter, PartnerContact, PartnerOwner } from './people.ts';

export type { ContactFilter, PartnerContact, PartnerOwner } from './people.ts';

/** The five ratings reps give a partner (product.md: `partner_rating_*`), feeding relationship health. */
export const RATING_KEYS = ['communication', 'alignment', 'trust', 'ease', 'potential'] as const;

/** Result fields written onto partner records (product.md "CRM fields"), canonical names. */
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

export interface PullRequest {
  /** full: read everything (first run, `sync --full`); incremental: what changed since `cursor`. */
  mode: 'full' | 'incremental';
  /** The last checkpoint (resume where a crashed or stopped run left off), or null. */
  cursor: PullCursor | null;
  /** Re-read links that do not bump modified dates (the scheduled full refresh). */
  refreshLinks: boolean;
  /**
   * The touches the snapshot cache already holds for these deals. An adapter whose touches cost
   * extra calls (HubSpot: property history; Salesforce: OpportunityPartner lookups) reuses them
   * when a deal's influencers are unchanged.
   */
  previousTouches?:
    ((dealIds: readonly string[]) => Promise<ReadonlyMap<string, readonly SnapshotTouch[]>>) | undefined;
}

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

export interface WriteBack {
  partners: { id: string; fields: FieldValues<PartnerResultField> }[];
  deals: { id: string; fields: FieldValues<DealResultField>; expireRegistration?: boolean }[];
}

export interface WriteFailure {
  object: 'partner' | 'deal';
  id: string;
  reason: string;
}

export interface WriteReport {
  partnersWritten: number;
  dealsWritten: number;
  failed: WriteFailure[];
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

export interface TaskResult {
  marker: string;
  taskId: string;
}

export type ProvisionActionKind = 'create' | 'update' | 'ok' | 'conflict';

export interface ProvisionAction {
  /** What the action is about, e.g. "deal property partner_source", "permission set partnersync". */
  target: string;
  action: ProvisionActionKind;
  /** What changes, or for a conflict what is wrong and which mapping would resolve it. */
  detail: string;
}

export interface ProvisionPlan {
  actions: ProvisionAction[];
  /** False for a dry run, or when a conflict stopped provisioning before any change. */
  applied: boolean;
}

export interface CallStats {
  total: number;
  rateLimited: number;
  /** "POST /crm/v3/objects/deals/search" → { count, statuses: { "200": n } } */
  byEndpoint: Record<string, { count: number; statuses: Record<string, number> }>;
}

export interface CrmAdapter {
  readonly provider: string;
  /** Stable id of the CRM account (portal id, org id): scopes cursors and the sync lock. */
  accountKey(): Promise<string>;
  /** Creates or updates our fields (and permissions); never deletes; dry run changes nothing. */
  provision(options: { dryRun: boolean }): Promise<ProvisionPlan>;
  /** Pages of changes; the sync checkpoints `cursor` after each page. */
  pull(request: PullRequest): AsyncIterable<PullPage>;
  /** Reads the given records by id (webhook-triggered sync): batch reads, never a search. */
  pullRecords(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<PullPage>;
  /** Writes result fields (only what the caller passes), batched; bad records are reported, not fatal. */
  writeBack(changes: WriteBack): Promise<WriteReport>;
  createTasks(tasks: readonly TaskRequest[]): Promise<TaskResult[]>;
  /** Tasks already created for these markers (to finish an outbox entry after a crash). */
  findTasks(markers: readonly string[]): Promise<TaskResult[]>;
  /** The owners of these partner records with their e-mail (partners without an owner are left out). */
  partnerOwners(partnerIds: readonly string[]): Promise<PartnerOwner[]>;
  /** The contacts associated with these partner records that have an e-mail and match `filter`. */
  partnerContacts(partnerIds: readonly string[], filter: ContactFilter): Promise<PartnerContact[]>;
  callStats(): CallStats;
  close(): Promise<void>;
}

export type CrmErrorKind =
  'auth' | 'rate_limited' | 'not_found' | 'invalid_request' | 'unavailable' | 'bad_payload' | 'quota_exhausted';

/** Every provider failure, normalised (architecture.md habit 6). */
export class CrmError extends Error {
  override readonly name = 'CrmError';
  readonly provider: string;
  readonly kind: CrmErrorKind;
  readonly code: string | null;
  readonly status: number | null;
  readonly retryAfterMs: number | null;

  constructor(init: {
    provider: string;
    kind: CrmErrorKind;
    message: string;
    code?: string | null;
    status?: number | null;
    retryAfterMs?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.provider = init.provider;
    this.kind = init.kind;
    this.code = init.code ?? null;
    this.status = init.status ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
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
