// Table row types of the store (Kysely's view of the schema created by migrations.ts).
// Portable column types only: text, bigint (money in minor units, instants in ms since the
// epoch) and integer flags, so SQLite and PostgreSQL hold the same values. JSON is stored as
// text (read back with zod where it crosses a boundary).

import type { ColumnType } from 'kysely';
import type { LedgerKind } from '../ledger/types.ts';

/** A 64-bit integer: PostgreSQL hands bigint back (see open-store.ts), SQLite a number. */
export type Int64 = ColumnType<bigint | number, bigint | number, bigint | number>;
/** A nullable 64-bit integer. */
export type Int64OrNull = ColumnType<bigint | number | null, bigint | number | null, bigint | number | null>;

export interface AccountRow {
  account: string;
  provider: string;
  created_at: Int64;
}

export type RunStatus = 'running' | 'succeeded' | 'stopped' | 'failed';

export interface RunRow {
  id: string;
  account: string;
  mode: string;
  status: RunStatus;
  started_at: Int64;
  finished_at: Int64OrNull;
  as_of: Int64;
  /** JSON: RunReport (counts, durations, API calls, rejected records, write failures, error). */
  report: string;
}

export interface CheckpointRow {
  account: string;
  /** JSON PullCursor of the last page applied, or null before the first page. */
  cursor: string | null;
  /** Id of the pull in progress or last finished: tags records seen by a full pull. */
  pull_id: string;
  pull_mode: string;
  /** 1 when the pull finished (the next run starts an incremental pull from `cursor`). */
  pull_done: number;
  pages: number;
  updated_at: Int64;
}

export interface CachedPartnerRow {
  account: string;
  id: string;
  name: string | null;
  /** The partner's recipe id (issue 21: filtered on in the store). */
  recipe: string | null;
  /** JSON PulledPartner without `written`. */
  record: string;
  /** JSON FieldValues: what the CRM holds in our result fields. */
  written: string;
  seen_pull: string;
  updated_at: Int64;
}

export interface CachedDealRow {
  account: string;
  id: string;
  name: string | null;
  stage: string | null;
  customer_id: string | null;
  /** JSON PulledDeal (registration and touches included) without `written`. */
  record: string;
  written: string;
  seen_pull: string;
  updated_at: Int64;
}

export type { LedgerKind };

export interface LedgerEntryRow {
  id: string;
  account: string;
  /** Order of posting within the account (1, 2, …). */
  seq: Int64;
  run_id: string;
  key: string;
  kind: LedgerKind;
  /** The period the entry is booked in (its own period, or the oldest open one). */
  period: string;
  /** The entry's own period (the key's month). */
  original_period: string;
  partner_id: string;
  partner_name: string;
  deal_id: string | null;
  deal_name: string | null;
  amount: Int64;
  payable_at: Int64;
  payable_on: string;
  reason: string;
  /** JSON LedgerInputs. */
  inputs: string;
  posted_at: Int64;
}

/**
 * Issue 21: the running total per ledger key (its current spelling, src/ledger/keys.ts) of every
 * posted entry but manual ones, kept in the transaction that posts: a run reads full balances only
 * for the keys whose target differs from the total.
 */
export interface LedgerKeyTotalRow {
  account: string;
  key: string;
  posted: Int64;
  /** Migration 014: the partner and deal of the key's entries (a fixed fee has no deal). */
  partner_id: string | null;
  deal_id: string | null;
}

/** Issue 21 (migration 014): one partner id a cached deal names, and in which role (src/domain/deal-refs.ts). */
export interface DealPartnerRefRow {
  account: string;
  deal_id: string;
  partner_id: string;
  role: string;
}

/** Issue 21 (migration 016): per account and ledger month, how many entries are posted and their sum. */
export interface LedgerPeriodTotalRow {
  account: string;
  period: string;
  entries: Int64;
  net: Int64;
}

