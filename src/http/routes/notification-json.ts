// How a notification and its deliveries read in the API (times ISO 8601).

import type { DeliveryRecord, NotificationEventRecord } from '../../store/notifications.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function notificationJson(n: {
  event: NotificationEventRecord;
  deliveries: DeliveryRecord[];
}): Record<string, unknown> {
  return {
    id: n.event.id,
    type: n.event.type,
    key: n.event.key,
    createdAt: iso(n.event.createdAt),
    runId: n.event.runId,
    data: n.event.data,
    deliveries: n.deliveries.map((d) => ({
      id: d.id,
      channel: d.channel,
      recipient: d.recipient.replace(/^mailto:/, ''),
      mode: d.mode,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
      sentAt: iso(d.sentAt),
      messageId: d.messageId,
      lastError: d.lastError,
      expandedFrom: d.parentId,
    })),
  };
}
