// The CrmAdapter port: everything the sync engine needs from a CRM, in domain terms.
// One implementation per CRM folder (hubspot/, salesforce/) and an in-memory fake for tests.
// Adapters turn every provider failure into a CrmError; they never return "nothing" for an
// error (a swallowed association error is lost partner credit).

import type { SnapshotTouch } from '../domain/snapshot.ts';
import type { PullCursor, PullPage, TaskRequest, WriteBack } from '../domain/records.ts';
import type { ContactFilter, PartnerContact, PartnerOwner } from './people.ts';
import type { DealRegistrations } from './registrations.ts';

export type { ContactFilter, PartnerContact, PartnerOwner } from './people.ts';
export type { DealRegistrations, NewDeal, RegistrationFields, RegistrationState } from './registrations.ts';

export * from '../domain/records.ts';

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

export interface WriteFailure {
  object: 'partner' | 'deal';
  id: string;
  /** The CRM's message for this record. */
  reason: string;
  /** The fields the CRM named (e.g. a property its validation rules require), when it named any. */
  properties?: string[] | undefined;
  /**
   * True when the CRM refused the record for what it held (validation rules, a required field, a
   * value out of range): sending it again unchanged would be refused again, so the sync holds it
   * back (write-refusals.ts). Other failures (a locked row, an error without a verdict on the
   * values) are sent again on the next run.
   */
  refusal?: boolean | undefined;
}

export interface WriteReport {
  partnersWritten: number;
  dealsWritten: number;
  failed: WriteFailure[];
}

export interface TaskResult {
  marker: string;
  /** The CRM's id of the task; '' when the CRM refused to create it (see `refused`). */
  taskId: string;
  /**
   * Set when the CRM refused this task for what it held (validation rules, a link the user may
   * not create): the other tasks of the call are created; this one is reported, not retried blindly.
   */
  refused?: { reason: string; properties: string[] } | undefined;
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
  /** Deal registration by partners (issue 19); absent when the adapter cannot record one. */
  readonly registrations?: DealRegistrations | undefined;
  callStats(): CallStats;
  close(): Promise<void>;
}

export type CrmErrorKind =
  'auth' | 'rate_limited' | 'not_found' | 'invalid_request' | 'unavailable' | 'bad_payload' | 'quota_exhausted';

/** Every provider failure, normalised (docs/architecture.md habit 6). */
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
