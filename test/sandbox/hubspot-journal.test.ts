// The sandbox's webhooks journal (2026-03), spoken to over plain HTTP as HubSpot documents it: the
// app's client-credentials token and its scopes, subscriptions (upserted per type and object type),
// entries made from REST writes, `/__sandbox/mutate` and link changes, paging from an offset, file
// links that expire, a retention that drops old entries (their offsets answer 404), and no charge
// against the rate limits.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { isHubspotPersonality, type HubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { ANCHOR, bearer, getJson } from './helpers.ts';

const JOURNAL = '/webhooks-journal/journal-local/2026-03';
const SUBSCRIPTIONS = '/webhooks-journal/subscriptions/2026-03';
const ALL_SCOPES = [
  'developer.webhooks_journal.read',
  'developer.webhooks_journal.subscriptions.read',
  'developer.webhooks_journal.subscriptions.write',
].join(' ');

interface Fetched {
  currentOffset: string;
  url: string;
  expiresAt: string;
}
interface Batch {
  status: string;
  results: Fetched[];
}
interface Event {
  objectTypeId: string;
  objectId: number;
  action: string;
  changedProperties?: string[];
  associatedObjectTypeId?: string;
  associatedObjectId?: number;
}

let sandbox: SandboxHandle;
let personality: HubspotPersonality;
const clock = manualClock(Date.parse(ANCHOR));
let appToken: string;