/**
 * Issue 21: what the last computing run of an account left for idle runs: the fingerprint of the
 * config it computed with, the instant time alone may change an output (src/domain/due.ts) and the
 * ledger version after it. Deleted by any change to the snapshot cache.
 */
export interface ComputeMarkRow {
  account: string;
  run_id: string;
  fingerprint: string;
  due: Int64;
  ledger_seq: Int64;
  ledger_closes: number;
  at: Int64;
}

/** Issue 21: when time alone next changes a partner's outputs (src/domain/due.ts dueParts; migration 017). */
export interface PartnerDueRow {
  account: string;
  partner_id: string;
  due: Int64;
}

export interface PeriodCloseRow {
  account: string;
  /** Closing this month closed it and every earlier month. */
  period: string;
  closed_at: Int64;
  closed_by: string;
}

export interface AlertEpisodeRow {
  id: string;
  account: string;
  /** code|partnerId|dealId|recipe */
  alert_key: string;
  code: string;
  severity: string;
  partner_id: string | null;
  deal_id: string | null;
  recipe: string | null;
  message: string;
  /** JSON, code-specific (HEALTH_DROPPED: the baseline score). */
  detail: string;
  opened_at: Int64;
  opened_run: string;
  resolved_at: Int64OrNull;
  resolved_run: string | null;
}

export interface PartnerStateRow {
  account: string;
  partner_id: string;
  health_score: Int64OrNull;
  /** JSON PartnerOut of the last run. */
  result: string;
  /** Its health band and earned tier (issue 21: filtered on in the store). */
  band: string | null;
  tier: string | null;
  run_id: string;
  updated_at: Int64;
}

export type TaskStatus = 'pending' | 'created';

export interface TaskOutboxRow {
  marker: string;
  account: string;
  episode_id: string;
  partner_id: string;
  deal_id: string | null;
  owner_id: string | null;
  subject: string;
  body: string;
  due_at: Int64;
  priority: string;
  status: TaskStatus;
  task_id: string | null;
  created_at: Int64;
  attempts: number;
  last_error: string | null;
}

export type WriteStatus = 'pending' | 'done' | 'failed' | 'superseded';

export interface WriteStateRow {
  id: string;
  account: string;
  run_id: string;
  object: 'partner' | 'deal';
  record_id: string;
  /** JSON FieldValues sent (plus expireRegistration for deals). */
  fields: string;
  status: WriteStatus;
  error: string | null;
  updated_at: Int64;
}

/** A change-event source's position (src/crm/events.ts), by the source's own key. */
/** One refused write per record (migration 007): `fields` and `properties` are JSON. */
export interface WriteRefusalRow {
  account: string;
  object: string;
  record_id: string;
  fields: string;
  properties: string;
  message: string;
  run_id: string;
  at: Int64;
}

export interface EventCheckpointRow {
  account: string;
  key: string;
  value: string;
  updated_at: number;
}

export interface CredentialRow {
  name: string;
  /** The credential's current value. */
  value: string;
  /** SHA-256 of the configured value it replaced: a new value in the environment wins over it. */
  basis: string;
  updated_at: number;
}

