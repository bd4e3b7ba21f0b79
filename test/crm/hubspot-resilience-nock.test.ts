// nock contract tests of resilience: rate limits (TEN_SECONDLY retried with backoff, DAILY stops
// at a checkpoint), 5xx, 423, timeouts and network errors retried, OAuth refreshed ahead of expiry
// and once on 401, account info asked once, every call counted.

import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrmError } from '../../src/crm/port.ts';
import { drain } from './adapter-contract.ts';
import {
  associationsJson,
  batchJson,
  BASE,
  dealJson,
  errorBody,
  hubspot,
  nockAdapter,
  pageJson,
  PIPELINES,
  rateLimitBody,
  searchJson,
} from './hubspot-nock-helpers.ts';

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const readDeals = (adapter: ReturnType<typeof nockAdapter>['adapter']): ReturnType<typeof adapter.pullRecords> =>
  adapter.pullRecords({ deals: [], partners: ['7'] });
const companyBatch = batchJson([
  {
    id: '7',
    properties: { name: 'Acme', type: 'PARTNER' },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  },
]);

describe('hubspot rate limits', () => {
  it('retries a TEN_SECONDLY_ROLLING 429 after a backoff, pausing every caller, and counts it', async () => {
    const { adapter, timer } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(429, rateLimitBody('TEN_SECONDLY_ROLLING'), {
        'x-hubspot-ratelimit-remaining': '0',
        'x-hubspot-ratelimit-max': '190',
      })
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(200, companyBatch);
    const page = await readDeals(adapter);
    scope.done();
    expect(page.partners.map((p) => p.id)).toEqual(['7']);
    expect(timer.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1000);
    expect(adapter.callStats()).toEqual({
      total: 2,
      rateLimited: 1,
      byEndpoint: { 'POST /crm/objects/2026-09/companies/batch/read': { count: 2, statuses: { 200: 1, 429: 1 } } },
    });
  });

  it('backs off exponentially with jitter on repeated 429s and gives up with rate_limited', async () => {
    const { adapter, timer } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .times(7)
      .reply(429, rateLimitBody('TEN_SECONDLY_ROLLING'));
    const err = await readDeals(adapter).catch((e: unknown) => e);
    scope.done();
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, code: 'TEN_SECONDLY_ROLLING' });
    // random() = 0.5: ¾ of 2, 4, 8, 16, 30 (capped), 30 seconds, between the seven attempts.
    const backoffs = timer.slept.filter((ms) => ms >= 1000);
    expect(backoffs).toEqual([1500, 3000, 6000, 12000, 22500, 22500]);
  });

  it('stops on a DAILY 429 with quota_exhausted, and the pull resumes from its last checkpoint', async () => {
    const { adapter } = nockAdapter();
    const first = hubspot()
      .post('/crm/objects/2026-09/companies/search')
      .reply(200, searchJson([], 0))
      .post('/crm/properties/2026-09/deals/batch/read')
      .query(true)
      .reply(200, batchJson([]))
      .post('/crm/properties/2026-09/companies/batch/read')
      .query(true)
      .reply(200, batchJson([]))
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'false')
      .reply(429, rateLimitBody('DAILY'));
    const pages: unknown[] = [];
    let caught: unknown = null;
    try {
      for await (const page of adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))
        pages.push(page.cursor);
    } catch (err) {
      caught = err;
    }
    first.done();
    expect(caught).toBeInstanceOf(CrmError);
    expect(caught).toMatchObject({ kind: 'quota_exhausted', code: 'DAILY' });
    const checkpoint = pages.at(-1) as { run: { step: string } };
    expect(checkpoint.run.step).toBe('deals');
    // Tomorrow: the run goes on from the deals step, partners are not read again.
    const second = hubspot()
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'false')
      .reply(200, pageJson([dealJson(1)]))
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .reply(200, associationsJson({ 1: ['5'] }))
      .get('/crm/objects/2026-09/deals')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]))
      .get('/crm/objects/2026-09/companies')
      .query((q) => q['archived'] === 'true')
      .reply(200, pageJson([]));
    const rest = await drain(adapter.pull({ mode: 'full', cursor: checkpoint, refreshLinks: false }));
    second.done();
    expect([...rest.deals.keys()]).toEqual(['1']);
  });
});

