// A running service over a SQLite store and the fake CRM, for HTTP tests.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { readEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { openStore } from '../../src/store/open-store.ts';
import { PROGRAM_YAML, seedCrm, testConfig, TestClock } from '../sync/helpers.ts';

export const TOKENS = {
  viewer: 'viewer-token-0123456789abcdef',
  finance: 'finance-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};
export const WEBHOOK_SECRET = 'hubspot-app-secret-for-tests';

export interface TestService extends Service {
  storeUrl: string;
  fake: FakeCrm;
  clock: TestClock;
  get: (path: string, token?: string) => Promise<Response>;
  post: (path: string, token?: string, body?: unknown) => Promise<Response>;
}

export async function startTestService(
  options: {
    crm?: FakeCrm;
    seed?: (crm: FakeCrm) => void;
    /** PARTNERSYNC_TOKENS instead of the three unnamed test tokens. */
    tokens?: string;
    /** An existing store (a restart) instead of a new one. */
    storeUrl?: string;
    /** Appended to the test config. */
    extraYaml?: string;
    /** The config's `server:` block. */
    server?: Record<string, unknown>;
  } = {},
): Promise<TestService> {
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-http-'));
  const storeUrl = options.storeUrl ?? `sqlite:${path.join(dir, 'store.db')}`;
  const server = options.server === undefined ? '' : `server: ${JSON.stringify(options.server)}\n`;
  const config = testConfig(PROGRAM_YAML + server + (options.extraYaml ?? ''), { url: storeUrl });
  const fake = options.crm ?? new FakeCrm({ account: 'acct-http', pageSize: 50 });
  (options.seed ?? seedCrm)(fake);
  const clock = new TestClock('2026-03-20T12:00:00Z');
  // one sync before the service starts, so the read routes have data
  const store = await openStore(storeUrl);
  await runSync({ crm: fake, store, clock, logger: silentLogger(), config });
  await store.close();
  const env = readEnv({
    PARTNERSYNC_TOKENS: options.tokens ?? `viewer:${TOKENS.viewer},finance:${TOKENS.finance},admin:${TOKENS.admin}`,
    HUBSPOT_CLIENT_SECRET: WEBHOOK_SECRET,
  });
  const service = await startService({
    config,
    env,
    logger: silentLogger(),
    cwd: dir,
    clock,
    port: 0,
    scheduler: false,
    webhookDebounceMs: 10,
    crm: fake,
  });
  const headers = (token?: string): Record<string, string> =>
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  return {
    ...service,
    storeUrl,
    fake,
    clock,
    get: (p, token) => fetch(`${service.url}${p}`, { headers: headers(token) }),
    post: (p, token, body) =>
      fetch(`${service.url}${p}`, {
        method: 'POST',
        headers: { ...headers(token), 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}