export interface NotificationEventRow {
  id: string;
  account: string;
  /** Unique per account: `alert.opened:<episode id>`, `sync.failed:<run id>`, … */
  key: string;
  type: string;
  /** JSON: the event's data (the webhook envelope's `data`). */
  data: string;
  run_id: string | null;
  created_at: Int64;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'expanded' | 'skipped';

export interface NotificationDeliveryRow {
  id: string;
  account: string;
  event_id: string;
  channel: string;
  /** `mailto:<address>`, an indirect recipient (`owner`, `partner-contacts`) until expanded, or '' (Slack, webhook). */
  recipient: string;
  mode: 'immediate' | 'digest';
  status: DeliveryStatus;
  attempts: number;
  /** When it is due: now for immediate ones, the digest time for digests, later after a failure. */
  next_attempt_at: Int64;
  /** A dispatcher is sending it until then (another instance leaves it alone). */
  locked_until: Int64OrNull;
  last_error: string | null;
  sent_at: Int64OrNull;
  /** The id the receiver saw: the delivery's own id, or the digest's. */
  message_id: string | null;
  /** The indirect delivery this one was expanded from. */
  parent_id: string | null;
  created_at: Int64;
}

export interface NotificationStateRow {
  account: string;
  name: string;
  value: string;
  updated_at: Int64;
}

export interface AuditRow {
  id: string;
  seq: Int64;
  at: Int64;
  /** The SSO user, the token's name, `cli:<user>` or `config`. */
  actor: string;
  action: string;
  target: string | null;
  /** JSON object. */
  detail: string;
}

export interface ManualAdjustmentRow {
  account: string;
  id: string;
  partner_id: string;
  partner_name: string;
  amount: Int64;
  /** Finance's internal reason (export, audit) and the partner-facing description (statements). */
  reason: string;
  description: string;
  deal_id: string | null;
  deal_name: string | null;
  target_period: string;
  status: 'proposed' | 'approved' | 'rejected';
  proposed_by: string;
  proposed_at: Int64;
  decided_by: string | null;
  decided_at: Int64OrNull;
  decision_note: string | null;
  /** The ledger entry posted on approval, and the month it was booked in. */
  entry_id: string | null;
  booked_period: string | null;
}

export interface PayoutRunRow {
  account: string;
  id: string;
  /** YYYY-MM-DD: entries payable on or before it are gathered. */
  cutoff: string;
  status: 'draft' | 'approved' | 'cancelled';
  currency: string;
  total: Int64;
  created_by: string;
  created_at: Int64;
  approved_by: string | null;
  approved_at: Int64OrNull;
  cancelled_by: string | null;
  cancelled_at: Int64OrNull;
}

export interface PayoutLineRow {
  account: string;
  id: string;
  run_id: string;
  partner_id: string;
  partner_name: string;
  amount: Int64;
  status: 'pending' | 'paid' | 'failed' | 'cancelled';
  reference: string | null;
  settled_by: string | null;
  settled_at: Int64OrNull;
}

export interface PayoutLineEntryRow {
  account: string;
  line_id: string;
  entry_id: string;
}

export interface PayeeRow {
  account: string;
  partner_id: string;
  /** Encrypted payee details (never stored or logged in clear). */
  sealed: string;
  updated_by: string;
  updated_at: Int64;
}

/** The lease of the per-account lock (migration 005): `epoch` is raised at every acquisition. */
export interface AccountLeaseRow {
  account: string;
  epoch: Int64;
  /** Who took it last: "pid@host" (for messages). */
  holder: string;
  acquired_at: Int64;
}

export interface Database {
  accounts: AccountRow;
  runs: RunRow;
  checkpoints: CheckpointRow;
  cached_partners: CachedPartnerRow;
  cached_deals: CachedDealRow;
  ledger_entries: LedgerEntryRow;
  ledger_key_totals: LedgerKeyTotalRow;
  deal_partner_refs: DealPartnerRefRow;
  ledger_period_totals: LedgerPeriodTotalRow;
  compute_marks: ComputeMarkRow;
  partner_dues: PartnerDueRow;
  period_closes: PeriodCloseRow;
  alert_episodes: AlertEpisodeRow;
  partner_state: PartnerStateRow;
  task_outbox: TaskOutboxRow;
  write_state: WriteStateRow;
  credentials: CredentialRow;
  event_checkpoints: EventCheckpointRow;
  write_refusals: WriteRefusalRow;
  notification_events: NotificationEventRow;
  notification_deliveries: NotificationDeliveryRow;
  notification_state: NotificationStateRow;
  audit_log: AuditRow;
  manual_adjustments: ManualAdjustmentRow;
  payout_runs: PayoutRunRow;
  payout_lines: PayoutLineRow;
  payout_line_entries: PayoutLineEntryRow;
  payees: PayeeRow;
  account_leases: AccountLeaseRow;
  partner_users: PartnerUserRow;
  partner_signin_links: PartnerSignInLinkRow;
  partner_registrations: PartnerRegistrationRow;
  read_model_heads: ReadModelHeadRow;
  read_model_periods: ReadModelPeriodRow;
  read_model_partners: ReadModelPartnerRow;
  read_model_deals: ReadModelDealRow;
}

/** Issue 21: which run the account's read models are of (one row per account). */
export interface ReadModelHeadRow {
  account: string;
  run_id: string;
  as_of: Int64;
  /** Fingerprint of the program config the run computed with. */
  fingerprint: string;
  written_at: Int64;
  /** 1 when the run wrote every partner row's figures and the deal rows (migration 015). */
  scopable: ColumnType<number, number | undefined, number>;
}

/** A period's aggregate figures (program and recipe KPIs) as of the head's run; JSON body. */
export interface ReadModelPeriodRow {
  account: string;
  period: string;
  hash: string;
  body: string;
}

/** One partner's figures for a period as of the head's run; the list filters are columns. */
export interface ReadModelPartnerRow {
  account: string;
  period: string;
  partner_id: string;
  name: string;
  recipe: string | null;
  band: string | null;
  tier: string | null;
  hash: string;
  body: string;
  /** The figures behind the period aggregates (migration 015; null in rows written before it). */
  sourced: Int64OrNull;
  attributed: Int64OrNull;
  commissions: Int64OrNull;
  cost: Int64OrNull;
  won: number | null;
  lost: number | null;
  last_activity: Int64OrNull;
  onboarded: Int64OrNull;
  /** Sort columns of the dashboard's partner list (migration 016, src/store/read-model-columns.ts). */
  sort_name: string | null;
  score: Int64OrNull;
  tier_rank: Int64OrNull;
  fit: Int64OrNull;
  sort_attributed: Int64OrNull;
  win_rate: Int64OrNull;
  sort_last_activity: Int64OrNull;
}

/** Issue 21: a won or recipe-classified deal as the head's run computed it (read-model-scope.ts). */
export interface ReadModelDealRow {
  account: string;
  deal_id: string;
  /** Month index of closedAt (program time zone) for won deals; null otherwise. */
  won_month: number | null;
  /** A(d) in base minor units for won deals; null otherwise. */
  amount: Int64OrNull;
  /** The deal's effective recipe on its own (docs/finance-rules.md §2), null without one. */
  recipe: string | null;
  created_at: Int64;
}

/** A partner contact with access to the partner pages (issue 19); the e-mail is null once revoked. */
export interface PartnerUserRow {
  id: string;
  account: string;
  partner_id: string;
  email: string | null;
  /** active, revoked (by an admin) or disabled (the CRM partner is gone). */
  status: string;
  invited_by: string;
  created_at: Int64;
  updated_at: Int64;
  last_sign_in_at: Int64OrNull;
}

/** A sign-in link: only the SHA-256 of its token is kept; used once, within its expiry. */
export interface PartnerSignInLinkRow {
  digest: string;
  user_id: string;
  expires_at: Int64;
  used_at: Int64OrNull;
  created_at: Int64;
}

/** A registration a partner user submitted, keyed by the form's idempotency key. */
export interface PartnerRegistrationRow {
  id: string;
  account: string;
  partner_id: string;
  user_id: string;
  idem_key: string;
  /** pending (CRM calls under way or failed and retryable), done, refused (the CRM said no). */
  state: string;
  /** JSON: the validated form. */
  input: string;
  submitted_at: Int64;
  customer_id: string | null;
  deal_id: string | null;
  /** existing (written onto the customer's open deal) or new (a deal was created). */
  placement: string | null;
  error: string | null;
  /** The registration's status as last seen in the CRM, its reason and dates (ISO). */
  status: string | null;
  reason: string | null;
  decided_at: string | null;
  expires_at: string | null;
  created_at: Int64;
  updated_at: Int64;
}
