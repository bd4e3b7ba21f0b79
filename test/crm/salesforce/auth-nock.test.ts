// Contract tests of Salesforce auth against a mocked login server (nock): the refresh-token and
// JWT bearer grants (assertion signed RS256, checked here with the public key), refresh on 401
// with a rotated refresh token handed to `onTokens`, refused grants, the API version and the
// instance URL in every request.

import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.ts';
import { CrmError } from '../../../src/crm/port.ts';
import { credentialsFromEnv, JWT_BEARER_GRANT } from '../../../src/crm/salesforce/auth.ts';
import { salesforceCredentialIssues } from '../../../src/crm/salesforce/provider.ts';
import { salesforceConfig, salesforceSettings } from './helpers.ts';
import {
  API,
  INSTANCE,
  login,
  LOGIN,
  nockAdapter,
  ORG_ID,
  page,
  tokenAnswer,
  USER_ID,
  useStrictNock,
} from './nock-helpers.ts';

useStrictNock();

type Form = Record<string, string>;

describe('refresh-token flow', () => {
  it('logs in with the refresh token, refreshes on 401 with the rotated token, and hands it to onTokens', async () => {
    const grants: Form[] = [];
    const auth = nock(LOGIN)
      .post('/services/oauth2/token', (body: Form) => {
        grants.push(body);
        return true;
      })
      .reply(200, tokenAnswer({ access_token: 'AT-1', refresh_token: 'RT-2' }))
      .post('/services/oauth2/token', (body: Form) => {
        grants.push(body);
        return true;
      })
      .reply(200, tokenAnswer({ access_token: 'AT-2' }));
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .matchHeader('authorization', 'Bearer AT-1')
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }])
      .get(`${API}/queryAll`)
      .query(true)
      .matchHeader('authorization', 'Bearer AT-2')
      .reply(200, page([]));
    const told: unknown[] = [];
    const adapter = nockAdapter(undefined, {
      onTokens: (t) => {
        told.push(t);
      },
    });
    expect(await adapter.accountKey()).toBe(ORG_ID);
    expect(await adapter.findTasks(['m'])).toEqual([]);
    expect(grants[0]).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'test-refresh',
      client_id: 'test-client',
      client_secret: 'test-secret',
    });
    expect(grants[1]).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'RT-2' });
    expect(told).toEqual([
      { refreshToken: 'RT-2', instanceUrl: INSTANCE, orgId: ORG_ID, userId: USER_ID },
      { refreshToken: null, instanceUrl: INSTANCE, orgId: ORG_ID, userId: USER_ID },
    ]);
    expect(adapter.callStats().byEndpoint[`GET ${API}/queryAll`]?.statuses).toEqual({ 200: 1, 401: 1 });
    auth.done();
    api.done();
  });

  it('reports a refused grant as an auth CrmError', async () => {
    nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const err = await nockAdapter()
      .accountKey()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'auth', code: 'invalid_grant' });
  });

  it('stops with auth when the session cannot be refreshed after a 401', async () => {
    nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(200, tokenAnswer())
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'token revoked' });
    nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    await expect(nockAdapter().findTasks(['m'])).rejects.toMatchObject({
      kind: 'auth',
      status: 401,
      message: expect.stringContaining('token revoked') as unknown,
    });
  });

  it('a token endpoint that is down during a refresh is retried, not taken for a refused login', async () => {
    // Login; 401; the refresh finds the endpoint down (every attempt); the request is sent again,
    // gets a 401 again, and this time the refresh works.
    const auth = nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(200, tokenAnswer())
      .post('/services/oauth2/token')
      .times(3)
      .reply(503, 'unavailable')
      .post('/services/oauth2/token')
      .reply(200, tokenAnswer({ access_token: 'AT-2' }));
    const api = nock(INSTANCE)
      .get(`${API}/queryAll`)
      .query(true)
      .times(2)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }])
      .get(`${API}/queryAll`)
      .query(true)
      .matchHeader('authorization', 'Bearer AT-2')
      .reply(200, page([]));
    expect(await nockAdapter().findTasks(['m'])).toEqual([]);
    auth.done();
    api.done();
  });

  it('retries the token endpoint when it is unavailable', async () => {
    const auth = nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(503, 'unavailable')
      .post('/services/oauth2/token')
      .reply(200, tokenAnswer());
    expect(await nockAdapter().accountKey()).toBe(ORG_ID);
    auth.done();
  });

  it.each([
    ["a JSON error (Salesforce's unknown_error)", { error: 'unknown_error', error_description: 'retry your request' }],
    ['a JSON array', [{ message: 'An unexpected error occurred', errorCode: 'UNKNOWN_EXCEPTION' }]],
  ])('retries an HTTP 500 with %s: it is not a refused login', async (_name, body) => {
    // found by the reliability suite: jsforce's OAuth client dropped the status of JSON error bodies
    const auth = nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(500, body)
      .post('/services/oauth2/token')
      .reply(200, tokenAnswer());
    expect(await nockAdapter().accountKey()).toBe(ORG_ID);
    auth.done();
  });
});

