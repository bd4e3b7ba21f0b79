// The partner pages' tables on SQLite and PostgreSQL (issue 19): partner users (revoked ones lose
// their e-mail, a gone partner's users are disabled), sign-in links used once and only before
// they expire, registrations claimed once per idempotency key and counted for the hourly limit.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import type { PartnerRegistration, PartnerUser } from '../../src/store/partner-portal.ts';
import { storeTargets } from '../sync/helpers.ts';

const AT = 1_774_000_000_000;

const user = (account: string, partnerId: string, email: string): PartnerUser => ({
  id: randomUUID(),
  account,
  partnerId,
  email,
  status: 'active',
  invitedBy: 'admin#1',
  createdAt: AT,
  updatedAt: AT,
  lastSignInAt: null,
});

const registration = (u: PartnerUser, idemKey: string, createdAt = AT): PartnerRegistration => ({
  id: randomUUID(),
  account: u.account,
  partnerId: u.partnerId,
  userId: u.id,
  idemKey,
  state: 'pending',
  input: { company: 'Acme <b>', domain: 'acme.example' },
  submittedAt: createdAt,
  customerId: null,
  dealId: null,
  placement: null,
  error: null,
  status: null,
  reason: null,
  decidedAt: null,
  expiresAt: null,
  createdAt,
  updatedAt: createdAt,
});

describe.each(storeTargets())('partner portal tables on $name', (target) => {
  it('keeps partner users; revoking deletes the e-mail; a gone partner disables its users', async () => {
    const store = await openStore(target.url());
    const account = `acct-${randomUUID()}`;
    const a = user(account, 'p1', 'ana@partner.example');
    const b = user(account, 'p2', 'bo@other.example');
    await store.partners.createPartnerUser(a);
    await store.partners.createPartnerUser(b);
    expect(await store.partners.partnerUser(a.id)).toEqual(a);
    expect((await store.partners.partnerUserByEmail(account, 'p1', 'ana@partner.example'))?.id).toBe(a.id);
    expect(await store.partners.partnerUserByEmail(account, 'p2', 'ana@partner.example')).toBeNull();
    await store.partners.updatePartnerUser(a.id, { status: 'revoked', email: null }, AT + 1);
    expect(await store.partners.partnerUser(a.id)).toMatchObject({ status: 'revoked', email: null, updatedAt: AT + 1 });
    expect(await store.partners.disablePartnerUsers(account, ['p2', 'p9'], AT + 2)).toBe(1);
    expect(await store.partners.disablePartnerUsers(account, [], AT + 2)).toBe(0);
    expect((await store.partners.listPartnerUsers(account)).map((u) => [u.partnerId, u.status])).toEqual([
      ['p1', 'revoked'],
      ['p2', 'disabled'],
    ]);
    await store.close();
  });

  it('a sign-in link is used once, and never after it expires', async () => {
    const store = await openStore(target.url());
    const u = user(`acct-${randomUUID()}`, 'p1', 'ana@partner.example');
    await store.partners.createPartnerUser(u);
    const fresh = randomUUID();
    const old = randomUUID();
    await store.partners.saveSignInLink({ digest: fresh, userId: u.id, expiresAt: AT + 1000, createdAt: AT });
    await store.partners.saveSignInLink({ digest: old, userId: u.id, expiresAt: AT + 10, createdAt: AT });
    const [first, second] = await Promise.all([
      store.partners.useSignInLink(fresh, AT + 5),
      store.partners.useSignInLink(fresh, AT + 5),
    ]);
    expect([first, second].filter((x) => x === u.id)).toHaveLength(1);
    expect(await store.partners.useSignInLink(fresh, AT + 6)).toBeNull();
    expect(await store.partners.useSignInLink(old, AT + 10)).toBeNull();
    expect(await store.partners.useSignInLink('nope', AT)).toBeNull();
    await store.close();
  });

  it('claims one registration per idempotency key, updates it, and counts a user’s recent ones', async () => {
    const store = await openStore(target.url());
    const u = user(`acct-${randomUUID()}`, 'p1', 'ana@partner.example');
    await store.partners.createPartnerUser(u);
    const one = await store.partners.claimRegistration(registration(u, 'k1'));
    const again = await store.partners.claimRegistration(registration(u, 'k1'));
    expect(one.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.registration.id).toBe(one.registration.id);
    expect(again.registration.input).toEqual({ company: 'Acme <b>', domain: 'acme.example' });
    await store.partners.claimRegistration(registration(u, 'k2', AT + 3_600_000));
    expect(await store.partners.countRegistrationsSince(u.id, AT)).toBe(2);
    expect(await store.partners.countRegistrationsSince(u.id, AT + 1)).toBe(1);
    await store.partners.updateRegistration(
      one.registration.id,
      { state: 'done', customerId: 'c1', dealId: 'd1', placement: 'new', status: 'submitted' },
      AT + 9,
    );
    expect(await store.partners.registration(one.registration.id)).toMatchObject({
      state: 'done',
      dealId: 'd1',
      placement: 'new',
      status: 'submitted',
      updatedAt: AT + 9,
    });
    expect(
      (await store.partners.registrations(u.account, { partnerId: 'p1', state: 'done' })).map((r) => r.id),
    ).toEqual([one.registration.id]);
    expect(await store.partners.registrations(u.account, { partnerId: 'p2' })).toEqual([]);
    await store.close();
  });
});
