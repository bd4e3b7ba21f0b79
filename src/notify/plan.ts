// Routing (issue 18): which deliveries an event gets, from `notifications.routes`. Pure: the id
// source and the instant come in. Recipients the CRM must name (the partner's owner, its contacts)
// stay indirect here and are expanded by the dispatcher when due; `finance` is config, so it is
// expanded at once. The same channel and recipient reached by two routes is one delivery (the
// immediate one wins over a digest).

import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { NotificationsConfig, RouteConfig } from '../config/notifications-schema.ts';
import type { NewDelivery, QueuedEvent } from '../store/notifications.ts';
import { partnerOf, type NotificationEvent } from './events.ts';

export interface PlanContext {
  at: number;
  /** The program time zone: digests go out at notifications.digestHour there. */
  timezone: string;
  newId: () => string;
  runId: string | null;
}

export const INDIRECT_RECIPIENTS = ['owner', 'partner-contacts'] as const;
export const isIndirect = (recipient: string): boolean =>
  (INDIRECT_RECIPIENTS as readonly string[]).includes(recipient);

/** The first digestHour:00 (program time zone) after `at`. */
export function digestDue(at: number, timezone: string, hour: number): number {
  const local = DateTime.fromMillis(at, { zone: timezone });
  let due = local.startOf('day').set({ hour });
  if (due.toMillis() <= at) due = due.plus({ days: 1 }).startOf('day').set({ hour });
  return due.toMillis();
}

/** A stable UUID-shaped id from parts: a re-expansion or a resent digest carries the same id. */
export function stableId(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function routeMatches(route: RouteConfig, event: NotificationEvent): boolean {
  if (!route.events.includes(event.type)) return false;
  const code = event.data['code'];
  const severity = event.data['severity'];
  if (route.codes !== undefined && !(typeof code === 'string' && route.codes.includes(code))) return false;
  if (
    route.severities !== undefined &&
    !(typeof severity === 'string' && (route.severities as readonly string[]).includes(severity))
  )
    return false;
  return true;
}

/** The deliveries one event gets under the config's routes. */
export function routeEvent(config: NotificationsConfig, event: NotificationEvent, ctx: PlanContext): NewDelivery[] {
  const out = new Map<string, NewDelivery>();
  const hasPartner = partnerOf(event.data) !== null;
  const add = (channel: string, recipient: string, mode: 'immediate' | 'digest'): void => {
    const key = `${channel}\u0000${recipient}`;
    const existing = out.get(key);
    if (existing !== undefined && (existing.mode === 'immediate' || mode === 'digest')) return;
    out.set(key, {
      id: existing?.id ?? ctx.newId(),
      channel,
      recipient,
      mode,
      dueAt: mode === 'immediate' ? ctx.at : digestDue(ctx.at, ctx.timezone, config.digestHour),
    });
  };
  for (const route of config.routes) {
    if (!routeMatches(route, event)) continue;
    const channel = config.channels[route.channel];
    if (channel === undefined) continue;
    if (channel.type !== 'email') {
      add(route.channel, '', route.mode);
      continue;
    }
    for (const to of route.to ?? []) {
      if (to === 'finance')
        for (const address of config.finance) add(route.channel, `mailto:${address.toLowerCase()}`, route.mode);
      else if (to === 'owner' || to === 'partner-contacts') {
        // an event about no partner (a program alert, a failed sync) has no owner or contacts
        if (hasPartner) add(route.channel, to, route.mode);
      } else add(route.channel, `mailto:${to.toLowerCase()}`, route.mode);
    }
  }
  return [...out.values()];
}

/** The events that any route sends, with their deliveries; events nobody is told about are not stored. */
export function queueEvents(
  config: NotificationsConfig | undefined,
  events: readonly NotificationEvent[],
  ctx: PlanContext,
): QueuedEvent[] {
  if (config === undefined) return [];
  const out: QueuedEvent[] = [];
  for (const event of events) {
    const deliveries = routeEvent(config, event, ctx);
    if (deliveries.length === 0) continue;
    out.push({
      event: {
        id: ctx.newId(),
        key: event.key,
        type: event.type,
        data: event.data,
        runId: ctx.runId,
        createdAt: ctx.at,
      },
      deliveries,
    });
  }
  return out;
}