describe('JWT bearer flow', () => {
  it('signs the assertion with the key (RS256): iss = client id, sub = username, aud = login URL, short expiry', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    let form: Form = {};
    const auth = nock(LOGIN)
      .post('/services/oauth2/token', (body: Form) => {
        form = body;
        return true;
      })
      .reply(200, tokenAnswer());
    const now = Date.parse('2026-06-01T12:00:00Z');
    // Newlines written as \n, as environment variables often carry a PEM.
    const adapter = nockAdapter(undefined, {
      credentials: {
        flow: 'jwt',
        clientId: 'consumer-key',
        username: 'integration@acme.example',
        privateKey: pem.replace(/\n/g, '\\n'),
      },
      now: () => now,
    });
    expect(await adapter.accountKey()).toBe(ORG_ID);
    expect(form['grant_type']).toBe(JWT_BEARER_GRANT);
    const [header = '', claims = '', signature = ''] = (form['assertion'] ?? '').split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: 'consumer-key',
      sub: 'integration@acme.example',
      aud: LOGIN,
      exp: now / 1000 + 180,
    });
    const verified = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), Buffer.from(signature, 'base64url'));
    expect(verified).toBe(true);
    auth.done();
  });

  it('refuses a key that is not a PEM private key as a config error', () => {
    expect(() =>
      nockAdapter(undefined, { credentials: { flow: 'jwt', clientId: 'c', username: 'u', privateKey: 'not a key' } }),
    ).toThrow(ConfigError);
  });
});

describe('client-credentials flow', () => {
  it('asks for a token with the consumer key and secret, takes org and instance from the answer, and asks again on 401', async () => {
    const grants: Form[] = [];
    const other = 'https://acme-dev-ed.develop.my.salesforce.com';
    const auth = nock(LOGIN)
      .post('/services/oauth2/token', (body: Form) => {
        grants.push(body);
        return true;
      })
      .reply(200, tokenAnswer({ access_token: 'CC-1', instance_url: other, scope: 'api' }))
      .post('/services/oauth2/token', (body: Form) => {
        grants.push(body);
        return true;
      })
      .reply(200, tokenAnswer({ access_token: 'CC-2', instance_url: other, scope: 'api' }));
    const api = nock(other)
      .get(`${API}/queryAll`)
      .query(true)
      .matchHeader('authorization', 'Bearer CC-1')
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }])
      .get(`${API}/queryAll`)
      .query(true)
      .matchHeader('authorization', 'Bearer CC-2')
      .reply(200, page([]));
    const told: unknown[] = [];
    const adapter = nockAdapter(undefined, {
      credentials: { flow: 'client_credentials', clientId: 'eca-key', clientSecret: 'eca-secret' },
      onTokens: (t) => {
        told.push(t);
      },
    });
    expect(await adapter.accountKey()).toBe(ORG_ID);
    expect(await adapter.findTasks(['m'])).toEqual([]);
    expect(grants).toEqual([
      { grant_type: 'client_credentials', client_id: 'eca-key', client_secret: 'eca-secret' },
      { grant_type: 'client_credentials', client_id: 'eca-key', client_secret: 'eca-secret' },
    ]);
    expect(told[0]).toEqual({ refreshToken: null, instanceUrl: other, orgId: ORG_ID, userId: USER_ID });
    auth.done();
    api.done();
  });

  it('names the flow in a refused grant', async () => {
    nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' });
    const adapter = nockAdapter(undefined, {
      credentials: { flow: 'client_credentials', clientId: 'eca-key', clientSecret: 'eca-secret' },
    });
    const err = await adapter.accountKey().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).kind).toBe('auth');
    expect((err as CrmError).message).toContain(
      'Salesforce login (client credentials) refused (HTTP 400 invalid_grant)',
    );
  });
});

