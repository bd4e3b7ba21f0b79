// Contract: HubSpot's limits and traps — rate limits (small custom values on a manual clock, no
// waiting), request-shape limits of search and batches, search lag — and that `--limits off`
// lifts them. 429 bodies are read raw: the SDK's error model drops `policyName`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterOperatorEnum, type PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/deals/index.js';
import { manualClock } from '../../src/sandbox/clock.ts';
import { ANCHOR, bearer, failure, getJson, hubspotSandbox, sdk, type HubspotFixture } from './helpers.ts';

const filter = (i: number) => ({ propertyName: 'amount', operator: FilterOperatorEnum.Gt, value: String(i) });

describe('HubSpot sandbox: rate limits', () => {
  const clock = manualClock(Date.parse(ANCHOR) + 3_600_000);
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({
      clock,
      deals: 50,
      limitOverrides: { 'hubspot.tenSecondly': 3, 'hubspot.search.perSecond': 2 },
      dailyLimit: 12,
    });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it("answers the 4th request in 10 s with HubSpot's TEN_SECONDLY_ROLLING 429 and headers", async () => {
    const url = `${fx.sandbox.url}/crm/v3/objects/deals?limit=1`;
    const first = await getJson(url, { headers: bearer() });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('12');
    await getJson(url, { headers: bearer() });
    await getJson(url, { headers: bearer() });
    const limited = await getJson(url, { headers: bearer() });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect((limited.body as Record<string, unknown>)['correlationId']).toEqual(expect.any(String));
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    clock.advance(10_000);
    expect((await getJson(url, { headers: bearer() })).status).toBe(200);
  });

  it('limits search separately, per second, without rate-limit headers', async () => {
    clock.advance(10_000);
    const search = () => fx.client.crm.deals.searchApi.doSearch(sdk({ limit: 1 }));
    await search();
    await search();
    const err = await failure(search());
    expect(err.code).toBe(429);
    clock.advance(1000);
    expect((await search()).results).toHaveLength(1);
  });

  it('stops everything with a DAILY 429 once the daily allocation is used', async () => {
    clock.advance(10_000);
    let last = 0;
    for (let i = 0; i < 10 && last !== 429; i++) {
      clock.advance(4000);
      last = (await getJson(`${fx.sandbox.url}/crm/v3/owners`, { headers: bearer() })).status;
    }
    const daily = await getJson(`${fx.sandbox.url}/crm/v3/owners`, { headers: bearer() });
    expect(daily.status).toBe(429);
    expect(daily.body).toMatchObject({ policyName: 'DAILY', errorType: 'RATE_LIMIT' });
    const stats = fx.sandbox.state.stats();
    expect(stats.rateLimited).toBeGreaterThanOrEqual(3);
    expect(stats.byRoute['GET /crm/v3/objects/deals']?.statuses['429']).toBe(1);
    expect(stats.byRoute['POST /crm/v3/objects/deals/search']?.statuses['429']).toBe(1);
    clock.advance(86_400_000);
    expect((await getJson(`${fx.sandbox.url}/crm/v3/owners`, { headers: bearer() })).status).toBe(200);
  });
});

