// Where syncs and finance actions hand events to the outbox (issue 18). The alert step queues
// alert.opened/alert.resolved in the same transaction as the episodes (AlertChanges.notifications);
// the end of a run queues sync.failed, sync.stopped, writeback.failed and commission.payable; a
// period close queues period.closed. Nothing is queued without a `notifications:` block or when no
// route sends the event.

import { randomUUID } from 'node:crypto';
import type { PulledPartner } from '../crm/port.ts';
import { formatMinor } from '../domain/money.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { QueuedEvent } from '../store/notifications.ts';
import type { AlertChanges, AlertEpisode, LedgerEntry, PeriodClose, Store } from '../store/store.ts';
import {
  alertOpened,
  alertResolved,
  commissionPayable,
  periodClosed,
  syncFailed,
  syncStopped,
  writebackFailed,
  type AlertFacts,
  type NotificationEvent,
  type PayableEntry,
} from './events.ts';
import { queueEvents } from './plan.ts';

/** Per-account state: the as-of up to which payable dates have been announced. */
export const PAYABLE_WATERMARK = 'commission.payable.watermark';

interface Named {
  id: string;
  name?: string | null | undefined;
}

const ref = (id: string | null, byId: ReadonlyMap<string, Named>): { id: string; name: string | null } | null =>
  id === null ? null : { id, name: byId.get(id)?.name ?? null };

/** alert.opened and alert.resolved for the episodes this run opens and resolves. */
export function alertNotifications(
  config: LoadedConfig,
  o: {
    runId: string;
    at: number;
    changes: AlertChanges;
    open: ReadonlyMap<string, AlertEpisode>;
    partners: ReadonlyMap<string, PulledPartner>;
    deals: readonly Named[];
  },
): QueuedEvent[] | undefined {
  const notifications = config.config.notifications;
  if (notifications === undefined || notifications.routes.length === 0) return undefined;
  const deals = new Map(o.deals.map((d) => [d.id, d]));
  const facts = (
    e: Omit<AlertEpisode, 'openedAt' | 'openedRun' | 'resolvedAt' | 'resolvedRun'>,
    openedAt: number,
  ): AlertFacts => ({
    episodeId: e.id,
    code: e.code,
    severity: e.severity,
    message: e.message,
    partner: ref(e.partnerId, o.partners),
    deal: ref(e.dealId, deals),
    recipe: e.recipe,
    openedAt,
  });
  const events: NotificationEvent[] = o.changes.open.map((e) => alertOpened(facts(e, o.at)));
  const resolving = new Set(o.changes.resolve);
  for (const e of o.open.values()) if (resolving.has(e.id)) events.push(alertResolved(facts(e, e.openedAt), o.at));
  return queueEvents(notifications, events, {
    at: o.at,
    timezone: config.program.timezone,
    newId: randomUUID,
    runId: o.runId,
  });
}

export interface FinishedRun {
  runId: string;
  account: string;
  status: 'running' | 'succeeded' | 'stopped' | 'failed';
  mode: string;
  startedAt: number;
  finishedAt: number;
  asOf: number;
  error: string | null;
  stoppedAt: string | null;
  writeFailures: readonly { object: string; id: string; reason: string }[];
}

const routed = (config: LoadedConfig, type: string): boolean =>
  (config.config.notifications?.routes ?? []).some((r) => (r.events as readonly string[]).includes(type));

/** The entries that became payable with this run, per partner (see README "Notifications"). */
function payableEvents(
  config: LoadedConfig,
  run: FinishedRun,
  entries: readonly LedgerEntry[],
  watermark: number | null,
): NotificationEvent[] {
  const byPartner = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.payableAt > run.asOf) continue;
    const fresh = e.runId === run.runId || (watermark !== null && e.payableAt > watermark);
    if (fresh) byPartner.set(e.partnerId, [...(byPartner.get(e.partnerId) ?? []), e]);
  }
  const exp = config.program.exponent;
  return [...byPartner]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([partnerId, list]) => {
      const lines: PayableEntry[] = list.map((e) => ({
        entryId: e.id,
        key: e.key,
        kind: e.kind,
        deal: e.dealId === null ? null : { id: e.dealId, name: e.dealName },
        amount: formatMinor(e.amount, exp),
        period: e.period,
        payableOn: e.payableOn,
      }));
      return commissionPayable({
        runId: run.runId,
        partner: { id: partnerId, name: list[list.length - 1]?.partnerName ?? null },
        currency: config.program.currency,
        entries: lines,
        total: formatMinor(
          list.reduce((s, e) => s + e.amount, 0n),
          exp,
        ),
      });
    });
}

/** Events at the end of a run; never throws for a notification problem the caller should not see. */
export async function runNotifications(store: Store, config: LoadedConfig, run: FinishedRun): Promise<number> {
  const notifications = config.config.notifications;
  if (notifications === undefined || notifications.routes.length === 0) return 0;
  const facts = { ...run };
  const events: NotificationEvent[] = [];
  if (run.status === 'failed') events.push(syncFailed(facts));
  if (run.status === 'stopped') events.push(syncStopped(facts));
  if (run.writeFailures.length > 0) events.push(writebackFailed(run, run.writeFailures));
  const state: { name: string; value: string }[] = [];
  if (run.status === 'succeeded' && routed(config, 'commission.payable')) {
    const stored = await store.notificationState(run.account, PAYABLE_WATERMARK);
    const watermark = stored === null ? null : Number(stored);
    events.push(...payableEvents(config, run, await store.ledgerEntries(run.account, {}), watermark));
    state.push({ name: PAYABLE_WATERMARK, value: String(Math.max(run.asOf, watermark ?? 0)) });
  }
  const queued = queueEvents(notifications, events, {
    at: run.finishedAt,
    timezone: config.program.timezone,
    newId: randomUUID,
    runId: run.runId,
  });
  if (queued.length === 0 && state.length === 0) return 0;
  return store.queueNotifications(run.account, queued, state, run.finishedAt);
}

/** period.closed after a close (not for a month that was already closed). */
export async function periodClosedNotification(
  store: Store,
  config: LoadedConfig,
  account: string,
  close: PeriodClose,
): Promise<number> {
  const queued = queueEvents(config.config.notifications, [periodClosed(close)], {
    at: close.closedAt,
    timezone: config.program.timezone,
    newId: randomUUID,
    runId: null,
  });
  return queued.length === 0 ? 0 : store.queueNotifications(account, queued, [], close.closedAt);
}