async function clientCredentials(scope: string): Promise<{ status: number; token: string }> {
  const res = await fetch(`${sandbox.url}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'app', client_secret: 's', scope }),
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token ?? '' };
}

const get = (path: string, token = appToken): ReturnType<typeof getJson> =>
  getJson(`${sandbox.url}${path}`, { headers: bearer(token) });
const post = (path: string, body: unknown, token = appToken): ReturnType<typeof getJson> =>
  getJson(`${sandbox.url}${path}`, { method: 'POST', headers: bearer(token), body: JSON.stringify(body) });

async function events(fetched: Fetched): Promise<Event[]> {
  const res = await fetch(fetched.url);
  expect(res.status).toBe(200);
  return (await res.json()) as Event[];
}

async function latest(count: number): Promise<Fetched[]> {
  const res = await get(`${JOURNAL}/batch/latest/${count}`);
  expect(res.status).toBe(200);
  return (res.body as Batch).results;
}

const liveDeal = (n = 0): string => {
  const deal = personality.state.tables.deals.all().filter((d) => d.archivedAt === null)[n];
  if (!deal) throw new Error('no deal');
  return deal.id;
};

beforeAll(async () => {
  sandbox = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 6, deals: 40, clock });
  const p = sandbox.state.personality;
  if (!isHubspotPersonality(p)) throw new Error('not hubspot');
  personality = p;
  appToken = (await clientCredentials(ALL_SCOPES)).token;
});
afterAll(async () => {
  await sandbox.stop();
});

describe('sandbox webhooks journal', () => {
  it('needs the app’s client-credentials token with the journal scopes', async () => {
    expect(appToken).toMatch(/^sandbox-at-/);
    // an install's (or private app's) token is refused
    expect((await get(`${JOURNAL}/batch/latest/1`, 'install-token')).status).toBe(401);
    const readOnly = (await clientCredentials('developer.webhooks_journal.read')).token;
    expect((await get(`${JOURNAL}/batch/latest/1`, readOnly)).status).toBe(200);
    const refused = await get(SUBSCRIPTIONS, readOnly);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ category: 'MISSING_SCOPES' });
    // the other grants still reach the OAuth routes
    const refresh = await fetch(`${sandbox.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'a',
        client_secret: 'b',
        refresh_token: 'r',
      }),
    });
    expect(refresh.status).toBe(200);
  });

  it('keeps nothing before a subscription, then upserts subscriptions per type and object type', async () => {
    await fetch(`${sandbox.url}/crm/v3/objects/deals/${liveDeal()}`, {
      method: 'PATCH',
      headers: bearer('rep'),
      body: JSON.stringify({ properties: { amount: '1234' } }),
    });
    expect(await latest(5)).toEqual([]);
    const portalId = personality.state.portalId;
    const object = await post(SUBSCRIPTIONS, {
      subscriptionType: 'OBJECT',
      objectTypeId: '0-3',
      portalId,
      actions: ['CREATE'],
      properties: [],
      objectIds: [],
    });
    expect(object.status).toBe(200);
    const again = await post(SUBSCRIPTIONS, {
      subscriptionType: 'OBJECT',
      objectTypeId: '0-3',
      portalId,
      actions: ['CREATE', 'UPDATE', 'DELETE'],
      properties: [],
      objectIds: [],
    });
    expect((again.body as { id: number }).id).toBe((object.body as { id: number }).id);
    const link = await post(SUBSCRIPTIONS, {
      subscriptionType: 'ASSOCIATION',
      objectTypeId: '0-3',
      portalId,
      actions: ['ASSOCIATION_ADDED', 'ASSOCIATION_REMOVED'],
      associatedObjectTypeIds: ['0-2'],
      objectIds: [],
    });
    expect(link.status).toBe(200);
    const list = (await get(SUBSCRIPTIONS)).body as { results: { subscriptionType: string; actions: string[] }[] };
    expect(list.results.map((s) => [s.subscriptionType, s.actions.length])).toEqual([
      ['OBJECT', 3],
      ['ASSOCIATION', 2],
    ]);
    const bad = await post(SUBSCRIPTIONS, { subscriptionType: 'OBJECT', objectTypeId: '0-3', portalId, actions: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ category: 'VALIDATION_ERROR' });
  });

  it('journals REST writes, mutate and link changes, one entry per request, in order', async () => {
    const deal = liveDeal(1);
    await fetch(`${sandbox.url}/crm/v3/objects/deals/batch/update`, {
      method: 'POST',
      headers: bearer('rep'),
      body: JSON.stringify({
        inputs: [
          { id: deal, properties: { amount: '777' } },
          { id: liveDeal(2), properties: { dealname: 'renamed' } },
        ],
      }),
    });
    const mutated = sandbox.state.mutate(2);
    const company = personality.state.tables.companies.all().find((c) => c.props['type'] !== 'PARTNER');
    if (!company) throw new Error('no company');
    personality.setDealCompany(deal, company.id);
    const entries = await latest(3);
    expect(entries).toHaveLength(3);
    const [written, fromMutate, moved] = await Promise.all(entries.map(events));
    expect(written?.map((e) => [e.objectId, e.action, e.changedProperties])).toEqual([
      [Number(deal), 'UPDATE', ['amount']],
      [Number(liveDeal(2)), 'UPDATE', ['dealname']],
    ]);
    expect(fromMutate?.map((e) => String(e.objectId))).toEqual(mutated);
    // the deal's old company link went, the new one came
    expect(moved?.map((e) => e.action)).toContain('ASSOCIATION_ADDED');
    expect(moved?.find((e) => e.action === 'ASSOCIATION_ADDED')).toMatchObject({
      objectTypeId: '0-3',
      objectId: Number(deal),
      associatedObjectTypeId: '0-2',
      associatedObjectId: Number(company.id),
    });
    // companies are not subscribed: a company write leaves no entry
    await fetch(`${sandbox.url}/crm/v3/objects/companies/${company.id}`, {
      method: 'PATCH',
      headers: bearer('rep'),
      body: JSON.stringify({ properties: { name: 'Renamed Co' } }),
    });
    expect((await latest(1))[0]?.currentOffset).toBe(entries[2]?.currentOffset);
  });

  it('pages from an offset and answers 404 for an unknown one', async () => {
    const all = (await getJson(`${sandbox.url}/__sandbox/hubspot/journal`)).body as { entries: { offset: string }[] };
    const offsets = all.entries.map((e) => e.offset);
    expect(offsets.length).toBeGreaterThanOrEqual(3);
    expect([...offsets].sort()).toEqual(offsets);
    const first = offsets[0] ?? '';
    const next = (await get(`${JOURNAL}/batch/${first}/next/2`)).body as Batch;
    expect(next.results.map((r) => r.currentOffset)).toEqual(offsets.slice(1, 3));
    const end = (await get(`${JOURNAL}/batch/${offsets.at(-1) ?? ''}/next/10`)).body as Batch;
    expect(end.results).toEqual([]);
    const earliest = (await get(`${JOURNAL}/batch/earliest/1`)).body as Batch;
    expect(earliest.results[0]?.currentOffset).toBe(first);
    const unknown = await get(`${JOURNAL}/batch/00000000-0000-4000-8000-000000000999/next/1`);
    expect(unknown.status).toBe(404);
    expect((await get(`${JOURNAL}/batch/${first}/next/0`)).status).toBe(400);
    expect((await get(`${JOURNAL}/batch/latest/1?installPortalId=1`)).status).toBe(404);
    const read = await post(`${JOURNAL}/batch/read`, { inputs: [first, 'nope'] });
    expect(read.status).toBe(207);
    expect((read.body as Batch).results.map((r) => r.currentOffset)).toEqual([first]);
  });

  it('file links expire, and are refused when forged', async () => {
    const [entry] = await latest(1);
    if (!entry) throw new Error('no entry');
    expect((await fetch(entry.url.replace(/signature=[0-9a-f]+/, 'signature=00'))).status).toBe(403);
    clock.advance(6 * 60_000);
    expect((await fetch(entry.url)).status).toBe(403);
    const fresh = await latest(1);
    expect(fresh[0]?.currentOffset).toBe(entry.currentOffset);
    expect((await fetch(fresh[0]?.url ?? '')).status).toBe(200);
  });

  it('drops entries older than the retention: their offsets answer 404', async () => {
    const [old] = await latest(1);
    clock.advance(2 * 60_000);
    sandbox.state.mutate(1);
    const shortened = await getJson(`${sandbox.url}/__sandbox/hubspot/journal/retention`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 60 }),
    });
    expect(shortened.body).toMatchObject({ kept: 1 });
    expect((await get(`${JOURNAL}/batch/${old?.currentOffset ?? ''}/next/5`)).status).toBe(404);
    const earliest = (await get(`${JOURNAL}/batch/earliest/5`)).body as Batch;
    expect(earliest.results).toHaveLength(1);
    expect(earliest.results[0]?.currentOffset).not.toBe(old?.currentOffset);
  });

  it('journal calls count against no rate limit', async () => {
    const limited = await startSandbox({
      crm: 'hubspot',
      anchor: ANCHOR,
      partners: 3,
      deals: 5,
      limitOverrides: { 'hubspot.tenSecondly': 2 },
    });
    try {
      const res = await fetch(`${limited.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'a',
          client_secret: 'b',
          scope: ALL_SCOPES,
        }),
      });
      const token = ((await res.json()) as { access_token: string }).access_token;
      for (let i = 0; i < 6; i++) {
        const r = await getJson(`${limited.url}${JOURNAL}/batch/latest/1`, { headers: bearer(token) });
        expect(r.status).toBe(200);
      }
      expect((await getJson(`${limited.url}/crm/v3/objects/deals`, { headers: bearer('x') })).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('keeps subscriptions and entries in the state file; offsets go on growing after a restart', async () => {
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'sandbox-journal-')), 'state.json');
    const first = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 3, deals: 10, stateFile });
    const p1 = first.state.personality;
    if (!isHubspotPersonality(p1)) throw new Error('not hubspot');
    p1.journal.upsert({
      portalId: p1.state.portalId,
      subscriptionType: 'OBJECT',
      objectTypeId: '0-3',
      actions: ['UPDATE'],
      properties: [],
      associatedObjectTypeIds: [],
      objectIds: [],
    });
    first.state.mutate(2);
    const saved = p1.journal.entries().map((e) => e.offset);
    expect(saved).toHaveLength(1);
    await first.stop();

    const second = await startSandbox({ crm: 'hubspot', stateFile });
    try {
      const p2 = second.state.personality;
      if (!isHubspotPersonality(p2)) throw new Error('not hubspot');
      expect(p2.journal.subscriptions()).toHaveLength(1);
      expect(p2.journal.entries().map((e) => e.offset)).toEqual(saved);
      second.state.mutate(1);
      const offsets = p2.journal.entries().map((e) => e.offset);
      expect(offsets).toHaveLength(2);
      expect((offsets[1] ?? '') > (offsets[0] ?? '')).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
