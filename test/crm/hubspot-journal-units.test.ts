// The pieces of `crm.hubspot.events: journal` on their own: which mode a config gets, the refusal
// without app credentials, which records journal events name, the subscription plan, the file
// parser, and the webhook route answering 404 when events do not come from webhooks.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { readBlock } from '../../src/crm/provider.ts';
import { hubspotBlock } from '../../src/crm/hubspot/config.ts';
import { eventsMode, journalCredentialsFromEnv } from '../../src/crm/hubspot/journal-mode.ts';
import { desiredSubscriptions, planSubscription } from '../../src/crm/hubspot/journal-provision.ts';
import { journalFileRaw, journalSubscriptionRaw } from '../../src/crm/hubspot/journal-schemas.ts';
import { recordsOfEvents } from '../../src/crm/hubspot/journal-source.ts';
import { hubspotProvider } from '../../src/crm/hubspot/provider.ts';
import { silentLogger } from '../../src/log.ts';
import { hubspotConfig, hubspotSettings } from './hubspot-fixtures.ts';

const hs = (yaml: string) => readBlock(hubspotSettings(yaml).crm, hubspotBlock);

describe('crm.hubspot.events', () => {
  it('defaults to webhooks with the app secret, else none; an explicit value wins', () => {
    expect(eventsMode(hs(''), {})).toBe('none');
    expect(eventsMode(hs(''), { HUBSPOT_CLIENT_SECRET: 's' })).toBe('webhooks');
    expect(eventsMode(hs('  hubspot: { events: journal }\n'), {})).toBe('journal');
    expect(eventsMode(hs('  hubspot: { events: none }\n'), { HUBSPOT_CLIENT_SECRET: 's' })).toBe('none');
    expect(hs('').journalPollSeconds).toBe(1);
  });

  it('refuses an unknown mode, naming the key and the choices', () => {
    expect(() => hubspotConfig('  hubspot: { events: stream }\n')).toThrow(
      /crm\.hubspot\.events.*webhooks, journal or none/s,
    );
  });

  it('journal mode without the app’s client id or secret is refused, naming the variable and the fix', () => {
    expect(journalCredentialsFromEnv({ HUBSPOT_CLIENT_ID: 'a', HUBSPOT_CLIENT_SECRET: 'b' })).toEqual({
      clientId: 'a',
      clientSecret: 'b',
    });
    try {
      journalCredentialsFromEnv({ HUBSPOT_ACCESS_TOKEN: 'service-key' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues[0]?.path).toBe('HUBSPOT_CLIENT_ID');
      expect((err as ConfigError).issues[0]?.message).toMatch(/client credentials.*HUBSPOT_CLIENT_SECRET/);
    }
  });

  it('the webhook route answers 404 unless events come from webhooks', () => {
    const ctx = (yaml: string, env: Record<string, string>) => ({
      ...hubspotSettings(yaml),
      env,
      logger: silentLogger(),
      dataDir: '/tmp',
    });
    const verdict = (yaml: string, env: Record<string, string>) =>
      hubspotProvider.receivers(ctx(yaml, env))[0]?.verify(Buffer.from('[]'), {}, 'http://x/v1/webhooks/hubspot', 0);
    expect(verdict('  hubspot: { events: journal }\n', { HUBSPOT_CLIENT_SECRET: 's' })).toMatchObject({
      ok: false,
      status: 404,
      message: 'webhooks are not enabled: crm.hubspot.events is journal',
    });
    // webhooks (the default with the secret): the signature is checked
    expect(verdict('', { HUBSPOT_CLIENT_SECRET: 's' })).toMatchObject({ ok: false, status: 401 });
  });
});

describe('journal events → records', () => {
  it('names deals and partner companies; a link change re-reads the deal, whichever side it is on', () => {
    const events = journalFileRaw.parse([
      { objectTypeId: '0-3', objectId: 11, action: 'UPDATE' },
      { objectTypeId: '0-2', objectId: '21', action: 'UPDATE' },
      {
        objectTypeId: '0-3',
        objectId: 12,
        action: 'ASSOCIATION_ADDED',
        associatedObjectTypeId: '0-2',
        associatedObjectId: 22,
      },
      {
        objectTypeId: '0-2',
        objectId: 23,
        action: 'ASSOCIATION_REMOVED',
        associatedObjectTypeId: '0-3',
        associatedObjectId: 13,
      },
      { objectTypeId: '0-27', objectId: 31, action: 'CREATE' },
      { objectTypeId: '0-3', objectId: 11, action: 'UPDATE' },
    ]);
    expect(recordsOfEvents(events)).toEqual({ deals: ['11', '12', '13'], partners: ['21'] });
  });

  it('reads a file that holds its events in an object, and names the field of a bad one', () => {
    expect(journalFileRaw.parse({ events: [{ objectTypeId: '0-3', objectId: 5 }] })).toHaveLength(1);
    const bad = journalFileRaw.safeParse([{ objectTypeId: '0-3', objectId: 'five' }]);
    expect(bad.success).toBe(false);
  });
});

describe('journal subscription plan', () => {
  const [deals, , links] = desiredSubscriptions(42);
  if (!deals || !links) throw new Error('no desired subscriptions');
  const existing = (raw: Record<string, unknown>) => journalSubscriptionRaw.parse({ id: 7, portalId: 42, ...raw });

  it('creates what is missing, leaves what is complete', () => {
    expect(planSubscription(deals, []).action.action).toBe('create');
    const complete = existing({
      subscriptionType: 'OBJECT',
      objectTypeId: '0-3',
      actions: ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'RESTORE', 'GDPR_DELETE'],
      properties: [],
      objectIds: [],
    });
    expect(planSubscription(deals, [complete])).toMatchObject({ action: { action: 'ok' }, work: null });
  });

  it('widens an existing subscription without removing its actions', () => {
    const narrow = existing({
      subscriptionType: 'OBJECT',
      objectTypeId: '0-3',
      actions: ['UPDATE', 'GDPR_DELETE'],
      properties: ['amount'],
      objectIds: [],
    });
    const plan = planSubscription(deals, [narrow]);
    expect(plan.action.action).toBe('update');
    expect(plan.action.detail).toMatch(/add CREATE.*every record and property/);
    expect(plan.work?.actions).toEqual(['UPDATE', 'GDPR_DELETE', 'CREATE', 'DELETE', 'MERGE', 'RESTORE']);
    expect(plan.work).toMatchObject({ properties: [] });
    const otherLink = existing({
      subscriptionType: 'ASSOCIATION',
      objectTypeId: '0-3',
      actions: ['ASSOCIATION_ADDED', 'ASSOCIATION_REMOVED'],
      associatedObjectTypeIds: ['0-1'],
      objectIds: [],
    });
    expect(planSubscription(links, [otherLink]).work).toMatchObject({ associatedObjectTypeIds: ['0-1', '0-2'] });
  });
});
