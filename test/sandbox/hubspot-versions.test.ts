// The sandbox serves HubSpot's date-versioned paths (2026-09, 2026-03) from the same state as the
// legacy v3/v4 paths, keyed in their own form in the stats.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, getJson, hubspotSandbox, type HubspotFixture } from './helpers.ts';

let fx: HubspotFixture;
beforeAll(async () => {
  fx = await hubspotSandbox({ partners: 5, deals: 30 });
});
afterAll(async () => {
  await fx.sandbox.stop();
});

const get = (path: string) => getJson(`${fx.sandbox.url}${path}`, { headers: bearer() });
const post = (path: string, body: unknown) =>
  getJson(`${fx.sandbox.url}${path}`, { method: 'POST', headers: bearer(), body: JSON.stringify(body) });

describe('HubSpot sandbox: versioned paths', () => {
  it('lists the same records on 2026-09, 2026-03 and v3, with paging links on the path asked', async () => {
    const legacy = await get('/crm/v3/objects/deals?limit=5&properties=amount');
    const v09 = await get('/crm/objects/2026-09/deals?limit=5&properties=amount');
    const v03 = await get('/crm/objects/2026-03/deals?limit=5&properties=amount');
    expect(v09.status).toBe(200);
    const ids = (b: unknown) => (b as { results: { id: string }[] }).results.map((r) => r.id);
    expect(ids(v09.body)).toEqual(ids(legacy.body));
    expect(ids(v03.body)).toEqual(ids(legacy.body));
    const link = (v09.body as { paging: { next: { link: string } } }).paging.next.link;
    expect(new URL(link).pathname).toBe('/crm/objects/2026-09/deals');
  });

  it('writes on one generation are read on the other; associations, properties, pipelines, account info', async () => {
    const deal = (await get('/crm/objects/2026-09/deals?limit=1')).body as { results: { id: string }[] };
    const id = deal.results[0]?.id ?? '';
    const update = await post('/crm/objects/2026-09/deals/batch/update', {
      inputs: [{ id, properties: { dealname: 'Renamed on 2026-09' } }],
    });
    expect(update.status).toBe(200);
    const read = await post('/crm/v3/objects/deals/batch/read', { inputs: [{ id }], properties: ['dealname'] });
    expect(read.body).toMatchObject({ results: [{ id, properties: { dealname: 'Renamed on 2026-09' } }] });
    const links = await post('/crm/associations/2026-09/deals/companies/batch/read', { inputs: [{ id }] });
    expect([200, 207]).toContain(links.status);
    expect((await get('/crm/properties/2026-09/deals')).status).toBe(200);
    expect((await get('/crm/pipelines/2026-09/deals')).status).toBe(200);
    expect(typeof ((await get('/account-info/2026-09/details')).body as { portalId?: unknown }).portalId).toBe(
      'number',
    );
  });

  it('answers HubSpot error bodies on versioned paths, and 404 for a version it does not serve', async () => {
    const bad = await post('/crm/objects/2026-09/deals/batch/update', { inputs: [{ id: '1' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof (bad.body as { correlationId?: unknown }).correlationId).toBe('string');
    expect((await get('/crm/objects/2025-09/deals')).status).toBe(404);
  });

  it('issues OAuth tokens on /oauth/2026-09/token without a bearer token', async () => {
    const res = await fetch(`${fx.sandbox.url}/oauth/2026-09/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'c',
        client_secret: 's',
        refresh_token: 'r',
      }),
    });
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    expect(typeof token.access_token).toBe('string');
    expect(typeof token.expires_in).toBe('number');
  });

  it('counts requests under their versioned route keys', () => {
    const routes = Object.keys(fx.sandbox.state.stats().byRoute);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /crm/objects/2026-09/deals',
        'GET /crm/objects/2026-03/deals',
        'POST /crm/objects/2026-09/deals/batch/update',
        'POST /crm/associations/2026-09/deals/companies/batch/read',
        'GET /account-info/2026-09/details',
        'POST /oauth/2026-09/token',
      ]),
    );
  });
});
