// Contract: OAuth refresh through the SDK's tokens API, token expiry on the sandbox clock, the
// test switch that expires every token in use, and requests without a token.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { manualClock } from '../../src/sandbox/clock.ts';
import { ANCHOR, failure, getJson, hubspotSandbox, type HubspotFixture } from './helpers.ts';

describe('HubSpot sandbox: OAuth and tokens', () => {
  const clock = manualClock(Date.parse(ANCHOR));
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({ clock, deals: 10, limits: 'off' });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('refreshes a token; the new token works until it expires (30 minutes), then 401', async () => {
    const tokens = await new Client({ basePath: fx.sandbox.url }).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'client-id',
      'client-secret',
      'refresh-1',
    );
    expect(tokens.expiresIn).toBe(1800);
    expect(tokens.refreshToken).toBe('refresh-1');
    expect(tokens.tokenType).toBe('bearer');
    const client = new Client({ accessToken: tokens.accessToken, basePath: fx.sandbox.url });
    expect((await client.crm.deals.basicApi.getPage(1)).results).toHaveLength(1);
    clock.advance(1800 * 1000);
    const expired = await failure(client.crm.deals.basicApi.getPage(1));
    expect(expired.code).toBe(401);
    expect(expired.body['category']).toBe('EXPIRED_AUTHENTICATION');
  });

  it('rejects a refresh without a refresh token or client credentials', async () => {
    const oauth = new Client({ basePath: fx.sandbox.url }).oauth.tokensApi;
    expect(
      (await failure(oauth.create('refresh_token', undefined, undefined, 'client-id', 'client-secret', ''))).code,
    ).toBe(400);
    expect((await failure(oauth.create('refresh_token', undefined, undefined, '', 'client-secret', 'rt'))).code).toBe(
      400,
    );
  });

  it('accepts any non-empty bearer token, but none at all is a 401', async () => {
    expect(
      (await new Client({ accessToken: 'anything-goes', basePath: fx.sandbox.url }).crm.owners.ownersApi.getPage())
        .results.length,
    ).toBeGreaterThan(0);
    const missing = await getJson(`${fx.sandbox.url}/crm/v3/owners`);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });

  it('expires every token in use on request (POST /__sandbox/expire-tokens)', async () => {
    const client = new Client({ accessToken: 'static-private-app-token', basePath: fx.sandbox.url });
    await client.crm.owners.ownersApi.getPage();
    expect((await getJson(`${fx.sandbox.url}/__sandbox/expire-tokens`, { method: 'POST' })).status).toBe(200);
    expect((await failure(client.crm.owners.ownersApi.getPage())).code).toBe(401);
    const fresh = await new Client({ basePath: fx.sandbox.url }).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'id',
      'secret',
      'rt',
    );
    expect(
      (await new Client({ accessToken: fresh.accessToken, basePath: fx.sandbox.url }).crm.owners.ownersApi.getPage())
        .results.length,
    ).toBeGreaterThan(0);
  });
});
