// Partner users (issue 19): an admin invites a partner's contact, who receives a sign-in link by
// e-mail (valid registrations.signInLinkHours, used once; only its SHA-256 is stored). A signed-in
// partner user sees one CRM partner's data. Revoking deletes the address; a partner that left the
// CRM (or stopped being a partner) disables its users at the next sync or sign-in.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/record-audit.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { CrmAdapter } from '../crm/port.ts';
import type { Logger } from '../log.ts';
import type { PortalMailer } from '../notify/portal-mail.ts';
import type { PartnerUser } from '../store/partner-portal.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './deps.ts';

export interface PortalDeps {
  store: Store;
  clock: Clock;
  config: LoadedConfig;
  logger: Logger;
  mailer: PortalMailer | null;
}

/** Bad input for a partner-user action: the field and what to do. */
export class PortalInputError extends Error {
  override readonly name = 'PortalInputError';
  readonly field: string;
  readonly status: number;

  constructor(field: string, message: string, status = 400) {
    super(message);
    this.field = field;
    this.status = status;
  }
}

const emailSchema = z.email();

export const digestOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

function registrationsOf(config: LoadedConfig): NonNullable<LoadedConfig['config']['registrations']> {
  const r = config.config.registrations;
  if (r === undefined)
    throw new PortalInputError(
      'registrations',
      'partner users are off: add a registrations block (with emailChannel) to the config',
      409,
    );
  return r;
}

async function partnerName(store: Store, account: string, partnerId: string): Promise<string | null | undefined> {
  // the partner's cached record only (issue 21: not the whole snapshot)
  const p = (await store.partnerPage(account, { limit: 1, id: partnerId }))[0]?.partner;
  return p === undefined ? undefined : (p.name ?? null);
}

/**
 * Invites (or re-invites) a partner contact: the user is created (or found, or re-enabled) and a
 * new sign-in link is e-mailed. Answers the user and the link's expiry.
 */
export async function invitePartnerUser(
  deps: PortalDeps,
  o: { account: string; partnerId: string; email: string; actor: string; baseUrl: string },
): Promise<{ user: PartnerUser; expiresAt: number }> {
  const settings = registrationsOf(deps.config);
  if (deps.mailer === null)
    throw new PortalInputError('registrations.emailChannel', 'no e-mail channel to send the sign-in link with', 409);
  const email = o.email.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success || email.length > 254)
    throw new PortalInputError('email', `"${o.email}" is not an e-mail address; give the contact's address`);
  const name = await partnerName(deps.store, o.account, o.partnerId);
  if (name === undefined)
    throw new PortalInputError(
      'partnerId',
      `there is no partner ${o.partnerId} in the last sync; use the CRM id of a partner (see the partners page)`,
      404,
    );
  const now = deps.clock.now();
  let user = await deps.store.partners.partnerUserByEmail(o.account, o.partnerId, email);
  if (user === null) {
    user = {
      id: randomUUID(),
      account: o.account,
      partnerId: o.partnerId,
      email,
      status: 'active',
      invitedBy: o.actor,
      createdAt: now,
      updatedAt: now,
      lastSignInAt: null,
    };
    await deps.store.partners.createPartnerUser(user);
  } else if (user.status !== 'active') {
    await deps.store.partners.updatePartnerUser(user.id, { status: 'active' }, now);
    user = { ...user, status: 'active', updatedAt: now };
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + Math.round(settings.signInLinkHours * 3_600_000);
  await deps.store.partners.saveSignInLink({ digest: digestOf(token), userId: user.id, expiresAt, createdAt: now });
  const link = `${o.baseUrl.replace(/\/+$/, '')}/partner/signin?t=${token}`;
  await deps.mailer.send({
    to: email,
    subject: `Your sign-in link to the partner pages${name === null ? '' : ` of ${name}`}`,
    text: [
      'Hello,',
      '',
      `You are invited to the partner pages${name === null ? '' : ` of ${name}`}: register deals, follow their status and see your commission statements.`,
      '',
      `Open this link and press "Sign in" (the link works once, until ${new Date(expiresAt).toISOString().replace('.000Z', 'Z')}):`,
      '',
      link,
      '',
      'If you did not expect this e-mail, ignore it.',
    ].join('\n'),
  });
  await recordAudit(deps, 'partner.invite', o.actor, o.partnerId, { userId: user.id });
  deps.logger.info({ partnerId: o.partnerId, userId: user.id }, 'partner user invited');
  return { user, expiresAt };
}

