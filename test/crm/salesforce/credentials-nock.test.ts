// A refresh token Salesforce rotates survives a restart (issue 5: persist rotated refresh tokens).
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createSalesforceAdapter } from '../../../src/crm/salesforce/adapter.ts';
import { silentLogger } from '../../../src/log.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { storeCredentials } from '../../../src/sync/credentials.ts';
import { storeTargets, TestClock } from '../../sync/helpers.ts';
import { salesforceSettings } from './helpers.ts';
import { LOGIN, tokenAnswer, useStrictNock } from './nock-helpers.ts';

useStrictNock();

const env = (refresh: string) => ({
  SF_CLIENT_ID: 'client-1',
  SF_CLIENT_SECRET: 'secret-1',
  SF_REFRESH_TOKEN: refresh,
});
const settings = salesforceSettings({ salesforce: { loginUrl: LOGIN } });

/** The login server expects this refresh token and answers with `next` as the rotated one. */
function tokenEndpoint(expected: string, next: string | null): nock.Scope {
  return nock(LOGIN)
    .post('/services/oauth2/token', (body: Record<string, string>) => body['refresh_token'] === expected)
    .reply(200, tokenAnswer(next === null ? {} : { refresh_token: next }));
}

describe.each(storeTargets())('rotated Salesforce refresh tokens on $name', (target) => {
  it('are kept in the store, used after a restart, and give way to a new token in the environment', async () => {
    const store = await openStore(target.url());
    const vault = storeCredentials(store, new TestClock('2026-03-01T00:00:00Z'));
    const name = 'salesforce:refresh-token:client-1';
    // isolate from other runs sharing a PostgreSQL database
    await store.saveCredential(name, { value: 'unused', basis: 'none' }, 0);
    try {
      // first process: starts from the environment's token, Salesforce rotates it
      const first = tokenEndpoint('env-token', 'rotated-1');
      const a = await createSalesforceAdapter({
        ...settings,
        env: env('env-token'),
        logger: silentLogger(),
        dataDir: '/tmp',
        credentials: vault,
      });
      expect(await a.accountKey()).toMatch(/^00D/);
      await a.close();
      first.done();
      expect(await vault.current(name, 'env-token')).toBe('rotated-1');

      // a restart with the same environment uses the rotated token, not the revoked one
      const second = tokenEndpoint('rotated-1', null);
      const b = await createSalesforceAdapter({
        ...settings,
        env: env('env-token'),
        logger: silentLogger(),
        dataDir: '/tmp',
        credentials: vault,
      });
      await b.accountKey();
      await b.close();
      second.done();

      // an operator who puts a new token in the environment is not overruled by the stored one
      const third = tokenEndpoint('brand-new-token', null);
      const c = await createSalesforceAdapter({
        ...settings,
        env: env('brand-new-token'),
        logger: silentLogger(),
        dataDir: '/tmp',
        credentials: vault,
      });
      await c.accountKey();
      await c.close();
      third.done();
    } finally {
      await store.close();
    }
  });

  it("an adapter that another one's rotation overtook asks with the stored token (serve's adapter and a run's worker)", async () => {
    const store = await openStore(target.url());
    const vault = storeCredentials(store, new TestClock('2026-03-01T00:00:00Z'));
    const name = 'salesforce:refresh-token:client-1';
    await store.saveCredential(name, { value: 'unused', basis: 'none' }, 0);
    const adapter = () =>
      createSalesforceAdapter({
        ...settings,
        env: env('env-token'),
        logger: silentLogger(),
        dataDir: '/tmp',
        credentials: vault,
      });
    try {
      // both built from the environment's token before either asked for a session
      const service = await adapter();
      const run = await adapter();
      const first = tokenEndpoint('env-token', 'rotated-1');
      await run.accountKey();
      first.done();
      await run.close();
      // the service's adapter still holds env-token in memory, which Salesforce revoked
      const second = tokenEndpoint('rotated-1', 'rotated-2');
      await service.accountKey();
      second.done();
      await service.close();
      expect(await vault.current(name, 'env-token')).toBe('rotated-2');
    } finally {
      await store.close();
    }
  });
});