describe('HubSpot sandbox: request-shape limits', () => {
  let real: HubspotFixture;
  let off: HubspotFixture;
  beforeAll(async () => {
    real = await hubspotSandbox({ deals: 120, limitOverrides: { 'hubspot.search.perSecond': false } });
    off = await hubspotSandbox({ deals: 120, limits: 'off' });
  });
  afterAll(async () => {
    await real.sandbox.stop();
    await off.sandbox.stop();
  });

  const searches: [string, Record<string, unknown>][] = [
    ['a page over 200', { limit: 201 }],
    ['two sorts', { sorts: ['amount', 'createdate'] }],
    ['six filter groups', { filterGroups: Array.from({ length: 6 }, (_, i) => ({ filters: [filter(i)] })) }],
    ['seven filters in a group', { filterGroups: [{ filters: Array.from({ length: 7 }, (_, i) => filter(i)) }] }],
    [
      'nineteen filters in all',
      {
        filterGroups: [0, 1, 2, 3].map((g) => ({
          filters: Array.from({ length: g === 3 ? 1 : 6 }, (_, i) => filter(g * 10 + i)),
        })),
      },
    ],
    ['a body over 3,000 characters', { query: 'x'.repeat(3000) }],
  ];

  it.each(searches)('rejects a search with %s (400), and accepts it with limits off', async (_what, body) => {
    const rejected = await getJson(`${real.sandbox.url}/crm/v3/objects/deals/search`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(body),
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const accepted = await getJson(`${off.sandbox.url}/crm/v3/objects/deals/search`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(body),
    });
    expect(accepted.status).toBe(200);
  });

  it('limits batches to 100 inputs (50 with property history) and association reads to 1,000 ids', async () => {
    const { results } = await real.client.crm.deals.basicApi.getPage(100);
    const ids = results.map((d) => ({ id: d.id }));
    expect(
      (await real.client.crm.deals.batchApi.read(sdk({ inputs: ids, properties: [], propertiesWithHistory: [] })))
        .results,
    ).toHaveLength(100);
    const tooMany = await failure(
      real.client.crm.deals.batchApi.read(
        sdk({ inputs: [...ids, { id: '1' }], properties: [], propertiesWithHistory: [] }),
      ),
    );
    expect(tooMany.code).toBe(400);
    const assoc = await failure(
      real.client.crm.associations.v4.batchApi.getPage(
        'deals',
        'companies',
        sdk({ inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i) })) }),
      ),
    );
    expect(assoc.code).toBe(400);
    // With property history HubSpot serves at most 50 records per request.
    const withHistory = await failure(
      real.client.crm.deals.batchApi.read(
        sdk({ inputs: ids.slice(0, 51), properties: [], propertiesWithHistory: ['amount'] }),
      ),
    );
    expect(withHistory.code).toBe(400);
    expect((await real.client.crm.deals.basicApi.getPage(100, undefined, ['amount'], ['amount'])).results).toHaveLength(
      50,
    );
    const offIds = (await off.client.crm.deals.basicApi.getPage(100)).results.map((d) => ({ id: d.id }));
    expect(
      (
        await off.client.crm.deals.batchApi.read(
          sdk({ inputs: [...offIds, ...offIds.slice(0, 10)], properties: [], propertiesWithHistory: [] }),
        )
      ).results,
    ).toHaveLength(110);
  });
});

describe('HubSpot sandbox: search lag', () => {
  const clock = manualClock(Date.parse(ANCHOR) + 3_600_000);
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({ clock, deals: 30, searchLagMs: 5000, limits: 'off' });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('shows the previous value to search until the lag has passed; reads see the write at once', async () => {
    const [deal] = (await fx.client.crm.deals.basicApi.getPage(1, undefined, ['amount'])).results;
    const id = deal?.id ?? '';
    await fx.client.crm.deals.basicApi.update(id, sdk({ properties: { amount: '123456' } }));
    const byId = sdk<PublicObjectSearchRequest>({
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.Eq, value: id }] }],
      properties: ['amount'],
    });
    expect((await fx.client.crm.deals.basicApi.getById(id, ['amount'])).properties['amount']).toBe('123456');
    expect((await fx.client.crm.deals.searchApi.doSearch(byId)).results[0]?.properties['amount']).toBe(
      deal?.properties['amount'],
    );
    const created = await fx.client.crm.deals.basicApi.create(
      sdk({ properties: { dealname: 'Fresh deal', pipeline: 'default', dealstage: 'appointmentscheduled' } }),
    );
    const fresh = sdk<PublicObjectSearchRequest>({
      filterGroups: [
        { filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.Eq, value: created.id }] },
      ],
    });
    expect((await fx.client.crm.deals.searchApi.doSearch(fresh)).total).toBe(0);
    clock.advance(5000);
    expect((await fx.client.crm.deals.searchApi.doSearch(byId)).results[0]?.properties['amount']).toBe('123456');
    expect((await fx.client.crm.deals.searchApi.doSearch(fresh)).total).toBe(1);
  });
});
