// Notification events (issue 18): what each `type` carries in its `data`, built from the things a
// sync, a period close or (later) a registration produces. Pure: ids and times come in. The `key`
// makes an event happen once per account (an alert episode notifies once however many syncs see
// it open; a run fails once).

import type { EventType } from '../config/notifications-schema.ts';

export type { EventType } from '../config/notifications-schema.ts';

export interface NamedRef {
  id: string;
  name: string | null;
}

export interface NotificationEvent {
  key: string;
  type: EventType;
  data: Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export interface AlertFacts {
  episodeId: string;
  code: string;
  severity: string;
  message: string;
  partner: NamedRef | null;
  deal: NamedRef | null;
  recipe: string | null;
  openedAt: number;
}

/** `alert.opened`: a new alert episode (code, severity, partner, deal). */
export function alertOpened(a: AlertFacts): NotificationEvent {
  return {
    key: `alert.opened:${a.episodeId}`,
    type: 'alert.opened',
    data: {
      episodeId: a.episodeId,
      code: a.code,
      severity: a.severity,
      message: a.message,
      partner: a.partner,
      deal: a.deal,
      recipe: a.recipe,
      openedAt: iso(a.openedAt),
    },
  };
}

/** `alert.resolved`: the run that no longer raises the alert closes its episode. */
export function alertResolved(a: AlertFacts, resolvedAt: number): NotificationEvent {
  const opened = alertOpened(a);
  return {
    key: `alert.resolved:${a.episodeId}`,
    type: 'alert.resolved',
    data: { ...opened.data, resolvedAt: iso(resolvedAt) },
  };
}

export interface RunFacts {
  runId: string;
  account: string;
  mode: string;
  startedAt: number;
  finishedAt: number;
  error: string | null;
}

/** `sync.failed`: a run that ended in an error. */
export function syncFailed(r: RunFacts): NotificationEvent {
  return {
    key: `sync.failed:${r.runId}`,
    type: 'sync.failed',
    data: {
      runId: r.runId,
      account: r.account,
      mode: r.mode,
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
      error: r.error,
    },
  };
}

/** `sync.stopped`: a run stopped at a checkpoint (CRM quota, shutdown); the next run resumes. */
export function syncStopped(r: RunFacts & { stoppedAt: string | null }): NotificationEvent {
  return {
    key: `sync.stopped:${r.runId}`,
    type: 'sync.stopped',
    data: {
      runId: r.runId,
      account: r.account,
      mode: r.mode,
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
      stoppedAt: r.stoppedAt,
      reason: r.error,
    },
  };
}

/** At most this many failures are listed in a writeback.failed event (the count says how many there were). */
export const WRITE_FAILURES_LISTED = 50;

/** `writeback.failed`: records the CRM refused in a run's write-back. */
export function writebackFailed(
  r: Pick<RunFacts, 'runId' | 'account'>,
  failures: readonly { object: string; id: string; reason: string }[],
): NotificationEvent {
  return {
    key: `writeback.failed:${r.runId}`,
    type: 'writeback.failed',
    data: {
      runId: r.runId,
      account: r.account,
      count: failures.length,
      failures: failures.slice(0, WRITE_FAILURES_LISTED).map((f) => ({ object: f.object, id: f.id, reason: f.reason })),
    },
  };
}

export interface PayableEntry {
  entryId: string;
  key: string;
  kind: string;
  deal: NamedRef | null;
  /** Decimal in the program currency. */
  amount: string;
  period: string;
  payableOn: string;
}

/** `commission.payable`: one event per partner per sync, listing the entries that became payable. */
export function commissionPayable(o: {
  runId: string;
  partner: NamedRef;
  currency: string;
  entries: readonly PayableEntry[];
  total: string;
}): NotificationEvent {
  return {
    key: `commission.payable:${o.runId}:${o.partner.id}`,
    type: 'commission.payable',
    data: { runId: o.runId, partner: o.partner, currency: o.currency, total: o.total, entries: o.entries },
  };
}

/** `period.closed`: a month (and every earlier one) closed for good. */
export function periodClosed(o: { period: string; closedAt: number; closedBy: string }): NotificationEvent {
  return {
    key: `period.closed:${o.period}`,
    type: 'period.closed',
    data: { period: o.period, closedAt: iso(o.closedAt), closedBy: o.closedBy },
  };
}

/**
 * `registration.submitted` / `registration.decided` (emitted by partner registration, issue 19):
 * the deal, the partner and the registration's status, reason and expiry.
 */
export function registrationEvent(o: {
  type: 'registration.submitted' | 'registration.decided';
  registrationId: string;
  partner: NamedRef;
  deal: NamedRef;
  status: string;
  reason: string | null;
  expiresAt: number | null;
  at: number;
}): NotificationEvent {
  return {
    key: `${o.type}:${o.registrationId}:${o.status}`,
    type: o.type,
    data: {
      registrationId: o.registrationId,
      partner: o.partner,
      deal: o.deal,
      status: o.status,
      reason: o.reason,
      expiresAt: o.expiresAt === null ? null : iso(o.expiresAt),
      at: iso(o.at),
    },
  };
}

/** The partner an event is about (the `owner` and `partner-contacts` recipients need one). */
export function partnerOf(data: Readonly<Record<string, unknown>>): NamedRef | null {
  const p = data['partner'];
  if (p === null || typeof p !== 'object') return null;
  const id = (p as Record<string, unknown>)['id'];
  const name = (p as Record<string, unknown>)['name'];
  return typeof id === 'string' ? { id, name: typeof name === 'string' ? name : null } : null;
}