describe('hubspot transient failures', () => {
  it('retries 5xx and 423 (waiting at least 2 s on a lock)', async () => {
    const { adapter, timer } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(502, 'Bad gateway')
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(423, errorBody('LOCKED', 'Resource locked'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(503, errorBody('SERVICE_UNAVAILABLE', 'Service unavailable'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(200, companyBatch);
    const page = await readDeals(adapter);
    scope.done();
    expect(page.partners).toHaveLength(1);
    expect(timer.slept.some((ms) => ms >= 2000)).toBe(true);
    expect(adapter.callStats().byEndpoint['POST /crm/objects/2026-09/companies/batch/read']?.statuses).toEqual({
      200: 1,
      423: 1,
      502: 1,
      503: 1,
    });
  });

  it('retries a request that got no answer in time', async () => {
    const { adapter } = nockAdapter({ crmYaml: '  hubspot: { portalId: 4242, requestTimeoutSeconds: 1 }\n' });
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .delay(1500)
      .reply(200, companyBatch)
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(200, companyBatch);
    const page = await readDeals(adapter);
    scope.done();
    expect(page.partners).toHaveLength(1);
    expect(adapter.callStats().byEndpoint['POST /crm/objects/2026-09/companies/batch/read']?.statuses).toEqual({
      200: 1,
      timeout: 1,
    });
  });

  it('does not retry a 400, and a 401 with a private-app token is an auth error', async () => {
    const { adapter } = nockAdapter();
    const scope = hubspot()
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(400, errorBody('VALIDATION_ERROR', 'Invalid input JSON'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(401, errorBody('INVALID_AUTHENTICATION', 'Authentication credentials not found.'));
    expect(await readDeals(adapter).catch((e: unknown) => e)).toMatchObject({ kind: 'invalid_request', status: 400 });
    expect(await readDeals(adapter).catch((e: unknown) => e)).toMatchObject({ kind: 'auth', status: 401 });
    scope.done();
  });
});

describe('hubspot OAuth', () => {
  const env = {
    HUBSPOT_CLIENT_ID: 'client-id',
    HUBSPOT_CLIENT_SECRET: 'client-secret',
    HUBSPOT_REFRESH_TOKEN: 'refresh-1',
  };
  const token = (accessToken: string): Record<string, unknown> => ({
    token_type: 'bearer',
    access_token: accessToken,
    refresh_token: 'refresh-1',
    expires_in: 1800,
  });
  const form = (text: string): Record<string, string> => Object.fromEntries(new URLSearchParams(text));

  it('gets a token first, refreshes it before it expires, and once after a 401', async () => {
    const { adapter, timer } = nockAdapter({ env });
    const grants: Record<string, string>[] = [];
    const scope = hubspot()
      .post('/oauth/2026-09/token', (b: string) => {
        grants.push(form(b));
        return true;
      })
      .reply(200, token('at-1'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .matchHeader('authorization', 'Bearer at-1')
      .reply(200, companyBatch)
      // 26 minutes later: refreshed ahead of the 30-minute expiry, without a failed call.
      .post('/oauth/2026-09/token')
      .reply(200, token('at-2'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .matchHeader('authorization', 'Bearer at-2')
      .reply(401, errorBody('EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired'))
      .post('/oauth/2026-09/token')
      .reply(429, rateLimitBody('TEN_SECONDLY_ROLLING'))
      .post('/oauth/2026-09/token')
      .reply(200, token('at-3'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .matchHeader('authorization', 'Bearer at-3')
      .reply(200, companyBatch);
    await readDeals(adapter);
    await timer.sleep(26 * 60_000);
    const page = await readDeals(adapter);
    scope.done();
    expect(page.partners).toHaveLength(1);
    expect(grants[0]).toEqual({
      grant_type: 'refresh_token',
      client_id: 'client-id',
      client_secret: 'client-secret',
      refresh_token: 'refresh-1',
    });
  });

  it('a refused refresh token is an auth error', async () => {
    const { adapter } = nockAdapter({ env });
    const scope = hubspot()
      .post('/oauth/2026-09/token')
      .reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token', correlationId: 'c' });
    expect(await readDeals(adapter).catch((e: unknown) => e)).toMatchObject({ kind: 'auth', status: 400 });
    scope.done();
  });

  it('refreshes only once per request: a second 401 is an auth error', async () => {
    const { adapter } = nockAdapter({ env });
    const scope = hubspot()
      .post('/oauth/2026-09/token')
      .reply(200, token('at-1'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(401, errorBody('EXPIRED_AUTHENTICATION', 'expired'))
      .post('/oauth/2026-09/token')
      .reply(200, token('at-2'))
      .post('/crm/objects/2026-09/companies/batch/read')
      .query(true)
      .reply(401, errorBody('INVALID_AUTHENTICATION', 'revoked'));
    expect(await readDeals(adapter).catch((e: unknown) => e)).toMatchObject({ kind: 'auth' });
    scope.done();
  });
});

describe('hubspot account info', () => {
  it('asks HubSpot for the portal id once when the config has none, and uses the company currency for deals without one', async () => {
    const { adapter } = nockAdapter({ crmYaml: '  hubspot: {}\n' });
    const scope = hubspot()
      .get('/account-info/2026-09/details')
      .reply(200, {
        portalId: 62515,
        accountType: 'STANDARD',
        timeZone: 'US/Eastern',
        companyCurrency: 'EUR',
        additionalCurrencies: [],
        utcOffset: '-05:00',
        utcOffsetMilliseconds: -18000000,
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      })
      .post('/crm/objects/2026-09/deals/batch/read')
      .query(true)
      .reply(200, batchJson([dealJson(1, { deal_currency_code: null })]))
      .get('/crm/pipelines/2026-09/deals')
      .reply(200, PIPELINES)
      .post('/crm/associations/2026-09/deals/companies/batch/read')
      .reply(200, associationsJson({ 1: ['5'] }));
    expect(await adapter.accountKey()).toBe('hubspot:62515');
    expect(await adapter.accountKey()).toBe('hubspot:62515');
    const page = await adapter.pullRecords({ deals: ['1'], partners: [] });
    scope.done();
    expect(page.deals[0]?.currency).toBe('EUR');
    expect(BASE).toContain('hubapi');
  });
});
