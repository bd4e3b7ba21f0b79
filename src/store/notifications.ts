// The notification outbox and the audit log, as the Store port offers them (issue 18). Queries
// live in notification-queries.ts and audit-queries.ts; KyselyStore delegates to them.

import type { DeliveryStatus } from './schema.ts';

export type { DeliveryStatus } from './schema.ts';

export interface NotificationEventRecord {
  /** The event id: the webhook envelope's `id` and `Partnersync-Event-Id`. */
  id: string;
  account: string;
  /** Unique per account; queueing a key again adds nothing. */
  key: string;
  type: string;
  data: Record<string, unknown>;
  runId: string | null;
  createdAt: number;
}

export interface NewDelivery {
  id: string;
  channel: string;
  /** `mailto:<address>`, `owner` or `partner-contacts` (resolved when sent), or '' (Slack, webhook). */
  recipient: string;
  mode: 'immediate' | 'digest';
  /** When it may be sent: now, or the digest time. */
  dueAt: number;
}

export interface QueuedEvent {
  event: Omit<NotificationEventRecord, 'account'>;
  deliveries: NewDelivery[];
}

export interface DeliveryRecord {
  id: string;
  account: string;
  eventId: string;
  channel: string;
  recipient: string;
  mode: 'immediate' | 'digest';
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  sentAt: number | null;
  messageId: string | null;
  parentId: string | null;
  createdAt: number;
}

/** A delivery a dispatcher holds (leased) with its event. */
export interface ClaimedDelivery extends DeliveryRecord {
  event: NotificationEventRecord;
}

/** What a dispatcher pass claims: indirect recipients to expand, immediate messages, or due digest items. */
export type ClaimKind = 'indirect' | 'immediate' | 'digest';

/** What became of a claimed delivery; every outcome releases the lease. */
export type DeliveryOutcome =
  | { id: string; status: 'sent'; messageId: string }
  | { id: string; status: 'pending'; error: string; nextAttemptAt: number }
  | { id: string; status: 'failed' | 'skipped'; error: string };

export interface NotificationFilter {
  account?: string | undefined;
  type?: string | undefined;
  /** Events with at least one delivery in this status. */
  status?: DeliveryStatus | undefined;
  /** Events created before this instant (paging backwards). */
  before?: number | undefined;
  limit: number;
}

export interface NotificationStore {
  /**
   * Queues events with their deliveries in one transaction, skipping keys queued before, and
   * sets per-account state values with them. Answers how many events were new.
   */
  queueNotifications(
    account: string,
    events: readonly QueuedEvent[],
    state?: readonly { name: string; value: string }[],
    at?: number,
  ): Promise<number>;
  notificationState(account: string, name: string): Promise<string | null>;
  /** Leases up to `limit` due deliveries of a kind (of one account, or any) until `now + leaseMs`; oldest due first. */
  claimDeliveries(
    now: number,
    limit: number,
    leaseMs: number,
    kind: ClaimKind,
    account?: string,
  ): Promise<ClaimedDelivery[]>;
  /** Replaces an indirect delivery by one per resolved recipient (none: skipped with `reason`). */
  expandDelivery(parentId: string, children: readonly NewDelivery[], at: number, reason: string): Promise<void>;
  settleDeliveries(outcomes: readonly DeliveryOutcome[], at: number): Promise<void>;
  /** Events, newest first, with every delivery of each. */
  listNotifications(
    filter: NotificationFilter,
  ): Promise<{ event: NotificationEventRecord; deliveries: DeliveryRecord[] }[]>;
}

/** Actions the audit log records (README "Audit log"). */
export const AUDIT_ACTIONS = [
  'signin',
  'signin.failed',
  'signout',
  'period.close',
  'export.download',
  'statement.download',
  'sync.manual',
  'partner.invite',
  'config.loaded',
  'partner.revoke',
  'registration.submit',
  'registration.decide',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: AuditAction;
  target: string | null;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
}

export interface AuditStore {
  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>;
  /** Newest first. */
  auditEntries(filter: AuditFilter): Promise<AuditEntry[]>;
}
