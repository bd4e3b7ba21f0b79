// Issue 14: with the default config, everything partnersync asks HubSpot (provision, a full, an
// incremental and a targeted sync, the OAuth refresh, the account lookup) is on the 2026-09
// generation's paths. The sandbox records every request by route; any route off the allow-list
// fails the test. The same flow on `apiVersion: legacy` shows that the check does catch paths.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/log.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { testConfig } from './helpers.ts';

/**
 * The paths partnersync may call (issue 14): the CRM, account-info and OAuth families on 2026-09,
 * the webhooks journal on 2026-03, and the v1 token endpoint (the journal's client credentials).
 */
const ALLOWED: readonly RegExp[] = [
  /^(GET|POST|PATCH|PUT|DELETE) \/(crm\/[a-z-]+|account-info|oauth)\/2026-09\//,
  /^(GET|POST|PATCH|PUT|DELETE) \/webhooks-journal\/[a-z-]+(\/[a-z-]+)?\/2026-03(\/|$)/,
  /^POST \/oauth\/v1\/token$/,
];

/** Routes the sandbox saw that are not on the allow-list (its own control routes aside). */
function offList(routes: readonly string[]): string[] {
  return routes.filter((r) => !r.includes(' /__sandbox/') && !ALLOWED.some((p) => p.test(r)));
}

const OAUTH_ENV = {
  HUBSPOT_CLIENT_ID: 'paths-test-client',
  HUBSPOT_CLIENT_SECRET: 'paths-test-secret',
  HUBSPOT_REFRESH_TOKEN: 'paths-test-refresh',
};

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({
    crm: 'hubspot',
    seed: 11,
    partners: 10,
    deals: 120,
    anchor: '2026-11-01T00:00:00Z',
  });
});
afterAll(async () => {
  await sandbox.stop();
});

function config(apiVersion: string | null) {
  const program = readFileSync('config/examples/program.yaml', 'utf8');
  const version = apiVersion === null ? '' : `, apiVersion: ${apiVersion}`;
  // No portalId: the adapter asks account-info for it.
  return testConfig(
    `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", searchLagSeconds: 0, searchOverlapSeconds: 0${version} }\n`,
  );
}

/** provision, full, incremental and targeted syncs; answers the routes they called. */
async function everything(apiVersion: string | null): Promise<{ routes: string[]; written: number }> {
  const before = new Set(Object.keys(sandbox.state.stats().byRoute));
  const cfg = config(apiVersion);
  const deps = { env: readEnv(OAUTH_ENV), logger: silentLogger(), dataDir: '/tmp' };
  const crm = await createCrmAdapter(cfg, deps);
  // A store of its own: each flow starts from nothing, as a new deployment would.
  const store: KyselyStore = await openStore('sqlite::memory:');
  const sync = (options: Parameters<typeof runSync>[1]) =>
    runSync({ crm, store, clock: systemClock, logger: silentLogger(), config: cfg }, options);
  const plan = await crm.provision({ dryRun: false });
  expect(plan.applied).toBe(true);
  const full = await sync({ full: true });
  expect(full.status).toBe('succeeded');
  const changed = sandbox.state.mutate(10);
  const incremental = await sync({});
  expect(incremental.status).toBe('succeeded');
  expect(incremental.report.pull.deals).toBeGreaterThanOrEqual(10);
  const targeted = await sync({ targeted: { deals: changed.slice(0, 3), partners: [] } });
  expect(targeted.status).toBe('succeeded');
  await crm.close();
  await store.close();
  // Runs share one sandbox: the routes this flow was the first to call.
  return {
    routes: Object.keys(sandbox.state.stats().byRoute).filter((r) => !before.has(r)),
    written: full.report.writeBack.partners + full.report.writeBack.deals,
  };
}

describe('HubSpot paths (issue 14)', () => {
  it('with the default config, provision and full, incremental and targeted syncs call only allow-listed paths', async () => {
    const { routes, written } = await everything(null);
    expect(written).toBeGreaterThan(0);
    expect(routes.length).toBeGreaterThan(8);
    expect(offList(routes)).toEqual([]);
    // the OAuth refresh, the account lookup, search, list, batch writes and associations were all exercised
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /oauth/2026-09/token',
        'GET /account-info/2026-09/details',
        'POST /crm/objects/2026-09/companies/search',
        'GET /crm/objects/2026-09/deals',
        'POST /crm/objects/2026-09/deals/batch/update',
        'POST /crm/objects/2026-09/deals/batch/read',
        'POST /crm/associations/2026-09/deals/companies/batch/read',
        'GET /crm/pipelines/2026-09/deals',
      ]),
    );
  });

  it('the check catches other paths: the same flow on apiVersion legacy is refused route by route', async () => {
    const refused = offList((await everything('legacy')).routes);
    expect(refused).toEqual(expect.arrayContaining(['GET /crm/v3/objects/deals', 'GET /account-info/v3/details']));
    expect(refused.some((r) => r.startsWith('POST /crm/v4/associations/'))).toBe(true);
  });
});
