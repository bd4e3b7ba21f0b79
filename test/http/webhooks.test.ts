import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotSignature } from '../../src/crm/hubspot/signature.ts';
import { recordsOf } from '../../src/crm/hubspot/webhook-receiver.ts';
import { startTestService, TOKENS, WEBHOOK_SECRET, type TestService } from './service-helpers.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.stop();
});

function deliver(
  events: unknown[],
  opts: { timestamp?: number; secret?: string; tamper?: boolean } = {},
): Promise<Response> {
  const body = JSON.stringify(events);
  const uri = `${svc.url}/v1/webhooks/hubspot`;
  const timestamp = String(opts.timestamp ?? svc.clock.now());
  const signature = hubspotSignature('v3', {
    clientSecret: opts.secret ?? WEBHOOK_SECRET,
    method: 'POST',
    uri,
    body,
    timestamp,
  });
  return fetch(uri, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
    },
    body: opts.tamper === true ? body.replace('d1', 'd2') : body,
  });
}

async function runs(): Promise<{ id: string; mode: string; status: string; report: { pull: { deals: number } } }[]> {
  const r = (await (await svc.get('/v1/runs', TOKENS.viewer)).json()) as {
    runs: { id: string; mode: string; status: string; report: { pull: { deals: number } } }[];
  };
  return r.runs;
}

const event = (eventId: number, objectId: string, subscriptionType = 'deal.propertyChange') => ({
  eventId,
  subscriptionId: 1,
  portalId: 62515,
  occurredAt: 1,
  subscriptionType,
  attemptNumber: 0,
  objectId,
  propertyName: 'amount',
  changeSource: 'CRM',
});

describe('POST /v1/webhooks/hubspot', () => {
  it('refuses tampered, stale, wrongly signed and unsigned deliveries', async () => {
    expect((await deliver([event(1, 'd1')], { tamper: true })).status).toBe(401);
    expect((await deliver([event(1, 'd1')], { secret: 'another-secret' })).status).toBe(401);
    expect((await deliver([event(1, 'd1')], { timestamp: svc.clock.now() - 301_000 })).status).toBe(401);
    const unsigned = await fetch(`${svc.url}/v1/webhooks/hubspot`, { method: 'POST', body: '[]' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    await svc.syncs.idle();
    expect((await runs()).filter((r) => r.mode === 'targeted')).toHaveLength(0);
  });

  it('syncs the notified records with batch reads (no incremental pull), visible in /v1/runs; a retried delivery is not queued again', async () => {
    svc.fake.updateDeal('d1', { amount: '12345.00' });
    const before = svc.fake.callStats().byEndpoint;
    const res = await deliver([event(101, 'd1'), event(102, 'p2', 'company.propertyChange')]);
    expect(res.status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    await svc.syncs.idle();
    const targeted = (await runs()).filter((r) => r.mode === 'targeted');
    expect(targeted).toHaveLength(1);
    expect(targeted[0]).toMatchObject({ status: 'succeeded', report: { pull: { deals: 1 } } });
    const after = svc.fake.callStats().byEndpoint;
    expect((after['pullRecords']?.count ?? 0) - (before['pullRecords']?.count ?? 0)).toBe(1);
    expect(after['pullPage']?.count ?? 0).toBe(before['pullPage']?.count ?? 0);

    // HubSpot retries the same delivery: acknowledged, nothing queued
    expect((await deliver([event(101, 'd1'), event(102, 'p2', 'company.propertyChange')])).status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    await svc.syncs.idle();
    expect((await runs()).filter((r) => r.mode === 'targeted')).toHaveLength(1);
  });

  it('answers a signed body that is not a list of events with 400', async () => {
    expect((await deliver({ not: 'a list' } as unknown as unknown[])).status).toBe(400);
  });
});

describe('recordsOf', () => {
  it.each([
    [
      { eventId: '1', subscriptionType: 'deal.creation', objectId: '11' },
      { deals: ['11'], partners: [] },
    ],
    [
      { eventId: '1', subscriptionType: 'company.propertyChange', objectId: '22' },
      { deals: [], partners: ['22'] },
    ],
    [
      {
        eventId: '1',
        subscriptionType: 'deal.associationChange',
        fromObjectId: '11',
        toObjectId: '22',
        fromObjectTypeId: '0-3',
        toObjectTypeId: '0-2',
      },
      { deals: ['11'], partners: [] },
    ],
    [
      { eventId: '1', subscriptionType: 'object.propertyChange', objectTypeId: '0-3', objectId: '11' },
      { deals: ['11'], partners: [] },
    ],
    [
      { eventId: '1', subscriptionType: 'contact.creation', objectId: '33' },
      { deals: [], partners: [] },
    ],
  ])('%j', (e, expected) => {
    expect(recordsOf(e)).toEqual(expected);
  });
});
