// After a successful sync (issue 19): partner users of partners the CRM no longer lists are
// disabled, and registrations partners submitted are followed — a decision a rep made in the
// CRM (approved, rejected), an expiry partnersync set, or an approval about to expire becomes a
// `registration.decided` event, sent through the notification routes and, always, to the
// partner user who submitted it (registrations.emailChannel). Event keys carry the status, so
// each change is announced once however many syncs see it.

import { randomUUID } from 'node:crypto';
import type { CrmAdapter, PulledDeal, RegistrationState } from '../crm/port.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { registrationEvent } from '../notify/events.ts';
import { queueEvents } from '../notify/plan.ts';
import type { QueuedEvent } from '../store/notifications.ts';
import type { PartnerRegistration } from '../store/partner-portal.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './deps.ts';
import { disableGonePartners } from './partner-users.ts';

const DECIDED = new Set(['approved', 'rejected', 'expired']);
const DAY = 86_400_000;

export interface FollowDeps {
  store: Store;
  crm: CrmAdapter;
  clock: Clock;
  config: LoadedConfig;
  logger: Logger;
}

/** What the partner is told about, if anything: a new status, or `expiring` for an approval near its end. */
function change(
  r: PartnerRegistration,
  deal: PulledDeal | undefined,
  now: number,
  expiringDays: number,
): string | null {
  const reg = deal?.registration;
  if (reg?.partnerId !== r.partnerId) return null;
  const status = reg.status ?? null;
  if (status !== null && status !== r.status && (DECIDED.has(status) || status === 'submitted')) return status;
  if (status === 'approved' && typeof reg.expiresAt === 'string') {
    const ends = Date.parse(reg.expiresAt);
    if (ends > now && ends - now <= expiringDays * DAY) return 'expiring';
  }
  return null;
}

export async function followRegistrations(deps: FollowDeps, account: string): Promise<number> {
  const settings = deps.config.config.registrations;
  if (settings === undefined) return 0;
  const cache = await deps.store.loadCache(account);
  const disabled = await disableGonePartners(deps, account, new Set(cache.partners.map((p) => p.id)));
  if (disabled > 0) deps.logger.info({ disabled }, 'partner users of partners gone from the CRM disabled');
  const now = deps.clock.now();
  const deals = new Map(cache.deals.map((d) => [d.id, d]));
  const regs = await deps.store.partners.registrations(account, { state: 'done' });
  const changed: { r: PartnerRegistration; status: string }[] = [];
  for (const r of regs) {
    const status =
      r.dealId === null
        ? null
        : change(r, deals.get(r.dealId), now, deps.config.program.alerts.registrationExpiringDays);
    if (status !== null) changed.push({ r, status });
  }
  if (changed.length === 0) return 0;
  // the reason is read from the CRM (it is not part of the synced snapshot)
  const states = new Map<string, RegistrationState>();
  if (deps.crm.registrations !== undefined)
    for (const s of await deps.crm.registrations.readRegistrations(changed.map((c) => c.r.dealId ?? '')))
      states.set(s.dealId, s);
  const partners = new Map(cache.partners.map((p) => [p.id, p.name ?? null]));
  const queued: QueuedEvent[] = [];
  for (const { r, status } of changed) {
    const dealId = r.dealId ?? '';
    const deal = deals.get(dealId);
    const crmState = states.get(dealId);
    const expiresAt = crmState?.expiresAt ?? deal?.registration?.expiresAt ?? null;
    const reason = crmState?.reason ?? null;
    if (status !== 'expiring')
      await deps.store.partners.updateRegistration(
        r.id,
        { status, reason, decidedAt: crmState?.decidedAt ?? deal?.registration?.decidedAt ?? null, expiresAt },
        now,
      );
    if (status === 'submitted') continue;
    const event = registrationEvent({
      type: 'registration.decided',
      registrationId: r.id,
      partner: { id: r.partnerId, name: partners.get(r.partnerId) ?? null },
      deal: { id: dealId, name: deal?.name ?? null },
      status,
      reason,
      expiresAt: expiresAt === null ? null : Date.parse(expiresAt),
      at: now,
    });
    const routed = queueEvents(deps.config.config.notifications, [event], {
      at: now,
      timezone: deps.config.program.timezone,
      newId: randomUUID,
      runId: null,
    })[0] ?? {
      event: { id: randomUUID(), key: event.key, type: event.type, data: event.data, runId: null, createdAt: now },
      deliveries: [],
    };
    const user = await deps.store.partners.partnerUser(r.userId);
    const to = user?.status === 'active' && user.email !== null ? `mailto:${user.email}` : null;
    if (to !== null && !routed.deliveries.some((d) => d.channel === settings.emailChannel && d.recipient === to))
      routed.deliveries.push({
        id: randomUUID(),
        channel: settings.emailChannel,
        recipient: to,
        mode: 'immediate',
        dueAt: now,
      });
    if (routed.deliveries.length > 0) queued.push(routed);
  }
  return queued.length === 0 ? 0 : deps.store.queueNotifications(account, queued, [], now);
}
