// The Salesforce sandbox's Pub/Sub API server over TLS, driven by the connector's own gRPC
// connection: GetTopic and GetSchema, change events (ChangeEventHeader decoded from Avro, field
// bitmaps) for REST writes and /__sandbox/mutate, flow control, replay from an id, a shortened
// retention, gap and overflow events, authentication, and PlatformEventChannelMember.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsFromBitmaps } from '../../src/crm/salesforce/pubsub/field-bitmap.ts';
import {
  PubSubConnection,
  pubSubErrorCode,
  type FetchResponse,
  type PubSubSession,
} from '../../src/crm/salesforce/pubsub/pubsub-connection.ts';
import { isSalesforcePersonality } from '../../src/sandbox/salesforce/personality.ts';
import { INTEGRATION_USERNAME } from '../../src/sandbox/salesforce/seed/seed-org.ts';
import type { SandboxHandle } from '../../src/sandbox/server.ts';
import { pubsubSandbox, repUsername, sfRest, tokenFor, until } from '../crm/salesforce/pubsub-helpers.ts';

let sandbox: SandboxHandle & { pubsubEndpoint: string; ca: Buffer };
let session: PubSubSession;
let repToken: string;
let repId: string;
let conn: PubSubConnection;

const OPP = '/data/OpportunityChangeEvent';

function dump(object: string): Record<string, unknown>[] {
  return ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)[object] ?? []) as Record<string, unknown>[];
}

interface Received {
  replayId: Buffer;
  header: Record<string, unknown>;
  changed: string[];
}

/** A subscription that collects decoded events and lets the test ask for more. */
function subscribe(first: { preset: 'LATEST' | 'EARLIEST' | 'CUSTOM'; replayId?: Buffer; n: number }, topic = OPP) {
  const call = conn.subscribe();
  const events: Received[] = [];
  const responses: FetchResponse[] = [];
  let error: unknown = null;
  call.on('data', (res: FetchResponse) => {
    responses.push(res);
    void (async () => {
      for (const e of res.events) {
        const schema = await conn.schema(e.event.schema_id);
        const value = schema.type.fromBuffer(e.event.payload) as { ChangeEventHeader: Record<string, unknown> };
        const header = value.ChangeEventHeader;
        events.push({
          replayId: e.replay_id,
          header,
          changed: fieldsFromBitmaps(header['changedFields'] as string[], schema.fieldNames, (p) =>
            schema.subFields(p),
          ),
        });
      }
    })();
  });
  call.on('error', (err: unknown) => {
    error = err;
  });
  call.write({
    topic_name: topic,
    replay_preset: first.preset,
    ...(first.replayId === undefined ? {} : { replay_id: first.replayId }),
    num_requested: first.n,
  });
  return {
    events,
    responses,
    error: () => error,
    more: (n: number) => call.write({ num_requested: n }),
    close: () => {
      call.cancel();
    },
  };
}

beforeAll(async () => {
  sandbox = await pubsubSandbox();
  const personality = sandbox.state.personality;
  if (!isSalesforcePersonality(personality)) throw new Error('not a Salesforce sandbox');
  const rep = repUsername(sandbox, INTEGRATION_USERNAME);
  repId = String(dump('User').find((u) => u['Username'] === rep)?.['Id']);
  repToken = await tokenFor(sandbox, rep);
  session = {
    accessToken: await tokenFor(sandbox, INTEGRATION_USERNAME),
    instanceUrl: sandbox.url,
    orgId: personality.orgId,
  };
  conn = await PubSubConnection.open({
    endpoint: sandbox.pubsubEndpoint,
    ca: sandbox.ca,
    session: () => Promise.resolve(session),
  });
});

afterAll(async () => {
  conn.close();
  await sandbox.stop();
});

const opportunities = (): Record<string, unknown>[] => dump('Opportunity').filter((o) => o['IsDeleted'] !== true);

