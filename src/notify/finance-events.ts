// Finance notifications (issue 20): `payout.approved` carries the approved run (ids, partners,
// amounts; never payee details) to whoever notifications.routes sends it to, e.g. a signed
// webhook; `statement.available` e-mails a partner's contacts their PDF statement when a month
// closes or a payout run pays them, when finance.statements opts in.

import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import { formatMinor } from '../domain/money.ts';
import type { PayoutRun } from '../ledger/finance-port.ts';
import type { QueuedEvent } from '../store/notifications.ts';
import type { Store } from '../store/store.ts';
import type { NamedRef, NotificationEvent } from './events.ts';
import { queueEvents } from './plan.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function payoutApproved(run: PayoutRun, exponent: number): NotificationEvent {
  return {
    key: `payout.approved:${run.id}`,
    type: 'payout.approved',
    data: {
      payoutRunId: run.id,
      cutoff: run.cutoff,
      currency: run.currency,
      total: formatMinor(run.total, exponent),
      createdBy: run.createdBy,
      approvedBy: run.approvedBy,
      approvedAt: iso(run.approvedAt),
      lines: run.lines.map((l) => ({
        lineId: l.id,
        partner: { id: l.partnerId, name: l.partnerName },
        amount: formatMinor(l.amount, exponent),
        status: l.status,
        entries: l.entryIds.length,
      })),
    },
  };
}

/** payout.approved through notifications.routes; answers how many events were queued. */
export async function payoutApprovedNotification(
  store: Store,
  config: LoadedConfig,
  account: string,
  run: PayoutRun,
  at: number,
): Promise<number> {
  const queued = queueEvents(config.config.notifications, [payoutApproved(run, config.program.exponent)], {
    at,
    timezone: config.program.timezone,
    newId: randomUUID,
    runId: null,
  });
  return queued.length === 0 ? 0 : store.queueNotifications(account, queued, [], at);
}

export type StatementTrigger = 'period.closed' | 'payout.approved';

/**
 * One `statement.available` per partner and period, e-mailed to the partner's contacts through
 * finance.statements.channel, when finance.statements opts in for the trigger. The PDF is made
 * when the e-mail is sent (attachments.ts), from the ledger as it then stands.
 */
export async function statementEmails(
  store: Store,
  config: LoadedConfig,
  account: string,
  o: { trigger: StatementTrigger; period: string; partners: readonly NamedRef[]; at: number; payoutRunId?: string },
): Promise<number> {
  const s = config.config.finance?.statements;
  const channel = s?.channel;
  if (s === undefined || channel === undefined) return 0;
  if (o.trigger === 'period.closed' ? !s.emailOnClose : !s.emailOnPayoutApproval) return 0;
  const events: QueuedEvent[] = o.partners.map((partner) => ({
    event: {
      id: randomUUID(),
      key: `statement.available:${o.period}:${partner.id}:${o.trigger}${o.payoutRunId === undefined ? '' : `:${o.payoutRunId}`}`,
      type: 'statement.available',
      data: { partner, period: o.period, trigger: o.trigger, payoutRunId: o.payoutRunId ?? null },
      runId: null,
      createdAt: o.at,
    },
    deliveries: [{ id: randomUUID(), channel, recipient: 'partner-contacts', mode: 'immediate', dueAt: o.at }],
  }));
  return events.length === 0 ? 0 : store.queueNotifications(account, events, [], o.at);
}

/** After a close: the statements of every partner with entries in the month, when finance.statements opts in. */
export async function closeStatementEmails(
  store: Store,
  config: LoadedConfig,
  account: string,
  period: string,
  at: number,
): Promise<number> {
  if (config.config.finance?.statements.emailOnClose !== true) return 0;
  const partners = new Map<string, NamedRef>();
  for (const e of await store.ledgerEntries(account, { period }))
    partners.set(e.partnerId, { id: e.partnerId, name: e.partnerName });
  return statementEmails(store, config, account, {
    trigger: 'period.closed',
    period,
    partners: [...partners.values()],
    at,
  });
}