/** Revokes a user of this account: access ends at once and the address is deleted. */
export async function revokePartnerUser(
  deps: PortalDeps,
  o: { account: string; userId: string; actor: string },
): Promise<PartnerUser> {
  const user = await deps.store.partners.partnerUser(o.userId);
  if (user?.account !== o.account)
    throw new PortalInputError('id', `there is no partner user ${o.userId}; list them with GET /v1/partner-users`, 404);
  const now = deps.clock.now();
  await deps.store.partners.updatePartnerUser(user.id, { status: 'revoked', email: null }, now);
  await recordAudit(deps, 'partner.revoke', o.actor, user.partnerId, { userId: user.id });
  return { ...user, status: 'revoked', email: null, updatedAt: now };
}

/**
 * Uses a sign-in link: the user when the link is unused, unexpired and its user still active
 * with a partner in the CRM; null otherwise (the link is used up either way).
 */
export async function signInWithLink(deps: PortalDeps, account: string, token: string): Promise<PartnerUser | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const now = deps.clock.now();
  const userId = await deps.store.partners.useSignInLink(digestOf(token), now);
  if (userId === null) return null;
  const user = await deps.store.partners.partnerUser(userId);
  if (user?.account !== account || user.status !== 'active') return null;
  if ((await partnerName(deps.store, account, user.partnerId)) === undefined) {
    await deps.store.partners.disablePartnerUsers(account, [user.partnerId], now);
    return null;
  }
  await deps.store.partners.updatePartnerUser(user.id, { lastSignInAt: now }, now);
  await recordAudit(deps, 'signin', `partner:${user.id}`, user.partnerId, { via: 'link' });
  return { ...user, lastSignInAt: now };
}

/** Disables the active users of partners the CRM cache no longer holds; answers how many. */
export async function disableGonePartners(
  deps: Pick<PortalDeps, 'store' | 'clock'>,
  account: string,
  partnerIds: ReadonlySet<string>,
): Promise<number> {
  const users = await deps.store.partners.listPartnerUsers(account);
  const gone = [
    ...new Set(users.filter((u) => u.status === 'active' && !partnerIds.has(u.partnerId)).map((u) => u.partnerId)),
  ];
  return deps.store.partners.disablePartnerUsers(account, gone, deps.clock.now());
}

/**
 * An admin's decision on a registration (issue 19): approved with an expiry of
 * registrations.protectionDays from now, or rejected with a reason. Written to the CRM's
 * registration fields; the next sync picks it up like a rep's decision and tells the partner.
 */
export async function decideRegistration(
  deps: PortalDeps & { crm: CrmAdapter },
  o: { account: string; registrationId: string; decision: 'approved' | 'rejected'; reason: string; actor: string },
): Promise<{ dealId: string }> {
  const settings = registrationsOf(deps.config);
  const reg = deps.crm.registrations;
  if (reg === undefined) throw new PortalInputError('crm', 'this CRM connection cannot record registrations', 501);
  const r = await deps.store.partners.registration(o.registrationId);
  if (r?.account !== o.account || r.state !== 'done' || r.dealId === null)
    throw new PortalInputError('id', 'there is no recorded registration with this id', 404);
  const reason = o.reason.trim();
  if (o.decision === 'rejected' && reason === '')
    throw new PortalInputError('reason', 'give the reason for the rejection; the partner sees it');
  if (reason.length > 2000) throw new PortalInputError('reason', 'the reason must be at most 2000 characters');
  const now = deps.clock.now();
  const decidedAt = new Date(Math.floor(now / 1000) * 1000).toISOString();
  await reg.setRegistration(r.dealId, {
    status: o.decision,
    decidedAt,
    expiresAt:
      o.decision === 'approved'
        ? new Date(Math.floor(now / 1000) * 1000 + settings.protectionDays * 86_400_000).toISOString()
        : null,
    reason: reason === '' ? null : reason,
  });
  await recordAudit(deps, 'registration.decide', o.actor, r.dealId, {
    registrationId: r.id,
    partnerId: r.partnerId,
    decision: o.decision,
  });
  return { dealId: r.dealId };
}