describe('Pub/Sub API server', () => {
  it('answers GetTopic and GetSchema for change-event channels, and refuses unknown topics', async () => {
    const schemaId = await conn.topicSchemaId(OPP);
    const schema = await conn.schema(schemaId);
    expect(schema.fieldNames[0]).toBe('ChangeEventHeader');
    expect(schema.fieldNames).toContain('Amount');
    expect(schema.fieldNames).toContain('Partner_Commission__c');
    await expect(conn.topicSchemaId('/data/NoSuchThingChangeEvent')).rejects.toMatchObject({ code: 5 });
  });

  it('publishes a change event for a REST update, with the header and the changed fields as a bitmap', async () => {
    const sub = subscribe({ preset: 'LATEST', n: 10 });
    await until('subscribed', () => (sub.responses.length > 0 ? true : null));
    const target = opportunities()[0];
    const id = String(target?.['Id']);
    const res = await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${id}`, repToken, {
      Description: 'changed by a rep',
    });
    expect(res.status).toBe(204);
    const [event] = await until('the event', () => (sub.events.length > 0 ? sub.events : null));
    expect(event?.header).toMatchObject({
      entityName: 'Opportunity',
      recordIds: [id],
      changeType: 'UPDATE',
      commitUser: repId,
      sequenceNumber: 1,
    });
    expect(String(event?.header['transactionKey'])).toMatch(/^[0-9a-f-]{20,}$/);
    expect((event?.header['changedFields'] as string[])[0]).toMatch(/^0x[0-9A-F]+$/);
    expect(event?.changed.sort()).toEqual(['Description', 'LastModifiedDate']);
    sub.close();
  });

  it('delivers no more events than requested, the rest when asked (flow control), in commit order', async () => {
    const sub = subscribe({ preset: 'LATEST', n: 1 });
    await until('subscribed', () => (sub.responses.length > 0 ? true : null));
    const ids = sandbox.state.mutate(3);
    await until('one event', () => (sub.events.length === 1 ? true : null));
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toHaveLength(1);
    sub.more(5);
    await until('all three', () => (sub.events.length === 3 ? true : null));
    expect(sub.events.map((e) => (e.header['recordIds'] as string[])[0])).toEqual(ids);
    const replayIds = sub.events.map((e) => e.replayId.readBigUInt64BE());
    expect([...replayIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(replayIds);
    // mutate acts as a rep, not as the integration user
    const integrationId = String(dump('User').find((u) => u['Username'] === INTEGRATION_USERNAME)?.['Id']);
    expect(sub.events.every((e) => e.header['commitUser'] !== integrationId)).toBe(true);
    sub.close();
  });

  it('replays after a given replay id, and refuses one past the retention window', async () => {
    const live = subscribe({ preset: 'LATEST', n: 10 });
    await until('subscribed', () => (live.responses.length > 0 ? true : null));
    sandbox.state.mutate(2);
    await until('two events', () => (live.events.length === 2 ? true : null));
    live.close();
    const first = live.events[0];
    if (first === undefined) throw new Error('no event');
    const replay = subscribe({ preset: 'CUSTOM', replayId: first.replayId, n: 10 });
    await until('the replayed event', () => (replay.events.length === 1 ? true : null));
    expect(replay.events[0]?.replayId.equals(live.events[1]?.replayId ?? Buffer.alloc(0))).toBe(true);
    replay.close();

    await fetch(`${sandbox.url}/__sandbox/salesforce/change-events/retention`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 0 }),
    });
    const expired = subscribe({ preset: 'CUSTOM', replayId: first.replayId, n: 10 });
    const err = await until('the refusal', () => expired.error());
    expect(err).toMatchObject({ code: 3 });
    expect(pubSubErrorCode(err)).toBe('sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted');
    await fetch(`${sandbox.url}/__sandbox/salesforce/change-events/retention`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 72 * 3600 }),
    });
  });

  it('sends gap and overflow events the test asks for', async () => {
    const sub = subscribe({ preset: 'LATEST', n: 10 });
    await until('subscribed', () => (sub.responses.length > 0 ? true : null));
    const id = String(opportunities()[1]?.['Id']);
    const post = (path: string, body: unknown) =>
      fetch(`${sandbox.url}/__sandbox/salesforce/change-events/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('gap', { entity: 'Opportunity', ids: [id] })).status).toBe(200);
    expect((await post('overflow', { entity: 'Opportunity' })).status).toBe(200);
    await until('two events', () => (sub.events.length === 2 ? true : null));
    expect(sub.events.map((e) => [e.header['changeType'], e.header['recordIds']])).toEqual([
      ['GAP_UPDATE', [id]],
      ['GAP_OVERFLOW', []],
    ]);
    sub.close();
  });

  it('publishes nothing for objects whose change events are not selected, until a channel member selects them', async () => {
    const sub = subscribe({ preset: 'LATEST', n: 10 }, '/data/ContactChangeEvent');
    await until('subscribed', () => (sub.responses.length > 0 ? true : null));
    const contact = String(dump('Contact')[0]?.['Id']);
    await sfRest(sandbox, 'PATCH', `/sobjects/Contact/${contact}`, repToken, { Title: 'Before' });
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toHaveLength(0);
    const created = await sfRest(sandbox, 'POST', '/tooling/sobjects/PlatformEventChannelMember', repToken, {
      FullName: 'ChangeEvents_ContactChangeEvent',
      Metadata: { eventChannel: 'ChangeEvents', selectedEntity: 'ContactChangeEvent' },
    });
    expect(created.status).toBe(201);
    await sfRest(sandbox, 'PATCH', `/sobjects/Contact/${contact}`, repToken, { Title: 'After' });
    await until('the contact event', () => (sub.events.length === 1 ? true : null));
    expect(sub.events[0]?.changed.sort()).toEqual(['LastModifiedDate', 'Title']);
    const again = await sfRest(sandbox, 'POST', '/tooling/sobjects/PlatformEventChannelMember', repToken, {
      FullName: 'ChangeEvents_ContactChangeEvent',
      Metadata: { eventChannel: 'ChangeEvents', selectedEntity: 'ContactChangeEvent' },
    });
    expect(again.status).toBe(400);
    sub.close();
  });

  it('refuses calls without a valid session or for another org (UNAUTHENTICATED, with the auth error code)', async () => {
    const other = await PubSubConnection.open({
      endpoint: sandbox.pubsubEndpoint,
      ca: sandbox.ca,
      session: () => Promise.resolve({ ...session, orgId: '00D000000000000AAA' }),
    });
    const err: unknown = await other.topicSchemaId(OPP).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 16 });
    expect(pubSubErrorCode(err)).toBe('sfdc.platform.eventbus.grpc.service.auth.error');
    other.close();
  });

  it('is not trusted without the test CA (the system roots do not know it)', async () => {
    const strict = await PubSubConnection.open({
      endpoint: sandbox.pubsubEndpoint,
      session: () => Promise.resolve(session),
    });
    const err: unknown = await strict.topicSchemaId(OPP).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 14 });
    strict.close();
  });
});