describe('credentials and URLs', () => {
  it('chooses the flow: crm.salesforce.auth, else JWT when SF_JWT_KEY is set, else refresh token, else client credentials', () => {
    const all = { SF_CLIENT_ID: 'c', SF_CLIENT_SECRET: 's', SF_REFRESH_TOKEN: 'r', SF_USERNAME: 'u', SF_JWT_KEY: 'k' };
    expect(credentialsFromEnv(all).flow).toBe('jwt');
    expect(credentialsFromEnv({ ...all, SF_JWT_KEY: '' }).flow).toBe('refresh_token');
    expect(credentialsFromEnv({ SF_CLIENT_ID: 'c', SF_CLIENT_SECRET: 's' })).toEqual({
      flow: 'client_credentials',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(credentialsFromEnv(all, 'client_credentials')).toEqual({
      flow: 'client_credentials',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(credentialsFromEnv(all, 'refresh_token').flow).toBe('refresh_token');
  });

  it('names each missing variable of the configured flow', () => {
    const issues = salesforceCredentialIssues(
      { SF_CLIENT_ID: 'c', SF_USERNAME: 'u' },
      salesforceSettings({ salesforce: { auth: 'client_credentials' } }),
    );
    expect(issues).toEqual([
      {
        path: 'SF_CLIENT_SECRET',
        message:
          'is not set: crm.salesforce.auth is client_credentials (client credentials flow), which needs SF_CLIENT_ID, SF_CLIENT_SECRET',
      },
    ]);
    expect(
      salesforceCredentialIssues(
        { SF_CLIENT_ID: 'c', SF_CLIENT_SECRET: 's' },
        salesforceSettings({ salesforce: { auth: 'jwt' } }),
      ).map((i) => i.path),
    ).toEqual(['SF_USERNAME', 'SF_JWT_KEY']);
    expect(() => salesforceConfig({ salesforce: { auth: 'password' } })).toThrow(
      /crm\.salesforce\.auth.*must be client_credentials, jwt or refresh_token/s,
    );
  });

  it('takes JWT or refresh-token credentials from the environment, and says what is missing', () => {
    expect(credentialsFromEnv({ SF_CLIENT_ID: 'c', SF_USERNAME: 'u', SF_JWT_KEY: 'k' })).toEqual({
      flow: 'jwt',
      clientId: 'c',
      username: 'u',
      privateKey: 'k',
    });
    expect(credentialsFromEnv({ SF_CLIENT_ID: 'c', SF_CLIENT_SECRET: 's', SF_REFRESH_TOKEN: 'r' })).toEqual({
      flow: 'refresh_token',
      clientId: 'c',
      clientSecret: 's',
      refreshToken: 'r',
    });
    // Neither SF_JWT_KEY nor SF_REFRESH_TOKEN: client credentials by default, which needs the secret.
    expect(() => credentialsFromEnv({ SF_CLIENT_ID: 'c' })).toThrow(
      /SF_CLIENT_SECRET is not set for the client credentials flow.*crm\.salesforce\.auth/,
    );
  });

  it('always sends the configured API version, to the configured instance URL when one is set', async () => {
    const config = salesforceConfig({
      salesforce: { apiVersion: '62.0', instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com' },
    });
    login();
    const api = nock('https://acme--uat.sandbox.my.salesforce.com')
      .get('/services/data/v62.0/queryAll')
      .query(true)
      .reply(200, page([]));
    await nockAdapter(config, { instanceUrl: undefined }).findTasks(['m']);
    api.done();
  });
});
